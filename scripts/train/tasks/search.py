"""What the tasks with the search tool share: the line memory (the prompt's lines, then every line the
model writes) and a recorder that writes each find as the model's command and the tool's observation
(the twin of tasks/search_memory in recur, and of recur's search protocol)."""
from .trajectory import Trajectory

MARKERS = ["[NL]", "[COMMAND]", "find", "[VALUE]", "[END]", "[OBSERVATION]", "[MORE]", "<eos>"]
MAX_LINES = 8

PROTOCOL = {
    "type": "search", "command": "[COMMAND]", "find": "find", "value": "[VALUE]", "end": "[END]",
    "observation": "[OBSERVATION]", "line": "[NL]", "stop": "<eos>", "max_lines": MAX_LINES,
    "truncated": "[MORE]",
}


def contains(line, value):
    n = len(value)
    return any(line[i:i + n] == value for i in range(len(line) - n + 1))


def prompt_lines(prompt):
    """The memory's first lines: the prompt split at [NL] (a last line without one counts too)."""
    lines, line = [], []
    for w in prompt:
        if w == "[NL]":
            lines.append(line)
            line = []
        else:
            line.append(w)
    if line:
        lines.append(line)
    return lines


def answer(lines, value):
    """The lines containing the token sequence `value`, and the observation that lists them:
    "[OBSERVATION]", each line followed by [NL] (at most MAX_LINES, then [MORE]), "[END]"."""
    hits = [line for line in lines if contains(line, value)]
    tokens = ["[OBSERVATION]"]
    for line in hits[:MAX_LINES]:
        tokens += line + ["[NL]"]
    if len(hits) > MAX_LINES:
        tokens.append("[MORE]")
    return hits, tokens + ["[END]"]


class Recorder:
    """A trajectory being written: starts with the prompt, whose lines (each ended by [NL]) are the
    memory's first lines."""

    def __init__(self, prompt):
        self.t = Trajectory()
        self.t.add("prompt", *prompt)
        self.lines = prompt_lines(prompt)

    def find(self, value):
        """The command "[COMMAND] find [VALUE] value [END]" and its observation: "[OBSERVATION]", every
        line containing the token sequence `value` followed by [NL] (at most MAX_LINES, then [MORE]),
        "[END]". Returns the lines found."""
        self.t.add("command", "[COMMAND]", "find", "[VALUE]", *value, "[END]")
        hits, tokens = answer(self.lines, value)
        self.t.add("observation", *tokens)
        return hits

    def write_line(self, *tokens):
        """A line the model writes to the memory, ended by [NL]."""
        self.t.add("thought", *tokens, "[NL]")
        self.lines.append(list(tokens))
