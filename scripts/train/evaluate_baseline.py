"""Evaluates a saved baseline (the output folder of `train.py --arch lstm|transformer`: config.json,
baseline.pt, tokenizer.json) closed-loop in the PyTorch harness, on the CPU or a GPU, and writes the
report in the shape of `recur eval --out` for `recur plot`.

    python3 scripts/train/evaluate_baseline.py DIR --lengths 10,100,1000 --n 200 [--seed 1] [--out F.json]

Each problem stops at its first written token off the reference (evaluate.py), so the accuracy is that
of the whole trajectory; a Transformer's key/value cache grows with every token, an LSTM's state does
not.
"""
import argparse
import json
import math
import os
import sys
import time

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import baselines  # noqa: E402
from evaluate import evaluate_task  # noqa: E402
from tasks import TASKS  # noqa: E402

NAMES = {"lstm": "LSTM", "transformer": "Transformer (rotary positions)"}


def wilson(k, n, z=1.959964):
    """The 95% Wilson score interval of k successes in n."""
    if n == 0:
        return 0.0, 1.0
    p = k / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z / (1 + z * z / n) * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n))
    return max(0.0, centre - half), min(1.0, centre + half)


def load(folder, device):
    """(model, vocab, config) of a baseline folder; exits with a message naming what is wrong."""
    try:
        with open(os.path.join(folder, "config.json")) as f:
            config = json.load(f)
        with open(os.path.join(folder, "tokenizer.json")) as f:
            words = json.load(f)["model"]["vocab"]
        vocab = [w for w, _ in sorted(words.items(), key=lambda item: item[1])]
        model = baselines.build(config["arch"], config["vocab_size"], config["hidden"], config["layers"],
                                config.get("heads", 4))
        state = torch.load(os.path.join(folder, "baseline.pt"), map_location=device)
        model.load_state_dict(state)
    except (OSError, KeyError, ValueError, RuntimeError) as e:
        sys.exit(f"{folder}: not a baseline saved by train.py --arch lstm|transformer: {e}")
    if config.get("task") not in TASKS:
        sys.exit(f"{folder}: config.json names no known task ({config.get('task')!r})")
    if len(vocab) != config["vocab_size"]:
        sys.exit(f"{folder}: tokenizer.json has {len(vocab)} words, config.json says {config['vocab_size']}")
    return model.to(device).eval(), vocab, config


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("folder")
    ap.add_argument("--lengths", required=True, help="comma-separated problem lengths (digits or nodes)")
    ap.add_argument("--n", type=int, default=200, help="problems per length")
    ap.add_argument("--seed", type=int, default=1, help="seed of the problems")
    ap.add_argument("--batch", type=int, default=256)
    ap.add_argument("--device", default="cuda" if torch.cuda.is_available() else "cpu")
    ap.add_argument("--threads", type=int, default=0, help="CPU threads (0: PyTorch's default)")
    ap.add_argument("--label", help="name in the report (default: architecture and seed)")
    ap.add_argument("--out", help="write the report as JSON to this file")
    args = ap.parse_args()
    if args.threads:
        torch.set_num_threads(args.threads)
    model, vocab, config = load(args.folder, args.device)
    task = TASKS[config["task"]]
    seed = config.get("training", {}).get("seed")
    label = args.label or f"{NAMES[config['arch']]} seed {seed} (PyTorch)"
    rows = []
    print(f"{label}: {config['task']}, {sum(p.numel() for p in model.parameters()):,} parameters on {args.device}")
    print("length  n     accuracy  95% interval      wall s")
    for length in [int(x) for x in args.lengths.split(",")]:
        start = time.time()
        accuracy, _ = evaluate_task(task, model, vocab, length, args.n, seed=args.seed * 1000003 + length,
                                    device=args.device, batch=args.batch, stop_at_divergence=True)
        seconds = time.time() - start
        low, high = wilson(round(accuracy * args.n), args.n)
        rows.append({"length": length, "n": args.n, "accuracy": accuracy, "trajectory_accuracy": accuracy,
                     "wilson_low": low, "wilson_high": high, "wall_s": seconds})
        print(f"{length:<7} {args.n:<5} {accuracy:<9.3f} [{low:.3f}, {high:.3f}]    {seconds:.1f}", flush=True)
    if args.out:
        with open(args.out, "w") as f:
            json.dump({"label": label, "task": config["task"], "model": args.folder, "device": args.device,
                       "rows": rows}, f, indent=1)


if __name__ == "__main__":
    main()
