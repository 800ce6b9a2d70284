"""A training forward for transformers' MambaForCausalLM over its own parameters: the projections and
the convolution run over the whole sequence at once and the selective scan is one short loop over
time. It computes what the model's forward computes (train.py checks it), much faster where
mamba_ssm's kernels are absent."""
import torch
import torch.nn.functional as F


def logits(model, tokens):
    """tokens: LongTensor [batch, time] -> logits [batch, time, vocab]."""
    backbone = model.backbone
    T = tokens.shape[1]
    h = backbone.embeddings(tokens)
    for layer in backbone.layers:
        mixer = layer.mixer
        Di, N, R = mixer.intermediate_size, mixer.ssm_state_size, mixer.time_step_rank
        u = layer.norm(h)
        x, z = mixer.in_proj(u).chunk(2, dim=-1)
        x = F.silu(mixer.conv1d(x.transpose(1, 2))[..., :T]).transpose(1, 2)  # [B, T, Di]
        dt, b, c = torch.split(mixer.x_proj(x), [R, N, N], dim=-1)
        dt = F.softplus(mixer.dt_proj(dt))  # [B, T, Di]
        a = -torch.exp(mixer.A_log.float())  # [Di, N]
        da = torch.exp(dt[..., None] * a)  # [B, T, Di, N]
        dbx = (dt[..., None] * b[:, :, None, :]) * x[..., None]
        state = torch.zeros(tokens.shape[0], Di, N, device=tokens.device, dtype=da.dtype)
        ys = []
        # unbind, not da[:, t]: the backward of T slices would write T gradients of da's full size.
        for da_t, dbx_t, c_t in zip(da.unbind(1), dbx.unbind(1), c.unbind(1)):
            state = da_t * state + dbx_t
            ys.append(torch.einsum("bdn,bn->bd", state, c_t))
        y = torch.stack(ys, dim=1) + x * mixer.D
        y = y * F.silu(z)
        h = h + mixer.out_proj(y)
    return model.lm_head(backbone.norm_f(h))
