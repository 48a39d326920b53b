#!/bin/bash
# SPDX-License-Identifier: GPL-3.0-or-later
# The file types: the shared-mime-info definition compiles, files get their
# types from it (as a file manager asks GLib), and every MimeType the desktop
# file declares is defined, by it or by the system.
# usage: test-mime.sh MIME_XML DESKTOP_FILE
set -u
xml=$1 desktop=$2
if ! command -v update-mime-database >/dev/null || ! command -v gio >/dev/null; then
  echo "1..0 # SKIP update-mime-database or gio is missing"
  exit 0
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
mkdir -p "$tmp/mime/packages"
cp "$xml" "$tmp/mime/packages/"
n=0 failed=0
ok() { n=$((n + 1)); if [ "$1" = 0 ]; then echo "ok $n - $2"; else echo "not ok $n - $2"; failed=1; fi; }
XDG_DATA_HOME="$tmp" update-mime-database "$tmp/mime" 2>"$tmp/err"
ok $? "update-mime-database compiles the definition"
sed 's/^/# /' "$tmp/err"
printf '[glassbox-rl]\nversion=1\n' >"$tmp/cliff.session"
printf 'grid:\nSG\n' >"$tmp/lake.map"
printf '\x08\x00\x00\x00\x00\x00\x00\x00{}' >"$tmp/vae.safetensors"
printf '[glassbox-lesson]\n' >"$tmp/intro.lesson"
for f in cliff.session:application/x-glassbox-session lake.map:application/x-glassbox-map \
         vae.safetensors:application/x-safetensors intro.lesson:application/x-glassbox-lesson; do
  file=${f%%:*} want=${f#*:}
  got=$(XDG_DATA_HOME="$tmp" XDG_DATA_DIRS=/usr/share gio info -a standard::content-type "$tmp/$file" 2>&1 |
        sed -n 's/.*standard::content-type: //p')
  [ "$got" = "$want" ]
  ok $? "$file is $want (got “$got”)"
done
declared=$(sed -n 's/^MimeType=//p' "$desktop" | tr ';' '\n' | sed '/^$/d')
for t in $declared; do
  grep -q "type=\"$t\"" "$xml" || [ -f "/usr/share/mime/${t}.xml" ]
  ok $? "the desktop file's $t is defined"
done
echo "1..$n"
exit $failed
