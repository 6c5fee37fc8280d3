#!/usr/bin/env bash
# Runs every built fuzz harness of a fuzz build for a fixed number of
# executions, one after the other, and prints one table row per harness:
#   fuzz/run_all.sh [BUILD_DIR [RUNS [HARNESS ...]]]
# BUILD_DIR defaults to build/fuzz (preset fuzz), RUNS to 1000000; with
# MAX_SECONDS set, a harness also stops after that many seconds. The
# options are those of the ctest fuzz.<harness> tests (seeds, kept
# regressions, the build's corpus, -max_len 4096, -timeout 10 s); findings go
# to BUILD_DIR/fuzz/findings/<harness>/ and the run exits 1 on the first one.
set -euo pipefail
src=$(cd "$(dirname "$0")/.." && pwd)
build=$(cd "${1:-$src/build/fuzz}" && pwd)
runs=${2:-1000000}
shift $(( $# > 2 ? 2 : $# ))
harnesses=("$@")
if [ ${#harnesses[@]} -eq 0 ]; then
  for b in "$build"/bin/fuzz_*; do
    n=$(basename "$b"); n=${n#fuzz_}
    case "$n" in regress_*) continue ;; esac
    harnesses+=("$n")
  done
fi
printf '%-16s %12s %10s %10s %8s %8s\n' harness executions seconds exec/s cov rss_MB
for h in "${harnesses[@]}"; do
  d=$build/fuzz
  mkdir -p "$d/corpus/$h" "$d/findings/$h"
  dirs=("$d/corpus/$h" "$d/seeds/$h")
  [ -d "$src/fuzz/regressions/$h" ] && dirs+=("$src/fuzz/regressions/$h")
  log=$d/findings/$h/run.log
  start=$(date +%s.%N)
  limit=()
  [ -n "${MAX_SECONDS:-}" ] && limit=(-max_total_time="$MAX_SECONDS")
  if ! (cd "$d/findings/$h" && "$build/bin/fuzz_$h" -runs="$runs" "${limit[@]}" -max_len=4096 -timeout=10 -rss_limit_mb=2048 \
        -print_final_stats=1 -artifact_prefix="$d/findings/$h/" "${dirs[@]}") >"$log" 2>&1; then
    echo "fuzz_$h: finding, see $log" >&2
    exit 1
  fi
  end=$(date +%s.%N)
  execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log")
  rss=$(sed -n 's/^stat::peak_rss_mb: *//p' "$log")
  cov=$(grep -o 'cov: [0-9]*' "$log" | tail -1 | cut -d' ' -f2)
  awk -v h="$h" -v n="$execs" -v s="$start" -v e="$end" -v c="$cov" -v r="$rss" \
    'BEGIN { printf "%-16s %12d %10.1f %10.0f %8s %8s\n", h, n, e - s, n / (e - s), c, r }'
done
