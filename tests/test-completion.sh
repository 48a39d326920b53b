#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# The bash completion, as bash runs it: commands, objects, options (read from
# the command's own --help) and option values. Skips without bash-completion.
#   test-completion.sh GLASSBOX COMPLETION-SCRIPT
set -u
[ -f /usr/share/bash-completion/bash_completion ] || { echo "1..0 # SKIP no bash-completion"; exit 77; }
source /usr/share/bash-completion/bash_completion
source "$2"
PATH="$(dirname "$1"):$PATH"
n=0 failed=0
check() {
  local want=$1; shift
  COMP_WORDS=("$@"); COMP_CWORD=$((${#COMP_WORDS[@]} - 1)); COMP_LINE="$*"; COMP_POINT=${#COMP_LINE}
  COMPREPLY=()
  _glassbox 2>/dev/null
  n=$((n + 1))
  if [[ " ${COMPREPLY[*]} " == *" $want "* ]]; then
    echo "ok $n - '$*' offers $want"
  else
    echo "not ok $n - '$*' offers '${COMPREPLY[*]}', not $want"
    failed=1
  fi
}
echo "1..7"
check train glassbox tr
check latent glassbox render ""
check --epochs glassbox train vae --ep
check --latent glassbox train vae --la
check q-learning glassbox rl --algo q
check reverse glassbox render diffusion --process r
check --csv glassbox rl --c
exit $failed
