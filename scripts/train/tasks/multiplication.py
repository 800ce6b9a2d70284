"""n x 1 multiplication with the pointer tool (task "multiply1"): the first operand any length, the
second one digit; every next action decided by the last few tokens (docs/tasks.md has the format and
a worked example).

Tokens: digits 0-9, "*", "=", "^" (left of the tape), "$" (past its end), "[ANS]", "<eos>", the carry
thoughts "C0".."C8", and the commands R1 L1 D1 R2 L2 D2 R3 L3 D3 (move right, move left, read).
The prompt is the two numbers, most significant digit first: "3 7 * 5 =".
"""
from .pointer import DIGITS, Recorder, prompt_tokens as pointer_prompt

VOCAB = ([str(d) for d in range(10)] + ["*", "=", "^", "$", "[ANS]", "<eos>"] +
         [f"C{c}" for c in range(9)] + [f"{c}{k}" for k in (1, 2, 3) for c in ("R", "L", "D")])

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
    return pointer_prompt(a, "*", b)


def partial_product(r, k):
    """The digit under pointer 2 times a, pointer k starting on a's last digit. Columns, right to
    left: read a digit of a and b, write the product digit and the carry (x * b + carry = 10 * carry'
    + digit, carry' at most 8), move pointer k left; when pointer k reads "^", a remaining carry is
    written as its digit and C0."""
    carry = 0
    while True:
        x, y = r.read(k), r.read(2)
        if x not in DIGITS:
            break
        s = int(x) * int(y) + carry
        carry = s // 10
        r.write("thought", str(s % 10), f"C{carry}")
        r.move(k, -1)
    if carry:
        r.write("thought", str(carry), "C0")


def trajectory(a, b):
    """The trajectory that multiplies the decimal string a by the one-digit string b."""
    assert len(b) == 1
    r = Recorder(prompt_tokens(a, b))
    # 1-2. Pointer 1 walks right reading until "*", pointer 2 until "="; each steps back onto the
    #      last digit of a, and onto b.
    r.walk_right_before(1, "*")
    r.walk_right_before(2, "=")
    # 3. Columns, right to left, until pointer 1 reads "^".
    partial_product(r, 1)
    r.write("thought", "[ANS]")
    # 4. Pointer 3 reads the product back, most significant digit first.
    return r.write_answer()


def answer(a, b):
    return list(str(int(a) * int(b)))
