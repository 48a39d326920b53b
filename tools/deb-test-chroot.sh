#!/bin/bash
# SPDX-License-Identifier: GPL-3.0-or-later
# Builds the Debian package from a clean clone of this repository's HEAD, checks it
# with lintian (no errors), installs it into a fresh Debian 12 chroot made with
# debootstrap, and checks there that Glassbox works as installed: the program and
# its commands, the man page, the bash completion, the desktop file, the metainfo,
# the GSettings schema and the file types.
#
# usage (as root, on Debian 12, with the build dependencies of debian/control,
# lintian and debootstrap installed):  tools/deb-test-chroot.sh [WORKDIR]
# The build itself needs no network; debootstrap and apt in the chroot use
# Debian's mirror (MIRROR, default http://deb.debian.org/debian).
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
work=${1:-$(mktemp -d /tmp/glassbox-deb-XXXXXX)}
mirror=${MIRROR:-http://deb.debian.org/debian}
mkdir -p "$work"
chroot_dir="$work/chroot"

cleanup() {
  for m in proc sys dev/pts dev; do
    mountpoint -q "$chroot_dir/$m" 2>/dev/null && umount -l "$chroot_dir/$m" || true
  done
}
trap cleanup EXIT

step() { printf '\n== %s\n' "$*"; }

step "building the package from a clean clone of HEAD, with no network"
rm -rf "$work/src"
git clone -q "$repo" "$work/src"
offline=()
unshare --net true 2>/dev/null && offline=(unshare --net)   # a network namespace with no interfaces
(cd "$work/src" && "${offline[@]}" dpkg-buildpackage -us -uc -b) >"$work/build.log" 2>&1 || {
  tail -40 "$work/build.log"; echo "dpkg-buildpackage failed (log: $work/build.log)"; exit 1; }
deb=$(ls "$work"/glassbox_*_amd64.deb)
echo "built $(basename "$deb")${offline:+ (in a network namespace with no network)}"

step "lintian"
lintian --fail-on error "$work"/glassbox_*_amd64.changes | tee "$work/lintian.log"
echo "lintian: no errors"

step "a fresh Debian 12 chroot"
if [ ! -x "$chroot_dir/usr/bin/apt-get" ]; then
  debootstrap --variant=minbase bookworm "$chroot_dir" "$mirror" >"$work/debootstrap.log" 2>&1 || {
    tail -20 "$work/debootstrap.log"; exit 1; }
fi
mount -t proc proc "$chroot_dir/proc"
mount --bind /dev "$chroot_dir/dev"
cp "$deb" "$chroot_dir/tmp/"
in_chroot() { chroot "$chroot_dir" /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME=/root LANG=C.UTF-8 "$@"; }

step "installing the package with apt (its dependencies from the mirror; the validators to check it with)"
in_chroot apt-get update -q >/dev/null
in_chroot apt-get install -y -q --no-install-recommends "/tmp/$(basename "$deb")" \
  desktop-file-utils appstream bash-completion libglib2.0-bin >"$work/install.log" 2>&1 || { tail -30 "$work/install.log"; exit 1; }

step "checks in the chroot"
failed=0
check() {
  local what=$1; shift
  if in_chroot "$@" >"$work/check.log" 2>&1; then echo "ok - $what"; else echo "not ok - $what"; cat "$work/check.log"; failed=1; fi
}
check "glassbox --version" glassbox --version
check "glassbox rl solves the 4×3 world" sh -c 'glassbox rl --env 4x3 --algo value-iteration | grep -q "0.812"'
check "glassbox render draws headless" sh -c 'glassbox render rl --env 4x3 --algo value-iteration --out /tmp/rl.png && test -s /tmp/rl.png'
check "glassbox render latent with the shipped VAE" sh -c 'glassbox render latent --no-data --out /tmp/latent.png && test -s /tmp/latent.png'
check "a bad command exits 2" sh -c 'glassbox rl --env 4x3; test $? = 2'
check "the man page is installed" test -s /usr/share/man/man1/glassbox.1.gz
check "the bash completion completes commands" bash -c \
  'source /usr/share/bash-completion/bash_completion; source /usr/share/bash-completion/completions/glassbox; COMP_WORDS=(glassbox tr); COMP_CWORD=1; COMP_LINE="glassbox tr"; COMP_POINT=11; _glassbox glassbox tr glassbox; [[ " ${COMPREPLY[*]} " == *" train "* ]]'
check "the desktop file validates" desktop-file-validate /usr/share/applications/org.glassbox.Glassbox.desktop
check "the metainfo validates" appstreamcli validate --no-net /usr/share/metainfo/org.glassbox.Glassbox.metainfo.xml
check "the icon is installed" test -s /usr/share/icons/hicolor/scalable/apps/org.glassbox.Glassbox.svg
check "the schema is compiled in (gsettings reads it)" sh -c 'gsettings list-keys org.glassbox.Glassbox | grep -q rl-algorithm'
check "the file types are known (update-mime-database ran)" test -f /usr/share/mime/application/x-safetensors.xml
check "the guide is installed for Yelp" test -s /usr/share/help/C/glassbox/index.page -a -s /usr/share/help/C/glassbox/figures/rl-4x3.png
check "the guide is installed as HTML, with its pictures" \
  test -s /usr/share/glassbox/help/rl.html -a -s /usr/share/glassbox/help/figures/rl-4x3.png
check "the German translation is installed" grep -q "Latenter Raum" /usr/share/locale/de/LC_MESSAGES/glassbox.mo
check "the command line speaks German" sh -c 'LANGUAGE=de LANG=C.UTF-8 glassbox rl --help | grep -q "Zufalls-Seed"'
check "the German guide is installed for Yelp, with German pictures" \
  sh -c 'grep -q Gitterwelten /usr/share/help/de/glassbox/rl.page && test -s /usr/share/help/de/glassbox/figures/rl-4x3.png && ! cmp -s /usr/share/help/de/glassbox/figures/rl-4x3.png /usr/share/help/C/glassbox/figures/rl-4x3.png'
check "the German guide is installed as HTML" \
  sh -c 'grep -q Gitterwelten /usr/share/glassbox/help/de/rl.html && test -s /usr/share/glassbox/help/de/figures/rl-4x3.png'
check "the desktop file carries the German name" grep -q "^GenericName\[de\]=" /usr/share/applications/org.glassbox.Glassbox.desktop
[ $failed = 0 ] && echo "all checks passed in the chroot" || { echo "some checks failed"; exit 1; }
