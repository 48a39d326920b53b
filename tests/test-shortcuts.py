#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""The Keyboard Shortcuts window lists every page's keys: each mnemonic (Alt+letter) of a label or
button in a page's templates appears among the accelerators of that page's section (or General's).

usage: test-shortcuts.py RESOURCES_UI_DIR"""
import glob
import os
import re
import sys
import xml.etree.ElementTree as ET

# Which section of the shortcuts window each template belongs to.
PAGES = {"gb-window": "general", "gb-latent": "latent", "gb-rl": "rl", "gb-diffusion": "diffusion"}


def section_of(path):
    name = os.path.basename(path)
    for prefix, section in PAGES.items():
        if name.startswith(prefix):
            return section
    return None


def main():
    ui = sys.argv[1]
    overlay = ET.parse(os.path.join(ui, "help-overlay.ui")).getroot()
    listed = {}
    for sec in overlay.iter("object"):
        if sec.get("class") != "GtkShortcutsSection":
            continue
        name = [p.text for p in sec.findall("property") if p.get("name") == "section-name"][0]
        accels = set()
        for p in sec.iter("property"):
            if p.get("name") == "accelerator":
                accels.update(p.text.split())
        listed[name] = accels
    missing = []
    for path in sorted(glob.glob(os.path.join(ui, "*.ui"))):
        section = section_of(path)
        if section is None:
            continue
        for obj in ET.parse(path).getroot().iter("object"):
            props = {p.get("name"): p.text for p in obj.findall("property")}
            if props.get("use-underline") not in ("True", "true", "1") or not props.get("label"):
                continue
            m = re.search(r"_(.)", props["label"].replace("__", ""))
            if m is None or not m.group(1).isascii():
                continue   # (α, ε, τ: a Greek keyboard's, written as their key names there)
            accel = "<Alt>" + m.group(1).lower()
            if accel not in listed.get(section, set()) and accel not in listed["general"]:
                missing.append("%s: “%s” (%s) is not in the %s section" % (os.path.basename(path), props["label"],
                                                                            accel, section))
    print("1..1")
    if missing:
        print("not ok 1 - every mnemonic is in the Keyboard Shortcuts window\n# " + "\n# ".join(missing))
        return 1
    print("ok 1 - every mnemonic is in the Keyboard Shortcuts window")
    return 0


if __name__ == "__main__":
    sys.exit(main())
