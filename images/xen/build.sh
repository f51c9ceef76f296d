#!/bin/bash
# Builds the Xen hypervisor from Debian's source package, with Debian's patches
# then pixen's (images/xen/patches, each saying why), Debian's arm64
# configuration plus pixen's Kconfig fragment, and Xen's own FLASK policy
# from the same source.
#   build.sh SRC_DIR FRAGMENT OUT_DIR
# SRC_DIR holds xen_*.dsc and the files it names (beside other source
# packages); OUT_DIR gets `xen` (the arm64 Image that u-boot's booti starts),
# `xen.config` and `xenpolicy`.
set -euo pipefail

src_dir=$(realpath "$1") fragment=$(realpath "$2") out_dir=$(realpath -m "$3")
dsc=$(ls "$src_dir"/xen_*.dsc)
work="$out_dir/tree"

rm -rf "$work"
mkdir -p "$out_dir"
# dpkg-source checks the files against the checksums in the .dsc and applies Debian's patches.
dpkg-source --no-check -x "$dsc" "$work" >/dev/null

cd "$work"
for patch in "$(dirname "$fragment")"/patches/*.patch; do
    [ -e "$patch" ] || continue
    patch -p1 --quiet --forward < "$patch" || { echo "pixen: $patch does not apply" >&2; exit 1; }
done
make_args=(-C xen XEN_TARGET_ARCH=arm64 CROSS_COMPILE=aarch64-linux-gnu-
           "EXTRA_CFLAGS_XEN_CORE=-ffile-prefix-map=$PWD=. -fdebug-prefix-map=$PWD=.")
# What Debian's rules do for a reproducible build: the date of the changelog entry.
SOURCE_DATE_EPOCH=$(dpkg-parsechangelog -STimestamp)
export SOURCE_DATE_EPOCH
export XEN_BUILD_DATE XEN_BUILD_TIME XEN_WHOAMI=pixen XEN_DOMAIN=pixen XEN_BUILD_HOST=pixen
XEN_BUILD_DATE=$(LC_ALL=C date -u -d "@$SOURCE_DATE_EPOCH")
XEN_BUILD_TIME=$(LC_ALL=C date -u -d "@$SOURCE_DATE_EPOCH" +%T)

cat debian/xen-kconfig "$fragment" > xen/.config
make "${make_args[@]}" olddefconfig >/dev/null
# Every line of the fragment must have survived olddefconfig.
status=0
while IFS= read -r line; do
    case "$line" in ''|'#'*) continue ;; esac
    if ! grep -qxF "$line" xen/.config; then
        echo "pixen: $fragment: '$line' did not survive olddefconfig (a dependency is missing)" >&2
        status=1
    fi
done < "$fragment"
[ $status -eq 0 ] || exit 1

make "${make_args[@]}" -j"$(nproc)" >build.log 2>&1 || { tail -30 build.log >&2; exit 1; }
# The policy Xen enforces with xsm=flask: Xen's reference policy (dom0_t,
# domU_t, isolated_domU_t, ...), which guests' seclabel names refer to.
mkdir -p flask
make -C tools/flask/policy -f Makefile.common FLASK_BUILD_DIR="$PWD/flask" \
    XEN_FULLVERSION=xen >flask.log 2>&1 || { tail -20 flask.log >&2; exit 1; }
cp flask/xenpolicy-xen "$out_dir/xenpolicy"
cp xen/xen "$out_dir/xen.new"
cp xen/.config "$out_dir/xen.config"
mv "$out_dir/xen.new" "$out_dir/xen"
rm -f "$out_dir"/*.orig.tar.*   # dpkg-source links it beside the tree
