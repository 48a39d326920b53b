#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""What a screen reader sees of the running Glassbox, through AT-SPI (pyatspi).

usage: a11y_probe.py dump            — every object as JSON lines: role, name, description
       a11y_probe.py press NAME      — does the default action of the button called NAME
Exits 77 when pyatspi is not installed."""
import json
import sys

try:
    import pyatspi
except ImportError:
    sys.exit(77)


def app():
    desk = pyatspi.Registry.getDesktop(0)
    for i in range(desk.childCount):
        a = desk.getChildAtIndex(i)
        if a is not None and (a.name or "").lower() == "glassbox":
            return a
    sys.exit("no glassbox on the accessibility bus")


def walk(acc, depth=0):
    if acc is None or depth > 60:
        return
    try:
        yield acc
        for i in range(acc.childCount):
            yield from walk(acc.getChildAtIndex(i), depth + 1)
    except Exception:   # an object gone while walking
        return


def main():
    if sys.argv[1] == "dump":
        for acc in walk(app()):
            print(json.dumps({"role": acc.getRoleName(), "name": acc.name, "description": acc.description}))
        return 0
    if sys.argv[1] == "press":
        for acc in walk(app()):
            if acc.getRoleName() in ("push button", "toggle button") and acc.name == sys.argv[2]:
                action = acc.queryAction()
                action.doAction(0)
                return 0
        sys.exit("no button called " + sys.argv[2])
    return 2


if __name__ == "__main__":
    sys.exit(main())
