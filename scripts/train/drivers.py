"""The tool side of a closed-loop run in PyTorch, one problem at a time: each driver feeds the model
its prompt, takes each token the model writes, answers tool commands as recur's protocol does
(agent/), and collects the output. Standard library only (drivers_test.py runs them on the
reference trajectories)."""
from tasks.pointer import Tape
from tasks.search import answer, prompt_lines


class Driver:
    """What every protocol shares: the pending input, what the model generated, the output."""

    def __init__(self, vocab, prompt, max_tokens):
        self.vocab, self.index = vocab, {w: i for i, w in enumerate(vocab)}
        self.pending = [self.index[t] for t in prompt]
        self.generated, self.output = [], []
        self.done, self.max_tokens = False, max_tokens

    def next_input(self):
        return self.pending.pop(0) if self.pending else self.index["<eos>"]

    def ready_to_sample(self):
        return not self.done and not self.pending

    def on_token(self, tid):
        w = self.vocab[tid]
        self.generated.append(w)
        self.pending.append(tid)
        if len(self.generated) >= self.max_tokens:
            self.done = True
            return
        self.on_word(w)

    def force(self, words):
        self.pending += [self.index[w] for w in words]


class PointerDriver(Driver):
    """The pointer protocol: commands move and read pointers over the tape; every other token goes
    on the tape; tokens after [ANS] are the output."""

    def __init__(self, vocab, prompt, max_tokens):
        super().__init__(vocab, prompt, max_tokens)
        self.tape = Tape(prompt)
        self.answered = False

    def on_word(self, w):
        if len(w) == 2 and w[0] in "RLD" and w[1] in "123":
            k = int(w[1])
            if w[0] == "R":
                self.tape.right(k)
            elif w[0] == "L":
                self.tape.left(k)
            else:
                self.force([self.tape.read(k)])
            return
        self.tape.cells.append(w)
        if w == "<eos>":
            self.done = True
        elif w == "[ANS]":
            self.answered = True
        elif self.answered:
            self.output.append(w)


class SearchDriver(Driver):
    """The search protocol: "[COMMAND] find [VALUE] x [END]" is answered with every memory line that
    contains x; other tokens write lines ([NL] ends one); the output is the last line written."""

    def __init__(self, vocab, prompt, max_tokens):
        super().__init__(vocab, prompt, max_tokens)
        self.lines = prompt_lines(prompt)
        self.current, self.mode, self.value = [], "text", []

    def on_word(self, w):
        if self.mode == "command":
            if w == "find":
                return
            if w == "[VALUE]":
                self.mode, self.value = "value", []
                return
            self.mode = "text"
            self.force(["[OBSERVATION]", "[END]"])
            return
        if self.mode == "value":
            if w != "[END]":
                self.value.append(w)
                return
            self.mode = "text"
            self.force(answer(self.lines, self.value)[1])
            return
        if w == "[COMMAND]":
            self.mode = "command"
        elif w == "<eos>":
            if self.current:
                self.output = list(self.current)
            self.done = True
        elif w == "[NL]":
            self.output = list(self.current)
            self.lines.append(self.current)
            self.current = []
        else:
            self.current.append(w)


class CalculatorDriver(Driver):
    """The calculator protocol: "[CALL] digits operator digits [END]" is answered "[OBSERVATION] result
    [END]", one token per character (Python's integers stand in for recur's bigint tool), or with
    "[ERROR]" in place of the result; tokens after [ANS] are the output."""

    OPS = {"add": lambda x, y: x + y, "sub": lambda x, y: x - y, "mul": lambda x, y: x * y}

    def __init__(self, vocab, prompt, max_tokens, protocol):
        super().__init__(vocab, prompt, max_tokens)
        self.p = protocol
        self.call, self.answered = None, False

    def result(self):
        """The answer to the call written: None unless it is digits, one operator, digits, and the
        result's characters are tokens."""
        ops = [i for i, w in enumerate(self.call) if w in self.p["operators"]]
        if len(ops) != 1 or any(len(w) != 1 for w in self.call):
            return None
        a, b = "".join(self.call[:ops[0]]), "".join(self.call[ops[0] + 1:])
        if not (a.isdigit() and b.isdigit()):
            return None
        value = str(self.OPS[self.p["operators"][self.call[ops[0]]]](int(a), int(b)))
        return value if all(c in self.index for c in value) else None

    def on_word(self, w):
        if self.call is not None:
            if w != self.p["end"]:
                self.call.append(w)
                return
            value = self.result()
            self.call = None
            self.force([self.p["observation"]] + (list(value) if value else [self.p["error"]]) + [self.p["end"]])
            return
        if w == self.p["call"]:
            self.call = []
        elif w == self.p["stop"]:
            self.done = True
        elif w == self.p["answer"]:
            self.answered = True
        elif self.answered:
            self.output.append(w)


class PlainDriver(Driver):
    """No tool: every token the model writes is output, until the stop token."""

    def on_word(self, w):
        if w == "<eos>":
            self.done = True
        else:
            self.output.append(w)


DRIVERS = {"pointer": PointerDriver, "search": SearchDriver, "plain": PlainDriver}


def driver_for(task):
    """A callable (vocab, prompt, max_tokens) -> the driver of the task's protocol."""
    if task.PROTOCOL["type"] == "calculator":
        return lambda vocab, prompt, max_tokens: CalculatorDriver(vocab, prompt, max_tokens, task.PROTOCOL)
    return DRIVERS[task.PROTOCOL["type"]]
