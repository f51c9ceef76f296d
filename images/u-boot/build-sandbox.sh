#!/bin/bash
# Builds u-boot's sandbox (u-boot as a program of the build host) from
# Debian's u-boot source package, the same version as the Raspberry Pi
# boards' u-boot-rpi, with Debian's patches and pixen's config fragment: the
# build test that runs a card's boot.scr in it (tests/build/test_uboot.py).
#   build-sandbox.sh SRC_DIR FRAGMENT OUT_DIR
# SRC_DIR holds u-boot_*.dsc and the files it names; OUT_DIR gets `u-boot`
# and its control device tree `u-boot.dtb`.
set -euo pipefail

src_dir=$(realpath "$1") fragment=$(realpath "$2") out_dir=$(realpath -m "$3")
dsc=$(ls "$src_dir"/u-boot_*.dsc)
work="$out_dir/tree" obj="$out_dir/obj"

rm -rf "$work" "$obj"
mkdir -p "$out_dir" "$obj"
# dpkg-source checks the files against the checksums in the .dsc and applies Debian's patches.
dpkg-source --no-check -x "$dsc" "$work" >/dev/null
rm -f "$out_dir"/*.orig.tar.* "$out_dir"/*.asc # dpkg-source links them beside the tree

cd "$work"
export SOURCE_DATE_EPOCH
SOURCE_DATE_EPOCH=$(dpkg-parsechangelog -STimestamp)
make O="$obj" sandbox_defconfig >/dev/null
scripts/kconfig/merge_config.sh -m -O "$obj" "$obj/.config" "$fragment" >/dev/null
make O="$obj" olddefconfig >/dev/null
# Every line of the fragment must have survived olddefconfig.
status=0
while IFS= read -r line; do
    case "$line" in '') continue ;; '# CONFIG_'*' is not set') ;; '#'*) continue ;; esac
    if ! grep -qxF "$line" "$obj/.config"; then
        echo "pixen: $fragment: '$line' did not survive olddefconfig" >&2
        status=1
    fi
done < "$fragment"
[ $status -eq 0 ] || exit 1
# NO_SDL: no display, keyboard or sound of the host.
make O="$obj" NO_SDL=1 -j"$(nproc)" >"$out_dir/build.log" 2>&1 ||
    { tail -30 "$out_dir/build.log" >&2; exit 1; }
cp "$obj/u-boot.dtb" "$out_dir/u-boot.dtb"
cp "$obj/u-boot" "$out_dir/u-boot.new"
mv "$out_dir/u-boot.new" "$out_dir/u-boot"
