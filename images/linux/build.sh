#!/bin/bash
# Builds Dom0's kernel from Debian's linux source package, with Debian's
# patches, from `make allnoconfig` plus pixen's fragments: Dom0's own
# (images/linux/dom0.kconfig) and each machine's card drivers
# (platform/*/dom0.kconfig). One kernel serves every machine: a driver for
# another machine's card binds to nothing, and one build is a fraction of
# one per machine.
#   build.sh SRC_DIR OUT_DIR FRAGMENT...
# SRC_DIR holds linux_*.dsc and the files it names (beside other source
# packages); OUT_DIR gets `Image` (what Xen starts as Dom0), `config`,
# `System.map` (to name a pc that Xen's `0` key shows) and `arm64.Kconfig`
# (the CPU errata this kernel knows).
set -euo pipefail

src_dir=$(realpath "$1") out_dir=$(realpath -m "$2")
shift 2
fragments=()
for f in "$@"; do fragments+=("$(realpath "$f")"); done
dscs=("$src_dir"/linux_*.dsc)
[ ${#dscs[@]} -eq 1 ] && [ -e "${dscs[0]}" ] ||
    { echo "pixen: $src_dir: want one linux_*.dsc, found: ${dscs[*]}" >&2; exit 1; }
work="$out_dir/tree"

rm -rf "$work" "$out_dir/obj"
rm -f "$out_dir"/*.orig.tar.*   # dpkg-source links it beside the tree
mkdir -p "$out_dir"
# dpkg-source checks the files against the checksums in the .dsc and applies Debian's patches.
dpkg-source --no-check -x "${dscs[0]}" "$work" >/dev/null

# The fragments as one (a machine may repeat a line another has);
# check-config.sh refuses two that set one symbol two ways.
merged="$out_dir/fragment"
awk '!/^[[:space:]]*(#|$)/ && !seen[$0]++' "${fragments[@]}" > "$merged"

# What Debian's rules do for a reproducible build: the date of the changelog
# entry, and no user or host in the banner.
SOURCE_DATE_EPOCH=$(dpkg-parsechangelog -l "$work/debian/changelog" -STimestamp)
KBUILD_BUILD_TIMESTAMP=$(LC_ALL=C date -u -d "@$SOURCE_DATE_EPOCH")
export SOURCE_DATE_EPOCH KBUILD_BUILD_TIMESTAMP KBUILD_BUILD_USER=pixen KBUILD_BUILD_HOST=pixen
make_args=(-C "$work" O="$out_dir/obj" ARCH=arm64 CROSS_COMPILE=aarch64-linux-gnu-)

make "${make_args[@]}" KCONFIG_ALLCONFIG="$merged" allnoconfig >"$out_dir/config.log" 2>&1 ||
    { cat "$out_dir/config.log" >&2; exit 1; }
"$(dirname "$0")/check-config.sh" "$out_dir/obj/.config" "${fragments[@]}"

make "${make_args[@]}" -j"$(nproc)" Image >"$out_dir/build.log" 2>&1 ||
    { tail -30 "$out_dir/build.log" >&2; exit 1; }
cp "$out_dir/obj/.config" "$out_dir/config"
cp "$out_dir/obj/System.map" "$out_dir/System.map"
# The CPU errata the kernel knows, for the build test that checks each
# machine's cores have theirs on.
cp "$work/arch/arm64/Kconfig" "$out_dir/arm64.Kconfig"
cp "$out_dir/obj/arch/arm64/boot/Image" "$out_dir/Image.new"
mv "$out_dir/Image.new" "$out_dir/Image"
# The tree and objects are 2 GB; what a later build needs is above.
rm -rf "$work" "$out_dir/obj"
rm -f "$out_dir"/*.orig.tar.*   # dpkg-source links it beside the tree
