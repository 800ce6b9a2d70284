"""Multi-digit addition with the pointer tool: three pointers, every next action decided by the last
few tokens (see docs/tasks.md for the format and a worked example).

Tokens: digits 0-9, "+", "=", "^" (left of the tape), "$" (past its end), "[ANS]", "<eos>", the carry
thoughts "C0" "C1", and the commands R1 L1 D1 R2 L2 D2 R3 L3 D3 (move right, move left, read).
The prompt is the two numbers, most significant digit first: "3 7 + 5 =".
"""
from .trajectory import Trajectory

VOCAB = ([str(d) for d in range(10)] + ["+", "=", "^", "$", "[ANS]", "<eos>", "C0", "C1"] +
         [f"{c}{k}" for k in (1, 2, 3) for c in ("R", "L", "D")])
DIGITS = set(str(d) for d in range(10))

PROTOCOL = {
    "type": "pointer",
    "pointers": {f"p{k}": {"left": f"L{k}", "right": f"R{k}", "read": f"D{k}"} for k in (1, 2, 3)},
    "before_start": "^", "past_end": "$", "answer": "[ANS]", "stop": "<eos>",
}


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


def draw(rng, number, digits):
    """An evaluation problem: both operands exactly `digits` digits."""
    return number(rng, digits), number(rng, digits)


def draw_training(rng, number, max_digits):
    """A training problem: each operand's length drawn from 1..max_digits on its own."""
    a = number(rng, rng.randint(1, max_digits))
    return a, number(rng, rng.randint(1, max_digits))


def prompt_tokens(a, b):
    return list(a) + ["+"] + list(b) + ["="]


def trajectory(a, b):
    """The trajectory that adds the decimal strings a and b."""
    prompt = prompt_tokens(a, b)
    t = Trajectory()
    t.add("prompt", *prompt)
    tape = Tape(prompt)

    def move(k, direction):
        t.add("command", f"{'R' if direction > 0 else 'L'}{k}")
        (tape.right if direction > 0 else tape.left)(k)

    def read(k):
        t.add("command", f"D{k}")
        value = tape.read(k)
        t.add("observation", value)
        return value

    def write(role, *tokens):
        t.add(role, *tokens)
        tape.cells.extend(tokens)

    # 1. Pointer 1 walks right reading until "+", then steps back onto the last digit of a.
    while True:
        move(1, +1)
        if read(1) == "+":
            break
    move(1, -1)
    # 2. Pointer 2 walks right reading until "=", then steps back onto the last digit of b.
    while True:
        move(2, +1)
        if read(2) == "=":
            break
    move(2, -1)
    # 3. Columns: read both digits (a non-digit counts 0 and its pointer stays), write sum and carry.
    carry = 0
    while True:
        x, y = read(1), read(2)
        if x not in DIGITS and y not in DIGITS:
            break
        s = (int(x) if x in DIGITS else 0) + (int(y) if y in DIGITS else 0) + carry
        carry = s // 10
        write("thought", str(s % 10), f"C{carry}")
        if x in DIGITS:
            move(1, -1)
        if y in DIGITS:
            move(2, -1)
    if carry:
        write("thought", "1", "C0")
    write("thought", "[ANS]")
    # 4. Pointer 3 walks right to [ANS], then back left writing each sum digit, skipping carries,
    #    until it reads "=".
    while True:
        move(3, +1)
        if read(3) == "[ANS]":
            break
    while True:
        move(3, -1)
        v = read(3)
        if v == "=":
            break
        if v in DIGITS:
            write("output", v)
    t.add("stop", "<eos>")
    return t


def answer(a, b):
    return list(str(int(a) + int(b)))
