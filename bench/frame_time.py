#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""Frame time of the latent plane while training runs, under Xvfb.

Starts the app (GTK's cairo renderer: Xvfb has no GPU), starts training from
the keyboard, drags across the plane for ten seconds at 60 moves a second, and
prints the app's own frame statistics (GLASSBOX_FRAME_STATS: the time from
the start of a frame's update to the end of its paint, for frames that
redrew the plane), the first-frame time and the resident memory.

With --inference, instead of training: selects a test point every two
seconds (each works out its posterior on a worker) and runs Optimise q on it
(animated), while the pointer sweeps the plane at 60 moves a second.

usage: bench/frame_time.py [--inference] [BINARY]
"""
import os
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests", "e2e"))
import test_app  # noqa: E402

inference = "--inference" in sys.argv
args = [a for a in sys.argv[1:] if a != "--inference"]
binary = os.path.abspath(args[0] if args else "_build/app/glassbox")
tmp = __import__("tempfile").mkdtemp(prefix="glassbox-frames-")
x = test_app.Xvfb()
try:
    app = test_app.App(binary, x.display, tmp)
    time.sleep(3)
    app.move(0.3, 0.5)
    if not inference:
        app.key("alt+s")
    else:
        app.xdo("click", "1")   # the plane takes the keyboard
    time.sleep(2)
    rss = 0.0
    steps = []
    for k in range(600):
        fx = 0.12 + 0.5 * (k % 120) / 120
        fy = 0.25 + 0.3 * ((k // 120) % 5) / 5
        steps += ["mousemove", str(app.x + int(fx * app.w)), str(app.y + int(fy * app.h)), "sleep", "0.016"]
        if inference and k % 120 == 0:
            # Select the test point nearest the pointer (its posterior is worked out), then fit q to it.
            steps += ["key", "Return", "sleep", "0.3", "key", "alt+q"]
    if not inference:
        app.xdo("mousedown", "1")
    t0 = time.time()
    app.xdo(*steps, timeout=120)
    if not inference:
        app.xdo("mouseup", "1")
    rss = app.rss_mb()
    if not inference:
        app.key("alt+t")
    time.sleep(1)
    code, log = app.quit(answer=None if inference else "alt+w")   # the model trained here is not saved: close without
finally:
    x.stop()
for line in log.splitlines():
    if "frame-stats" in line or "training" in line or "inference" in line:
        print(line)
print(f"drag of {time.time() - t0:.1f} s; resident memory at its end {rss:.0f} MB; "
      f"OPENBLAS_CORETYPE={os.environ.get('OPENBLAS_CORETYPE', '(unset)')}")
