#!/bin/bash
# Assembles a disk image without root privileges: a GPT whose partitions are
# file systems filled from folders.
#   mkdisk.sh OUT NAME:MIB:DIR[:FS] [NAME:MIB:DIR[:FS] ...]
# Partition N gets GPT name NAME, MIB MiB, and DIR's files, in a file system
# FS: vfat (the default; u-boot reads it) or ext4 (every file owned by root,
# whoever builds). Partitions start on 1 MiB boundaries. The image appears at
# OUT only once it is whole.
# A FAT partition's files are written in sorted order, so its directory order
# (what `xu config_list` shows) does not depend on the build host; a file
# .card-order in DIR names paths to write first, one per line (# starts a
# comment line), and is not itself copied.
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
    IFS=: read -r name mib dir fs <<<"$spec"
    [ -d "$dir" ] || die "partition $name: no folder $dir"
    case "${fs:-vfat}" in vfat | ext4) ;; *) die "partition $name: no file system $fs" ;; esac
    total_mib=$((total_mib + mib))
done

img="$work/disk.img"
truncate -s "${total_mib}M" "$img"
# Fixed GUIDs (pixen's own) instead of random ones keep the image reproducible.
sgdisk_args=(-Z -U 7a1f5e00-0000-4000-8000-706978656e00)
start_mib=1
index=1
for spec in "$@"; do
    IFS=: read -r name mib dir fs <<<"$spec"
    type=0700 # Microsoft basic data, as a FAT partition is
    [ "${fs:-vfat}" = ext4 ] && type=8300 # Linux file system
    sgdisk_args+=(-n "$index:$((start_mib * 2048)):+${mib}M" -c "$index:$name" -t "$index:$type"
                  -u "$index:7a1f5e00-0000-4000-8000-706978656e$(printf %02x "$index")")
    start_mib=$((start_mib + mib))
    index=$((index + 1))
done
# Partition 1 is what u-boot's distro boot looks at first: mark it bootable.
sgdisk_args+=(-A 1:set:2)
sgdisk "${sgdisk_args[@]}" "$img" >/dev/null

# ext4 in place from the staged folder: mkfs.ext4 -d copies owners as it
# finds them, so fakeroot makes them root's; the fixed UUID, hash seed and
# clock keep the bytes the same from build to build. It also copies each
# file's ctime, which no one can set on the host, and its atime, which
# reading the folder moves, so debugfs sets both after.
format_ext4() {
    local name=$1 mib=$2 staged=$3 start_mib=$4 index=$5 uuid fs
    uuid=7a1f5e00-0000-4000-8000-706978656e$(printf %02x $((index + 0x80)))
    fs="$img?offset=$((start_mib << 20))"
    E2FSPROGS_FAKE_TIME=$epoch fakeroot -- sh -c '
        chown -R 0:0 "$1" &&
        mkfs.ext4 -q -F -L "$2" -U "$3" -E "offset=$4,hash_seed=$3" -d "$1" "$5" "$6"
    ' format "$staged" "$name" "$uuid" $((start_mib << 20)) "$img" "${mib}M" 2>"$work/mkfs.err" ||
        die "partition $name: $(cat "$work/mkfs.err")"
    (cd "$staged" && find . -mindepth 1 | sed 's|^\.||' | LC_ALL=C sort) |
        sed "s|.*|sif \"&\" ctime @$epoch\nsif \"&\" atime @$epoch|" >"$work/times.cmds"
    E2FSPROGS_FAKE_TIME=$epoch debugfs -w -f "$work/times.cmds" "$fs" >/dev/null 2>"$work/mkfs.err" &&
        ! grep -v '^debugfs ' "$work/mkfs.err" | grep -q . ||
        die "partition $name: $(cat "$work/mkfs.err")"
}

# FAT32 in place, then the staged files copied in.
format_vfat() {
    local name=$1 mib=$2 staged=$3 start_mib=$4 dir=$5 label need_kib
    label=$(echo "$name" | tr '[:lower:]' '[:upper:]')
    # --invariant fixes the serial number and time stamps mkfs would pick.
    # (It warns that the file is larger than the partition; that is the point of --offset.)
    mkfs.vfat -F 32 -n "$label" --invariant --offset $((start_mib * 2048)) "$img" $((mib * 1024)) \
        2> >(grep -v 'block count mismatch' >&2) >/dev/null
    need_kib=$(du -s --apparent-size --block-size=1K "$staged" | cut -f1)
    # One entry at a time, in sorted order after those .card-order names: the
    # card's directory order is then the same whatever file system the build ran on.
    local order="$work/order.$name"
    : >"$order"
    if [ -f "$staged/.card-order" ]; then
        # One path a line, as find prints them (no ./, no trailing /), each folder before
        # what it holds; a last line without its newline counts too.
        while IFS= read -r rel || [ -n "$rel" ]; do
            case "$rel" in '#'*) continue ;; esac
            rel=${rel#./}
            rel=${rel%/}
            [ -n "$rel" ] || continue
            [ -e "$staged/$rel" ] || die "partition $name: .card-order names $rel, which $dir lacks"
            grep -qxF -- "$rel" "$order" && die "partition $name: .card-order names $rel twice"
            case "$rel" in */*) grep -qxF -- "${rel%/*}" "$order" ||
                die "partition $name: .card-order names $rel before its folder ${rel%/*}" ;;
            esac
            printf '%s\n' "$rel" >>"$order"
        done <"$staged/.card-order"
        rm "$staged/.card-order"
    fi
    while IFS= read -r rel; do
        if [ -d "$staged/$rel" ]; then
            mmd -i "$img@@${start_mib}M" "::/$rel" </dev/null 2>"$work/mcopy.err" || break
        else
            mcopy -m -Q -i "$img@@${start_mib}M" "$staged/$rel" "::/$rel" </dev/null 2>"$work/mcopy.err" ||
                break
        fi
    done < <(cat "$order"; (cd "$staged" && find . -mindepth 1) | sed 's|^\./||' | LC_ALL=C sort |
        grep -vxF -f "$order")
    if [ -s "$work/mcopy.err" ]; then
        if grep -qi 'full' "$work/mcopy.err"; then
            die "partition $name ($mib MiB) cannot hold its files ($((need_kib / 1024)) MiB in $dir)"
        fi
        die "partition $name: $(cat "$work/mcopy.err")"
    fi
}

start_mib=1
index=1
for spec in "$@"; do
    IFS=: read -r name mib dir fs <<<"$spec"
    # Every file and folder carries the same time stamp.
    staged="$work/stage$index"
    mkdir -p "$staged"
    cp -a "$dir/." "$staged/"
    find "$staged" -exec touch -h -d "@$epoch" {} +
    if [ "${fs:-vfat}" = ext4 ]; then
        format_ext4 "$name" "$mib" "$staged" "$start_mib" "$index"
    else
        format_vfat "$name" "$mib" "$staged" "$start_mib" "$dir"
    fi
    start_mib=$((start_mib + mib))
    index=$((index + 1))
done

mv "$img" "$out"
