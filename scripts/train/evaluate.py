"""Closed-loop evaluation in PyTorch: the model acts, the task's tool answers (drivers.py), exact match of the
whole trajectory and of the answer against the generator's."""
import random

import torch

from drivers import driver_for
from mamba_step import Stepper
from tasks import random_number


@torch.no_grad()
def evaluate_task(task, model, vocab, digits, n, seed, device, batch=256):
    rng = random.Random(seed)
    problems = [task.draw(rng, random_number, digits) for _ in range(n)]
    exact_answer = exact_trajectory = 0
    for start in range(0, n, batch):
        chunk = problems[start:start + batch]
        refs = [task.trajectory(a, b) for a, b in chunk]
        drivers = [driver_for(task)(vocab, task.prompt_tokens(a, b), 2 * len(r) + 16)
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
