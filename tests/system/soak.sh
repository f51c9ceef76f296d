#!/bin/sh
# The soak, as Dom0's shell runs it: CYCLES cycles of creating and destroying
# guests, each timed, and every CHECK cycles the state that must not change;
# every LINUX_EVERY-th cycle is linux_pv_domu's.
# Lines starting "soak: " are for tests/system/soak.py; a watcher in the
# background reports what Dom0 runs if no cycle ends for STALL_S seconds.
CYCLES=$1 CHECK=$2 STALL_S=$3 LINUX_EVERY=${4:-10}
PROGRESS=/tmp/soak.progress
SMALL="rpi_5_domu helloworld_xen-arm64 jitter"

now_ms() { awk '{ printf "%d\n", $1 * 1000 }' /proc/uptime; }

# Xen's free memory plus Dom0's reservation (Dom0's balloon trades pages with
# Xen around foreign mappings: only the sum is fixed), xenstore's nodes, Dom0's
# processes, available memory, the guests with console logs and the files
# (a log and the one before it per guest), /run, the domains.
state() {
    xfree=$(xstat physinfo | awk '/^Free mem/ { print $4 }')
    d0=$(xstat stat | awk '/Domain #  0/ { f = 1 } f && /^MEM reserved/ { print $4; exit }')
    echo "mem_kib=$((xfree + d0)) xs_nodes=$(xenstore-ls -f / | wc -l)" \
        "procs=$(ls -d /proc/[0-9]* | wc -l) dom0_avail_kib=$(awk '/^MemAvailable/ { print $2 }' /proc/meminfo)" \
        "log_names=$(ls /var/log/xen/console | sed 's/\.log.*//' | sort -u | wc -l)" \
        "log_files=$(ls /var/log/xen/console | wc -l) run=$(find /run | wc -l)" \
        "domains=$(xu list | tail -n +2 | wc -l)"
}

# What Dom0 runs: every process's state, and the running or waiting ones' utime/
# stime, where each is (a syscall, or "running" with its user sp and pc), its
# signals, whether it switches at all (a user-space spin does not), its code
# mappings (to find that pc in its binary) and kernel stack; and xenstored's
# answer (one that never answers holds every xu).
stall_evidence() {
    ps -o pid,ppid,stat,time,args
    for p in /proc/[0-9]*; do
        case $(awk '{ print $3 }' $p/stat 2>/dev/null) in
        R|D) echo "soak: stall: $p $(cat $p/comm) $(awk '{ print $3, $14, $15 }' $p/stat) wchan=$(cat $p/wchan)"
             echo "soak: stall: $p syscall: $(cat $p/syscall 2>&1)"
             grep -E '^(SigPnd|ShdPnd|SigBlk|SigIgn|SigCgt|voluntary_ctxt|nonvoluntary_ctxt)' $p/status
             grep ' r-xp ' $p/maps
             cat $p/stack 2>/dev/null ;;
        esac
    done
    echo "soak: stall: xenstored: $(busybox timeout 5 xenstore-read /local/domain/0/name 2>&1 ||
        echo "no answer in 5 s")"
}

# Each line to the log and to the kernel's log too, which Dom0's console prints
# through Xen even when its shell, or its tty, no longer answers the harness.
to_log_and_kernel() {
    while IFS= read -r line; do
        echo "$line"
        echo "<3>$line" > /dev/kmsg
    done
}

# The harness touches POLLED with every command it types: when that stops while
# Dom0 runs on, the shell (or its tty) is what is stuck.
POLLED=/tmp/soak.polled
CONSOLE_S=90

watch_progress() {
    last=$(cat $PROGRESS) idle=0 told=0
    while sleep 5; do
        polled=$(stat -c %Y $POLLED 2>/dev/null || echo 0)
        if [ $(($(date +%s) - polled)) -ge $CONSOLE_S ] && [ $told = 0 ] && [ $polled != 0 ]; then
            told=1
            { echo "soak: console: the harness's last command reached Dom0's shell" \
                   "$(($(date +%s) - polled)) s ago, cycle $(cat $PROGRESS)"
              stall_evidence 2>&1
              echo "soak: console evidence end"; } | to_log_and_kernel
        fi
        cur=$(cat $PROGRESS)
        if [ "$cur" != "$last" ]; then last=$cur idle=0; continue; fi
        idle=$((idle + 5))
        [ $idle -ge "$STALL_S" ] || continue
        { echo "soak: stall after cycle $cur: no cycle ended for $idle s"
          stall_evidence 2>&1
          echo "soak: stall evidence end"; } | to_log_and_kernel
        idle=$((0 - 3600))
    done
}

echo 0 > $PROGRESS
watch_progress &
watcher=$!
echo "soak: start $(state)"
n=0
while [ $n -lt "$CYCLES" ]; do
    n=$((n + 1))
    t0=$(now_ms)
    if [ $((n % LINUX_EVERY)) = 0 ]; then
        # linux_pv_domu with its vif and disk, served by DomD, up to its ready line.
        kind=linux_pv_domu
        xu create linux_pv_domu >/tmp/soak.out 2>&1 || { echo "soak: cycle $n create failed"; cat /tmp/soak.out; break; }
        i=0
        until grep -q "ready in" /var/log/xen/console/guest-linux_pv_domu.log 2>/dev/null; do
            i=$((i + 1)); [ $i -lt 600 ] || { echo "soak: cycle $n linux_pv_domu never ready"; break 2; }
            sleep 0.1
        done
        xu destroy linux_pv_domu >/tmp/soak.out 2>&1 || { echo "soak: cycle $n destroy failed"; cat /tmp/soak.out; break; }
    elif [ $((n % 10)) = 5 ]; then
        # Paused at birth, run, paused, run, destroyed.
        kind=pause
        xu create jitter -p >/tmp/soak.out 2>&1 && xu unpause jitter && xu pause jitter &&
            xu unpause jitter && xu destroy jitter >>/tmp/soak.out 2>&1 ||
            { echo "soak: cycle $n pause cycle failed"; cat /tmp/soak.out; break; }
    else
        set -- $SMALL
        shift $((n % 3))
        kind=${1:-rpi_5_domu}
        xu create "$kind" >/tmp/soak.out 2>&1 && xu destroy "$kind" >>/tmp/soak.out 2>&1 ||
            { echo "soak: cycle $n $kind failed"; cat /tmp/soak.out; break; }
    fi
    echo $n > $PROGRESS
    echo "soak: cycle $n $kind $(($(now_ms) - t0)) ms"
    if [ $((n % CHECK)) = 0 ]; then
        sleep 1 # Xen frees a destroyed domain's memory a moment after it has gone
        echo "soak: check $n $(state)"
    fi
done
kill $watcher
echo "soak: done $n"
