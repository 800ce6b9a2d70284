"""n x 2 long multiplication with the pointer tool (task "multiply2"): the first operand any length,
the second two digits. Two passes of the multiply1 column (one per digit of the second operand, the
second shifted by a zero) write two partial products on the tape, least significant digit first;
a pass of addition columns sums them; pointer 3 reads the sum back. docs/tasks.md has the format and
a worked example.

Tokens: those of multiply1 and "+", which ends each partial product.
The prompt is the two numbers, most significant digit first: "3 7 * 2 5 =".
"""
from .multiplication import partial_product
from .pointer import DIGITS, Recorder, prompt_tokens as pointer_prompt

VOCAB = ([str(d) for d in range(10)] + ["*", "=", "^", "$", "+", "[ANS]", "<eos>"] +
         [f"C{c}" for c in range(9)] + [f"{c}{k}" for k in (1, 2, 3) for c in ("R", "L", "D")])

PROTOCOL = {
    "type": "pointer",
    "pointers": {f"p{k}": {"left": f"L{k}", "right": f"R{k}", "read": f"D{k}"} for k in (1, 2, 3)},
    "before_start": "^", "past_end": "$", "answer": "[ANS]", "stop": "<eos>",
}


def first_operand(rng, number, digits):
    """A first operand of exactly `digits` digits, not 0 (0 times b would be written "00")."""
    while True:
        a = number(rng, digits)
        if a != "0":
            return a


def draw(rng, number, digits):
    """An evaluation problem: the first operand exactly `digits` digits (not 0), the second 10-99."""
    a = first_operand(rng, number, digits)
    return a, str(rng.randint(10, 99))


def draw_training(rng, number, max_digits):
    """A training problem: the first operand of 1..max_digits digits (not 0), the second 10-99."""
    a = first_operand(rng, number, rng.randint(1, max_digits))
    return a, str(rng.randint(10, 99))


def prompt_tokens(a, b):
    return pointer_prompt(a, "*", b)


def trajectory(a, b):
    """The trajectory that multiplies the decimal string a by the two-digit string b. Each pointer's
    walks stop at tokens the others do not (pointer 1 at "*"; pointer 2 at "="; pointer 3 at "*", "+"
    or "[ANS]"), so what a walk is for is always in its last few tokens."""
    assert len(b) == 2
    r = Recorder(prompt_tokens(a, b))
    # 1. Pointers 1 and 3 onto the last digit of a, pointer 2 onto the last digit of b.
    r.walk_right_before(1, "*")
    r.walk_right_before(3, "*")
    r.walk_right_before(2, "=")
    # 2. Pointer 1 runs over a times b's last digit; then "+" and the shift of the second partial
    #    product, "0 C0".
    partial_product(r, 1)
    r.write("thought", "+", "0", "C0")
    # 3. Pointer 2 steps onto b's first digit; pointer 3 runs over a times it; then "+".
    r.move(2, -1)
    partial_product(r, 3)
    r.write("thought", "+")
    # 4. Pointers 1 and 3 walk right together, pointer 1 reading, to "=" and step onto the first
    #    partial product; pointer 3 walks on to "+" and steps onto the second.
    while True:
        r.move(1, +1)
        r.move(3, +1)
        if r.read(1) == "=":
            break
    r.move(1, +1)
    r.move(3, +1)
    r.walk_right_to(3, "+")
    r.move(3, +1)
    # 5. Addition columns, both pointers moving right over digit and carry, until pointer 3 reads the
    #    second "+" (a non-digit under pointer 1 counts 0 and it stays).
    carry = 0
    while True:
        x, y = r.read(1), r.read(3)
        if y not in DIGITS:
            break
        s = (int(x) if x in DIGITS else 0) + int(y) + carry
        carry = s // 10
        r.write("thought", str(s % 10), f"C{carry}")
        if x in DIGITS:
            r.move(1, +1)
            r.move(1, +1)
        r.move(3, +1)
        r.move(3, +1)
    if carry:
        r.write("thought", str(carry), "C0")
    r.write("thought", "[ANS]")
    # 6. Pointer 3 reads the product back, most significant digit first, down to the "+".
    return r.write_answer(3, "+")


def answer(a, b):
    return list(str(int(a) * int(b)))
