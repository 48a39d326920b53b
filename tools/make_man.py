#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""Writes glassbox(1) from the program's own help, so the man page says what
the commands accept: every command of `glassbox --help`, its summary and its
options from `glassbox COMMAND --help`.

    make_man.py GLASSBOX VERSION OUT
"""
import re
import subprocess
import sys


def esc(text):
    """troff-escapes plain text (backslashes, leading dots and quotes, hyphens of options)."""
    text = text.replace("\\", "\\e")
    text = re.sub(r"(?<![\w])-", r"\\-", text)
    if text.startswith((".", "'")):
        text = "\\&" + text
    return text


def help_of(glassbox, args):
    r = subprocess.run([glassbox, *args, "--help"], capture_output=True, text=True, check=True,
                       env={"PATH": "/usr/bin:/bin", "LC_ALL": "C.UTF-8"})
    return r.stdout


def commands(glassbox):
    """[(words, synopsis, what)] from `glassbox --help`."""
    out = []
    for line in help_of(glassbox, []).splitlines():
        m = re.match(r"  glassbox ((?:[a-z]+ )*[a-z]+)( .*?)?  +(\S.*)$", line)
        if m:
            out.append((m.group(1).split(), (m.group(2) or "").strip(), m.group(3)))
    return out


def parse(text):
    """A command's help: (summary paragraphs, [(option, argument, description)])."""
    lines = text.splitlines()
    summary, options, section = [], [], None
    for line in lines[2:]:
        if line.endswith("Options:"):
            section = line
            continue
        if section is None:
            summary.append(line)
        elif section.startswith("Application"):
            m = re.match(r"  (-\w, )?(--[\w-]+)(=(\S+))?\s+(.*)$", line)
            if m:
                options.append(((m.group(1) or "") + m.group(2), m.group(4), m.group(5)))
            elif options and line.strip():
                o = options[-1]
                options[-1] = (o[0], o[1], o[2] + " " + line.strip())
    return "\n".join(summary).strip(), options


def main():
    glassbox, version, out = sys.argv[1:4]
    t = []
    # The date of the newest release in NEWS ("Glassbox 0.2.0 — 2026-12-03"), so a build is reproducible.
    news = open(__file__.rsplit("/", 2)[0] + "/NEWS", encoding="utf-8").read()
    date = re.search(r"\d{4}-\d\d-\d\d", news).group(0)
    t.append(f'.TH GLASSBOX 1 {date} "glassbox {version}" "User Commands"')
    t.append(".SH NAME")
    t.append("glassbox \\- look inside a VAE, a diffusion model and reinforcement-learning agents while they run")
    t.append(".SH SYNOPSIS")
    t.append(".B glassbox")
    t.append("[\\fIFILE\\fR…]")
    cmds = commands(glassbox)
    for words, syn, _ in cmds:
        t.append(".br")
        t.append(f".B glassbox {' '.join(words)}")
        t.append(esc(syn) if syn else "[\\fIOPTION\\fR…]")
    t.append(".SH DESCRIPTION")
    t.append("Without a command, \\fBglassbox\\fR opens its window: the latent space of a variational auto-encoder, "
             "a diffusion model's forward and reverse process, and reinforcement-learning agents on gridworlds and "
             "cart-pole. Each \\fIFILE\\fR given (a model, a map, a session or a lesson) opens in it; when Glassbox "
             "already runs, the files open in the running window.")
    t.append(".PP")
    t.append("The commands below run without a display: they train the models, draw the views to PNG, SVG, PDF or "
             "GIF exactly as the window exports them, and print the numbers. Every run is seeded: the same "
             "command gives the same result.")
    t.append(".SH COMMANDS")
    for words, syn, what in cmds:
        summary, options = parse(help_of(glassbox, words))
        t.append(f".SS glassbox {' '.join(words)}")
        for k, para in enumerate(summary.split("\n\n")):
            if k > 0:
                t.append(".PP")
            t.append(esc(" ".join(para.split())))
        for opt, arg, desc in options:
            t.append(".TP")
            t.append(f"\\fB{esc(opt)}\\fR" + (f"=\\fI{esc(arg)}\\fR" if arg else ""))
            t.append(esc(desc))
    t.append(".SH ENVIRONMENT")
    for name, what in [
        ("GLASSBOX_DATASET", "The folder of the data set to use instead of Debian's Fashion-MNIST "
                             "(/usr/share/datasets/fashion-mnist): IDX files, or a folder of images."),
        ("OPENBLAS_CORETYPE", "OpenBLAS's kernels. Unset, Glassbox picks the best kernels for the processor "
                              "and checks them; set, it is obeyed and checked."),
        ("GSK_RENDERER", "GTK's renderer. Without a GPU Glassbox asks for GTK's cairo renderer; this wins."),
    ]:
        t.append(".TP")
        t.append(f".B {name}")
        t.append(esc(what))
    t.append(".SH EXIT STATUS")
    t.append("0 on success, 1 when the work failed (a file that cannot be read or written, a model that diverged), "
             "2 for a usage error.")
    t.append(".SH FILES")
    t.append(".TP")
    t.append(".I /usr/share/datasets/fashion-mnist")
    t.append("The data set the models are trained and shown on (Debian's dataset-fashion-mnist).")
    t.append(".SH SEE ALSO")
    t.append("The user guide: \\fByelp help:glassbox\\fR, or press F1 in the window.")
    with open(out, "w", encoding="utf-8") as f:
        f.write("\n".join(t) + "\n")


if __name__ == "__main__":
    main()
