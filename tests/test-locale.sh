#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# Numbers for people follow their locale; numbers in files do not. Under a
# German locale (made here with localedef in a temporary folder, the
# machine's own locales untouched) `glassbox rl` prints decimal commas, reads
# options written either way, and its --csv file keeps '.' decimals. The
# command line speaks German there: every command's --help (its summary and
# each option's text differ from the English ones), its messages and errors.
# Skips where the locale sources (Debian's locales package) are missing.
#   test-locale.sh GLASSBOX
set -u
glassbox=$1
[ -f /usr/share/i18n/locales/de_DE ] && command -v localedef >/dev/null \
  || { echo "1..0 # SKIP no locale sources to build de_DE.UTF-8 from"; exit 77; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
localedef -i de_DE -f UTF-8 "$tmp/de_DE.UTF-8" 2>/dev/null
[ -d "$tmp/de_DE.UTF-8" ] || { echo "1..0 # SKIP localedef could not build de_DE.UTF-8"; exit 77; }
de() { LOCPATH=$tmp LC_ALL=de_DE.UTF-8 LANGUAGE=de "$glassbox" "$@"; }
n=0 failed=0
ok() {
  n=$((n + 1))
  if [ "$1" = 0 ]; then echo "ok $n - $2"; else echo "not ok $n - $2"; failed=1; fi
}
echo "1..7"
out=$(de rl --env 4x3 --algo value-iteration 2>&1)
grep -q '0,812' <<<"$out"; ok $? "values print with decimal commas: $(grep -m1 '0[.,]812' <<<"$out")"
out2=$(de rl --env 4x3 --algo value-iteration --gamma 0,9 2>&1) && out3=$(de rl --env 4x3 --algo value-iteration --gamma 0.9 2>&1)
[ -n "$out2" ] && [ "$out2" = "$out3" ]; ok $? "--gamma 0,9 and --gamma 0.9 mean the same"
de rl --env 4x3 --algo q-learning --episodes 20 --csv "$tmp/curve.csv" >/dev/null 2>&1
head -1 "$tmp/curve.csv" | grep -qx 'episode,return,length'; ok $? "the CSV's header is as in any locale"
awk -F, 'NR > 1 && (NF != 3 || $2 !~ /^-?[0-9]+(\.[0-9]+)?(e-?[0-9]+)?$/) { bad = 1 } END { exit bad }' "$tmp/curve.csv"
ok $? "the CSV keeps '.' decimals and three columns: $(sed -n 2p "$tmp/curve.csv")"
out=$(de rl --env 4x3 --algo q-learning --episodes 20 2>&1)
grep -q 'Episoden' <<<"$out" && grep -q '^Strategie:' <<<"$out" && ! grep -q 'episodes' <<<"$out"
ok $? "rl prints in German: $(sed -n 2p <<<"$out")"
out=$(de rl --env 4x3 --algo sarsa --episodes 0 2>&1); status=$?
[ "$status" = 2 ] && grep -q 'liegt außerhalb' <<<"$out"; ok $? "a usage error is German (exit $status): $(head -1 <<<"$out")"
# Each command's help in English and in German: the summary and every option's
# description must be translated (a description that is only a value, such as
# --env's "cartpole", stays).
python3 - "$glassbox" "$tmp" <<'PY'
import os, re, subprocess, sys
glassbox, tmp = sys.argv[1], sys.argv[2]
commands = ["train vae", "render latent", "evaluate vae", "rl", "rl --env cartpole", "rl --env short-corridor",
            "render rl", "render cartpole", "train diffusion", "sample diffusion", "render diffusion",
            "train classifier", "evaluate diffusion", ""]
def run(cmd, german):
    env = dict(os.environ, LC_ALL="C.UTF-8", LANGUAGE="")
    if german:
        env.update(LOCPATH=tmp, LC_ALL="de_DE.UTF-8", LANGUAGE="de")
    return subprocess.run([glassbox] + cmd.split() + ["--help"], env=env, capture_output=True, text=True).stdout
def parts(text):
    opts = dict(re.findall(r"^  (--[a-z0-9-]+|-[a-zA-Z], --[a-z0-9-]+)\S*\s+(.*)$", text, re.M))
    paras = [p for p in text.split("\n\n") if p and not p.startswith(("  ", "Usage", "Aufruf", "Help", "Hilfe", "Appl", "Anw"))]
    return opts, paras
bad = []
for cmd in commands:
    (en_opts, en_paras), (de_opts, de_paras) = parts(run(cmd, False)), parts(run(cmd, True))
    if not en_opts and cmd:
        bad.append(f"{cmd}: no options in its help")
    for name, text in en_opts.items():
        if name in ("-h, --help",) or re.fullmatch(r"[a-z-]+", text):
            continue
        if de_opts.get(name) in (None, text):
            bad.append(f"{cmd} {name}: {text}")
    bad += [f"{cmd}: {p[:60]}" for p in en_paras if p in de_paras]
    if not cmd and "Aufruf:" not in run(cmd, True):
        bad.append("glassbox --help is not German")
for b in bad:
    print("# still English:", b)
sys.exit(1 if bad else 0)
PY
ok $? "every command's --help is German: summaries and every option"
exit $failed
