"""What the arithmetic tasks with the pointer tool share: the tape, the prompt, and a recorder that
writes each move and read as the model's commands and the tool's observations (the twin of
tasks/pointer_tape in recur)."""
from .trajectory import Trajectory

DIGITS = set(str(d) for d in range(10))


class Tape:
    """The pointer memory: the prompt, then every thought and output token."""

    def __init__(self, prompt):
        self.cells = list(prompt)
        self.pos = {1: 0, 2: 0, 3: 0}

    def read(self, k):
        p = self.pos[k]
        if p < 0:
            return "^"
        if p >= len(self.cells):
            return "$"
        return self.cells[p]

    def left(self, k):
        if self.pos[k] >= 0:
            self.pos[k] -= 1

    def right(self, k):
        self.pos[k] += 1


def prompt_tokens(a, operator, b):
    """The two numbers, most significant digit first, one token per digit: "3 7 + 5 ="."""
    return list(a) + [operator] + list(b) + ["="]


class Recorder:
    """A trajectory being written: starts with the prompt on the tape, every pointer on its first
    cell."""

    def __init__(self, prompt):
        self.t = Trajectory()
        self.t.add("prompt", *prompt)
        self.tape = Tape(prompt)

    def move(self, k, direction):
        self.t.add("command", f"{'R' if direction > 0 else 'L'}{k}")
        (self.tape.right if direction > 0 else self.tape.left)(k)

    def read(self, k):
        self.t.add("command", f"D{k}")
        value = self.tape.read(k)
        self.t.add("observation", value)
        return value

    def write(self, role, *tokens):
        self.t.add(role, *tokens)
        self.tape.cells.extend(tokens)

    def walk_right_to(self, k, token):
        """Moves pointer k right and reads until it reads `token`."""
        while True:
            self.move(k, +1)
            if self.read(k) == token:
                return

    def walk_right_before(self, k, token):
        """Moves pointer k right and reads until it reads `token`, then steps back onto the cell
        before it."""
        self.walk_right_to(k, token)
        self.move(k, -1)

    def write_answer(self, k=3, stop="="):
        """Pointer k walks right to [ANS], then back left writing each digit it reads as output
        (skipping carries) until it reads `stop`; then the stop token."""
        self.walk_right_to(k, "[ANS]")
        while True:
            self.move(k, -1)
            v = self.read(k)
            if v == stop:
                break
            if v in DIGITS:
                self.write("output", v)
        self.t.add("stop", "<eos>")
        return self.t
