#!/usr/bin/env bash
# Isolate benchmarks side by side with Erlang/OTP, measured in one run:
# ping-pong round trip, spawn + exit, and memory per idle isolate (growth of
# the process's resident memory with 100,000 idle isolates alive and parked,
# read at the same point by both programs).
# Each timing is measured inside the program (start-up excluded) and the
# median of RUNS runs is reported.
#   bash bench-scripts/peers/compare_isolates.sh [RUNS]
set -euo pipefail
cd "$(dirname "$0")/../.."
runs=${1:-5}
command -v escript >/dev/null || { echo "needs escript: apt-get install erlang-base" >&2; exit 2; }
cargo build --release -q -p vm
vm=${CARGO_TARGET_DIR:-target}/release/vm

median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
# Runs a command RUNS times and prints the median of the value of the line
# "metric $2 VALUE" that the program prints (see bench-scripts/README.md).
measure() {
    local cmd=$1 label=$2
    for _ in $(seq "$runs"); do $cmd | awk -v m="$label" '$1 == "metric" && $2 == m {print $3}'; done | median
}

echo "# isolate benchmarks, median of $runs runs, $(nproc) cores"
printf '%-28s %12s %12s %8s\n' benchmark vm beam vm/beam
row() {
    local name=$1 a=$2 b=$3
    printf '%-28s %12s %12s %8.2f\n' "$name" "$a" "$b" "$(awk "BEGIN {print $a / $b}")"
}
pp_vm=$(measure "$vm run bench-scripts/ping_pong.iv 200000" ns_per_round_trip)
pp_erl=$(measure "escript bench-scripts/peers/ping_pong.erl 200000" ns_per_round_trip)
row "ping-pong round trip (ns)" "$pp_vm" "$pp_erl"
se_vm=$(measure "$vm run bench-scripts/spawn_exit.iv 100000" ns_per_spawn_and_exit)
se_erl=$(measure "escript bench-scripts/peers/spawn_exit.erl 100000" ns_per_spawn_and_exit)
row "spawn + exit (ns)" "$se_vm" "$se_erl"

n=100000
vm_rss() { $vm run bench-scripts/idle_isolates.iv "$1" | awk '/^metric rss_bytes/ {print $3}'; }
erl_rss() { escript bench-scripts/peers/idle_processes.erl "$1" | awk '/^metric rss_bytes/ {print $3}'; }
per_isolate() { awk "BEGIN {printf \"%d\", ($1 - $2) / $n}"; }
vm_idle=$(per_isolate "$(vm_rss $n)" "$(vm_rss 0)")
erl_idle=$(per_isolate "$(erl_rss $n)" "$(erl_rss 0)")
row "bytes per idle isolate" "$vm_idle" "$erl_idle"
echo "100,000 isolates alive at once: $($vm run bench-scripts/idle_isolates.iv $n | head -1)"
