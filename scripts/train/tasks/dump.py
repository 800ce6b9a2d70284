#!/usr/bin/env python3
"""Prints trajectories of random problems as JSON, for the test that checks recur's C++ twin of each
task's format against this one: [{"a", "b", "tokens", "roles"}, ...].

Usage: /usr/bin/python3 scripts/train/tasks/dump.py --task addition --n 500 --seed 1 --max-digits 30
"""
import argparse
import json
import os
import random
import sys

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from tasks import TASKS, random_number  # noqa: E402


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--task", default="addition", choices=sorted(TASKS))
    ap.add_argument("--n", type=int, default=100)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--max-digits", type=int, default=30)
    args = ap.parse_args()
    rng = random.Random(args.seed)
    out = []
    for _ in range(args.n):
        a, b = TASKS[args.task].draw_training(rng, random_number, args.max_digits)
        t = TASKS[args.task].trajectory(a, b)
        out.append({"a": a, "b": b, "tokens": t.tokens, "roles": t.roles})
    json.dump(out, sys.stdout)


if __name__ == "__main__":
    main()
