#!/usr/bin/env bash
# Native benchmarks: single-thread dry-run speed (Google Benchmark) and peak memory of
# `rowgate check` on generated files. Usage: bench/run_native.sh [--with-5m]
# The generated files are the truth tests' (build/native/data, seed 42, made once); figures are
# printed, and kept by hand in bench/results/native.md together with this command.
set -euo pipefail
cd "$(dirname "$0")/.."
source tools/deps.sh
source tools/data.sh
rowgate_install_missing "${ROWGATE_BUILD_PACKAGES[@]}" time

data=build/native/data
rowgate_data 500000 42 "$data/prospects_500000.csv"
rowgate_data 500000 42 "$data/participants_500000.jsonl"
if [ "${1:-}" = "--with-5m" ]; then rowgate_data 5000000 42 "$data/prospects_5000000.csv"; fi

cmake --preset bench >/dev/null
cmake --build --preset bench -j"$(nproc)" >/dev/null
cmake --preset native >/dev/null
cmake --build build/native --target rowgate -j"$(nproc)" >/dev/null

echo "== speed (one thread, file in memory, 1 MiB chunks; Google Benchmark's M is 2^20)"
ROWGATE_BENCH_PROSPECTS="$data/prospects_500000.csv" ROWGATE_BENCH_PARTICIPANTS="$data/participants_500000.jsonl" \
ROWGATE_BENCH_CONTEXT=examples/prospects_context.json \
  build/bench/bench/rowgate_bench --benchmark_repetitions=5 --benchmark_min_time=1 --benchmark_report_aggregates_only=true

echo "== peak memory of rowgate check (maximum resident set size)"
for f in "$data/prospects_500000.csv" ${1:+"$data/prospects_5000000.csv"}; do
  [ -f "$f" ] || continue
  /usr/bin/time -v build/native/server/rowgate check "$f" --template prospects --context examples/prospects_context.json \
    >/dev/null 2>"$data/time.log" || true
  echo "$(basename "$f"): $(grep -E 'Maximum resident' "$data/time.log" | awk '{print $NF}') KiB, $(grep -E 'Elapsed' "$data/time.log" | awk '{print $NF}') wall"
done
