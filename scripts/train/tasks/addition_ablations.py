"""The ablations of addition with the pointer tool (docs/tasks.md): the same problems, drawn the same
way, in formats that take the interactive tool away.

- addition_nocot: the answer right after the prompt, most significant digit first.
- addition_nocot_reversed: the answer right after the prompt, least significant digit first.
- addition_notool: the pointer trajectory, but no tool answers: the model writes every observation
  itself, so the trajectory is plain chain of thought. With nothing to mark an answer, its answer is
  the whole trajectory (answer accuracy is trajectory accuracy).
These three use the plain protocol: every token the model writes is output, until <eos>.
- addition_calculator: single-turn tool use: one call of a calculator with both operands copied into
  it ("[CALL] 3 7 + 5 [END]"), its result observed, then copied as the answer after [ANS].
- addition_twopointer: the pointer tool with pointer 2, parked on "+" after the columns, reading the
  sum back instead of a third pointer: its walk right passes the "=" where its first walk stopped.
"""
from types import SimpleNamespace

from . import addition
from .trajectory import Trajectory

PROTOCOL = {"type": "plain", "stop": "<eos>"}


def direct(a, b, digits):
    t = Trajectory()
    t.add("prompt", *addition.prompt_tokens(a, b))
    t.add("output", *digits)
    t.add("stop", "<eos>")
    return t


def sum_digits(a, b):
    return list(str(int(a) + int(b)))


def notool_trajectory(a, b):
    """The pointer trajectory with every token after the prompt written by the model."""
    reference, t = addition.trajectory(a, b), Trajectory()
    for token, role in zip(reference.tokens, reference.roles):
        t.add(role if role in ("prompt", "stop") else "output", token)
    return t


def notool_answer(a, b):
    """Every token the model writes but the stop token."""
    t = addition.trajectory(a, b)
    return [w for w, r in zip(t.tokens, t.roles) if r not in ("prompt", "stop")]


CALCULATOR_VOCAB = addition.VOCAB + ["[CALL]", "[END]", "[OBSERVATION]", "[ERROR]"]
CALCULATOR_PROTOCOL = {"type": "calculator", "call": "[CALL]", "end": "[END]", "observation": "[OBSERVATION]",
                       "error": "[ERROR]", "answer": "[ANS]", "stop": "<eos>", "tool": "bigint",
                       "operators": {"+": "add"}}


def calculator_trajectory(a, b):
    """One calculator call with both operands, its result, and the result copied as the answer."""
    t = Trajectory()
    t.add("prompt", *addition.prompt_tokens(a, b))
    t.add("command", "[CALL]", *a, "+", *b, "[END]")
    t.add("observation", "[OBSERVATION]", *sum_digits(a, b), "[END]")
    t.add("thought", "[ANS]")
    t.add("output", *sum_digits(a, b))
    t.add("stop", "<eos>")
    return t


def task(trajectory, answer, protocol=None, vocab=None):
    return SimpleNamespace(VOCAB=vocab or addition.VOCAB, PROTOCOL=protocol or PROTOCOL, draw=addition.draw,
                           draw_training=addition.draw_training, prompt_tokens=addition.prompt_tokens,
                           trajectory=trajectory, answer=answer)


nocot = task(lambda a, b: direct(a, b, sum_digits(a, b)), sum_digits)
nocot_reversed = task(lambda a, b: direct(a, b, sum_digits(a, b)[::-1]), lambda a, b: sum_digits(a, b)[::-1])
notool = task(notool_trajectory, notool_answer)
calculator = task(calculator_trajectory, sum_digits, CALCULATOR_PROTOCOL, CALCULATOR_VOCAB)
twopointer = task(lambda a, b: addition.trajectory(a, b, reader=2), sum_digits, addition.PROTOCOL)
