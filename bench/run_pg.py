#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""The policy-gradient benchmark: Glassbox's REINFORCE with a learned baseline
on cart-pole next to the same algorithm in PyTorch, in one run.

Both sides: a policy 4 → 64 → 2 and a critic 4 → 64 → 1 (ReLU), Adam with
step sizes 2e-3 and 1e-2, γ = 0.99, one update of each network at the end
of every episode on −(1/T) Σ (G_t − V(s_t)) log π(a_t|s_t) and
(1/2T) Σ (V(s_t) − G_t)²; acting samples π one state at a time. PyTorch
runs as its best user would for networks this small: one thread,
torch.no_grad for acting, float32. Reported: episodes a second and
environment steps a second (the runs' random draws differ, so episode
lengths do too: steps a second is the fairer of the two), and the mean
return of the last 100 episodes.

usage: bench/run_pg.py [--episodes N] [--build _build] [--torch-core=NAME]
"""
import argparse
import os
import random
import re
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import blas_env  # noqa: E402

TORCH_CORE = next((a.split("=", 1)[1] for a in sys.argv if a.startswith("--torch-core=")), blas_env.best_core())
blas_env.tune_this_process(TORCH_CORE)

import torch  # noqa: E402

from run_dqn import CartPole  # noqa: E402

torch.set_num_threads(1)


def torch_reinforce_baseline(episodes, seed=1):
    torch.manual_seed(seed)
    rng = random.Random(seed)
    pi = torch.nn.Sequential(torch.nn.Linear(4, 64), torch.nn.ReLU(), torch.nn.Linear(64, 2))
    v = torch.nn.Sequential(torch.nn.Linear(4, 64), torch.nn.ReLU(), torch.nn.Linear(64, 1))
    opt_pi = torch.optim.Adam(pi.parameters(), lr=2e-3)
    opt_v = torch.optim.Adam(v.parameters(), lr=1e-2)
    env = CartPole(rng)
    returns, steps = [], 0
    t0 = time.perf_counter()
    for _ in range(episodes):
        s, states, actions, done = env.reset(), [], [], False
        while not done:
            with torch.no_grad():
                p_right = torch.softmax(pi(torch.tensor(s, dtype=torch.float32)), 0)[1].item()
            a = 1 if rng.random() < p_right else 0
            states.append(s)
            actions.append(a)
            s, r, term, trunc = env.step(a)
            done = term or trunc
        T = len(states)
        steps += T
        returns.append(float(T))
        G, g = [0.0] * T, 0.0
        for t in range(T - 1, -1, -1):
            g = 1.0 + 0.99 * g
            G[t] = g
        S, A, G = torch.tensor(states, dtype=torch.float32), torch.tensor(actions), torch.tensor(G)
        values = v(S)[:, 0]
        psi = (G - values).detach()
        logp = torch.log_softmax(pi(S), 1).gather(1, A[:, None])[:, 0]
        loss_pi = -(psi * logp).mean()
        loss_v = 0.5 * ((values - G) ** 2).mean()
        opt_pi.zero_grad()
        loss_pi.backward()
        opt_pi.step()
        opt_v.zero_grad()
        loss_v.backward()
        opt_v.step()
    dt = time.perf_counter() - t0
    return episodes / dt, steps / dt, sum(returns[-100:]) / len(returns[-100:])


def glassbox_reinforce_baseline(build, episodes, seed=1):
    out = subprocess.run([os.path.join(build, "app", "glassbox"), "rl", "--env", "cartpole", "--algo",
                          "reinforce-baseline", "--episodes", str(episodes), "--seed", str(seed)],
                         env=blas_env.env_with_core(None), check=True, capture_output=True, text=True).stdout
    m = re.search(r"(\d+) episodes, (\d+) environment steps in ([0-9.]+) s", out)
    secs = float(m.group(3))
    mean = float(re.search(r"mean return of the last 100: ([-0-9.]+)", out).group(1))
    return int(m.group(1)) / secs, int(m.group(2)) / secs, mean


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--build", default="_build")
    ap.add_argument("--episodes", type=int, default=500)
    ap.add_argument("--torch-core")
    a = ap.parse_args()
    glassbox = os.path.join(a.build, "app", "glassbox")
    print(blas_env.header(glassbox, blas_env.best_core()))
    print(f"torch {torch.__version__}, one thread; {a.episodes} episodes each")
    ge, gs, gm = glassbox_reinforce_baseline(a.build, a.episodes)
    te, ts, tm = torch_reinforce_baseline(a.episodes)
    print(f"{'':44s} {'Glassbox':>10s} {'PyTorch':>10s} {'ratio':>8s}")
    print(f"{'REINFORCE + baseline, episodes/s':44s} {ge:10,.0f} {te:10,.1f} {ge / te:7.1f}×")
    print(f"{'REINFORCE + baseline, env steps/s':44s} {gs:10,.0f} {ts:10,.0f} {gs / ts:7.1f}×")
    print(f"mean return of the last 100: Glassbox {gm:.1f}, PyTorch {tm:.1f}")


if __name__ == "__main__":
    main()
