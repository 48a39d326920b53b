#!/usr/bin/env python3
"""The VAE benchmark: Glassbox next to PyTorch on the same CPU, in one run.

PyTorch (Debian's python3-torch, whose matrix products go through the same
OpenBLAS) is configured at its best on this machine: one intra-op thread,
OpenBLAS with 2 threads, glibc's malloc thresholds raised so it stops
returning memory to the kernel on every step. Both sides get the same
environment, architecture (784-512-2 / 2-512-784), batch, data and seed.

usage: bench/run_vae.py [--quick] [--build _build]
Prints the figures and the ratios, and the OpenBLAS core type they ran on.
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

if any(os.environ.get(k) != v for k, v in ENV.items()):
    os.environ.update(ENV)
    os.execv(sys.executable, [sys.executable] + sys.argv)

import numpy as np  # noqa: E402
import torch  # noqa: E402

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from torch_vae import VAE, loss_terms  # noqa: E402

torch.set_num_threads(1)


def idx(name):
    with gzip.open(os.path.join(DATA, name)) as f:
        raw = f.read()
    ndim = raw[3]
    return np.frombuffer(raw, np.uint8, offset=4 + 4 * ndim)


def ours(build, *args):
    out = subprocess.run([os.path.join(build, "bench", "bench-vae"), *args], check=True,
                         capture_output=True, text=True).stdout
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
    a = ap.parse_args()
    X = torch.from_numpy(idx("train-images-idx3-ubyte.gz").reshape(-1, 784).copy())
    T = torch.from_numpy(idx("t10k-images-idx3-ubyte.gz").reshape(-1, 784).copy())
    print(f"OPENBLAS_CORETYPE={os.environ.get('OPENBLAS_CORETYPE', '(unset)')}  "
          f"torch {torch.__version__}  cpus {os.cpu_count()}  " +
          "  ".join(f"{k}={v}" for k, v in ENV.items()))
    rows = []
    # The machines are shared virtual machines: each figure is the median of
    # a.runs runs, the two sides taking turns.
    med = statistics.median
    gs, ts = [], []
    for _ in range(a.runs):
        gs.append(ours(a.build, "train", "--steps", "469")["images_per_s"])
        ts.append(torch_train(X, 469))
    g, t = med(gs), med(ts)
    print(f"# training runs, images/s: Glassbox {[round(x) for x in gs]}, PyTorch {[round(x) for x in ts]}")
    rows.append(("training, images/s (batch 128, higher is better)", g, t, g / t))
    g = med(ours(a.build, "decode", "--reps", "20000")["us_per_z"] for _ in range(a.runs))
    t = med(torch_decode(5000) for _ in range(a.runs))
    rows.append(("decode one z, µs (lower is better)", g, t, t / g))
    mfs = [ours(a.build, "manifold", "--n", "20", "--reps", "500") for _ in range(a.runs)]
    mf = {k: med(m[k] for m in mfs) for k in ("ms_per_grid", "ms_dense", "ms_prepare")}
    g = mf["ms_per_grid"]
    t = med(torch_manifold(20, 100) for _ in range(a.runs))
    rows.append(("20×20 manifold, ms (lower is better)", g, t, t / g))
    rows.append(("  Glassbox's dense decode of the same grid, ms", mf["ms_dense"], t, t / mf["ms_dense"]))
    rows.append(("  preparing the grid decoder, once per model, ms", mf["ms_prepare"], float("nan"), float("nan")))
    if not a.quick:
        ge = ours(a.build, "elbo", "--epochs", str(a.epochs))
        te, ts = torch_elbo(X, T, a.epochs)
        rows.append((f"test −ELBO after {a.epochs} epochs, nats (lower is better)", ge["test_neg_elbo"], te,
                     te - ge["test_neg_elbo"]))
        rows.append((f"{a.epochs} epochs of training, s (incl. test passes)", ge["seconds"], ts, ts / ge["seconds"]))
    print(f"{'':60s} {'Glassbox':>10s} {'PyTorch':>10s} {'ratio':>8s}")
    for name, g, t, r in rows:
        print(f"{name:60s} {g:10.2f} {t:10.2f} {r:8.2f}")
    print("ratio: how many times better Glassbox is (for −ELBO: PyTorch's minus Glassbox's, in nats)")


if __name__ == "__main__":
    main()
