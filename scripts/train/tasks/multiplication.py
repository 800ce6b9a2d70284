"""n x 1 multiplication with the pointer tool (task "multiply1"): the first operand any length, the
second one digit; every next action decided by the last few tokens (docs/tasks.md has the format and
a worked example).

Tokens: digits 0-9, "*", "=", "^" (left of the tape), "$" (past its end), "[ANS]", "<eos>", the carry
thoughts "C0".."C8", and the commands R1 L1 D1 R2 L2 D2 R3 L3 D3 (move right, move left, read).
The prompt is the two numbers, most significant digit first: "3 7 * 5 =".
"""
from .addition import Tape
from .trajectory import Trajectory

VOCAB = ([str(d) for d in range(10)] + ["*", "=", "^", "$", "[ANS]", "<eos>"] +
         [f"C{c}" for c in range(9)] + [f"{c}{k}" for k in (1, 2, 3) for c in ("R", "L", "D")])
DIGITS = set(str(d) for d in range(10))

def draw(rng, number, digits):
    """An evaluation problem: the first operand exactly `digits` digits, the second a digit 1-9 (a zero
    would make the product's leading zeros part of the answer)."""
    return number(rng, digits), str(rng.randint(1, 9))


def draw_training(rng, number, max_digits):
    """A training problem: the first operand of 1..max_digits digits, the second a digit 1-9."""
    return number(rng, rng.randint(1, max_digits)), str(rng.randint(1, 9))

PROTOCOL = {
    "type": "pointer",
    "pointers": {f"p{k}": {"left": f"L{k}", "right": f"R{k}", "read": f"D{k}"} for k in (1, 2, 3)},
    "before_start": "^", "past_end": "$", "answer": "[ANS]", "stop": "<eos>",
}


def prompt_tokens(a, b):
    return list(a) + ["*"] + list(b) + ["="]


def trajectory(a, b):
    """The trajectory that multiplies the decimal string a by the one-digit string b."""
    assert len(b) == 1
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

    # 1. Pointer 1 walks right reading until "*", then steps back onto the last digit of a.
    while True:
        move(1, +1)
        if read(1) == "*":
            break
    move(1, -1)
    # 2. Pointer 2 walks right reading until "=", then steps back onto b.
    while True:
        move(2, +1)
        if read(2) == "=":
            break
    move(2, -1)
    # 3. Columns, right to left: read a digit of a and b, write the product digit and the carry
    #    (x * b + carry = 10 * carry' + digit, carry' at most 8), move pointer 1 left. When pointer 1
    #    reads "^", a remaining carry is written as its digit and C0.
    carry = 0
    while True:
        x, y = read(1), read(2)
        if x not in DIGITS:
            break
        s = int(x) * int(y) + carry
        carry = s // 10
        write("thought", str(s % 10), f"C{carry}")
        move(1, -1)
    if carry:
        write("thought", str(carry), "C0")
    write("thought", "[ANS]")
    # 4. Pointer 3 walks right to [ANS], then back left writing each product digit, skipping carries,
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
    return list(str(int(a) * int(b)))
