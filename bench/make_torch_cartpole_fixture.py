#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""Make tests/data/torch-cartpole-{dqn,policy}.safetensors and torch-cartpole.json
with PyTorch, and check that Glassbox's own cart-pole networks load in PyTorch.

A Q-network (nn.Sequential: Linear(4, 32), ReLU, Linear(32, 32), ReLU,
Linear(32, 2)) and a policy (Linear(4, 16), ReLU, Linear(16, 2), saved as
float64 to exercise the conversion) are trained for a few Adam steps in
PyTorch on CartPole-v1's states, saved the way safetensors.torch.save_file
saves a state_dict, with the metadata Glassbox reads ("algo"), and their
outputs on fixed states recorded, so the C test can check that Glassbox acts
on the same numbers. Then, given a build, `glassbox rl … --out` writes a DQN
and an actor-critic, and PyTorch loads each into the same nn.Sequential with
load_state_dict (strict) and acts with it.
Needs python3-torch; run from the repository's top folder:
    /usr/bin/python3 bench/make_torch_cartpole_fixture.py [--build _build]
"""
import argparse
import json
import os
import subprocess
import sys
import tempfile

import torch
import torch.nn as nn

sys.path.insert(0, os.path.dirname(__file__))
from torch_safetensors import load_file, save_file  # noqa: E402

ap = argparse.ArgumentParser()
ap.add_argument("--build", default="_build")
args = ap.parse_args()

torch.manual_seed(0)
qnet = nn.Sequential(nn.Linear(4, 32), nn.ReLU(), nn.Linear(32, 32), nn.ReLU(), nn.Linear(32, 2))
policy = nn.Sequential(nn.Linear(4, 16), nn.ReLU(), nn.Linear(16, 2))
scale = torch.tensor([1.0, 1.0, 0.2, 1.0])
for net, target in ((qnet, lambda s: torch.stack([20 - 50 * s[:, 2], 20 + 50 * s[:, 2]], 1)),
                    (policy, lambda s: torch.stack([-5 * s[:, 2] - s[:, 3], 5 * s[:, 2] + s[:, 3]], 1))):
    opt = torch.optim.Adam(net.parameters(), lr=1e-2)
    for _ in range(50):
        s = torch.randn(64, 4) * scale
        loss = ((net(s) - target(s)) ** 2).mean()
        opt.zero_grad()
        loss.backward()
        opt.step()

os.makedirs("tests/data", exist_ok=True)
save_file(qnet.state_dict(), "tests/data/torch-cartpole-dqn.safetensors", {"algo": "dqn", "env": "CartPole-v1"})
save_file({k: v.double() for k, v in policy.state_dict().items()}, "tests/data/torch-cartpole-policy.safetensors",
          {"algo": "reinforce-mlp", "env": "CartPole-v1"})
states = torch.tensor([[0.0, 0.0, 0.0, 0.0], [0.1, -0.3, 0.05, 0.2], [-1.0, 0.5, -0.15, -1.0],
                       [2.0, 1.5, 0.2, 1.8], [0.3, 0.0, -0.02, 0.4]])
with torch.no_grad():
    q = qnet(states)
    p_right = torch.softmax(policy(states).double(), 1)[:, 1]
json.dump({"states": states.tolist(), "q": q.tolist(), "p_right": p_right.tolist()},
          open("tests/data/torch-cartpole.json", "w"), indent=1)
print("wrote tests/data/torch-cartpole-dqn.safetensors, torch-cartpole-policy.safetensors, torch-cartpole.json")

# The other way: Glassbox's files in PyTorch.
binary = os.path.join(args.build, "app", "glassbox")
if not os.path.exists(binary):
    print(f"no {binary}: the PyTorch side of Glassbox's files is not checked")
    sys.exit(0)
tmp = tempfile.mkdtemp(prefix="glassbox-torch-cartpole-")
for algo, extra, make in (
        ("dqn", ["--steps", "3000", "--hidden", "32"],
         lambda h: nn.Sequential(nn.Linear(4, h), nn.ReLU(), nn.Linear(h, h), nn.ReLU(), nn.Linear(h, 2))),
        ("actor-critic", ["--episodes", "50"],
         lambda h: nn.Sequential(nn.Linear(4, h), nn.ReLU(), nn.Linear(h, 2)))):
    path = os.path.join(tmp, algo + ".safetensors")
    subprocess.run([binary, "rl", "--env", "cartpole", "--algo", algo, *extra, "--out", path], check=True,
                   capture_output=True)
    tensors, meta = load_file(path)
    own = {k: v for k, v in tensors.items() if not k.startswith("critic.")}
    h = own["0.weight"].shape[0]
    net = make(h)
    net.load_state_dict(own, strict=True)
    critic = {k[len("critic."):]: v for k, v in tensors.items() if k.startswith("critic.")}
    if critic:
        v = nn.Sequential(nn.Linear(4, critic["0.weight"].shape[0]), nn.ReLU(), nn.Linear(critic["0.weight"].shape[0], 1))
        v.load_state_dict(critic, strict=True)
    with torch.no_grad():
        out = net(states)
    print(f"PyTorch loaded Glassbox's {algo} ({meta.get('algo')}, hidden {h}"
          f"{', with its critic' if critic else ''}): greedy actions {out.argmax(1).tolist()}")
