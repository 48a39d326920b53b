#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# Glassbox's set-up: installs the Debian packages it needs (as root or with
# sudo), builds, and then runs the app or the whole test suite.
#
#   ./dev.sh run     install what is missing, build, launch the app
#   ./dev.sh test    install what is missing, build, run every test
#                    (then the core's tests again under AddressSanitizer + UBSan,
#                    and each file loader's fuzzer for 30 s)
#
# Both are idempotent: a second run installs nothing and rebuilds only what changed.
set -euo pipefail
cd "$(dirname "$0")"

# Build and run: the compiler, Meson, GTK 4, OpenBLAS, json-glib, the data set.
RUN_PACKAGES=(build-essential meson ninja-build pkg-config libgtk-4-dev libopenblas-dev
              libjson-glib-dev libgdk-pixbuf-2.0-dev libgif-dev dataset-fashion-mnist libglib2.0-bin fonts-dejavu-core
              gettext yelp-tools itstool
              adwaita-icon-theme)
# Tests: an X server and the tools that drive it, a private session bus for the
# stand-in session manager, the desktop-file validators, mandoc and bash-completion
# for the man page and the completion, NumPy to np.load what the CLI writes,
# shared-mime-info for the file types, AT-SPI (pyatspi) to drive the app as a
# screen reader does, and clang with its libFuzzer runtime for the loaders' fuzzers.
TEST_PACKAGES=(xvfb xauth xdotool imagemagick dbus-daemon appstream desktop-file-utils python3 mandoc bash-completion python3-numpy shared-mime-info
               python3-pyatspi at-spi2-core locales
               clang libclang-rt-14-dev)

install_missing() {
  local missing=()
  for p in "$@"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  local sudo=()
  [ "$(id -u)" -ne 0 ] && sudo=(sudo)
  echo "Installing: ${missing[*]}"
  "${sudo[@]}" apt-get update -q
  "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${missing[@]}"
}

build() {
  local dir=$1; shift
  [ -f "$dir/build.ninja" ] || meson setup "$dir" "$@"
  ninja -C "$dir"
}

case "${1:-run}" in
  run)
    install_missing "${RUN_PACKAGES[@]}"
    build _build
    exec ./_build/app/glassbox
    ;;
  test)
    install_missing "${RUN_PACKAGES[@]}" "${TEST_PACKAGES[@]}"
    build _build
    status=0
    meson test -C _build --print-errorlogs --num-processes 2 || status=1
    # The core again under AddressSanitizer and UndefinedBehaviorSanitizer.
    build _build-asan -Db_sanitize=address,undefined -Db_lundef=false -De2e=false
    ASAN_OPTIONS=detect_leaks=1 LSAN_OPTIONS=suppressions="$PWD/tests/lsan.supp" \
      UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
      meson test -C _build-asan --suite core --suite cli --suite ui --print-errorlogs --num-processes 2 || status=1
    # Each file loader's libFuzzer harness for 30 s over its corpus (tests/fuzz/README.md).
    CC=clang build _build-fuzz -Dfuzz=true -Db_sanitize=address,undefined -Db_lundef=false
    meson test -C _build-fuzz --suite fuzz --print-errorlogs --num-processes 2 || status=1
    exit $status
    ;;
  *)
    echo "usage: $0 run|test" >&2
    exit 2
    ;;
esac
