"""Closed-loop evaluation in PyTorch: the model acts, the task's tool answers (drivers.py), exact match of the
whole trajectory and of the answer against the generator's."""
import random

import torch

from baselines import LSTM, Transformer
from drivers import driver_for
from mamba_step import Stepper
from tasks import random_number


def make_stepper(model, batch):
    """The closed-loop stepper of a baseline (baselines.py) or of a transformers Mamba (mamba_step.py)."""
    return model.stepper(batch) if isinstance(model, (LSTM, Transformer)) else Stepper(model, batch)


@torch.no_grad()
def evaluate_task(task, model, vocab, digits, n, seed, device, batch=256, stop_at_divergence=False):
    """(answer accuracy, trajectory accuracy) over n problems of `digits`. With stop_at_divergence a problem
    ends at its first written token off the reference; it can then only be right by its whole trajectory,
    so the answer accuracy reported is the trajectory accuracy."""
    rng = random.Random(seed)
    problems = [task.draw(rng, random_number, digits) for _ in range(n)]
    exact_answer = exact_trajectory = 0
    for start in range(0, n, batch):
        chunk = problems[start:start + batch]
        refs = [task.trajectory(a, b) for a, b in chunk]
        expected = [[t for t, role in zip(r.tokens, r.roles) if role in ("command", "thought", "output", "stop")]
                    for r in refs]
        drivers = [driver_for(task)(vocab, task.prompt_tokens(a, b), 2 * len(r) + 16)
                   for (a, b), r in zip(chunk, refs)]
        stepper = make_stepper(model, len(chunk))
        while not all(d.done for d in drivers):
            tokens = torch.tensor([d.next_input() for d in drivers], device=device)
            logits = stepper.step(tokens)
            choice = logits.argmax(-1).tolist()
            for d, c, e in zip(drivers, choice, expected):
                if d.ready_to_sample():
                    d.on_token(c)
                    at = len(d.generated) - 1
                    if stop_at_divergence and (at >= len(e) or d.generated[at] != e[at]):
                        d.done = True
        for d, e, (a, b) in zip(drivers, expected, chunk):
            exact_trajectory += d.generated == e
            exact_answer += (d.generated == e) if stop_at_divergence else (d.output == task.answer(a, b))
    return exact_answer / n, exact_trajectory / n
