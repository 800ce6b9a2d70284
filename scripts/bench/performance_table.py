#!/usr/bin/env python3
"""Joins the JSON of bench/cuda_engine_bench and scripts/bench/hf_mamba_bench.py (one device run)
into the markdown tables of docs/performance.md. Standard library only.

Usage: performance_table.py RECUR.json HF.json "COMMAND THAT PRODUCED THEM" > table.md
"""
import json
import sys


def main():
    recur = json.load(open(sys.argv[1]))
    hf = json.load(open(sys.argv[2]))
    command = sys.argv[3] if len(sys.argv) > 3 else ""
    hf_decode = {(d["shape"], d["batch"]): d["step_us"] for d in hf["decode"]}
    print(f"Device: {recur['device']}. Measured device-to-device copy bandwidth (read + write): "
          f"{recur['copy_bandwidth_gbs']:.0f} GB/s. Baseline: transformers {hf['transformers']} "
          f"MambaForCausalLM (PyTorch {hf['torch']}) on the same GPU, random bf16 weights.\n")
    print("### Decode (bf16 weights, fp32 state; greedy, one token per session per step)\n")
    print("Mode: *default* (cuBLAS GEMMs for larger batches and passes) or *invariant* "
          "(`--batch-invariant`: a session's results never depend on its batch).\n")
    print("| shape | mode | batch | step (µs) | tokens/s | floor (µs) | of floor | transformers step (µs) | speed-up |")
    print("|---|---|---:|---:|---:|---:|---:|---:|---:|")
    for d in recur["decode"]:
        base = hf_decode.get((d["shape"], d["batch"]))
        speed = f"{base / d['step_us']:.1f}x" if base else "—"
        base_text = f"{base:.0f}" if base else "—"
        print(f"| {d['shape']} | {d.get('mode', 'default')} | {d['batch']} | {d['step_us']:.1f} | {d['tokens_per_s']:.0f} | {d['floor_us']:.1f} | "
              f"{100 * d['fraction_of_floor']:.0f}% | {base_text} | {speed} |")
    p, hp = recur["prefill"], hf["prefill"]
    print(f"\n### Prefill\n\n{p['shape']}, {p['tokens']} tokens in one prompt: recur {p['ms']:.2f} ms, transformers "
          f"{hp['ms']:.1f} ms: **{hp['ms'] / p['ms']:.0f}x**.")
    if "prefill_invariant" in recur:
        f = recur["prefill_invariant"]
        print(f"Batch-invariant: {f['ms']:.2f} ms ({hp['ms'] / f['ms']:.0f}x).")
    print()
    c = recur["capacity"]
    print(f"### Capacity\n\n{c['sessions']} mamba-130m sessions resident on one GPU "
          f"({c['state_bytes_per_session'] / 1e6:.2f} MB of state each), decoded in batches of 1,024:\n")
    print("| sessions | tokens/s | step (ms) |")
    print("|---:|---:|---:|")
    for r in c["rows"]:
        print(f"| {r['sessions']} | {r['tokens_per_s']:.0f} | {r['step_ms']:.2f} |")
    if "invariant_5000_tokens_per_s" in c:
        print(f"\nBatch-invariant, 5000 sessions: {c['invariant_5000_tokens_per_s']:.0f} tokens/s.")
    print("\n### Memory per session\n")
    print("| tokens | Transformer KV cache (12 layers x 768, fp16) | mamba-130m state | ratio |")
    print("|---:|---:|---:|---:|")
    for m in recur["memory"]:
        print(f"| {int(m['tokens'])} | {m['kv_bytes'] / 1e6:.1f} MB | {m['state_bytes'] / 1e6:.2f} MB | "
              f"{m['kv_bytes'] / m['state_bytes']:.0f}x |")
    if command:
        print(f"\nProduced by: `{command}`")


if __name__ == "__main__":
    main()
