#!/bin/bash
# SPDX-License-Identifier: GPL-3.0-or-later
# The user guide in one language as HTML: the C pages translated by itstool
# with LANG.po, with that language's pictures (the C ones where it has none),
# made into HTML by yelp-build. A translation that is not valid markup fails
# the build here instead of leaving English in the guide.
#   usage: help-html.sh LANG.po C_DIR LANG_DIR OUT_DIR
set -euo pipefail
po=$1 src=$2 langdir=$3 out=$4
lang=$(basename "$po" .po)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
msgfmt --check -o "$tmp/$lang.mo" "$po"
mkdir -p "$tmp/pages/figures"
itstool -l "$lang" -m "$tmp/$lang.mo" -o "$tmp/pages/" "$src"/*.page 2> "$tmp/itstool.log"
if [ -s "$tmp/itstool.log" ]; then
  cat "$tmp/itstool.log" >&2
  exit 1
fi
cp "$src"/figures/* "$tmp/pages/figures/"
if [ -d "$langdir/figures" ]; then
  cp "$langdir"/figures/* "$tmp/pages/figures/"
fi
yelp-build html -o "$out/" "$tmp/pages"
