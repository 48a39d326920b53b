#!/bin/bash
# SPDX-License-Identifier: GPL-3.0-or-later
# The user guide: every Mallard page valid, every link and picture there, no
# page unreachable from the index, and the HTML built with a page for each topic
# F1 opens (gb_page_help_topic).
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
echo "1..$n"
exit $failed
