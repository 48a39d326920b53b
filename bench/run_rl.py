#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""The RL benchmark: Glassbox's tabular Q-learning next to a plain NumPy one.

The NumPy version is what a student would write: a gridworld class whose
step() moves the agent, and a loop that picks ε-greedy actions with
np.argmax and updates the Q table one transition at a time. Same world (an
open 10×10 grid, −1 a step, goal in the far corner, deterministic), same α,
γ, ε, and the same rule for greedy ties (np.argmax's: the first; Glassbox's
default, ties drawn at random, is measured too). Also value iteration on a 100×100 grid (slip 0.2, γ 0.99) to a Bellman
residual below 1e-6.

usage: bench/run_rl.py [--build _build]
"""
import argparse
import json
import os
import subprocess
import time

import numpy as np


class Grid:
    def __init__(self, side=10):
        self.side = side
        self.goal = (side - 1, side - 1)

    def reset(self):
        self.pos = (0, 0)
        return 0

    def step(self, a):
        r, c = self.pos
        dr, dc = [(-1, 0), (0, 1), (1, 0), (0, -1)][a]
        nr, nc = r + dr, c + dc
        if 0 <= nr < self.side and 0 <= nc < self.side:
            self.pos = (nr, nc)
        done = self.pos == self.goal
        return self.pos[0] * self.side + self.pos[1], -1.0, done


def numpy_qlearning(steps, alpha=0.5, gamma=0.99, eps=0.1, seed=1):
    rng = np.random.default_rng(seed)
    env = Grid()
    Q = np.zeros((100, 4))
    s = env.reset()
    t0 = time.perf_counter()
    for _ in range(steps):
        if rng.random() < eps:
            a = int(rng.integers(4))
        else:
            a = int(np.argmax(Q[s]))
        s2, r, done = env.step(a)
        target = r if done else r + gamma * np.max(Q[s2])
        Q[s, a] += alpha * (target - Q[s, a])
        s = env.reset() if done else s2
    return steps / (time.perf_counter() - t0)


def ours(build, *args):
    out = subprocess.run([os.path.join(build, "bench", "bench-rl"), *args], check=True,
                         capture_output=True, text=True).stdout
    return json.loads(out.strip().splitlines()[-1])


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--build", default="_build")
    a = ap.parse_args()
    print(f"OPENBLAS_CORETYPE={os.environ.get('OPENBLAS_CORETYPE', '(unset)')}  numpy {np.__version__}  one core")
    # The reference breaks greedy ties as np.argmax does (the first); so does Glassbox with
    # --first-of-ties. Its default draws among ties at random (Sutton & Barto), also shown.
    g = max(ours(a.build, "qlearning", "--steps", "200000000", "--first-of-ties")["steps_per_s"] for _ in range(3))
    gr = max(ours(a.build, "qlearning", "--steps", "200000000")["steps_per_s"] for _ in range(3))
    t = numpy_qlearning(300000)
    vi = ours(a.build, "vi", "--side", "100")
    print(f"{'':52s} {'Glassbox':>14s} {'NumPy':>12s} {'ratio':>8s}")
    print(f"{'tabular Q-learning, 10×10 grid, steps/s (first of ties)':52s} {g:14,.0f} {t:12,.0f} {g / t:8.0f}×")
    print(f"{'  the same, greedy ties drawn at random':52s} {gr:14,.0f} {'':>12s} {gr / t:8.0f}×")
    print(f"{'value iteration, 100×100, to residual < 1e-6':52s} {vi['ms']:11.1f} ms  ({vi['sweeps']} sweeps)")


if __name__ == "__main__":
    main()
