#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""Frame time of the Diffusion page while scrubbing and playing, under Xvfb.

Starts the app (GTK's cairo renderer: Xvfb has no GPU), opens the Diffusion
page on the VAE's latent plane (the shipped model), samples 2 000 particles,
then scrubs the timeline with the arrow keys at 60 presses a second for
eight seconds and plays the process for eight more, and prints the page's own
frame statistics (GLASSBOX_FRAME_STATS: from the start of a frame's update to
the end of its paint, for frames that redrew a canvas).

With --images MODEL, the Fashion-MNIST image domain instead: the app opens
the image model, samples 16 images (1 000 DDPM steps), selects one (so its
ε̂ and x̂₀ are computed every frame) and scrubs and plays the same way.

usage: bench/frame_time_diffusion.py [--images MODEL] [BINARY]
"""
import os
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests", "e2e"))
import test_app  # noqa: E402

args = sys.argv[1:]
images = None
if args[:1] == ["--images"]:
    images, args = os.path.abspath(args[1]), args[2:]
binary = os.path.abspath(args[0] if args else "_build/app/glassbox")
tmp = tempfile.mkdtemp(prefix="glassbox-diffusion-frames-")
x = test_app.Xvfb()
try:
    app = test_app.App(binary, x.display, tmp, args=(images,) if images else ())
    time.sleep(1.5)
    if images is None:
        app.key("ctrl+3")
        time.sleep(0.5)
        app.key("alt+d")
        time.sleep(0.3)
        app.key("space")
        time.sleep(0.6)
        app.key("End", "Up", "Return")    # the VAE latent plane (the images come last)
        time.sleep(2.0)
    app.key("alt+m")              # sample 2 000 particles (or 16 images)
    time.sleep(8.0)
    app.move(0.45, 0.45) if images is None else app.move(0.30, 0.24)
    app.xdo("click", "1")
    steps = []
    for k in range(480):
        steps += ["key", "Right" if (k // 60) % 2 == 0 else "Left", "sleep", "0.016"]
    t0 = time.time()
    app.xdo(*steps, timeout=120)
    scrub = time.time() - t0
    app.key("alt+l")              # play
    time.sleep(8.0)
    code, log = app.quit()
finally:
    x.stop()
for line in log.splitlines():
    if "frame-stats" in line:
        print(line)
print(f"scrubbed {scrub:.1f} s, then played 8 s; OPENBLAS_CORETYPE={os.environ.get('OPENBLAS_CORETYPE', '(unset)')}")
