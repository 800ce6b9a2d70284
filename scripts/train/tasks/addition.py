"""Multi-digit addition with the pointer tool: three pointers, every next action decided by the last
few tokens (see docs/tasks.md for the format and a worked example).

Tokens: digits 0-9, "+", "=", "^" (left of the tape), "$" (past its end), "[ANS]", "<eos>", the carry
thoughts "C0" "C1", and the commands R1 L1 D1 R2 L2 D2 R3 L3 D3 (move right, move left, read).
The prompt is the two numbers, most significant digit first: "3 7 + 5 =".
"""
from .pointer import DIGITS, Recorder, prompt_tokens as pointer_prompt

VOCAB = ([str(d) for d in range(10)] + ["+", "=", "^", "$", "[ANS]", "<eos>", "C0", "C1"] +
         [f"{c}{k}" for k in (1, 2, 3) for c in ("R", "L", "D")])

PROTOCOL = {
    "type": "pointer",
    "pointers": {f"p{k}": {"left": f"L{k}", "right": f"R{k}", "read": f"D{k}"} for k in (1, 2, 3)},
    "before_start": "^", "past_end": "$", "answer": "[ANS]", "stop": "<eos>",
}


def draw(rng, number, digits):
    """An evaluation problem: both operands exactly `digits` digits."""
    return number(rng, digits), number(rng, digits)


def draw_training(rng, number, max_digits):
    """A training problem: each operand's length drawn from 1..max_digits on its own."""
    a = number(rng, rng.randint(1, max_digits))
    return a, number(rng, rng.randint(1, max_digits))


def prompt_tokens(a, b):
    return pointer_prompt(a, "+", b)


def trajectory(a, b, reader=3):
    """The trajectory that adds the decimal strings a and b; pointer `reader` reads the sum back (3;
    2 for the two-pointer ablation)."""
    r = Recorder(prompt_tokens(a, b))
    # 1-2. Pointers 1 and 2 walk right reading until "+" and "=", then step back onto the last
    #      digits of a and b.
    r.walk_right_before(1, "+")
    r.walk_right_before(2, "=")
    # 3. Columns: read both digits (a non-digit counts 0 and its pointer stays), write sum and carry.
    carry = 0
    while True:
        x, y = r.read(1), r.read(2)
        if x not in DIGITS and y not in DIGITS:
            break
        s = (int(x) if x in DIGITS else 0) + (int(y) if y in DIGITS else 0) + carry
        carry = s // 10
        r.write("thought", str(s % 10), f"C{carry}")
        if x in DIGITS:
            r.move(1, -1)
        if y in DIGITS:
            r.move(2, -1)
    if carry:
        r.write("thought", "1", "C0")
    r.write("thought", "[ANS]")
    # 4. Pointer 3 reads the sum back, most significant digit first.
    return r.write_answer(reader)


def answer(a, b):
    return list(str(int(a) + int(b)))
