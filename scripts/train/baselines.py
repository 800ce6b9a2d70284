"""The baselines trained on the same trajectories as the Mamba (train.py --arch lstm|transformer): an LSTM
and a decoder-only Transformer with rotary positions. Each has a training forward over whole sequences
(`forward(tokens) -> logits`) and a closed-loop stepper (`stepper(batch).step(tokens) -> logits`, one
token per problem per call) that computes the same logits; train.py checks the two agree."""
import math

import torch
import torch.nn as nn
import torch.nn.functional as F


class LSTM(nn.Module):
    def __init__(self, vocab_size, hidden, layers):
        super().__init__()
        self.config = {"arch": "lstm", "vocab_size": vocab_size, "hidden": hidden, "layers": layers}
        self.embed = nn.Embedding(vocab_size, hidden)
        self.lstm = nn.LSTM(hidden, hidden, num_layers=layers, batch_first=True)
        self.head = nn.Linear(hidden, vocab_size, bias=False)

    def forward(self, tokens):
        out, _ = self.lstm(self.embed(tokens))
        return self.head(out)

    def stepper(self, batch):
        return LSTMStepper(self, batch)


class LSTMStepper:
    def __init__(self, model, batch):
        self.model, self.state = model, None

    @torch.no_grad()
    def step(self, tokens):
        out, self.state = self.model.lstm(self.model.embed(tokens)[:, None], self.state)
        return self.model.head(out[:, 0]).float()


def rotate(x, positions, base=10000.0):
    """Rotary position embedding of x [batch, heads, time, dim] at integer positions [time]."""
    half = x.shape[-1] // 2
    freq = base ** (-torch.arange(half, device=x.device, dtype=torch.float32) / half)
    angle = positions.float()[:, None] * freq[None]  # [time, half]
    cos, sin = angle.cos(), angle.sin()
    x1, x2 = x[..., :half], x[..., half:]
    return torch.cat([x1 * cos - x2 * sin, x1 * sin + x2 * cos], dim=-1)


class Block(nn.Module):
    def __init__(self, hidden, heads, ffn):
        super().__init__()
        self.heads = heads
        self.norm1, self.norm2 = nn.LayerNorm(hidden), nn.LayerNorm(hidden)
        self.qkv = nn.Linear(hidden, 3 * hidden, bias=False)
        self.out = nn.Linear(hidden, hidden, bias=False)
        self.up = nn.Linear(hidden, ffn, bias=False)
        self.down = nn.Linear(ffn, hidden, bias=False)

    def split(self, x):
        b, t, _ = x.shape
        q, k, v = self.qkv(self.norm1(x)).chunk(3, dim=-1)
        return [y.view(b, t, self.heads, -1).transpose(1, 2) for y in (q, k, v)]

    def finish(self, x, attended):
        b, _, t, _ = attended.shape
        x = x + self.out(attended.transpose(1, 2).reshape(b, t, -1))
        return x + self.down(F.gelu(self.up(self.norm2(x))))


class Transformer(nn.Module):
    """Pre-norm decoder-only Transformer; rotary positions on queries and keys, no position embedding."""

    def __init__(self, vocab_size, hidden, layers, heads):
        super().__init__()
        self.config = {"arch": "transformer", "vocab_size": vocab_size, "hidden": hidden, "layers": layers,
                       "heads": heads, "ffn": 4 * hidden}
        self.embed = nn.Embedding(vocab_size, hidden)
        self.blocks = nn.ModuleList(Block(hidden, heads, 4 * hidden) for _ in range(layers))
        self.norm = nn.LayerNorm(hidden)
        self.head = nn.Linear(hidden, vocab_size, bias=False)

    def forward(self, tokens):
        x = self.embed(tokens)
        positions = torch.arange(tokens.shape[1], device=tokens.device)
        for block in self.blocks:
            q, k, v = block.split(x)
            attended = F.scaled_dot_product_attention(rotate(q, positions), rotate(k, positions), v, is_causal=True)
            x = block.finish(x, attended)
        return self.head(self.norm(x))

    def stepper(self, batch):
        return TransformerStepper(self, batch)


class TransformerStepper:
    """Decoding with a key/value cache that grows by doubling: its memory grows with every token."""

    def __init__(self, model, batch):
        self.model, self.batch, self.length = model, batch, 0
        self.keys = [None] * len(model.blocks)
        self.values = [None] * len(model.blocks)

    def cache_bytes(self):
        return sum(k.numel() * k.element_size() * 2 for k in self.keys if k is not None)

    def _append(self, i, k, v):
        if self.keys[i] is None or self.keys[i].shape[2] == self.length:
            capacity = max(256, 2 * self.length)
            grown_k = k.new_zeros(k.shape[0], k.shape[1], capacity, k.shape[3])
            grown_v = torch.zeros_like(grown_k)
            if self.keys[i] is not None:
                grown_k[:, :, :self.length] = self.keys[i][:, :, :self.length]
                grown_v[:, :, :self.length] = self.values[i][:, :, :self.length]
            self.keys[i], self.values[i] = grown_k, grown_v
        self.keys[i][:, :, self.length] = k[:, :, 0]
        self.values[i][:, :, self.length] = v[:, :, 0]

    @torch.no_grad()
    def step(self, tokens):
        x = self.model.embed(tokens)[:, None]
        position = torch.tensor([self.length], device=tokens.device)
        for i, block in enumerate(self.model.blocks):
            q, k, v = block.split(x)
            q, k = rotate(q, position), rotate(k, position)
            self._append(i, k, v)
            keys, values = self.keys[i][:, :, :self.length + 1], self.values[i][:, :, :self.length + 1]
            weights = torch.softmax(q @ keys.transpose(2, 3) / math.sqrt(q.shape[-1]), dim=-1)
            x = block.finish(x, weights @ values)
        self.length += 1
        return self.model.head(self.model.norm(x))[:, 0].float()


def build(arch, vocab_size, hidden, layers, heads=4):
    if arch == "lstm":
        return LSTM(vocab_size, hidden, layers)
    if arch == "transformer":
        return Transformer(vocab_size, hidden, layers, heads)
    raise ValueError(f"unknown baseline architecture {arch!r}")
