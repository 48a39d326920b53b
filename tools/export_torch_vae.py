#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""Save a PyTorch VAE for Glassbox: the README's "Bring your own model".

Glassbox reads a VAE laid out as PyTorch's examples/vae lays it out — layers
fc1 (D → H), fc21 and fc22 (H → L, μ and log σ²), fc3 (L → H) and fc4 (H → D),
ReLU between, a Bernoulli decoder — of any sizes, from a safetensors file of
its state_dict. Names may carry a prefix ("module." from DataParallel, or the
attribute of a bigger model holding the VAE). This script writes one:

    # in your training script, after training `model`:
    from tools.export_torch_vae import export
    export(model, "my-vae.safetensors", dataset="my-images")

or from a checkpoint saved with torch.save (a state_dict, or a dict with one
under "state_dict" or "model"):

    python3 tools/export_torch_vae.py checkpoint.pt my-vae.safetensors

It uses the official `safetensors` package (pip install safetensors) when it
is installed, and otherwise writes the same bytes itself (Debian 12 packages
PyTorch but not safetensors). It checks the layout first and says what is
missing. Then: glassbox my-vae.safetensors, or glassbox evaluate vae --model
my-vae.safetensors.
"""
import os
import sys

import torch

NAMES = ["fc1.weight", "fc1.bias", "fc21.weight", "fc21.bias", "fc22.weight", "fc22.bias",
         "fc3.weight", "fc3.bias", "fc4.weight", "fc4.bias"]


def vae_tensors(state_dict):
    """The VAE's ten tensors from a state_dict, under their names and any common prefix; float32."""
    prefixes = {k[: -len("fc1.weight")] for k in state_dict if k.endswith("fc1.weight")}
    if len(prefixes) != 1:
        raise ValueError("expected one VAE with a layer fc1 (examples/vae's layout); found %d" % len(prefixes))
    pre = prefixes.pop()
    missing = [pre + n for n in NAMES if pre + n not in state_dict]
    if missing:
        raise ValueError("not examples/vae's layout: missing " + ", ".join(missing))
    t = {pre + n: state_dict[pre + n].detach().to(torch.float32).contiguous().cpu() for n in NAMES}
    h, d = t[pre + "fc1.weight"].shape
    latent = t[pre + "fc21.weight"].shape[0]
    want = {"fc1.weight": (h, d), "fc21.weight": (latent, h), "fc22.weight": (latent, h), "fc3.weight": (h, latent),
            "fc4.weight": (d, h)}
    for n, shape in want.items():
        if tuple(t[pre + n].shape) != shape:
            raise ValueError("%s%s has shape %s, expected %s" % (pre, n, tuple(t[pre + n].shape), shape))
    return t, (d, h, latent)


def save(tensors, path, metadata):
    try:
        from safetensors.torch import save_file
    except ImportError:
        sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "bench"))
        from torch_safetensors import save_file
    save_file(tensors, path, metadata=metadata)


def export(model_or_state_dict, path, dataset=None, epochs=None):
    sd = model_or_state_dict.state_dict() if hasattr(model_or_state_dict, "state_dict") else model_or_state_dict
    tensors, (d, h, latent) = vae_tensors(sd)
    meta = {"kind": "vae", "architecture": "%d-%d-%d" % (d, h, latent)}
    if dataset:
        meta["dataset"] = dataset
    if epochs is not None:
        meta["epochs"] = str(epochs)
    save(tensors, path, meta)
    return d, h, latent


def main():
    if len(sys.argv) != 3:
        sys.exit("usage: export_torch_vae.py CHECKPOINT.pt OUT.safetensors")
    ck = torch.load(sys.argv[1], map_location="cpu")
    if isinstance(ck, dict) and not any(k.endswith("fc1.weight") for k in ck):
        ck = ck.get("state_dict", ck.get("model", ck))
    if hasattr(ck, "state_dict"):
        ck = ck.state_dict()
    try:
        d, h, latent = export(ck, sys.argv[2])
    except ValueError as e:
        sys.exit("export_torch_vae.py: %s" % e)
    print("wrote %s: a %d-%d-%d VAE" % (sys.argv[2], d, h, latent))


if __name__ == "__main__":
    main()
