#!/usr/bin/env bash
# Native benchmarks: single-thread dry-run speed (Google Benchmark) and peak memory of
# `rowgate check` on generated files. Usage: bench/run_native.sh [--with-5m]
# Data go to build/bench/data (generated once, seeded); figures are printed, and kept by hand
# in bench/results/native.md together with this command.
set -euo pipefail
cd "$(dirname "$0")/.."
source tools/deps.sh
rowgate_install_missing "${ROWGATE_BUILD_PACKAGES[@]}" time

shared="${ROWGATE_SHARED_DIR:-../shared}"
data=build/bench/data
mkdir -p "$data"
gen() {  # rows kind file
  [ -f "$3" ] || python3 "$shared/data/gen_import_files.py" "$1" 42 "$3" --kind "$2"
}
gen 500000 csv "$data/prospects_500k.csv"
gen 500000 jsonl "$data/participants_500k.jsonl"
if [ "${1:-}" = "--with-5m" ]; then gen 5000000 csv "$data/prospects_5m.csv"; fi

cmake --preset bench >/dev/null
cmake --build --preset bench -j"$(nproc)" >/dev/null
cmake --preset native >/dev/null
cmake --build build/native --target rowgate -j"$(nproc)" >/dev/null

echo "== speed (one thread, file in memory, 1 MiB chunks; Google Benchmark's M is 2^20)"
ROWGATE_BENCH_PROSPECTS="$data/prospects_500k.csv" ROWGATE_BENCH_PARTICIPANTS="$data/participants_500k.jsonl" \
ROWGATE_BENCH_CONTEXT=examples/prospects_context.json \
  build/bench/bench/rowgate_bench --benchmark_repetitions=5 --benchmark_min_time=1 --benchmark_report_aggregates_only=true

echo "== peak memory of rowgate check (maximum resident set size)"
for f in "$data/prospects_500k.csv" ${1:+"$data/prospects_5m.csv"}; do
  [ -f "$f" ] || continue
  /usr/bin/time -v build/native/server/rowgate check "$f" --template prospects --context examples/prospects_context.json \
    >/dev/null 2>"$data/time.log" || true
  echo "$(basename "$f"): $(grep -E 'Maximum resident' "$data/time.log" | awk '{print $NF}') KiB, $(grep -E 'Elapsed' "$data/time.log" | awk '{print $NF}') wall"
done
