#!/bin/bash
# Checks a kernel .config against the fragments it was made from: every
# setting of every fragment must be in it (kconfig turns off, without a word,
# a setting whose dependency is off), and no two fragments may set one
# symbol two ways. Says FILE:LINE of each setting that is not.
#   check-config.sh CONFIG FRAGMENT...
set -euo pipefail

config=$1
shift
awk -v config="$config" '
    BEGIN {
        while ((getline line < config) > 0) have[line] = 1
        status = 0
    }
    /^[[:space:]]*(#|$)/ { next }
    {
        symbol = $0; sub(/=.*/, "", symbol)
        value = $0; sub(/^[^=]*=/, "", value)
        if (symbol in first && first_value[symbol] != value) {
            printf "pixen: %s:%d: %s: %s sets it to %s\n", FILENAME, FNR, $0, first[symbol],
                first_value[symbol] > "/dev/stderr"
            status = 1
        } else if (!(symbol in first)) {
            first[symbol] = FILENAME ":" FNR; first_value[symbol] = value
        }
        wanted = value == "n" ? "# " symbol " is not set" : $0
        if (!(wanted in have)) {
            printf "pixen: %s:%d: %s did not survive allnoconfig (a dependency is missing or the kernel has no such symbol)\n",
                FILENAME, FNR, $0 > "/dev/stderr"
            status = 1
        }
    }
    END { exit status }
' "$@"
