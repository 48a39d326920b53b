#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""Checks (or with --fix, adds) the SPDX licence line of every source file.

Any SPDX identifier passes (the metainfo is CC0-1.0, as AppStream asks); --fix
adds GPL-3.0-or-later, the project's licence.

Run by the test suite (tests/meson.build) on the files git tracks: a new file
without the line fails the build's release check.
"""
import subprocess
import sys
from pathlib import Path

TAG = "SPDX-License-Identifier: GPL-3.0-or-later"
# How each kind of file comments a line; files not listed here carry no header
# (data, pictures, fixtures, the licence itself).
STYLES = {
    ".c": ("/* ", " */"), ".h": ("/* ", " */"), ".css": ("/* ", " */"),
    ".py": ("# ", ""), ".sh": ("# ", ""), ".build": ("# ", ""), ".txt": ("# ", ""), ".bash": ("# ", ""),
    ".ui": ("<!-- ", " -->"), ".xml": ("<!-- ", " -->"), ".page": ("<!-- ", " -->"),
    ".desktop.in": ("# ", ""), ".xml.in": ("<!-- ", " -->"),
}
NAMED = {"dev.sh": ("# ", ""), ".ci/run": ("# ", ""), "meson_options.txt": ("# ", "")}
SKIP_DIRS = ("tests/data/", "tests/fuzz/corpus/", "tests/fuzz/reproducers/", "resources/models/", "docs/", "debian/")


def style(path):
    if path in NAMED:
        return NAMED[path]
    if path.startswith(SKIP_DIRS):
        return None
    for ext in sorted(STYLES, key=len, reverse=True):
        if path.endswith(ext):
            return STYLES[ext]
    return None


def fix(path, open_, close):
    lines = Path(path).read_text(encoding="utf-8").splitlines(keepends=True)
    at = 1 if lines and (lines[0].startswith("#!") or lines[0].startswith("<?xml")) else 0
    lines.insert(at, f"{open_}{TAG}{close}\n")
    Path(path).write_text("".join(lines), encoding="utf-8")


def main():
    root = Path(sys.argv[-1]) if len(sys.argv) > 1 and not sys.argv[-1].startswith("--") else Path(".")
    files = subprocess.run(["git", "-C", str(root), "ls-files"], capture_output=True, text=True, check=True).stdout.split()
    missing = []
    for f in files:
        s = style(f)
        if s is None:
            continue
        head = (root / f).read_text(encoding="utf-8", errors="replace").splitlines()[:3]
        if not any("SPDX-License-Identifier: " in line for line in head):
            missing.append((f, s))
    if "--fix" in sys.argv:
        for f, s in missing:
            fix(root / f, *s)
        print(f"added the SPDX line to {len(missing)} files")
        return 0
    for f, _ in missing:
        print(f"{f}: no “{TAG}” in its first three lines")
    print(f"{len(files)} files tracked, {len(missing)} without an SPDX line")
    return 1 if missing else 0


if __name__ == "__main__":
    sys.exit(main())
