#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""The inference benchmark: `glassbox evaluate vae` next to the same computation in PyTorch, in one run.

Both sides take the first N test images of Fashion-MNIST through the shipped
VAE (784-512-2) and work out, per image: IWAE-K (K draws from the encoder's
q), log p(x) by quadrature on a grid fitted to the posterior (32 × 32 over
the prior's bulk and q's ±8σ, then 32 × 32 over where log p(x, z) is within
25 nats of its peak, then 32 × 32 within 20 nats, each with q's ±6σ), the
ELBO of q on that grid (q normalised over the points), and q fitted to the
image alone (150 Adam steps at 0.03 up the grid's ELBO).
PyTorch does it as its best user would: float32, images batched (all their
decodes in one product), autograd and Adam over every image's q at once, on
the threads that suit it best (one and two are tried; the faster is
reported). Glassbox runs on its two cores as the command does.

Reported: seconds each side, the ratio, and the means both got (IWAE is
random on both sides with different draws; the rest agree to 0.001 nats).

usage: bench/run_vae_inference.py [--n N] [--iwae K] [--build _build]
"""
import argparse
import gzip
import json
import math
import os
import re
import struct
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import blas_env  # noqa: E402

blas_env.tune_this_process(blas_env.best_core())

import numpy as np  # noqa: E402
import torch  # noqa: E402

LOG2PI = math.log(2 * math.pi)


def load_safetensors(path):
    b = open(path, "rb").read()
    n = struct.unpack("<Q", b[:8])[0]
    head = json.loads(b[8:8 + n])
    out = {}
    for k, v in head.items():
        if k == "__metadata__":
            continue
        s, e = v["data_offsets"]
        dt = {"F32": np.float32, "F64": np.float64}[v["dtype"]]
        out[k] = torch.from_numpy(np.frombuffer(b[8 + n + s:8 + n + e], dtype=dt).reshape(v["shape"]).astype(np.float32))
    return out


class Vae:
    def __init__(self, w):
        self.w = w

    def encode(self, x):
        h = torch.relu(x @ self.w["fc1.weight"].T + self.w["fc1.bias"])
        return h @ self.w["fc21.weight"].T + self.w["fc21.bias"], h @ self.w["fc22.weight"].T + self.w["fc22.bias"]

    def log_lik(self, x, z):
        """x (B, D), z (B, M, 2) → log p(x|z) (B, M)."""
        h = torch.relu(z @ self.w["fc3.weight"].T + self.w["fc3.bias"])
        logits = h @ self.w["fc4.weight"].T + self.w["fc4.bias"]
        return -(torch.nn.functional.softplus(logits) - x[:, None, :] * logits).sum(-1)


def grid(vae, x, box, n):
    """log p(x, z) at the n × n cell centres of each image's box (B, 4) → (B, n, n), plus dA (B)."""
    u = (torch.arange(n, dtype=torch.float32) + 0.5) / n
    gx = box[:, 0:1] + u * (box[:, 1:2] - box[:, 0:1])        # (B, n)
    gy = box[:, 2:3] + u * (box[:, 3:4] - box[:, 2:3])
    z = torch.stack(torch.broadcast_tensors(gx[:, None, :], gy[:, :, None]), -1).reshape(len(x), n * n, 2)
    lj = vae.log_lik(x, z) - LOG2PI - 0.5 * (z * z).sum(-1)
    dA = (box[:, 1] - box[:, 0]) * (box[:, 3] - box[:, 2]) / (n * n)
    return lj.reshape(len(x), n, n), z.reshape(len(x), n, n, 2), dA


def mass_box(lj, z, nats, box):
    n = lj.shape[-1]
    keep = lj >= lj.amax((1, 2), keepdim=True) - nats
    dx = (box[:, 1] - box[:, 0]) / n
    dy = (box[:, 3] - box[:, 2]) / n
    big = torch.tensor(float("inf"))
    x0 = torch.where(keep, z[..., 0], big).amin((1, 2)) - 1.5 * dx
    x1 = torch.where(keep, z[..., 0], -big).amax((1, 2)) + 1.5 * dx
    y0 = torch.where(keep, z[..., 1], big).amin((1, 2)) - 1.5 * dy
    y1 = torch.where(keep, z[..., 1], -big).amax((1, 2)) + 1.5 * dy
    return torch.stack([x0, x1, y0, y1], 1)


def with_q(box, mu, s, k):
    return torch.stack([torch.minimum(box[:, 0], mu[:, 0] - k * s[:, 0]), torch.maximum(box[:, 1], mu[:, 0] + k * s[:, 0]),
                        torch.minimum(box[:, 2], mu[:, 1] - k * s[:, 1]), torch.maximum(box[:, 3], mu[:, 1] + k * s[:, 1])], 1)


def grid_elbo(lj, z, dA, mu, lv):
    """The ELBO of q (B, 2), (B, 2) on each image's grid, q normalised over the points."""
    e = -0.5 * (((z - mu[:, None, None, :]) ** 2) / torch.exp(lv)[:, None, None, :]).sum(-1)
    logp = torch.log_softmax(e.reshape(len(lj), -1), 1)          # log of each point's share of q
    f = lj.reshape(len(lj), -1) - (logp - torch.log(dA)[:, None])
    return (torch.exp(logp) * f).sum(1)


def torch_pipeline(vae, X, K, gen):
    mu, lv = vae.encode(X)
    s = torch.exp(0.5 * lv)
    B = len(X)
    # IWAE-K.
    eps = torch.randn(B, K, 2, generator=gen)
    z = mu[:, None] + s[:, None] * eps
    lw = vae.log_lik(X, z) - 0.5 * (z * z).sum(-1) + 0.5 * (eps * eps).sum(-1) + 0.5 * lv.sum(-1, keepdim=True)
    iwae = torch.logsumexp(lw, 1) - math.log(K)
    # log p(x) on the fitted grid.
    box = with_q(torch.tensor([[-6.0, 6.0, -6.0, 6.0]]).repeat(B, 1), mu, s, 8.0)
    lj, zg, dA = grid(vae, X, box, 32)
    for nats in (25.0, 20.0):
        box = with_q(mass_box(lj, zg, nats, box), mu, s, 6.0)
        lj, zg, dA = grid(vae, X, box, 32)
    log_px = torch.logsumexp(lj.reshape(B, -1), 1) + torch.log(dA)
    elbo = grid_elbo(lj, zg, dA, mu, lv)
    # q fitted to each image alone.
    floor = 2 * torch.log(torch.stack([box[:, 1] - box[:, 0], box[:, 3] - box[:, 2]], 1) / 32 / 4)
    m = mu.clone().requires_grad_(True)
    l = torch.maximum(lv, floor).clone().requires_grad_(True)
    opt = torch.optim.Adam([m, l], lr=0.03)
    for _ in range(150):
        opt.zero_grad()
        (-grid_elbo(lj, zg, dA, m, l).sum()).backward()
        opt.step()
        with torch.no_grad():
            l.copy_(torch.maximum(l, floor))
    with torch.no_grad():
        q_elbo = grid_elbo(lj, zg, dA, m, l)
    return [v.mean().item() for v in (elbo, iwae, log_px, q_elbo)]


def run_torch(vae, X, K, threads, chunk=25):
    torch.set_num_threads(threads)
    gen = torch.Generator().manual_seed(1)
    t0 = time.perf_counter()
    sums = np.zeros(4)
    with torch.no_grad():
        pass
    for i in range(0, len(X), chunk):
        xb = X[i:i + chunk]
        with torch.enable_grad():
            r = torch_pipeline(vae, xb, K, gen)
        sums += np.array(r) * len(xb)
    return time.perf_counter() - t0, sums / len(X)


def run_glassbox(build, n, K):
    out = subprocess.run([os.path.join(build, "app", "glassbox"), "evaluate", "vae", "--n", str(n), "--iwae", str(K)],
                         env=blas_env.env_with_core(None), check=True, capture_output=True, text=True).stdout
    secs = float(re.search(r"\(([0-9.]+) s\)", out).group(1))
    grab = lambda pat: float(re.search(pat + r"\s+(-?[0-9.]+)", out).group(1))  # noqa: E731
    return secs, [grab(r"ELBO of the encoder's q"), grab(r"IWAE-\d+"), grab(r"log p\(x\) by quadrature"),
                  grab(r"ELBO of q optimised per image")]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--build", default="_build")
    ap.add_argument("--n", type=int, default=200)
    ap.add_argument("--iwae", type=int, default=1000)
    a = ap.parse_args()
    here = os.path.dirname(os.path.abspath(__file__))
    vae = Vae(load_safetensors(os.path.join(here, "..", "resources", "models", "vae.safetensors")))
    raw = gzip.open("/usr/share/datasets/fashion-mnist/t10k-images-idx3-ubyte.gz").read()
    X = torch.from_numpy(np.frombuffer(raw[16:], dtype=np.uint8).reshape(-1, 784)[:a.n].astype(np.float32) / 255.0)
    print(blas_env.header(os.path.join(a.build, "app", "glassbox"), blas_env.best_core()))
    print(f"torch {torch.__version__}; the first {a.n} test images, IWAE with {a.iwae} draws")
    g_secs, g = run_glassbox(a.build, a.n, a.iwae)
    best = None
    for threads in (1, 2):
        secs, t = run_torch(vae, X, a.iwae, threads)
        print(f"  PyTorch on {threads} thread{'s' if threads > 1 else ''}: {secs:.2f} s")
        if best is None or secs < best[0]:
            best = (secs, t, threads)
    t_secs, t, threads = best
    print(f"{'':28s} {'Glassbox':>10s} {'PyTorch':>10s}")
    print(f"{'seconds':28s} {g_secs:10.2f} {t_secs:10.2f}   ratio {t_secs / g_secs:.1f}× (PyTorch on {threads})")
    for name, gv, tv in zip(["ELBO of q", "IWAE-%d" % a.iwae, "log p(x), quadrature", "ELBO of q*"], g, t):
        print(f"{name:28s} {gv:10.3f} {tv:10.3f}")


if __name__ == "__main__":
    main()
