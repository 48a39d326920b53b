#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""Make tests/data/torch-unet.safetensors and torch-unet.json with PyTorch.

A small U-Net of core/gb-diffusion-unet.h's layout (8 × 8 images, width 16), with
PyTorch's own random initialisation (every layer non-zero), is written as a
Glassbox model file, and its ε̂ for fixed inputs at three timesteps recorded,
so the C test can check that Glassbox computes the same numbers: the
convolutions' padding, GroupNorm's groups, the pooling, the upsampling and
the order of the concatenated channels. Needs python3-torch; run from the
repository's top folder:
    /usr/bin/python3 bench/make_torch_unet_fixture.py
"""
import json
import os
import sys

import torch

sys.path.insert(0, os.path.dirname(__file__))
from torch_safetensors import save_file  # noqa: E402
from torch_unet import UNet, embedding, to_glassbox  # noqa: E402

torch.manual_seed(0)
net = UNet(16)
with torch.no_grad():   # GroupNorm starts at γ = 1, β = 0: make those differ too
    for name, p in net.named_parameters():
        if "norm" in name:
            p.add_(0.3 * torch.randn_like(p))
meta = {"kind": "diffusion-unet", "layout": "nhwc", "side": "8", "d": "64", "hidden": "16", "groups": "8",
        "embed": "32", "schedule": "linear", "T": "1000", "data": "fixture"}
save_file(to_glassbox(net), "tests/data/torch-unet.safetensors", meta)
x = torch.sin(torch.arange(3 * 64, dtype=torch.float32) * 0.7).reshape(3, 64) * 1.5
ts = torch.tensor([1, 500, 1000])
with torch.no_grad():
    eps = net(x.reshape(3, 1, 8, 8), embedding(ts)).reshape(3, 64)
json.dump({"x": "row r, pixel p = 1.5 sin (0.7 (64 r + p))", "t": ts.tolist(), "eps": eps.tolist()},
          open("tests/data/torch-unet.json", "w"))
print("wrote tests/data/torch-unet.safetensors and tests/data/torch-unet.json")
