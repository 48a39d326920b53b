#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""The DQN benchmark: Glassbox's deep Q-learning on cart-pole next to the same
DQN in PyTorch, in one run.

Both sides run the same algorithm with the same settings (glassbox's
defaults): an MLP 4 → H → H → 2 with ReLU, Adam at a step size falling
from 1e-3 to 1e-4 over 60 000 steps, batch 64, a replay buffer of
100 000, 128 updates every 256 environment steps after the first 1 000,
the target network copied every 10 steps, ε from 1 to 0.01 over 8 000
steps, Double DQN's target, the squared TD error and the gradient's norm
clipped to 10 (options change the step size, loss and target); the cart-pole
is Gymnasium's CartPole-v1 (here in plain Python for PyTorch's side).
Reported: environment steps a second, updates included, and the mean
return of the last 100 episodes (the runs' random draws differ, so these
only show both learn). PyTorch runs at its best for networks this small:
one intra-op thread (more only spin), torch.no_grad for acting, float32,
OpenBLAS's best kernels for the CPU.

usage: bench/run_dqn.py [--steps N] [--hidden H ...] [--repeat R] [--build _build] [--torch-core=NAME]
"""
import argparse
import math
import os
import random
import re
import statistics
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import blas_env  # noqa: E402

TORCH_CORE = next((a.split("=", 1)[1] for a in sys.argv if a.startswith("--torch-core=")), blas_env.best_core())
blas_env.tune_this_process(TORCH_CORE)

import numpy as np  # noqa: E402
import torch  # noqa: E402

torch.set_num_threads(1)


class CartPole:
    """Gymnasium's CartPole-v1: Euler steps of 0.02 s, ±10 N, failure past ±12° or ±2.4 m, 500 steps."""

    def __init__(self, rng):
        self.rng = rng

    def reset(self):
        self.s = [self.rng.uniform(-0.05, 0.05) for _ in range(4)]
        self.t = 0
        return list(self.s)

    def step(self, a):
        x, x_dot, th, th_dot = self.s
        force = 10.0 if a == 1 else -10.0
        c, s = math.cos(th), math.sin(th)
        temp = (force + 0.05 * th_dot * th_dot * s) / 1.1
        th_acc = (9.8 * s - c * temp) / (0.5 * (4.0 / 3.0 - 0.1 * c * c / 1.1))
        x_acc = temp - 0.05 * th_acc * c / 1.1
        x, x_dot = x + 0.02 * x_dot, x_dot + 0.02 * x_acc
        th, th_dot = th + 0.02 * th_dot, th_dot + 0.02 * th_acc
        self.s = [x, x_dot, th, th_dot]
        self.t += 1
        terminated = abs(x) > 2.4 or abs(th) > 12 * 2 * math.pi / 360
        truncated = not terminated and self.t >= 500
        return list(self.s), 1.0, terminated, truncated


def torch_dqn(steps, hidden, cfg, seed=1):
    torch.manual_seed(seed)
    rng = random.Random(seed)
    q = torch.nn.Sequential(torch.nn.Linear(4, hidden), torch.nn.ReLU(), torch.nn.Linear(hidden, hidden),
                            torch.nn.ReLU(), torch.nn.Linear(hidden, 2))
    target = torch.nn.Sequential(*[type(m)(*([m.in_features, m.out_features] if isinstance(m, torch.nn.Linear) else []))
                                   for m in q])
    target.load_state_dict(q.state_dict())
    opt = torch.optim.Adam(q.parameters(), lr=cfg.lr)
    cap = 100000
    S = np.zeros((cap, 4), np.float32)
    S2 = np.zeros((cap, 4), np.float32)
    A = np.zeros(cap, np.int64)
    R = np.zeros(cap, np.float32)
    D = np.zeros(cap, np.float32)
    size = head = 0
    env = CartPole(rng)
    s = env.reset()
    returns, ret = [], 0.0
    t0 = time.perf_counter()
    for step in range(1, steps + 1):
        eps = 1.0 + min(1.0, (step - 1) / 8000) * (cfg.eps_end - 1.0)
        if rng.random() < eps:
            a = rng.randrange(2)
        else:
            with torch.no_grad():
                a = int(q(torch.tensor(s, dtype=torch.float32)).argmax())
        s2, r, term, trunc = env.step(a)
        S[head], S2[head], A[head], R[head], D[head] = s, s2, a, r, float(term)
        head = (head + 1) % cap
        size = min(size + 1, cap)
        ret += r
        s = s2
        if term or trunc:
            returns.append(ret)
            ret = 0.0
            s = env.reset()
        if step > 1000 and size >= 64 and step % 256 == 0:
            f = min(1.0, step / cfg.lr_steps) if cfg.lr_steps > 0 else 0.0
            for group in opt.param_groups:
                group["lr"] = cfg.lr + f * (cfg.lr_end - cfg.lr)
            for _ in range(128):
                idx = np.random.randint(0, size, 64)
                bs, bs2 = torch.from_numpy(S[idx]), torch.from_numpy(S2[idx])
                ba, br, bd = torch.from_numpy(A[idx]), torch.from_numpy(R[idx]), torch.from_numpy(D[idx])
                with torch.no_grad():
                    if cfg.double:   # the online network picks, the target evaluates
                        nxt = target(bs2).gather(1, q(bs2).argmax(1, keepdim=True))[:, 0]
                    else:
                        nxt = target(bs2).max(1).values
                    y = br + 0.99 * (1 - bd) * nxt
                qa = q(bs).gather(1, ba[:, None])[:, 0]
                if cfg.loss == "mse":
                    loss = torch.nn.functional.mse_loss(qa, y)
                else:
                    loss = torch.nn.functional.smooth_l1_loss(qa, y)
                opt.zero_grad()
                loss.backward()
                torch.nn.utils.clip_grad_norm_(q.parameters(), 10.0)
                opt.step()
        if step % 10 == 0:
            target.load_state_dict(q.state_dict())
    dt = time.perf_counter() - t0
    return steps / dt, (sum(returns[-100:]) / max(1, len(returns[-100:])))


def glassbox_dqn(build, steps, hidden, cfg, seed=1):
    flags = ["--lr", str(cfg.lr), "--lr-end", str(cfg.lr_end), "--lr-steps", str(cfg.lr_steps), "--loss", cfg.loss,
             "--eps-end", str(cfg.eps_end)]
    flags += ["--double"] if cfg.double else ["--no-double"]
    out = subprocess.run([os.path.join(build, "app", "glassbox"), "rl", "--env", "cartpole", "--algo", "dqn",
                          "--steps", str(steps), "--hidden", str(hidden), "--seed", str(seed), *flags],
                         env=blas_env.env_with_core(None), check=True, capture_output=True, text=True).stdout
    rate = float(re.search(r"\(([0-9.]+) steps/s\)", out).group(1))
    mean = float(re.search(r"mean return of the last 100: ([-0-9.]+)", out).group(1))
    return rate, mean


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--build", default="_build")
    ap.add_argument("--steps", type=int, default=20000)
    ap.add_argument("--hidden", type=int, nargs="+", default=[64, 256])
    ap.add_argument("--torch-core")
    ap.add_argument("--lr", type=float, default=1e-3)
    ap.add_argument("--lr-end", type=float, default=1e-4)
    ap.add_argument("--lr-steps", type=int, default=60000)
    ap.add_argument("--loss", choices=["mse", "huber"], default="mse")
    ap.add_argument("--no-double", dest="double", action="store_false")
    ap.add_argument("--eps-end", type=float, default=0.01)
    ap.add_argument("--repeat", type=int, default=5,
                    help="runs of each side, alternating; medians reported (a shared machine's speed wanders)")
    a = ap.parse_args()
    glassbox = os.path.join(a.build, "app", "glassbox")
    print(blas_env.header(glassbox, blas_env.best_core()))
    print(f"torch {torch.__version__}, one thread; {a.steps} environment steps each; step size {a.lr} to "
          f"{a.lr_end} over {a.lr_steps} steps, {a.loss} loss{', Double DQN' if a.double else ''}")
    print(f"medians of {a.repeat} alternating runs of each; the range is of the runs' ratios")
    print(f"{'':40s} {'Glassbox':>10s} {'PyTorch':>10s} {'ratio':>8s} {'range':>13s}   mean return, last 100")
    for h in a.hidden:
        runs = []
        for _ in range(a.repeat):
            # A pause before each run: the other side's idle threads spin on for a moment after it
            # ends, and would take the second core from this one.
            time.sleep(1.0)
            g, gm = glassbox_dqn(a.build, a.steps, h, a)
            time.sleep(1.0)
            t, tm = torch_dqn(a.steps, h, a)
            runs.append((g, t))
        g, t = statistics.median(r[0] for r in runs), statistics.median(r[1] for r in runs)
        ratios = [r[0] / r[1] for r in runs]
        span = f"{min(ratios):.1f}–{max(ratios):.1f}×"
        print(f"{'DQN, hidden ' + str(h) + ', env steps/s':40s} {g:10,.0f} {t:10,.0f} {g / t:7.1f}× {span:>13s}   "
              f"{gm:.1f} / {tm:.1f}")


if __name__ == "__main__":
    main()
