#!/usr/bin/env python3
"""transformers' MambaForCausalLM on the same GPU and shapes as bench/cuda_engine_bench: the baseline
that recur's CUDA numbers are divided by. Random bf16 weights; greedy decoding with the cache.

Usage: python3 scripts/bench/hf_mamba_bench.py OUT.json
"""
import json
import sys
import time

import torch
from transformers import MambaConfig, MambaForCausalLM

SHAPES = {
    "mamba-130m": dict(hidden_size=768, num_hidden_layers=24, state_size=16, expand=2, conv_kernel=4, vocab_size=50280),
    "mamba-2.8b": dict(hidden_size=2560, num_hidden_layers=64, state_size=16, expand=2, conv_kernel=4, vocab_size=50280),
}


def build(shape):
    config = MambaConfig(**SHAPES[shape], use_bias=False, use_conv_bias=True, tie_word_embeddings=True)
    with torch.device("cuda"):
        model = MambaForCausalLM(config).to(torch.bfloat16).eval()
    return model


def generate_time(model, batch, new_tokens):
    ids = torch.randint(0, 50000, (batch, 1), device="cuda")
    torch.cuda.synchronize()
    start = time.perf_counter()
    with torch.no_grad():
        model.generate(ids, max_new_tokens=new_tokens, min_new_tokens=new_tokens, do_sample=False,
                       pad_token_id=0)
    torch.cuda.synchronize()
    return time.perf_counter() - start


def decode_step_seconds(model, batch):
    generate_time(model, batch, 8)  # warm-up
    short = min(generate_time(model, batch, 16) for _ in range(2))
    long = min(generate_time(model, batch, 48) for _ in range(2))
    return (long - short) / 32


def main():
    out = {"transformers": __import__("transformers").__version__, "torch": torch.__version__, "decode": []}
    model = build("mamba-130m")
    for batch in (1, 256):
        s = decode_step_seconds(model, batch)
        out["decode"].append({"shape": "mamba-130m", "batch": batch, "step_us": s * 1e6})
        print(f"transformers mamba-130m batch {batch}: {s * 1e6:.0f} us/step", flush=True)
    ids = torch.randint(0, 50000, (1, 2048), device="cuda")
    with torch.no_grad():
        model(ids[:, :64], use_cache=False)
        torch.cuda.synchronize()
        start = time.perf_counter()
        model(ids, use_cache=False)
        torch.cuda.synchronize()
    prefill = time.perf_counter() - start
    out["prefill"] = {"shape": "mamba-130m", "tokens": 2048, "ms": prefill * 1e3}
    print(f"transformers mamba-130m prefill 2048: {prefill * 1e3:.1f} ms", flush=True)
    del model
    torch.cuda.empty_cache()
    model = build("mamba-2.8b")
    s = decode_step_seconds(model, 1)
    out["decode"].append({"shape": "mamba-2.8b", "batch": 1, "step_us": s * 1e6})
    print(f"transformers mamba-2.8b batch 1: {s * 1e6:.0f} us/step", flush=True)
    with open(sys.argv[1], "w") as f:
        json.dump(out, f, indent=1)


if __name__ == "__main__":
    main()
