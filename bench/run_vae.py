#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""The VAE benchmark: Glassbox next to PyTorch on the same CPU, in one run.

PyTorch (Debian's python3-torch, whose matrix products go through the same
OpenBLAS) is configured at its best on this machine: OpenBLAS's best kernels
for the CPU (OPENBLAS_CORETYPE, bench/blas_env.py), one intra-op thread,
OpenBLAS with 2 threads, glibc's malloc thresholds raised so it stops
returning memory to the kernel on every step. Glassbox runs as a user runs it,
with OPENBLAS_CORETYPE unset, and again with the best core: the two must agree
(its speed must not depend on OpenBLAS's guess of the CPU). Both sides get the
same architecture (784-512-2 / 2-512-784), batch, data and seed.

usage: bench/run_vae.py [--quick] [--build _build] [--torch-core=NAME]
Prints the CPU, the kernels each side ran, the figures and the ratios.
"""
import argparse
import gzip
import json
import os
import statistics
import subprocess
import sys
import time

ENV = {"OPENBLAS_NUM_THREADS": "2", "MALLOC_MMAP_THRESHOLD_": "10000000000",
       "MALLOC_TRIM_THRESHOLD_": "10000000000", "OMP_NUM_THREADS": "1"}
DATA = "/usr/share/datasets/fashion-mnist"

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import blas_env  # noqa: E402

# PyTorch at its best: OpenBLAS's best kernels for this CPU (--torch-core).
TORCH_CORE = next((a.split("=", 1)[1] for a in sys.argv if a.startswith("--torch-core=")), blas_env.best_core())
blas_env.tune_this_process(TORCH_CORE, ENV)

import numpy as np  # noqa: E402
import torch  # noqa: E402

from torch_vae import VAE, loss_terms  # noqa: E402

torch.set_num_threads(1)


def idx(name):
    with gzip.open(os.path.join(DATA, name)) as f:
        raw = f.read()
    ndim = raw[3]
    return np.frombuffer(raw, np.uint8, offset=4 + 4 * ndim)


def ours(build, *args, core=None):
    """bench-vae with OPENBLAS_CORETYPE = core (None: unset, as a user runs it)."""
    out = subprocess.run([os.path.join(build, "bench", "bench-vae"), *args], check=True,
                         capture_output=True, text=True, env=blas_env.env_with_core(core)).stdout
    return json.loads(out.strip().splitlines()[-1])


def torch_train(X, steps, batch=128):
    torch.manual_seed(1)
    m = VAE()
    opt = torch.optim.Adam(m.parameters(), lr=1e-3)
    perm = torch.randperm(X.shape[0])

    def step(s):
        i = perm[(s * batch) % (X.shape[0] - batch):][:batch]
        xb = X[i].float() / 255
        logits, mu, lv = m(xb)
        bce, kl = loss_terms(logits, xb, mu, lv)
        opt.zero_grad()
        (bce + kl).backward()
        opt.step()

    for s in range(20):
        step(s)
    t0 = time.perf_counter()
    for s in range(steps):
        step(s)
    return steps * batch / (time.perf_counter() - t0)


def torch_elbo(X, T, epochs, batch=128):
    torch.manual_seed(1)
    m = VAE()
    opt = torch.optim.Adam(m.parameters(), lr=1e-3)
    t0 = time.perf_counter()
    for _ in range(epochs):
        perm = torch.randperm(X.shape[0])
        for s in range(0, X.shape[0], batch):
            xb = X[perm[s:s + batch]].float() / 255
            logits, mu, lv = m(xb)
            bce, kl = loss_terms(logits, xb, mu, lv)
            opt.zero_grad()
            (bce + kl).backward()
            opt.step()
    with torch.no_grad():
        total = 0.0
        for s in range(0, T.shape[0], 1000):
            xb = T[s:s + 1000].float() / 255
            logits, mu, lv = m(xb)
            bce, kl = loss_terms(logits, xb, mu, lv)
            total += (bce + kl).item()
    return total / T.shape[0], time.perf_counter() - t0


def torch_decode(reps):
    m = VAE()
    with torch.no_grad():
        z = torch.tensor([[0.3, -0.7]])
        for _ in range(1000):
            m.decode(z)
        t0 = time.perf_counter()
        for i in range(reps):
            z[0, 0] = (i % 100) * 0.01
            m.decode(z)
        return (time.perf_counter() - t0) / reps * 1e6


def torch_manifold(n, reps):
    from statistics import NormalDist
    m = VAE()
    q = [NormalDist().inv_cdf((i + 0.5) / n) for i in range(n)]
    z = torch.tensor([[x, y] for y in q for x in q], dtype=torch.float32)
    with torch.no_grad():
        for _ in range(5):
            m.decode(z)
        t0 = time.perf_counter()
        for _ in range(reps):
            m.decode(z)
        return (time.perf_counter() - t0) / reps * 1e3


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--build", default="_build")
    ap.add_argument("--quick", action="store_true", help="skip the 10-epoch −ELBO comparison")
    ap.add_argument("--epochs", type=int, default=10)
    ap.add_argument("--runs", type=int, default=5, help="runs of each short measurement (the median is shown)")
    ap.add_argument("--torch-core", default=TORCH_CORE, help="PyTorch's OPENBLAS_CORETYPE (default: the best for this CPU)")
    a = ap.parse_args()
    best = blas_env.best_core()
    X = torch.from_numpy(idx("train-images-idx3-ubyte.gz").reshape(-1, 784).copy())
    T = torch.from_numpy(idx("t10k-images-idx3-ubyte.gz").reshape(-1, 784).copy())
    print(blas_env.header(os.path.join(a.build, "app", "glassbox"), best))
    print(f"torch {torch.__version__}  cpus {os.cpu_count()}  " + "  ".join(f"{k}={v}" for k, v in ENV.items()))
    rows = []
    # The machines are shared virtual machines: each figure is the median of
    # a.runs runs, the three taking turns. Glassbox runs with OPENBLAS_CORETYPE
    # unset (g0) and set to the best core (g1); PyTorch with the best core.
    med = statistics.median
    g0s, g1s, ts = [], [], []
    for _ in range(a.runs):
        g0s.append(ours(a.build, "train", "--steps", "469")["images_per_s"])
        g1s.append(ours(a.build, "train", "--steps", "469", core=best)["images_per_s"])
        ts.append(torch_train(X, 469))
    g0, g1, t = med(g0s), med(g1s), med(ts)
    print(f"# training runs, images/s: Glassbox unset {[round(x) for x in g0s]}, best core {[round(x) for x in g1s]}, "
          f"PyTorch {[round(x) for x in ts]}")
    rows.append(("training, images/s (batch 128, higher is better)", g0, g1, t, g0 / t, g0 / g1))
    g0 = med(ours(a.build, "decode", "--reps", "20000")["us_per_z"] for _ in range(a.runs))
    g1 = med(ours(a.build, "decode", "--reps", "20000", core=best)["us_per_z"] for _ in range(a.runs))
    t = med(torch_decode(5000) for _ in range(a.runs))
    rows.append(("decode one z, µs (lower is better)", g0, g1, t, t / g0, g1 / g0))
    mf = {}
    for core in (None, best):
        runs = [ours(a.build, "manifold", "--n", "20", "--reps", "500", core=core) for _ in range(a.runs)]
        mf[core] = {k: med(m[k] for m in runs) for k in ("ms_per_manifold", "ms_dense", "ms_prepare")}
    t = med(torch_manifold(20, 100) for _ in range(a.runs))
    g0, g1 = mf[None]["ms_per_manifold"], mf[best]["ms_per_manifold"]
    rows.append(("20×20 manifold, ms (lower is better)", g0, g1, t, t / g0, g1 / g0))
    g0, g1 = mf[None]["ms_dense"], mf[best]["ms_dense"]
    rows.append(("  Glassbox's dense decode of the same grid, ms", g0, g1, t, t / g0, g1 / g0))
    rows.append(("  preparing the grid decoder, once per model, ms", mf[None]["ms_prepare"], mf[best]["ms_prepare"],
                 float("nan"), float("nan"), float("nan")))
    if not a.quick:
        ge = ours(a.build, "elbo", "--epochs", str(a.epochs))
        te, ts = torch_elbo(X, T, a.epochs)
        rows.append((f"test −ELBO after {a.epochs} epochs, nats (lower is better)", ge["test_neg_elbo"], float("nan"),
                     te, te - ge["test_neg_elbo"], float("nan")))
        rows.append((f"{a.epochs} epochs of training, s (incl. test passes)", ge["seconds"], float("nan"), ts,
                     ts / ge["seconds"], float("nan")))
    print(f"{'':56s} {'Glassbox':>10s} {'Glassbox':>10s} {'PyTorch':>10s} {'ratio':>7s} {'unset vs':>9s}")
    print(f"{'':56s} {'(unset)':>10s} {'(' + str(best) + ')':>10s} {'(' + str(a.torch_core) + ')':>10s} "
          f"{'':>7s} {'best':>9s}")
    for name, g0, g1, t, r, u in rows:
        print(f"{name:56s} {g0:10.2f} {g1:10.2f} {t:10.2f} {r:7.2f} {u:9.3f}")
    print("ratio: how many times better Glassbox (OPENBLAS_CORETYPE unset) is than the tuned PyTorch (for −ELBO: "
          "PyTorch's minus Glassbox's, in nats); unset vs best: Glassbox's speed unset over its speed with the best "
          "core (1 = no loss)")

if __name__ == "__main__":
    main()
