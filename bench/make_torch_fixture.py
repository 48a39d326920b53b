#!/usr/bin/env python3
"""Make tests/data/torch-vae.safetensors and torch-vae.json with PyTorch.

A small VAE of the examples/vae layout (784-16-2) is trained for a few steps in
PyTorch on random data, saved the way safetensors.torch.save_file saves a
state_dict (no metadata), and its encoder and decoder outputs on fixed inputs
are recorded, so the C test can check that Glassbox computes the same numbers.
Needs python3-torch; run from the repository's top folder:
    /usr/bin/python3 bench/make_torch_fixture.py
"""
import json
import os
import sys

import torch

sys.path.insert(0, os.path.dirname(__file__))
from torch_safetensors import save_file  # noqa: E402
from torch_vae import VAE, loss_terms  # noqa: E402

torch.manual_seed(0)
model = VAE(784, 16, 2)
opt = torch.optim.Adam(model.parameters(), lr=1e-2)
for _ in range(20):
    x = torch.rand(32, 784)
    logits, mu, logvar = model(x)
    bce, kl = loss_terms(logits, x, mu, logvar)
    opt.zero_grad()
    (bce + kl).backward()
    opt.step()

save_file(model.state_dict(), "tests/data/torch-vae.safetensors")
x = torch.arange(3 * 784, dtype=torch.float32).reshape(3, 784).remainder(256) / 255.0
z = torch.tensor([[0.0, 0.0], [1.5, -0.5], [-2.0, 2.5]])
eps = torch.tensor([[0.3, -1.2], [0.0, 0.5], [2.0, -0.1]])
with torch.no_grad():
    mu, logvar = model.encode(x)
    dec = model.decode(z)
    zz = mu + torch.exp(0.5 * logvar) * eps
    logits = model.decode_logits(zz)
    bce, kl = loss_terms(logits, x, mu, logvar)
json.dump({
    "x": "row r, pixel d = ((r*784 + d) mod 256) / 255",
    "mu": mu.tolist(), "logvar": logvar.tolist(),
    "z": z.tolist(), "decoded": dec.tolist(),
    "eps": eps.tolist(), "bce_sum": bce.item(), "kl_sum": kl.item(),
}, open("tests/data/torch-vae.json", "w"))
print("wrote tests/data/torch-vae.safetensors and tests/data/torch-vae.json")
