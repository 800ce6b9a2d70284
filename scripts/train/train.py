#!/usr/bin/env python3
"""Trains a tool-using Mamba on a task's trajectories and exports a recur bundle.

The model is transformers' MambaForCausalLM (so the bundle loads in transformers and in recur).
Trajectories are generated on the fly; the question and the observations are masked from the loss.
After training it evaluates closed-loop in PyTorch and writes models/<name>/: config.json (with the
"recur" section: protocol and task), model.safetensors, tokenizer.json (WordLevel) and README.md
(seed, steps, loss curve, wall time, accuracies).

Usage: python3 scripts/train/train.py --task addition --out models/addition-pointer [--seed 0]
"""
import argparse
import json
import math
import multiprocessing
import os
import random
import sys
import time

import numpy as np
import torch
from transformers import MambaConfig, MambaForCausalLM

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from evaluate import evaluate_task, make_stepper  # noqa: E402
import baselines  # noqa: E402
import fast_mamba  # noqa: E402
from tasks import TASKS, random_number  # noqa: E402


def trajectories(job):
    """Worker: `count` random training problems of the task (operands of 1..max_digits digits), as
    padded arrays of token ids and loss masks."""
    task_name, vocab_index, count, max_digits, seed = job
    task, rng = TASKS[task_name], random.Random(seed)
    seqs = []
    for _ in range(count):
        a, b = task.draw_training(rng, random_number, max_digits)
        t = task.trajectory(a, b)
        seqs.append(([vocab_index[w] for w in t.tokens], t.loss_mask()))
    width = max(len(ids) for ids, _ in seqs)
    tokens = np.full((count, width), vocab_index["<eos>"], dtype=np.int64)
    mask = np.zeros((count, width), dtype=np.float32)
    for i, (ids, m) in enumerate(seqs):
        tokens[i, :len(ids)] = ids
        mask[i, :len(m)] = m
    return tokens, mask


def make_pool(task_name, vocab_index, size, max_digits, seed):
    """`size` trajectories generated in parallel (before CUDA starts: the workers are forked), as padded
    token and loss-mask tensors."""
    workers = max(1, min(16, (os.cpu_count() or 2) - 1))
    jobs = [(task_name, vocab_index, size // workers + (i < size % workers), max_digits, seed * 1000 + i)
            for i in range(workers)]
    with multiprocessing.Pool(workers) as pool:
        parts = pool.map(trajectories, jobs)
    width = max(t.shape[1] for t, _ in parts)
    tokens = np.concatenate([np.pad(t, ((0, 0), (0, width - t.shape[1])), constant_values=vocab_index["<eos>"])
                             for t, _ in parts])
    mask = np.concatenate([np.pad(m, ((0, 0), (0, width - m.shape[1]))) for _, m in parts])
    return torch.from_numpy(tokens), torch.from_numpy(mask)


def by_length(tokens, mask):
    """The pool reordered from the shortest trajectory to the longest (a trajectory's length: through its
    last token in the loss)."""
    positions = torch.arange(1, mask.shape[1] + 1)
    order = torch.argsort((mask > 0).float().mul(positions).amax(1), stable=True)
    return tokens[order], mask[order]


def bucket_bounds(size, count):
    """`count` consecutive, equal (to one) ranges covering indices 0..size; each is drawn as often as the
    others, so every trajectory of the pool is drawn equally often."""
    edges = [size * i // count for i in range(count + 1)]
    return [(edges[i], edges[i + 1]) for i in range(count)]


def pad(seqs, masks, vocab_index, device):
    width = max(len(s) for s in seqs)
    batch = len(seqs)
    pad = vocab_index["<eos>"]
    tokens = torch.full((batch, width), pad, dtype=torch.long)
    mask = torch.zeros((batch, width), dtype=torch.float32)
    for i, (s, m) in enumerate(zip(seqs, masks)):
        tokens[i, :len(s)] = torch.tensor(s)
        mask[i, :len(m)] = torch.tensor(m, dtype=torch.float32)
    return tokens.to(device), mask.to(device)


def make_batch(task, vocab_index, batch, max_digits, rng, device):
    seqs, masks = [], []
    for _ in range(batch):
        a, b = task.draw_training(rng, random_number, max_digits)
        t = task.trajectory(a, b)
        seqs.append([vocab_index[w] for w in t.tokens])
        masks.append(t.loss_mask())
    return pad(seqs, masks, vocab_index, device)


ARCH_NAME = {"mamba": "Mamba", "lstm": "LSTM", "transformer": "Transformer (rotary positions)"}
TOOL_PHRASE = {"pointer": "with the pointer tool", "search": "with the search tool", "plain": "with no tool",
              "calculator": "with one calculator call"}


def relative_difference(x, reference):
    x, reference = x.float(), reference.float()
    return ((x - reference).abs().max() / reference.abs().max()).item()


def tokenizer_json(vocab):
    return {"version": "1.0", "truncation": None, "padding": None, "added_tokens": [],
            "normalizer": None, "pre_tokenizer": {"type": "WhitespaceSplit"}, "post_processor": None,
            "decoder": None,
            "model": {"type": "WordLevel", "vocab": {w: i for i, w in enumerate(vocab)}, "unk_token": "[UNK]"}}


@torch.no_grad()
def check_stepper(model, check, arch):
    """Exits unless the closed-loop stepper computes what the model's forward computes on `check`."""
    full = (model(check, use_cache=False).logits if arch == "mamba" else model(check)).float()
    stepper = make_stepper(model, check.shape[0])
    stepped = torch.stack([stepper.step(check[:, i]) for i in range(check.shape[1])], dim=1)
    drift = relative_difference(stepped, full)
    print(f"stepper vs forward: max relative difference {drift:.2e}", flush=True)
    if drift > 1e-3:
        sys.exit("the closed-loop stepper does not compute the model's forward")


def export_bundle(model, out, recur_section):
    """config.json (with the "recur" section) and model.safetensors, as transformers writes them."""
    model.save_pretrained(out, safe_serialization=True)
    gen = os.path.join(out, "generation_config.json")
    if os.path.exists(gen):
        os.remove(gen)
    with open(os.path.join(out, "config.json")) as f:
        cfg = json.load(f)
    cfg["recur"] = recur_section
    with open(os.path.join(out, "config.json"), "w") as f:
        json.dump(cfg, f, indent=2)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--task", default="addition", choices=sorted(TASKS))
    ap.add_argument("--out", required=True)
    ap.add_argument("--arch", default="mamba", choices=["mamba", "lstm", "transformer"],
                    help="mamba: exported as a recur bundle; lstm, transformer: the baselines (baselines.py), "
                         "saved as PyTorch weights and evaluated here")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--max-digits", type=int, default=5,
                    help="longest training problem: digits of an operand, or nodes of a logical graph")
    ap.add_argument("--steps", type=int, default=1500)
    ap.add_argument("--batch", type=int, default=256)
    ap.add_argument("--lr", type=float, default=2e-3)
    ap.add_argument("--warmup", type=int, default=100)
    ap.add_argument("--layers", type=int, default=2)
    ap.add_argument("--hidden", type=int, default=128)
    ap.add_argument("--state", type=int, default=16)
    ap.add_argument("--pool", type=int, default=400000, help="trajectories generated before training")
    ap.add_argument("--length-buckets", type=int, default=0,
                    help="if > 0: the pool sorted by length in this many equal buckets; each step draws its batch "
                         "from one bucket, so a batch of short problems is not padded to the longest")
    ap.add_argument("--time-limit", type=float, default=540.0, help="seconds of training at most")
    ap.add_argument("--eval", default="5,20,100", help="lengths evaluated closed-loop after training")
    ap.add_argument("--eval-n", type=int, default=100)
    args = ap.parse_args()

    torch.manual_seed(args.seed)
    rng = random.Random(args.seed)
    device = "cuda" if torch.cuda.is_available() else "cpu"
    task = TASKS[args.task]
    vocab = task.VOCAB + ["[UNK]"]
    index = {w: i for i, w in enumerate(vocab)}
    t0 = time.time()
    pool_tokens, pool_mask = make_pool(args.task, index, args.pool, args.max_digits, args.seed)
    print(f"{pool_tokens.shape[0]} trajectories of at most {pool_tokens.shape[1]} tokens generated in "
          f"{time.time() - t0:.1f}s", flush=True)
    config = MambaConfig(vocab_size=len(vocab), hidden_size=args.hidden, num_hidden_layers=args.layers,
                         state_size=args.state, expand=2, conv_kernel=4, use_bias=False, use_conv_bias=True,
                         tie_word_embeddings=True, eos_token_id=index["<eos>"], bos_token_id=index["<eos>"],
                         pad_token_id=index["<eos>"])
    if args.arch == "mamba":
        model = MambaForCausalLM(config).to(device)
        forward = lambda tokens: fast_mamba.logits(model, tokens)  # noqa: E731
    else:
        model = forward = baselines.build(args.arch, len(vocab), args.hidden, args.layers).to(device)
    params = sum(p.numel() for p in model.parameters())
    print(f"{args.task}: {args.arch}, {params} parameters on {device}", flush=True)
    opt = torch.optim.AdamW(model.parameters(), lr=args.lr, betas=(0.9, 0.95), weight_decay=0.01)

    def lr_at(step):
        if step < args.warmup:
            return args.lr * (step + 1) / args.warmup
        progress = (step - args.warmup) / max(1, args.steps - args.warmup)
        return args.lr * 0.5 * (1 + math.cos(math.pi * min(1.0, progress)))

    # The training forward must compute what transformers' forward computes, before it trains.
    check, _ = make_batch(task, index, 4, args.max_digits, rng, device)
    if args.arch == "mamba":
        with torch.no_grad():
            difference = relative_difference(fast_mamba.logits(model, check), model(check, use_cache=False).logits)
        print(f"training forward vs transformers forward before training: max relative difference "
              f"{difference:.2e}", flush=True)
        if difference > 1e-4:
            sys.exit("the training forward does not compute transformers' forward")
    if args.length_buckets > 0:
        pool_tokens, pool_mask = by_length(pool_tokens, pool_mask)
    buckets = bucket_bounds(pool_tokens.shape[0], max(1, args.length_buckets))
    check_stepper(model, check, args.arch)
    pool_tokens, pool_mask = pool_tokens.to(device), pool_mask.to(device)
    generator = torch.Generator(device=device).manual_seed(args.seed)
    curve = []
    start = time.time()
    step = 0
    for step in range(args.steps):
        if time.time() - start > args.time_limit:
            print(f"time limit reached at step {step}", flush=True)
            break
        for g in opt.param_groups:
            g["lr"] = lr_at(step)
        low, high = buckets[0] if len(buckets) == 1 else \
            buckets[int(torch.randint(len(buckets), (1,), device=device, generator=generator).item())]
        pick = low + torch.randint(high - low, (args.batch,), device=device, generator=generator)
        mask = pool_mask[pick]
        width = int(mask.sum(0).nonzero().max().item()) + 1
        tokens, mask = pool_tokens[pick, :width], mask[:, :width]
        logits = forward(tokens)[:, :-1]
        target, weight = tokens[:, 1:], mask[:, 1:]
        loss_all = torch.nn.functional.cross_entropy(logits.reshape(-1, logits.shape[-1]), target.reshape(-1),
                                                     reduction="none")
        loss = (loss_all * weight.reshape(-1)).sum() / weight.sum()
        opt.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        if step % 50 == 0 or step == args.steps - 1:
            curve.append((step, loss.item(), time.time() - start))
            print(f"step {step} loss {loss.item():.6f} {time.time() - start:.1f}s", flush=True)
    train_seconds = time.time() - start
    steps_done = step + 1

    model.eval()
    if args.arch == "mamba":
        with torch.no_grad():
            difference = relative_difference(fast_mamba.logits(model, check), model(check, use_cache=False).logits)
        print(f"training forward vs transformers forward: max relative difference {difference:.2e}", flush=True)
    check_stepper(model, check, args.arch)
    results = []
    # The baselines stop a problem at its first token off the reference (they are scored by the trajectory).
    stop = args.arch != "mamba"
    for length in [int(x) for x in args.eval.split(",") if x]:
        t0 = time.time()
        if device == "cuda":
            torch.cuda.reset_peak_memory_stats()
        acc, traj = evaluate_task(task, model, vocab, length, args.eval_n, seed=1000 + length, device=device,
                                  stop_at_divergence=stop)
        peak = torch.cuda.max_memory_allocated() if device == "cuda" else 0
        results.append({"digits": length, "n": args.eval_n, "answer_accuracy": acc, "trajectory_accuracy": traj,
                        "seconds": time.time() - t0, "peak_bytes": peak})
        print(f"eval {length} digits: answer {acc:.3f} trajectory {traj:.3f} ({time.time() - t0:.1f}s, peak "
              f"{peak / 2**20:.0f} MiB)", flush=True)

    os.makedirs(args.out, exist_ok=True)
    training = {"max_digits": args.max_digits, "seed": args.seed, "steps": steps_done, "batch": args.batch,
                "lr": args.lr, "seconds": round(train_seconds, 1)}
    if args.arch == "mamba":
        export_bundle(model, args.out, {"protocol": task.PROTOCOL, "task": args.task, "training": training})
    else:
        torch.save(model.state_dict(), os.path.join(args.out, "baseline.pt"))
        with open(os.path.join(args.out, "config.json"), "w") as f:
            json.dump({**model.config, "task": args.task, "training": training}, f, indent=2)
    with open(os.path.join(args.out, "tokenizer.json"), "w") as f:
        json.dump(tokenizer_json(vocab), f, indent=1)
    # The closed-loop results in the shape of recur eval's report, for `recur plot`.
    with open(os.path.join(args.out, "eval.json"), "w") as f:
        json.dump({"label": f"{ARCH_NAME[args.arch]} seed {args.seed} (PyTorch)", "task": args.task,
                   "rows": [{"length": r["digits"], "n": r["n"], "accuracy": r["answer_accuracy"],
                             "trajectory_accuracy": r["trajectory_accuracy"]} for r in results]}, f, indent=1)
    with open(os.path.join(args.out, "training.json"), "w") as f:
        json.dump({"curve": curve, "eval": results, "parameters": params, "seconds": train_seconds,
                   "args": vars(args), "torch": torch.__version__,
                   "transformers": __import__("transformers").__version__}, f, indent=1)
    graph = args.task.startswith("logical_graph")
    shape = f"state {args.state}" if args.arch == "mamba" else "a baseline, baselines.py"
    lines = [f"# {os.path.basename(args.out)}", "",
             f"A {params:,}-parameter {ARCH_NAME[args.arch]} ({args.layers} layers, hidden {args.hidden}, {shape}) trained "
             f"on {args.task} {TOOL_PHRASE[task.PROTOCOL['type']]}, problems of at most {args.max_digits} "
             f"{'nodes' if graph else 'digits'} "
             f"(scripts/train/train.py, docs/tasks.md).", "",
             f"- seed {args.seed}, {steps_done} steps of batch {args.batch}, AdamW lr {args.lr} (warm-up "
             f"{args.warmup}, cosine), {train_seconds:.0f} s on {torch.cuda.get_device_name() if device == 'cuda' else 'cpu'}",
             f"- command: `python3 scripts/train/train.py {' '.join(sys.argv[1:])}`", "",
             "| step | loss | seconds |", "|---:|---:|---:|"]
    lines += [f"| {s} | {l:.6f} | {t:.0f} |" for s, l, t in curve]
    problems = ("graphs of exactly n nodes" if graph else
                "first operand exactly n digits; the second drawn as the task's evaluation draws it")
    stopped = "" if args.arch == "mamba" else "; each problem stopped at its first token off the reference"
    lines += ["", f"Closed-loop evaluation in PyTorch right after training ({problems}{stopped}, docs/tasks.md):",
              "", f"| {'nodes' if graph else 'digits'} | n | exact answer | exact trajectory |", "|---:|---:|---:|---:|"]
    lines += [f"| {r['digits']} | {r['n']} | {r['answer_accuracy']:.3f} | {r['trajectory_accuracy']:.3f} |"
              for r in results]
    with open(os.path.join(args.out, "README.md"), "w") as f:
        f.write("\n".join(lines) + "\n")
    print("wrote", args.out, flush=True)


if __name__ == "__main__":
    main()
