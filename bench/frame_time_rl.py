#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""Frame time of the Reinforcement learning page while the agent plays flat out, under Xvfb.

Starts the app (GTK's cairo renderer: Xvfb has no GPU), opens a Q-learning
session on cliff walking, sets the speed to “as fast as possible” (the worker
thread runs the agent in chunks while the frame clock copies its tables out),
plays for ten seconds while the pointer hovers over the grid, and prints the
page's own frame statistics (GLASSBOX_FRAME_STATS: from the start of a
frame's update to the end of its paint, for frames drawn while playing) and
the TD steps taken. Then the same for cart-pole's shipped DQN learning flat out, on the cart-pole
tab and then on the Q-network tab.

usage: bench/frame_time_rl.py [BINARY]
"""
import os
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests", "e2e"))
import test_app  # noqa: E402

binary = os.path.abspath(sys.argv[1] if len(sys.argv) > 1 else "_build/app/glassbox")
tmp = tempfile.mkdtemp(prefix="glassbox-rl-frames-")
x = test_app.Xvfb()
lines = []
try:
    for what in ("cliff", "cartpole", "cartpole-qnet"):
        app = test_app.App(binary, x.display, tmp, {"GLASSBOX_DATASET": os.path.join(tmp, "none")})
        time.sleep(1.5)
        app.key("ctrl+2")
        time.sleep(0.5)
        if what == "cliff":
            path = os.path.join(tmp, "cliff.session")
            test_app.session_file(path)
            app.dialog("ctrl+o", "Open a Map, Session or Agent", path)
        else:
            app.key("alt+w")
            time.sleep(0.3)
            app.key("space")
            time.sleep(0.6)
            app.key("End", "Return")
            time.sleep(0.5)
            if what == "cartpole-qnet":
                app.key("ctrl+Page_Down")   # the Q-network tab: Q surfaces and the buffer worked out on a worker
                time.sleep(0.5)
        app.key("alt+d")
        app.key("End")
        app.key("alt+p")
        t0 = time.time()
        steps = []
        for k in range(600):
            fx = 0.35 + 0.6 * (k % 120) / 120
            fy = 0.25 + 0.3 * ((k // 120) % 5) / 5
            steps += ["mousemove", str(app.x + int(fx * app.w)), str(app.y + int(fy * app.h)), "sleep", "0.016"]
        app.xdo(*steps, timeout=120)
        dt = time.time() - t0
        rss = app.rss_mb()
        app.key("alt+p")
        time.sleep(0.5)
        code, log = app.quit()
        lines += [f"{what}: " + l for l in log.splitlines() if "rl-frame-stats" in l]
        lines.append(f"{what}: played {dt:.1f} s; resident memory {rss:.0f} MB")
finally:
    x.stop()
print("\n".join(lines))
print(f"OPENBLAS_CORETYPE={os.environ.get('OPENBLAS_CORETYPE', '(unset)')}")
