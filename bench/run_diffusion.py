#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""The toy diffusion benchmark: Glassbox next to PyTorch on the same CPU, in one run.

Both sides train the same denoiser — an MLP 2 → 128 → 128 → 2 with SiLU and a
32-value sinusoidal time embedding added to both hidden layers — on the swiss
roll with the same budget (batch 256, Adam at 0.001, linear schedule,
T = 1000), then draw 2 000 samples with 1 000 DDPM steps. Reported: training
steps a second, sampling time, and the sliced Wasserstein-1 distance of each
side's samples to 2 000 fresh points of the data (the same points and
projections for both). PyTorch runs at its best here: torch.inference_mode
for sampling, one intra-op thread per process (two made it slower), and
float32 throughout, and OpenBLAS's best kernels for the CPU. Glassbox runs
with OPENBLAS_CORETYPE unset (as a user runs it) and with the best core: the
two must agree (bench/blas_env.py).

usage: bench/run_diffusion.py [--steps N] [--build _build] [--torch-core=NAME]
"""
import argparse
import json
import math
import os
import re
import struct
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import blas_env  # noqa: E402

# PyTorch at its best: OpenBLAS's best kernels for this CPU (--torch-core).
TORCH_CORE = next((a.split("=", 1)[1] for a in sys.argv if a.startswith("--torch-core=")), blas_env.best_core())
blas_env.tune_this_process(TORCH_CORE)

import numpy as np  # noqa: E402
import torch  # noqa: E402

torch.set_num_threads(1)
E = 32


def swiss_roll(n, rng):
    # gb-diffusion-toy2d.c's swiss roll: t ∈ [1.5π, 4.5π], ((t cos t − 2)/6, (t sin t − 2/(3π))/6) + N(0, 0.05²).
    t = 1.5 * math.pi * (1 + 2 * rng.random(n))
    x = (t * np.cos(t) - 2.0) / 6.0 + 0.05 * rng.standard_normal(n)
    y = (t * np.sin(t) - 2.0 / (3 * math.pi)) / 6.0 + 0.05 * rng.standard_normal(n)
    return np.stack([x, y], 1).astype(np.float32)


def embedding(t):
    half = E // 2
    f = torch.exp(-math.log(10000.0) * torch.arange(half, dtype=torch.float32) / half)
    a = t.float()[:, None] * f[None, :]
    return torch.cat([torch.sin(a), torch.cos(a)], 1)


class Net(torch.nn.Module):
    def __init__(self, h=128):
        super().__init__()
        self.fc1, self.fc2, self.fc3 = torch.nn.Linear(2, h), torch.nn.Linear(h, h), torch.nn.Linear(h, 2)
        self.temb1, self.temb2 = torch.nn.Linear(E, h, bias=False), torch.nn.Linear(E, h, bias=False)

    def forward(self, x, e):
        h = torch.nn.functional.silu(self.fc1(x) + self.temb1(e))
        h = torch.nn.functional.silu(self.fc2(h) + self.temb2(e))
        return self.fc3(h)


def schedule(T=1000):
    beta = torch.linspace(1e-4, 0.02, T, dtype=torch.float64)
    alpha = 1 - beta
    return beta, alpha, torch.cumprod(alpha, 0)


def torch_train(steps, seed=1):
    torch.manual_seed(seed)
    rng = np.random.default_rng(seed)
    net = Net()
    opt = torch.optim.Adam(net.parameters(), lr=1e-3)
    beta, alpha, ab = schedule()
    sab, s1ab = ab.sqrt().float(), (1 - ab).sqrt().float()
    t0 = time.perf_counter()
    for _ in range(steps):
        x0 = torch.from_numpy(swiss_roll(256, rng))
        t = torch.randint(1, 1001, (256,))
        eps = torch.randn(256, 2)
        xt = sab[t - 1, None] * x0 + s1ab[t - 1, None] * eps
        loss = ((net(xt, embedding(t)) - eps) ** 2).mean()
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
    return net, steps / (time.perf_counter() - t0)


@torch.inference_mode()
def torch_sample(net, n=2000, seed=1):
    torch.manual_seed(seed)
    beta, alpha, ab = schedule()
    x = torch.randn(n, 2)
    t0 = time.perf_counter()
    for t in range(1000, 0, -1):
        # The embedding's projections are the same for every point: computed once a step, as Glassbox does.
        e = embedding(torch.tensor([t]))
        c1 = net.fc1.bias + net.temb1(e)[0]
        c2 = net.fc2.bias + net.temb2(e)[0]
        h = torch.nn.functional.silu(x @ net.fc1.weight.T + c1)
        h = torch.nn.functional.silu(torch.addmm(c2, h, net.fc2.weight.T))
        eps = net.fc3(h)
        b, a, abt = beta[t - 1].item(), alpha[t - 1].item(), ab[t - 1].item()
        x = (x - b / math.sqrt(1 - abt) * eps) / math.sqrt(a)
        if t > 1:
            x = x + math.sqrt(b) * torch.randn(n, 2)
    return x.numpy(), time.perf_counter() - t0


def sliced_w1(a, b, rng, k=64):
    total = 0.0
    for _ in range(k):
        th = rng.random() * 2 * math.pi
        d = np.array([math.cos(th), math.sin(th)], np.float32)
        total += np.abs(np.sort(a @ d) - np.sort(b @ d)).mean()
    return total / k


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--build", default="_build")
    ap.add_argument("--steps", type=int, default=5000)
    ap.add_argument("--torch-core", default=TORCH_CORE, help="PyTorch's OPENBLAS_CORETYPE (default: the best for this CPU)")
    a = ap.parse_args()
    glassbox = os.path.join(a.build, "app", "glassbox")
    best = blas_env.best_core()
    tmp = tempfile.mkdtemp(prefix="glassbox-bench-diffusion-")
    t0 = time.perf_counter()
    g = {}
    for core in (None, best):
        env = blas_env.env_with_core(core)
        model = os.path.join(tmp, f"swiss-{core}.safetensors")
        out = subprocess.run([glassbox, "train", "diffusion", "--data", "swiss-roll", "--steps", str(a.steps),
                              "--seed", "1", "--out", model], check=True, capture_output=True, text=True,
                             env=env).stdout
        train = float(re.search(r"\((\d+) steps, ([\d.]+) steps/s\)", out).group(2))
        samples = os.path.join(tmp, f"samples-{core}.json")
        out = subprocess.run([glassbox, "sample", "diffusion", "--model", model, "--n", "2000", "--dump", samples,
                              "--out", os.path.join(tmp, "s.png")], check=True, capture_output=True, text=True,
                             env=env).stdout
        sample = float(re.search(r"2000 points in ([\d.]+) s", out).group(1))
        with open(samples) as f:
            x = np.array(json.load(f), np.float32).reshape(-1, 2)
        g[core] = (train, sample, x)
    net, t_train = torch_train(a.steps)
    t_x, t_time = torch_sample(net)
    rng = np.random.default_rng(12345)
    data = swiss_roll(2000, rng)
    data2 = swiss_roll(2000, rng)
    (g0_train, g0_time, g0_x), (g1_train, g1_time, g1_x) = g[None], g[best]
    sw_g, sw_t, sw_d = (sliced_w1(x, data, np.random.default_rng(7)) for x in (g0_x, t_x, data2))
    print(blas_env.header(glassbox, best))
    print(f"torch {torch.__version__}")
    print(f"{'':56s} {'Glassbox':>10s} {'Glassbox':>10s} {'PyTorch':>10s} {'ratio':>7s} {'unset vs':>9s}")
    print(f"{'':56s} {'(unset)':>10s} {'(' + str(best) + ')':>10s} {'(' + str(a.torch_core) + ')':>10s} "
          f"{'':>7s} {'best':>9s}")
    print(f"{'training, steps/s (batch 256)':56s} {g0_train:10.0f} {g1_train:10.0f} {t_train:10.0f} "
          f"{g0_train / t_train:6.2f}× {g0_train / g1_train:9.3f}")
    print(f"{'sampling 2 000 points, 1 000 DDPM steps, s':56s} {g0_time:10.2f} {g1_time:10.2f} {t_time:10.2f} "
          f"{t_time / g0_time:6.2f}× {g1_time / g0_time:9.3f}")
    print(f"{'sliced W1 of 2 000 samples to fresh data (lower is better)':56s} {sw_g:10.4f} {'':10s} {sw_t:10.4f}")
    print(f"{'  (two draws of the data: the floor)':56s} {sw_d:10.4f}")
    print(f"({a.steps} training steps each; unset vs best: Glassbox unset over Glassbox with the best core, "
          f"1 = no loss; wall time {time.perf_counter() - t0:.0f} s)")

if __name__ == "__main__":
    main()
