#!/bin/bash
# Assembles an SD-card image without root privileges: a GPT whose partitions
# are FAT file systems filled from folders.
#   mkdisk.sh OUT NAME:MIB:DIR [NAME:MIB:DIR ...]
# Partition N gets GPT name NAME, MIB MiB, and DIR's files. Partitions start on
# 1 MiB boundaries. The image appears at OUT only once it is whole.
# SOURCE_DATE_EPOCH sets every time stamp, so the same inputs give the same bytes.
set -euo pipefail

out=$1
shift
epoch=${SOURCE_DATE_EPOCH:-0}
work=$(mktemp -d "${out}.work.XXXXXX")
trap 'rm -rf "$work"' EXIT

die() {
    echo "pixen: $out: $*" >&2
    exit 1
}

total_mib=2 # the GPT at the front, its backup at the end
for spec in "$@"; do
    IFS=: read -r name mib dir <<<"$spec"
    [ -d "$dir" ] || die "partition $name: no folder $dir"
    total_mib=$((total_mib + mib))
done

img="$work/disk.img"
truncate -s "${total_mib}M" "$img"
# Fixed GUIDs (pixen's own) instead of random ones keep the image reproducible.
sgdisk_args=(-Z -U 7a1f5e00-0000-4000-8000-706978656e00)
start_mib=1
index=1
for spec in "$@"; do
    IFS=: read -r name mib dir <<<"$spec"
    sgdisk_args+=(-n "$index:$((start_mib * 2048)):+${mib}M" -c "$index:$name" -t "$index:0700"
                  -u "$index:7a1f5e00-0000-4000-8000-706978656e$(printf %02x "$index")")
    start_mib=$((start_mib + mib))
    index=$((index + 1))
done
# Partition 1 is what u-boot's distro boot looks at first: mark it bootable.
sgdisk_args+=(-A 1:set:2)
sgdisk "${sgdisk_args[@]}" "$img" >/dev/null

start_mib=1
index=1
for spec in "$@"; do
    IFS=: read -r name mib dir <<<"$spec"
    label=$(echo "$name" | tr '[:lower:]' '[:upper:]')
    # Format in place; --invariant fixes the serial number and time stamps mkfs would pick.
    # (It warns that the file is larger than the partition; that is the point of --offset.)
    mkfs.vfat -F 32 -n "$label" --invariant --offset $((start_mib * 2048)) "$img" $((mib * 1024)) \
        2> >(grep -v 'block count mismatch' >&2) >/dev/null
    # Every file and folder carries the same time stamp.
    staged="$work/stage$index"
    mkdir -p "$staged"
    cp -a "$dir/." "$staged/"
    find "$staged" -exec touch -h -d "@$epoch" {} +
    need_kib=$(du -s --apparent-size --block-size=1K "$staged" | cut -f1)
    # One entry at a time, in sorted order: the card's directory order is then
    # the same whatever file system the build ran on.
    while IFS= read -r rel; do
        if [ -d "$staged/$rel" ]; then
            mmd -i "$img@@${start_mib}M" "::/$rel" 2>"$work/mcopy.err" || break
        else
            mcopy -m -Q -i "$img@@${start_mib}M" "$staged/$rel" "::/$rel" 2>"$work/mcopy.err" || break
        fi
    done < <(cd "$staged" && find . -mindepth 1 | sed 's|^\./||' | LC_ALL=C sort)
    if [ -s "$work/mcopy.err" ]; then
        if grep -qi 'full' "$work/mcopy.err"; then
            die "partition $name ($mib MiB) cannot hold its files ($((need_kib / 1024)) MiB in $dir)"
        fi
        die "partition $name: $(cat "$work/mcopy.err")"
    fi
    start_mib=$((start_mib + mib))
    index=$((index + 1))
done

mv "$img" "$out"
