"""Logical graph with the search tool (task "logical_graph"): evaluate a random circuit written as
Python-like lines, by depth-first search that keeps its stack in the memory (docs/tasks.md has the
format and a worked example).

A problem is (program, output): the program's lines, "v0412 = True" for the three inputs and
"v7701 = not v0412 and v5555" (one or two earlier variables, each maybe negated, joined by "and" or
"or") for the other nodes, joined by newlines; output is the last node's name. Every label is "v" and
four digits, one token each.
"""
from types import SimpleNamespace

from .search import MARKERS, PROTOCOL, Recorder  # noqa: F401

VOCAB = ([str(d) for d in range(10)] + ["v", "=", "and", "or", "not", "True", "False", "<", "?"] +
         MARKERS)
INPUTS = 3


def draw(rng, number, nodes):
    """An evaluation problem of `nodes` nodes (at least 4): three inputs, then nodes that each take
    one or two distinct earlier nodes, each negated or not, joined by "and" or "or"."""
    del number
    nodes = max(nodes, INPUTS + 1)
    names = [f"v{label:04d}" for label in rng.sample(range(10000), nodes)]
    lines = [f"{names[i]} = {rng.choice(['True', 'False'])}" for i in range(INPUTS)]
    for i in range(INPUTS, nodes):
        terms = [("not " if rng.randint(0, 1) else "") + names[j] for j in rng.sample(range(i), rng.randint(1, 2))]
        expr = terms[0] if len(terms) == 1 else f"{terms[0]} {rng.choice(['and', 'or'])} {terms[1]}"
        lines.append(f"{names[i]} = {expr}")
    return "\n".join(lines), names[-1]


def draw_training(rng, number, max_nodes):
    """A training problem of 4..max_nodes nodes."""
    return draw(rng, number, rng.randint(INPUTS + 1, max(INPUTS + 1, max_nodes)))


def label(name):
    """"v0412" -> ["v", "0", "4", "1", "2"]."""
    return ["v"] + list(name[1:])


def words(line):
    """One program line as tokens: every label split into "v" and its digits."""
    out = []
    for w in line.split():
        out += label(w) if w.startswith("v") else [w]
    return out


def prompt_tokens(program, output):
    """The program's lines, then the question "? v7701", each line ended by [NL]."""
    tokens = []
    for line in program.split("\n"):
        tokens += words(line) + ["[NL]"]
    return tokens + ["?"] + label(output) + ["[NL]"]


def parse(program):
    """name -> (operands [(negated, name)], "and"/"or"/None) for the nodes, name -> bool for the inputs."""
    definitions, values = {}, {}
    for line in program.split("\n"):
        name, expr = line.split(" = ")
        if expr in ("True", "False"):
            values[name] = expr == "True"
            continue
        w = expr.split()
        operands, op, negated = [], None, False
        for x in w:
            if x == "not":
                negated = True
            elif x in ("and", "or"):
                op = x
            else:
                operands.append((negated, x))
                negated = False
        definitions[name] = (operands, op)
    return definitions, values


def value_of(definition, values):
    operands, op = definition
    terms = [values[x] != negated for negated, x in operands]
    if op == "and":
        return terms[0] and terms[1]
    if op == "or":
        return terms[0] or terms[1]
    return terms[0]


def evaluation(definition, values, value):
    """The gate with its operands' values put in, then "=" and its value: "True and not True = False"
    for "v6061 = v2136 and not v8916" with both operands True."""
    operands, op = definition
    words = []
    for i, (negated, x) in enumerate(operands):
        if i:
            words.append(op)
        words += (["not"] if negated else []) + [str(values[x])]
    return words + ["=", str(value)]


def trajectory(program, output, evaluate=False):
    """Depth-first search from the output. Look up the current node's line; look up each operand's
    lines; the first operand without a value line is descended into, after writing "x < current"
    (the way back); when every operand has a value, write "current = value" and find "current <" to
    go back up. The output has no way back: its value is the answer. With `evaluate`, the line
    "current = value" is preceded by the gate's evaluation (see evaluation()), so that the value is
    decided by the few tokens just written."""
    r = Recorder(prompt_tokens(program, output))
    definitions, values = parse(program)
    current = output
    while True:
        r.find(label(current) + ["="])
        child = None
        for _, x in definitions[current][0]:
            r.find(label(x) + ["="])
            if x not in values:
                child = x
                break
        if child is not None:
            r.write_line(*label(child), "<", *label(current))
            current = child
            continue
        value = value_of(definitions[current], values)
        if evaluate:
            r.write_line(*evaluation(definitions[current], values, value))
        values[current] = value
        r.write_line(*label(current), "=", str(values[current]))
        way_back = r.find(label(current) + ["<"])
        if not way_back:
            r.t.add("output", str(values[current]))
            r.t.add("stop", "<eos>")
            return r.t
        current = "v" + "".join(way_back[0][-4:])


def answer(program, output):
    definitions, values = parse(program)
    for name in definitions:  # the lines are in order: every operand is defined before its use
        values[name] = value_of(definitions[name], values)
    return [str(values[output])]


# "logical_graph_eval": the same problems and search, with the gate's evaluation written out.
evaluated = SimpleNamespace(VOCAB=VOCAB, PROTOCOL=PROTOCOL, draw=draw, draw_training=draw_training,
                            prompt_tokens=prompt_tokens, trajectory=lambda p, o: trajectory(p, o, evaluate=True),
                            answer=answer)
