#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""Make tests/data/torch-vae.safetensors and torch-vae.json (and torch-vae20.*) with PyTorch.

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

# A 20-d latent as examples/vae has it (784-400-20; a narrower hidden layer keeps the file small), wrapped
# in DataParallel so that every name starts with "module.", saved by the README's tools/export_torch_vae.py.
sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "tools"))
from export_torch_vae import export  # noqa: E402

torch.manual_seed(1)
model20 = VAE(784, 24, 20)
opt = torch.optim.Adam(model20.parameters(), lr=1e-2)


def blocks(n):
    """Images of a bright 8 × 8 block at a random place: something for the latent space to encode."""
    x = torch.zeros(n, 28, 28)
    for i in range(n):
        r, c = torch.randint(0, 20, (2,)).tolist()
        x[i, r:r + 8, c:c + 8] = 1.0
    return x.reshape(n, 784)


for _ in range(300):
    x = blocks(32)
    logits, mu, logvar = model20(x)
    bce, kl = loss_terms(logits, x, mu, logvar)
    opt.zero_grad()
    (bce + kl).backward()
    opt.step()
wrapped = torch.nn.DataParallel(model20)
export(wrapped, "tests/data/torch-vae20.safetensors", dataset="random")
z20 = torch.linspace(-2, 2, 3 * 20).reshape(3, 20)
with torch.no_grad():
    mu20, logvar20 = model20.encode(torch.arange(3 * 784, dtype=torch.float32).reshape(3, 784).remainder(256) / 255.0)
    dec20 = model20.decode(z20)
json.dump({"x": "as torch-vae.json", "mu": mu20.tolist(), "logvar": logvar20.tolist(), "z": z20.tolist(),
           "decoded": dec20.tolist()}, open("tests/data/torch-vae20.json", "w"))
print("wrote tests/data/torch-vae20.safetensors and tests/data/torch-vae20.json")
