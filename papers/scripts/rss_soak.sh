#!/usr/bin/env bash
# RSS over time of a long run of bench-scripts/dead_isolates.iv, sampled
# every 0.5 s from /proc/PID/status, for each policy and mode; then an SVG
# figure of the curves (papers/scripts/rss_figure.py).
#
# Usage: papers/scripts/rss_soak.sh OUT_DIR [SECONDS] [VM]
#   OUT_DIR  where rss.csv and rss.svg go
#   SECONDS  how long each run lasts (default 60): the run is stopped then
#   VM       the vm binary (default target/release/vm)
# With VM_BEFORE=PATH, one more run, "before", of another binary (an older
# build) under the local policy, published mode.
# A run whose RSS passes 4 GiB is stopped there.
# Columns of rss.csv: config, seconds since start, RSS in KiB.
set -euo pipefail
out=${1:?usage: rss_soak.sh OUT_DIR [SECONDS] [VM]}
secs=${2:-60}
vm=${3:-target/release/vm}
script=bench-scripts/dead_isolates.iv
mkdir -p "$out"
csv="$out/rss.csv"
echo "config,seconds,rss_kib" > "$csv"

# config name | vm run options | program arguments (SIZE ISOLATES MODE KEEP)
configs=(
  "local, published|--gc local|100000000 2 published 0"
  "global-only, published|--gc global-only|100000000 2 published 0"
  "local, private|--gc local|100000000 2 private 0"
  "global-only, private|--gc global-only|100000000 2 private 0"
  "local, no freeze|--gc local|100000000 2 none 0"
  "local, published, 1/64 kept|--gc local|100000000 2 published 64"
  "global-only, published, 1/64 kept|--gc global-only|100000000 2 published 64"
)
if [ -n "${VM_BEFORE:-}" ]; then
  configs+=("before: local, published|--gc local|100000000 2 published 0|$VM_BEFORE")
fi
for entry in "${configs[@]}"; do
  IFS='|' read -r name opts args binary <<< "$entry"
  # shellcheck disable=SC2086
  "${binary:-$vm}" run $opts "$script" $args > /dev/null &
  pid=$!
  start=${EPOCHREALTIME/./}
  while kill -0 "$pid" 2> /dev/null; do
    elapsed_us=$(( ${EPOCHREALTIME/./} - start ))
    if (( elapsed_us > secs * 1000000 )); then
      kill "$pid"
      break
    fi
    elapsed=$(awk "BEGIN { printf \"%.2f\", $elapsed_us / 1e6 }")
    rss=$(awk '/^VmRSS:/ {print $2}' "/proc/$pid/status" 2> /dev/null || true)
    [ -n "$rss" ] && echo "\"$name\",$elapsed,$rss" >> "$csv"
    if [ -n "$rss" ] && (( rss > 4 * 1024 * 1024 )); then
      kill "$pid"
      break
    fi
    sleep 0.5
  done
  wait "$pid" 2> /dev/null || true
  echo "$name: done" >&2
done
python3 "$(dirname "$0")/rss_figure.py" "$csv" "$out/rss.svg"
