# SPDX-License-Identifier: GPL-3.0-or-later
"""Write and read safetensors files from PyTorch without the safetensors package.

Debian 12 packages PyTorch but not the `safetensors` Python package, so this
module writes files byte for byte the way `safetensors.torch.save_file` does:
an 8-byte little-endian header length, a compact JSON header whose tensors are
ordered by dtype alignment (largest first) and then by name, padded with spaces
to a multiple of 8, then the tensors' raw little-endian bytes in that order.
Used by the benchmarks and by make_torch_fixture.py; never by the app.
"""
import json
import struct

import torch

_DTYPES = {torch.float32: ("F32", 4), torch.float64: ("F64", 8),
           torch.float16: ("F16", 2), torch.bfloat16: ("BF16", 2)}
_NAMES = {v[0]: k for k, v in _DTYPES.items()}


def save_file(tensors, path, metadata=None):
    items = sorted(tensors.items(), key=lambda kv: (-_DTYPES[kv[1].dtype][1], kv[0]))
    header, blobs, offset = {}, [], 0
    if metadata:
        header["__metadata__"] = metadata
    for name, t in items:
        t = t.detach().contiguous().cpu()
        data = t.numpy().tobytes() if t.dtype != torch.bfloat16 else t.view(torch.int16).numpy().tobytes()
        header[name] = {"dtype": _DTYPES[t.dtype][0], "shape": list(t.shape),
                        "data_offsets": [offset, offset + len(data)]}
        blobs.append(data)
        offset += len(data)
    h = json.dumps(header, separators=(",", ":")).encode()
    h += b" " * (-len(h) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(h)))
        f.write(h)
        for b in blobs:
            f.write(b)


def load_file(path):
    with open(path, "rb") as f:
        raw = f.read()
    (n,) = struct.unpack("<Q", raw[:8])
    header = json.loads(raw[8:8 + n])
    meta = header.pop("__metadata__", {})
    data = raw[8 + n:]
    out = {}
    for name, info in header.items():
        b, e = info["data_offsets"]
        t = torch.frombuffer(bytearray(data[b:e]), dtype=_NAMES[info["dtype"]])
        out[name] = t.reshape(info["shape"]).clone()
    return out, meta
