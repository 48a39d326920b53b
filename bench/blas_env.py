# SPDX-License-Identifier: GPL-3.0-or-later
"""OpenBLAS core types for the benchmarks (gb-blas.h says why they matter).

Glassbox runs twice, with OPENBLAS_CORETYPE unset (what a user gets) and set
to the best core for this CPU; PyTorch runs with the best core (what a user
who tuned it gets). The variable is set or unset for the benchmark's own
processes only; nothing of the machine's is changed.
"""
import os
import subprocess
import sys


def cpu_flags():
    with open("/proc/cpuinfo") as f:
        return set(next((line.split(":", 1)[1].split() for line in f if line.startswith("flags")), []))


def cpu_model():
    with open("/proc/cpuinfo") as f:
        return next((line.split(":", 1)[1].strip() for line in f if line.startswith("model name")), "unknown CPU")


def best_core():
    """OpenBLAS's fastest kernels this CPU can run (as gb_blas_candidates picks them)."""
    f = cpu_flags()
    if {"avx512f", "avx512bw", "avx512dq", "avx512vl"} <= f:
        return "SkylakeX"
    if {"avx2", "fma"} <= f:
        return "Haswell"
    return None


def env_with_core(core):
    """This process's environment with OPENBLAS_CORETYPE = core (None: unset)."""
    env = dict(os.environ)
    env.pop("OPENBLAS_CORETYPE", None)
    if core is not None:
        env["OPENBLAS_CORETYPE"] = core
    return env


def tune_this_process(core, extra=None):
    """Re-executes this script with OPENBLAS_CORETYPE = core (and extra), so
    the PyTorch it imports loads OpenBLAS with those kernels."""
    want = dict(extra or {})
    if core is not None:
        want["OPENBLAS_CORETYPE"] = core
    if any(os.environ.get(k) != v for k, v in want.items()):
        os.environ.update(want)
        os.execv(sys.executable, [sys.executable] + sys.argv)


def openblas_core():
    """The kernels OpenBLAS runs in this process (PyTorch's)."""
    import ctypes
    try:
        lib = ctypes.CDLL("libopenblas.so.0")
        lib.openblas_get_corename.restype = ctypes.c_char_p
        return lib.openblas_get_corename().decode()
    except (OSError, AttributeError):
        return "(unknown)"


def glassbox_kernels(glassbox, core):
    """What `glassbox --version` says of the kernels it runs under that setting."""
    out = subprocess.run([glassbox, "--version"], env=env_with_core(core), check=True,
                         capture_output=True, text=True).stdout
    return next((line.split(":", 1)[1].strip() for line in out.splitlines()
                 if line.startswith("Matrix products:")), "(unknown)")


def header(glassbox, best):
    """Lines that say what ran: the CPU, PyTorch's kernels, Glassbox's under each setting."""
    lines = [f"CPU: {cpu_model()}; best OpenBLAS core for it: {best}",
             f"PyTorch (OPENBLAS_CORETYPE={os.environ.get('OPENBLAS_CORETYPE', '(unset)')}): "
             f"OpenBLAS {openblas_core()} kernels"]
    for core in (None, best):
        lines.append(f"Glassbox, OPENBLAS_CORETYPE={core or '(unset)'}: {glassbox_kernels(glassbox, core)}")
    return "\n".join(lines)
