#!/bin/bash
# SPDX-License-Identifier: GPL-3.0-or-later
# Remakes the user guide's pictures (help/C/figures/) with Glassbox's own
# `render` command, from the shipped models and a small swiss-roll model trained
# here with a fixed seed, so anyone can reproduce them. Given a language, the
# translated guide's pictures (help/LANG/figures/), drawn in that language:
# run it under a locale of that language for its decimal commas, e.g.
#   LC_ALL=de_DE.UTF-8 tools/make-help-figures.sh _build de
#
# usage: tools/make-help-figures.sh [BUILD_DIR [LANG]]      (default _build C)
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
gb="$repo/${1:-_build}/app/glassbox"
lang=${2:-C}
out="$repo/help/$lang/figures"
if [ "$lang" != C ]; then
  export LANGUAGE=$lang
  # gettext ignores LANGUAGE under the C locale.
  case "${LC_ALL:-${LC_MESSAGES:-${LANG:-C}}}" in C|POSIX) export LC_ALL=C.UTF-8 ;; esac
fi
models="$repo/resources/models"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
mkdir -p "$out"
export OPENBLAS_NUM_THREADS=${OPENBLAS_NUM_THREADS:-2}
W=960 H=640

"$gb" render latent --width $W --height $H --out "$out/latent.png"
"$gb" render latent --manifold 15 --width $W --height $H --out "$out/manifold.png"
"$gb" render latent --select 5 --posterior --optimise-q --zoom 2 --width $W --height $H --out "$out/posterior.png"
"$gb" render rl --env 4x3 --algo value-iteration --numbers --width $W --height 720 --out "$out/rl-4x3.png"
"$gb" render rl --env cliff --algo q-learning --episodes 500 --q --width $W --height 720 --out "$out/rl-cliff.png"
"$gb" render cartpole --view replay --algo reinforce-baseline --episodes 300 --width $W --out "$out/cartpole.png"
"$gb" render cartpole --view dqn --policy "$models/cartpole-dqn.safetensors" --width $W --out "$out/cartpole-dqn.png"
"$gb" train diffusion --data swiss-roll --seed 1 --out "$tmp/swiss-roll.safetensors" > /dev/null
"$gb" render diffusion --model "$tmp/swiss-roll.safetensors" --t 200 --width $W --height $H --out "$out/diffusion-forward.png"
"$gb" render diffusion --model "$tmp/swiss-roll.safetensors" --t 0 --process reverse --width $W --height $H --out "$out/diffusion-reverse.png"
"$gb" render diffusion --model "$models/image-diffusion.safetensors" --t 250 --width $W --height $H --out "$out/diffusion-images.png"
echo "wrote $(ls "$out" | wc -l) pictures to $out"
