"""Closed-loop evaluation in PyTorch: the model acts, the pointer tool answers, exact match of the
whole trajectory and of the answer against the generator's."""
import random

import torch

from mamba_step import Stepper
from tasks.pointer import Tape


def random_number(rng, digits):
    if digits == 1:
        return str(rng.randint(0, 9))
    return str(rng.randint(10 ** (digits - 1), 10 ** digits - 1))


class PointerDriver:
    """One problem's protocol side: the tape, the pending input, what the model generated."""

    def __init__(self, vocab, prompt, max_tokens):
        self.vocab, self.index = vocab, {w: i for i, w in enumerate(vocab)}
        self.tape = Tape(prompt)
        self.pending = [self.index[t] for t in prompt]
        self.generated, self.output = [], []
        self.answered, self.done, self.max_tokens = False, False, max_tokens

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
        if len(w) == 2 and w[0] in "RLD" and w[1] in "123":
            k = int(w[1])
            if w[0] == "R":
                self.tape.right(k)
            elif w[0] == "L":
                self.tape.left(k)
            else:
                self.pending.append(self.index[self.tape.read(k)])
            return
        self.tape.cells.append(w)
        if w == "<eos>":
            self.done = True
        elif w == "[ANS]":
            self.answered = True
        elif self.answered:
            self.output.append(w)


@torch.no_grad()
def evaluate_task(task, model, vocab, digits, n, seed, device, batch=256):
    rng = random.Random(seed)
    problems = [task.draw(rng, random_number, digits) for _ in range(n)]
    exact_answer = exact_trajectory = 0
    for start in range(0, n, batch):
        chunk = problems[start:start + batch]
        refs = [task.trajectory(a, b) for a, b in chunk]
        drivers = [PointerDriver(vocab, task.prompt_tokens(a, b), 2 * len(r) + 16)
                   for (a, b), r in zip(chunk, refs)]
        stepper = Stepper(model, len(chunk))
        while not all(d.done for d in drivers):
            tokens = torch.tensor([d.next_input() for d in drivers], device=device)
            logits = stepper.step(tokens)
            choice = logits.argmax(-1).tolist()
            for d, c in zip(drivers, choice):
                if d.ready_to_sample():
                    d.on_token(c)
        for d, r, (a, b) in zip(drivers, refs, chunk):
            expected = [t for t, role in zip(r.tokens, r.roles) if role in ("command", "thought", "output", "stop")]
            exact_trajectory += d.generated == expected
            exact_answer += d.output == task.answer(a, b)
    return exact_answer / n, exact_trajectory / n
