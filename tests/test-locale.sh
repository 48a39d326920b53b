#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# Numbers for people follow their locale; numbers in files do not. Under a
# German locale (made here with localedef in a temporary folder, the
# machine's own locales untouched) `glassbox rl` prints decimal commas, reads
# options written either way, and its --csv file keeps '.' decimals.
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
echo "1..4"
out=$(de rl --env 4x3 --algo value-iteration 2>&1)
grep -q '0,812' <<<"$out"; ok $? "values print with decimal commas: $(grep -m1 '0[.,]812' <<<"$out")"
out2=$(de rl --env 4x3 --algo value-iteration --gamma 0,9 2>&1) && out3=$(de rl --env 4x3 --algo value-iteration --gamma 0.9 2>&1)
[ -n "$out2" ] && [ "$out2" = "$out3" ]; ok $? "--gamma 0,9 and --gamma 0.9 mean the same"
de rl --env 4x3 --algo q-learning --episodes 20 --csv "$tmp/curve.csv" >/dev/null 2>&1
head -1 "$tmp/curve.csv" | grep -qx 'episode,return,length'; ok $? "the CSV's header is as in any locale"
awk -F, 'NR > 1 && (NF != 3 || $2 !~ /^-?[0-9]+(\.[0-9]+)?(e-?[0-9]+)?$/) { bad = 1 } END { exit bad }' "$tmp/curve.csv"
ok $? "the CSV keeps '.' decimals and three columns: $(sed -n 2p "$tmp/curve.csv")"
exit $failed
