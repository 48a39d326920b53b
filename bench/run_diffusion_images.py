#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""The image diffusion benchmark: Glassbox next to PyTorch on the same CPU, in one run.

For a U-Net model (gb-diffusion-unet.h; `glassbox train diffusion --arch unet`) both sides
run that U-Net, PyTorch's written with its own layers (bench/torch_unet.py:
Conv2d, GroupNorm, avg_pool2d, interpolate) and holding the very weights Glassbox
trained; PyTorch runs at its best: torch.inference_mode, float32, and for each
measurement the fastest of one or two intra-op threads and of NCHW or
channels-last memory (oneDNN's convolutions prefer the latter). The guidance by
the fitted Gaussian is the same few lines on both sides.

For an MLP model both sides run the same image denoiser (gb-diffusion-denoiser.h): the exact ε-predictor of
a Gaussian N(μ, V diag(λ) Vᵀ) fitted to the data plus an MLP 784 → H → H → 784
(SiLU, a 32-value sinusoidal time embedding added to both hidden layers) that
reads x_t's coordinates c = Vᵀ(x_t − √ᾱ μ) whitened and answers in them:
ε̂ = V (σ c / s² + MLP(c / s)), s² = ᾱλ + σ². PyTorch gets the very weights
Glassbox trained (read from its model file), so both sample the same model; it
runs at its best: torch.inference_mode, the per-step vectors and the
embedding's projections computed once a step as Glassbox does, float32, and
the faster of one and two intra-op threads for each measurement.

Measured: DDPM sampling (1 000 steps) of 16 and 64 images, DDIM with 50 steps
of 16 images, and training throughput (batches of 128 Fashion-MNIST images,
Adam, L_simple) — Glassbox's from `glassbox train diffusion`, PyTorch's from
the same loop written in PyTorch.

PyTorch runs with OpenBLAS's best kernels for the CPU (OPENBLAS_CORETYPE,
bench/blas_env.py); Glassbox as a user runs it, with OPENBLAS_CORETYPE unset
(--glassbox-core best or NAME to compare).

usage: bench/run_diffusion_images.py --model FILE [--build _build] [--train-steps N] [--rounds R] [--no-64]
                                     [--ddim-only] [--torch-core=NAME] [--glassbox-core unset|best|NAME]
"""
import argparse
import gzip
import json
import math
import os
import re
import statistics
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

from run_diffusion import E, embedding, schedule  # noqa: E402  (the toy benchmark's, shared)
from torch_safetensors import load_file  # noqa: E402
from torch_unet import UNet, load_glassbox  # noqa: E402

DATA = "/usr/share/datasets/fashion-mnist"


class Net(torch.nn.Module):
    def __init__(self, d=784, h=1024):
        super().__init__()
        self.fc1, self.fc2, self.fc3 = torch.nn.Linear(d, h), torch.nn.Linear(h, h), torch.nn.Linear(h, d)
        self.temb1, self.temb2 = torch.nn.Linear(E, h, bias=False), torch.nn.Linear(E, h, bias=False)
        self.register_buffer("mean", torch.zeros(d))
        self.register_buffer("vecs", torch.eye(d))
        self.register_buffer("vals", torch.ones(d))

    def forward(self, x, e, sab, s1ab):
        """Training: rows at their own t (sab = √ᾱ, s1ab = √(1−ᾱ) per row); returns ε̂ in the eigenbasis."""
        c = (x - sab[:, None] * self.mean) @ self.vecs.T
        s2 = sab[:, None] ** 2 * self.vals + s1ab[:, None] ** 2
        h = torch.nn.functional.silu(self.fc1(c * s2.rsqrt()) + self.temb1(e))
        h = torch.nn.functional.silu(self.fc2(h) + self.temb2(e))
        return self.fc3(h) + s1ab[:, None] * c / s2


class Unet(torch.nn.Module):
    """The U-Net with the fitted Gaussian beside it (for the guidance)."""
    def __init__(self, unet, w):
        super().__init__()
        self.unet = unet
        self.register_buffer("mean", w["gauss.mean"])
        self.register_buffer("vecs", w["gauss.eigvecs"])
        self.register_buffer("vals", w["gauss.eigvals"])
        self.channels_last = False

    def eps(self, x, e, labels=None):
        x = x.reshape(-1, 1, 28, 28)
        if self.channels_last:
            x = x.contiguous(memory_format=torch.channels_last)
        return self.unet(x, e, labels).reshape(-1, 784)


def load_net(path):
    w, meta = load_file(path)
    if meta.get("kind") == "diffusion-unet":
        return Unet(load_glassbox(w), w)
    h = w["fc1.weight"].shape[0]
    net = Net(w["fc1.weight"].shape[1], h)
    with torch.no_grad():
        for name, p in net.named_parameters():
            p.copy_(w[name])
        net.mean.copy_(w["gauss.mean"])
        net.vecs.copy_(w["gauss.eigvecs"])
        net.vals.copy_(w["gauss.eigvals"])
    return net


def eps_at(net, x, t, ab, w=1.0):
    """ε̂ for a batch at one t, the per-step vectors computed once; w is the guidance
    (gb-diffusion-denoiser.h): the MLP's answer scaled by w before the Gaussian's is added."""
    abt = ab[t - 1].item()
    if isinstance(net, Unet) and net.unet.classes:
        # classifier-free guidance as Glassbox samples: row i is class i mod K, then the rows without a class
        n, K = x.shape[0], net.unet.classes
        lab = torch.arange(n) % K
        if w == 1.0:
            return net.eps(x, embedding(torch.full((n,), t)), lab)
        e2 = net.eps(torch.cat([x, x]), embedding(torch.full((2 * n,), t)), torch.cat([lab, torch.full((n,), K)]))
        return e2[n:] + w * (e2[:n] - e2[n:])
    if isinstance(net, Unet):
        eps = net.eps(x, embedding(torch.full((x.shape[0],), t)))
        if w == 1.0:
            return eps
        gain = (math.sqrt(1 - abt) / (abt * net.vals.double() + (1 - abt))).float()
        eg = (((x - math.sqrt(abt) * net.mean) @ net.vecs.T) * gain) @ net.vecs
        return eg + w * (eps - eg)
    e = embedding(torch.tensor([t]))
    c1 = net.fc1.bias + net.temb1(e)[0]
    c2 = net.fc2.bias + net.temb2(e)[0]
    s2 = (abt * net.vals.double() + (1 - abt)).float()
    c = torch.addmm(-math.sqrt(abt) * (net.mean @ net.vecs.T), x, net.vecs.T)
    h = torch.nn.functional.silu(torch.addmm(c1, c * s2.rsqrt(), net.fc1.weight.T))
    h = torch.nn.functional.silu(torch.addmm(c2, h, net.fc2.weight.T))
    r = torch.addmm(net.fc3.bias, h, net.fc3.weight.T, beta=w, alpha=w).addcmul_(c, math.sqrt(1 - abt) / s2)
    return r @ net.vecs


@torch.inference_mode()
def torch_ddpm(net, n, w, seed=1):
    torch.manual_seed(seed)
    beta, alpha, ab = schedule()
    x = torch.randn(n, 784)
    t0 = time.perf_counter()
    for t in range(1000, 0, -1):
        b, a, abt = beta[t - 1].item(), alpha[t - 1].item(), ab[t - 1].item()
        eps = eps_at(net, x, t, ab, w)
        # Ho et al.'s sampler for images: x̂₀ clipped to [−1, 1], the step taken from it.
        x0 = ((x - math.sqrt(1 - abt) * eps) / math.sqrt(abt)).clamp_(-1, 1)
        abp = ab[t - 2].item() if t > 1 else 1.0
        mean = (math.sqrt(abp) * b / (1 - abt)) * x0 + (math.sqrt(a) * (1 - abp) / (1 - abt)) * x
        x = mean + math.sqrt(b) * torch.randn(n, 784) if t > 1 else mean
    return x, time.perf_counter() - t0


@torch.inference_mode()
def torch_ddim(net, n, w, S=50, seed=1):
    torch.manual_seed(seed)
    beta, alpha, ab = schedule()
    ts = [math.ceil(i * 1000 / S) for i in range(S, 0, -1)]
    x = torch.randn(n, 784)
    t0 = time.perf_counter()
    for k, t in enumerate(ts):
        abt = ab[t - 1].item()
        eps = eps_at(net, x, t, ab, w)
        x0 = ((x - math.sqrt(1 - abt) * eps) / math.sqrt(abt)).clamp_(-1, 1)
        eps = (x - math.sqrt(abt) * x0) / math.sqrt(1 - abt)
        abp = ab[ts[k + 1] - 1].item() if k + 1 < len(ts) else 1.0
        x = math.sqrt(abp) * x0 + math.sqrt(1 - abp) * eps
    return x, time.perf_counter() - t0


def load_labels():
    with gzip.open(os.path.join(DATA, "train-labels-idx1-ubyte.gz"), "rb") as f:
        return np.frombuffer(f.read(), np.uint8, offset=8)


def load_images():
    with gzip.open(os.path.join(DATA, "train-images-idx3-ubyte.gz"), "rb") as f:
        raw = f.read()
    return np.frombuffer(raw, np.uint8, offset=16).reshape(-1, 784)


def torch_train(steps, h, fitted, seed=1, channels_last=False):
    """Training images/s: batches of 128, Adam, L_simple. For a U-Net (fitted is a Unet) PyTorch's
    own; for an MLP over the fitted Gaussian, the loss in the eigenbasis as Glassbox takes it."""
    torch.manual_seed(seed)
    rng = np.random.default_rng(seed)
    images, classes = load_images(), load_labels()
    unet = isinstance(fitted, Unet)
    K = fitted.unet.classes if unet else 0
    if unet:
        net = UNet(h, K)
        if channels_last:
            net = net.to(memory_format=torch.channels_last)

        def loss_of(xt, t, eps, y):
            xt = xt.reshape(128, 1, 28, 28)
            if channels_last:
                xt = xt.contiguous(memory_format=torch.channels_last)
            if K:   # the class dropped one time in ten, as Glassbox trains
                y = torch.where(torch.rand(128) < 0.1, torch.full_like(y, K), y)
            return ((net(xt, embedding(t), y if K else None).reshape(128, 784) - eps) ** 2).mean()
    else:
        net = Net(784, h)
        with torch.no_grad():   # the fitted Gaussian, as Glassbox fits it before training
            net.mean.copy_(fitted.mean), net.vecs.copy_(fitted.vecs), net.vals.copy_(fitted.vals)

        def loss_of(xt, t, eps, y):   # V is orthogonal: the loss in the eigenbasis is the same loss
            return ((net(xt, embedding(t), sab[t - 1], s1ab[t - 1]) - eps @ net.vecs.T) ** 2).mean()
    opt = torch.optim.Adam(net.parameters(), lr=1e-3)
    beta, alpha, ab = schedule()
    sab, s1ab = ab.sqrt().float(), (1 - ab).sqrt().float()
    t0 = time.perf_counter()
    for _ in range(steps):
        pick = rng.integers(0, len(images), 128)
        x0 = torch.from_numpy(images[pick].astype(np.float32) * (2 / 255) - 1)
        y = torch.from_numpy(classes[pick].astype(np.int64))
        t = torch.randint(1, 1001, (128,))
        eps = torch.randn(128, 784)
        xt = sab[t - 1, None] * x0 + s1ab[t - 1, None] * eps
        loss = loss_of(xt, t, eps, y)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
    return steps / (time.perf_counter() - t0)


_best_layout = None


def best_of_threads(fn, net=None):
    """The fastest of one and two threads (and, for a U-Net, of NCHW and channels-last: both on the
    first measurement, then the layout that won it, since a 64-image DDPM run takes minutes)."""
    global _best_layout
    best, unet = math.inf, isinstance(net, Unet)
    layouts = ((False, True) if _best_layout is None else (_best_layout,)) if unet else (False,)
    for threads in (1, 2):
        torch.set_num_threads(threads)
        for cl in layouts:
            if unet:
                net.channels_last = cl
                net.unet.to(memory_format=torch.channels_last if cl else torch.contiguous_format)
            t = fn()
            if t < best:
                best, won = t, cl
    if unet and _best_layout is None:
        _best_layout = won
    return best


def cpu_vector_isa():
    """Whether this CPU has AVX-512F (Glassbox's packed kernel for it) or AVX2 + FMA."""
    with open("/proc/cpuinfo") as f:
        flags = next((line.split() for line in f if line.startswith("flags")), [])
    return "AVX-512F" if "avx512f" in flags else "AVX2 + FMA" if "avx2" in flags and "fma" in flags else "baseline"


GLASSBOX_CORE = None   # OPENBLAS_CORETYPE for Glassbox's runs: None is unset, as a user runs it


def glassbox_time(glassbox, args, pattern, repeat=1):
    """The best of repeat runs (PyTorch's side is the best of its thread counts and layouts)."""
    best = math.inf
    for _ in range(repeat):
        out = subprocess.run([glassbox] + args, check=True, capture_output=True, text=True,
                             env=blas_env.env_with_core(GLASSBOX_CORE)).stdout
        best = min(best, float(re.search(pattern, out).group(1)))
    return best


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--build", default="_build")
    ap.add_argument("--model", required=True, help="an image model made by `glassbox train diffusion`")
    ap.add_argument("--train-steps", type=int, default=300)
    ap.add_argument("--rounds", type=int, default=3, help="alternating training runs of each side")
    ap.add_argument("--no-64", action="store_true", help="skip the 64-image DDPM runs (minutes each with guidance)")
    ap.add_argument("--ddim-only", action="store_true", help="only the 16-image DDIM runs (and no training)")
    ap.add_argument("--guidance", type=float, default=None,
                    help="the samplers' guidance w (default: glassbox's for the model, 2 for an MLP, 1 for a U-Net)")
    ap.add_argument("--torch-core", default=TORCH_CORE, help="PyTorch's OPENBLAS_CORETYPE (default: the best for this CPU)")
    ap.add_argument("--glassbox-core", default="unset",
                    help="Glassbox's OPENBLAS_CORETYPE: unset (default, as a user runs it), best, or a name")
    a = ap.parse_args()
    global GLASSBOX_CORE
    GLASSBOX_CORE = (None if a.glassbox_core == "unset" else blas_env.best_core() if a.glassbox_core == "best"
                     else a.glassbox_core)
    glassbox = os.path.join(a.build, "app", "glassbox")
    tmp = tempfile.mkdtemp(prefix="glassbox-bench-images-")
    png = os.path.join(tmp, "s.png")
    net = load_net(a.model)
    if a.guidance is None:   # glassbox's defaults (gb-diffusion-denoiser.h)
        a.guidance = (2.0 if net.unet.classes else 1.0) if isinstance(net, Unet) else 2.0
    rows = []
    dump = os.path.join(tmp, "samples.json")
    check = "(64-image runs skipped)"
    runs = ((16, "ddim"),) if a.ddim_only else ((16, "ddpm"),) + (() if a.no_64 else ((64, "ddpm"),)) + ((16, "ddim"),)
    for n, sampler in runs:
        extra = ["--sampler", "ddim", "--steps", "50"] if sampler == "ddim" else []
        # a second's run is at the mercy of this shared machine's moods: the best of three
        g = glassbox_time(glassbox, ["sample", "diffusion", "--model", a.model, "--n", str(n), "--out", png,
                                     "--guidance", str(a.guidance), "--dump", dump] + extra, r"images in ([\d.]+) s",
                          repeat=3 if sampler == "ddim" else 1)
        if n == 64:
            # The same model on both sides: the two sets of samples agree in their pixel statistics.
            with open(dump) as f:
                gx = np.array(json.load(f), np.float32)
            tx = torch_ddpm(net, 64, a.guidance)[0].numpy()
            check = (f"pixel mean / sd of 64 DDPM samples: Glassbox {gx.mean():.3f} / {gx.std():.3f}, "
                     f"PyTorch {tx.mean():.3f} / {tx.std():.3f}")
        fn = ((lambda n=n: torch_ddim(net, n, a.guidance)[1]) if sampler == "ddim"
              else (lambda n=n: torch_ddpm(net, n, a.guidance)[1]))
        rows.append((f"{n} images, {'DDIM 50 steps' if sampler == 'ddim' else 'DDPM 1 000 steps'}, s", g,
                     best_of_threads(fn, net)))
    model = os.path.join(tmp, "m.safetensors")
    unet = isinstance(net, Unet)
    h = net.unet.C if unet else net.fc1.weight.shape[0]
    arch = (["--arch", "unet"] + (["--classes"] if net.unet.classes else [])) if unet else []
    # Training alternates between the two sides for a few rounds and reports the medians: this
    # shared machine's speed drifts by a quarter over minutes, which one run of each could catch
    # on one side only. PyTorch keeps the thread count that was faster in the first round.
    g_runs, t_runs, threads = [], [], None
    for r in range(0 if a.ddim_only else a.rounds):
        g_runs.append(glassbox_time(glassbox, ["train", "diffusion", "--data", "fashion-mnist", "--hidden", str(h),
                                               "--batch", "128", "--steps", str(a.train_steps), "--out", model] + arch,
                                    r"steps, ([\d.]+) steps/s\)"))
        if threads is None:
            speeds = {}
            for th in (1, 2):
                for cl in ((False, True) if unet else (False,)):
                    torch.set_num_threads(th)
                    speeds[(th, cl)] = torch_train(a.train_steps, h, net, channels_last=cl)
            threads = max(speeds, key=speeds.get)
            t_runs.append(speeds[threads])
        else:
            torch.set_num_threads(threads[0])
            t_runs.append(torch_train(a.train_steps, h, net, channels_last=threads[1]))
    g_train, t_train = (statistics.median(g_runs), statistics.median(t_runs)) if g_runs else (0.0, 1.0)
    what = (f"U-Net {h}-{2 * h}-{2 * h} ({sum(p.numel() for p in net.unet.parameters())} parameters"
            f"{f', {net.unet.classes} classes, classifier-free guidance' if net.unet.classes else ''})" if unet
            else f"Gaussian + MLP 784-{h}-{h}-784")
    print(blas_env.header(glassbox, blas_env.best_core()))
    print(f"Glassbox ran with OPENBLAS_CORETYPE={GLASSBOX_CORE or '(unset)'}; CPU {cpu_vector_isa()}  "
          f"torch {torch.__version__}  {what}, guidance {a.guidance:g}")
    print(f"{'':44s} {'Glassbox':>10s} {'PyTorch':>10s} {'ratio':>7s}")
    for name, g, t in rows:
        print(f"{name:44s} {g:10.2f} {t:10.2f} {t / g:6.2f}×")
    print(check)
    if g_runs:
        print(f"{'training, images/s (batch 128), median':44s} {g_train * 128:10.0f} {t_train * 128:10.0f} "
              f"{g_train / t_train:6.2f}×")
        print("  rounds (Glassbox / PyTorch images/s): "
              + ", ".join(f"{g * 128:.0f} / {t * 128:.0f}" for g, t in zip(g_runs, t_runs))
              + f"; PyTorch on {threads[0]} thread(s){', channels-last' if threads[1] else ''}")


if __name__ == "__main__":
    main()
