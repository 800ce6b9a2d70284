"""Closed-loop decoding of a MambaForCausalLM one token per problem per step, written out from the
model's parameters (the same math as transformers' decode step), batched over problems."""
import torch
import torch.nn.functional as F


class Stepper:
    def __init__(self, model, batch):
        self.cfg = model.config
        sd = {k: v.detach().float() for k, v in model.state_dict().items()}
        self.sd = sd
        self.layers = self.cfg.num_hidden_layers
        dev = next(model.parameters()).device
        Di, N, K = self.cfg.intermediate_size, self.cfg.state_size, self.cfg.conv_kernel
        self.conv = [torch.zeros(batch, Di, K - 1, device=dev) for _ in range(self.layers)]
        self.ssm = [torch.zeros(batch, Di, N, device=dev) for _ in range(self.layers)]
        self.A = [-torch.exp(sd[f"backbone.layers.{l}.mixer.A_log"]) for l in range(self.layers)]
        self.head = sd.get("lm_head.weight", sd["backbone.embeddings.weight"])

    def _norm(self, h, w):
        return w * (h * torch.rsqrt(h.pow(2).mean(-1, keepdim=True) + self.cfg.layer_norm_epsilon))

    @torch.no_grad()
    def step(self, tokens):
        """tokens: LongTensor [batch]; returns logits [batch, vocab]."""
        sd, cfg = self.sd, self.cfg
        Di, N, R = cfg.intermediate_size, cfg.state_size, cfg.time_step_rank
        h = sd["backbone.embeddings.weight"][tokens]
        for l in range(self.layers):
            p = f"backbone.layers.{l}."
            u = self._norm(h, sd[p + "norm.weight"])
            xz = u @ sd[p + "mixer.in_proj.weight"].T
            if p + "mixer.in_proj.bias" in sd:
                xz = xz + sd[p + "mixer.in_proj.bias"]
            x, z = xz[:, :Di], xz[:, Di:]
            window = torch.cat([self.conv[l], x[:, :, None]], dim=2)
            w = sd[p + "mixer.conv1d.weight"][:, 0, :]
            xc = (window * w).sum(-1)
            if p + "mixer.conv1d.bias" in sd:
                xc = xc + sd[p + "mixer.conv1d.bias"]
            self.conv[l] = window[:, :, 1:]
            xc = F.silu(xc)
            dbc = xc @ sd[p + "mixer.x_proj.weight"].T
            dt, B, C = dbc[:, :R], dbc[:, R:R + N], dbc[:, R + N:]
            dt = F.softplus(dt @ sd[p + "mixer.dt_proj.weight"].T + sd[p + "mixer.dt_proj.bias"])
            dA = torch.exp(dt[:, :, None] * self.A[l][None])
            self.ssm[l] = dA * self.ssm[l] + (dt[:, :, None] * B[:, None, :]) * xc[:, :, None]
            y = (self.ssm[l] * C[:, None, :]).sum(-1) + sd[p + "mixer.D"] * xc
            y = y * F.silu(z)
            o = y @ sd[p + "mixer.out_proj.weight"].T
            if p + "mixer.out_proj.bias" in sd:
                o = o + sd[p + "mixer.out_proj.bias"]
            h = h + o
        return self._norm(h, sd["backbone.norm_f.weight"]) @ self.head.T
