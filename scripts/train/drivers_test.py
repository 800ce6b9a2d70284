"""The drivers answer every reference trajectory's commands with exactly its observations: each
task's reference, written token by token by a stand-in for the model, is reproduced whole, and the
driver's output is the task's answer. Standard library only; CTest runs it.

Usage: /usr/bin/python3 scripts/train/drivers_test.py"""
import random
import sys

from drivers import driver_for
from tasks import TASKS, random_number


def replay(task, a, b):
    """Feeds the reference's written tokens as the model's choices; returns what went wrong."""
    ref = task.trajectory(a, b)
    vocab = task.VOCAB + ["[UNK]"]
    index = {w: i for i, w in enumerate(vocab)}
    written = [t for t, r in zip(ref.tokens, ref.roles) if r in ("command", "thought", "output", "stop")]
    d = driver_for(task)(vocab, task.prompt_tokens(a, b), 2 * len(ref) + 16)
    fed, w = [], 0
    while not d.done:
        fed.append(vocab[d.next_input()])
        if d.ready_to_sample():
            if w == len(written):
                return "the driver waits for a token after the reference ended"
            d.on_token(index[written[w]])
            w += 1
    if fed + [written[-1]] != ref.tokens:
        i = next(i for i, (x, y) in enumerate(zip(fed, ref.tokens)) if x != y)
        return f"token {i}: the model saw {fed[i]!r}, the reference has {ref.tokens[i]!r}"
    if d.output != task.answer(a, b):
        return f"output {d.output} is not the answer {task.answer(a, b)}"
    return None


def calculator_errors():
    """A call that is not digits, "+", digits is answered with the error marker, as recur answers it."""
    task = TASKS["addition_calculator"]
    vocab = task.VOCAB + ["[UNK]"]
    index = {w: i for i, w in enumerate(vocab)}
    wrong = []
    for call in ([], ["1"], ["+", "1"], ["1", "+"], ["1", "+", "+", "2"], ["1", "C0", "2"]):
        d = driver_for(task)(vocab, task.prompt_tokens("1", "2"), 64)
        while d.pending:
            d.next_input()
        for w in ["[CALL]"] + call + ["[END]"]:
            d.on_token(index[w])
        seen = [vocab[i] for i in d.pending][-3:]
        if seen != ["[OBSERVATION]", "[ERROR]", "[END]"]:
            wrong.append(f"addition_calculator call {call}: observed {seen}")
    return wrong


def main():
    failures = 0
    for problem in calculator_errors():
        failures += 1
        print(problem)
    for name, task in sorted(TASKS.items()):
        rng = random.Random(7)
        problems = [task.draw_training(rng, random_number, 12) for _ in range(300)]
        problems += [task.draw(rng, random_number, n) for n in (30, 100) for _ in range(5)]
        for a, b in problems:
            problem = replay(task, a, b)
            if problem:
                failures += 1
                print(f"{name} {a!r} {b!r}: {problem}")
        print(f"{name}: {len(problems)} references replayed")
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
