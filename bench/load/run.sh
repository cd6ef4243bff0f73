#!/usr/bin/env bash
# The load run (not part of ./test.sh; takes a few minutes): wrk with 100 connections for 30 s on
# the partners, context and status routes while a 500,000-row import commits (and the same
# import with nothing else running, for comparison), then 8 tenants committing a 100,000-row
# import each at once, every count checked against `rowgate check` and the SQLite store.
# Usage: bench/load/run.sh [load.py options: --connections N --duration S --no-baseline --keep DIR ...]
# Results: bench/results/load.md. Only loopback. Data is generated under build/ (never committed).
set -euo pipefail
cd "$(dirname "$0")/../.."
source tools/deps.sh
source tools/data.sh
rowgate_install_missing "${ROWGATE_BUILD_PACKAGES[@]}" "${ROWGATE_LOAD_PACKAGES[@]}"
cmake --preset native >/dev/null
cmake --build build/native --target rowgate -j2 >/dev/null
data=build/native/data
rowgate_data 500000 42 "$data/prospects_500000.csv"
rowgate_data 20000 7 "$data/load/prospects_20000_s7.csv"
tenants=()
for seed in 101 102 103 104 105 106 107 108; do
  rowgate_data 100000 "$seed" "$data/load/prospects_100000_s$seed.csv"
  tenants+=(--tenant-file "$data/load/prospects_100000_s$seed.csv")
done
exec python3 bench/load/load.py --rowgate build/native/server/rowgate --context examples/prospects_context.json \
  --lua bench/load/auth.lua --file "$data/prospects_500000.csv" --seed-file "$data/load/prospects_20000_s7.csv" \
  "${tenants[@]}" --connections 100 --threads 2 --duration 30 --wrk-timeout 60s "$@"
