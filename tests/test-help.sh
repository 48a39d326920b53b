#!/bin/bash
# SPDX-License-Identifier: GPL-3.0-or-later
# The user guide: every Mallard page valid, every link and picture there, no
# page unreachable from the index, and the HTML built with a page for each topic
# F1 opens (gb_page_help_topic). Each translation in help/LINGUAS: complete
# against the pages as they are now, merging into valid pages (itstool keeps the
# English of a message whose markup is broken, and says so), with every picture
# drawn in its language, and built as HTML in HTML_DIR/LANG.
# usage: test-help.sh HELP_C_DIR HTML_DIR
set -u
src=$1 html=$2
n=0 failed=0
ok() { n=$((n + 1)); if [ "$1" -eq 0 ]; then echo "ok $n - $2"; else echo "not ok $n - $2"; failed=1; fi; }

out=$(yelp-check validate "$src"/*.page 2>&1); rc=$?
[ -n "$out" ] && echo "$out" | sed 's/^/# /'
ok $rc "every page is valid Mallard"
out=$(yelp-check links "$src" 2>&1); rc=$?
[ -n "$out" ] && echo "$out" | sed 's/^/# /'
ok $rc "every link leads to a page"
out=$(yelp-check media "$src" 2>&1); rc=$?
[ -n "$out" ] && echo "$out" | sed 's/^/# /'
ok $rc "every picture is there"
out=$(yelp-check orphans "$src" 2>&1)
[ -n "$out" ] && echo "# unreachable: $out"
ok $([ -z "$out" ]; echo $?) "every page is reachable from the index"
for topic in index latent rl cartpole diffusion; do
  test -s "$html/$topic.html" && grep -q 'figures/\|<a ' "$html/$topic.html"
  ok $? "the HTML guide has $topic.html, with its links"
done
help=$(cd "$(dirname "$src")" && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
itstool -o "$tmp/help.pot" "$src"/*.page
for lang in $(cat "$help/LINGUAS"); do
  po="$help/$lang/$lang.po"
  out=$(msgcmp "$po" "$tmp/help.pot" 2>&1); rc=$?
  [ -n "$out" ] && echo "$out" | head -20 | sed 's/^/# /'
  ok $rc "$lang.po translates every message of the pages as they are"
  fuzzy=$(msgattrib --only-fuzzy --no-obsolete "$po" | grep -c '^msgid')
  ok $([ "$fuzzy" = 0 ]; echo $?) "$lang.po has no fuzzy messages ($fuzzy)"
  mkdir -p "$tmp/$lang"
  msgfmt --check -o "$tmp/$lang.mo" "$po" && itstool -l "$lang" -m "$tmp/$lang.mo" -o "$tmp/$lang/" "$src"/*.page 2> "$tmp/its.log"
  rc=$?
  [ -s "$tmp/its.log" ] && sed 's/^/# /' "$tmp/its.log" | head -20
  ok $([ $rc = 0 ] && [ ! -s "$tmp/its.log" ]; echo $?) "$lang.po merges into the pages without a broken message"
  out=$(yelp-check validate "$tmp/$lang"/*.page 2>&1); rc=$?
  [ -n "$out" ] && echo "$out" | sed 's/^/# /'
  ok $rc "the $lang pages are valid Mallard"
  missing=$(cd "$src" && for f in figures/*; do [ -s "$help/$lang/$f" ] || printf "%s " "$f"; done)
  ok $([ -z "$missing" ]; echo $?) "every picture is drawn for $lang too: ${missing:-all there}"
  test -s "$html/$lang/index.html" && grep -q "lang=\"$lang\"" "$html/$lang/index.html" \
    && grep -q 'figures/rl-4x3.png' "$html/$lang/rl.html" && test -s "$html/$lang/figures/rl-4x3.png"
  ok $? "the $lang guide is built as HTML, with its pictures"
done
echo "1..$n"
exit $failed
