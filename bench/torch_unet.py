# SPDX-License-Identifier: GPL-3.0-or-later
"""The U-Net of core/gb-diffusion-unet.h in PyTorch: the benchmarks' reference and the fixture's maker.

The same layers in the same order, NCHW as PyTorch keeps images (Glassbox keeps
them NHWC); load_glassbox() reads a Glassbox model file, whose conv weights are
(C_out, 3, 3, C_in), into it, and to_glassbox() writes this module's weights in
Glassbox's names and layout. Never used by the app or its tests.
"""
import math

import torch
import torch.nn.functional as F

E = 32
GROUPS = 8


def embedding(t, n=E):
    """e(t): sin (t·f_k) and cos (t·f_k), f_k = 10000^(−k/(n/2)) (gb_time_embedding)."""
    half = n // 2
    f = torch.exp(-math.log(10000.0) * torch.arange(half, dtype=torch.float64) / half)
    a = t.double()[:, None] * f[None, :]
    return torch.cat([torch.sin(a), torch.cos(a)], 1).float()


class Block(torch.nn.Module):
    def __init__(self, cin, cout, te):
        super().__init__()
        self.norm1 = torch.nn.GroupNorm(GROUPS, cin, eps=1e-5)
        self.conv1 = torch.nn.Conv2d(cin, cout, 3, padding=1)
        self.time = torch.nn.Linear(te, cout)
        self.norm2 = torch.nn.GroupNorm(GROUPS, cout, eps=1e-5)
        self.conv2 = torch.nn.Conv2d(cout, cout, 3, padding=1)
        self.skip = torch.nn.Conv2d(cin, cout, 1) if cin != cout else None

    def forward(self, x, tau):
        h = self.conv1(F.silu(self.norm1(x))) + self.time(tau)[:, :, None, None]
        h = self.conv2(F.silu(self.norm2(h)))
        return (self.skip(x) if self.skip is not None else x) + h


class UNet(torch.nn.Module):
    def __init__(self, C=32, classes=0):
        super().__init__()
        te = 4 * C
        self.C, self.classes = C, classes
        self.time = torch.nn.Sequential(torch.nn.Linear(E, te), torch.nn.SiLU(), torch.nn.Linear(te, te),
                                        torch.nn.SiLU())
        self.conv_in = torch.nn.Conv2d(1, C, 3, padding=1)
        self.blocks = torch.nn.ModuleList([Block(C, C, te), Block(C, 2 * C, te), Block(2 * C, 2 * C, te),
                                           Block(2 * C, 2 * C, te), Block(4 * C, 2 * C, te), Block(3 * C, C, te)])
        self.norm_out = torch.nn.GroupNorm(GROUPS, C, eps=1e-5)
        self.conv_out = torch.nn.Conv2d(C, 1, 3, padding=1)
        # row `classes` is “no class”, for classifier-free guidance
        self.class_embed = torch.nn.Embedding(classes + 1, te) if classes else None

    def forward(self, x, e, labels=None):
        """x (B, 1, S, S), e (B, 32) the time embedding, labels (B) the classes (None: no class);
        returns ε̂ (B, 1, S, S)."""
        tau = self.time(e)
        if self.class_embed is not None:
            if labels is None:
                labels = torch.full((x.shape[0],), self.classes, dtype=torch.long)
            tau = tau + self.class_embed(labels)
        b = self.blocks
        s0 = b[0](self.conv_in(x), tau)
        s1 = b[1](F.avg_pool2d(s0, 2), tau)
        h = b[3](b[2](F.avg_pool2d(s1, 2), tau), tau)
        h = b[4](torch.cat([F.interpolate(h, scale_factor=2, mode="nearest"), s1], 1), tau)
        h = b[5](torch.cat([F.interpolate(h, scale_factor=2, mode="nearest"), s0], 1), tau)
        return self.conv_out(F.silu(self.norm_out(h)))


def _to_torch(name, t):
    """Glassbox's (C_out, 3, 3, C_in) and (C_out, C_in) → PyTorch's conv shapes."""
    if t.dim() == 4:
        return t.permute(0, 3, 1, 2).contiguous()
    if name.endswith("skip.weight"):
        return t[:, :, None, None].contiguous()
    return t


def _to_glassbox(name, t):
    if t.dim() == 4 and name.endswith("skip.weight"):
        return t[:, :, 0, 0].contiguous()
    if t.dim() == 4:
        return t.permute(0, 2, 3, 1).contiguous()
    return t


def load_glassbox(weights):
    """A UNet holding a Glassbox model file's weights (a dict of tensors)."""
    C = weights["conv_in.weight"].shape[0]
    classes = weights["class_embed.weight"].shape[0] - 1 if "class_embed.weight" in weights else 0
    net = UNet(C, classes)
    with torch.no_grad():
        for name, p in net.named_parameters():
            p.copy_(_to_torch(name, weights[name.replace("time.", "time.", 1)]))
    return net


def to_glassbox(net):
    return {name: _to_glassbox(name, p.detach()) for name, p in net.named_parameters()}
