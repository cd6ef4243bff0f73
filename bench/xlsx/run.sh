#!/usr/bin/env bash
# The workbook benchmark: the 500,000-row prospects workbook (seed 42, 43.7 MB) read by SheetJS
# as a web page would (bench/xlsx/sheetjs_read.mjs) and checked by `rowgate check`, native and
# WebAssembly in Node, interleaved over ROUNDS rounds (bench/xlsx/measure.py); the size of the
# WebAssembly build; then the workbook against the CSV of the same seed, record by record
# (bench/xlsx/same_outcomes.py). Figures are printed, and kept by hand in bench/results/xlsx.md
# with this command. One heavy run at a time: the three tools never overlap.
#   bench/xlsx/run.sh [ROUNDS]   (default 3)
# Builds are used as they are (build/native, build/wasm) and made only when missing; a warning
# says when core/ is newer than either build. Data is generated under build/ (never
# committed) and reused.
set -euo pipefail
cd "$(dirname "$0")/../.."
source tools/deps.sh
source tools/data.sh
rounds="${1:-3}"
rowgate_install_missing time nodejs python3
[ -d bench/xlsx/node_modules/xlsx ] || (cd bench/xlsx && npm ci --no-audit --no-fund)

native=build/native/server/rowgate
if [ ! -x "$native" ]; then
  rowgate_install_missing "${ROWGATE_BUILD_PACKAGES[@]}"
  cmake --preset native >/dev/null && cmake --build build/native --target rowgate -j2 >/dev/null
fi
if [ ! -f build/wasm/rowgate.wasm ]; then
  rowgate_install_missing "${ROWGATE_BUILD_PACKAGES[@]}" "${ROWGATE_WASM_PACKAGES[@]}"
  cmake --preset wasm >/dev/null && cmake --build --preset wasm -j2 >/dev/null
fi
export ROWGATE_WASM_DIR="$PWD/build/wasm"
for built in "$native" build/wasm/rowgate.wasm; do
  if [ -n "$(find core -newer "$built" -type f -print -quit)" ]; then
    echo "warning: $built is older than core/; rebuild it if the reader has changed since" >&2
  fi
done

data=build/native/data
xlsx="$data/prospects_500000.xlsx"
csv="$data/prospects_500000.csv"
rowgate_data 500000 42 "$xlsx"
rowgate_data 500000 42 "$csv"
check_args=(--template prospects --context examples/prospects_context.json --json)

echo "$(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), node $(node --version), load average $(cut -d' ' -f1-3 /proc/loadavg)"
echo "file: $xlsx ($(wc -c <"$xlsx") bytes), $rounds rounds"
echo
python3 bench/xlsx/measure.py --file "$xlsx" --rowgate "$native" --rounds "$rounds" -- "${check_args[@]}"
echo "load average at the end $(cut -d' ' -f1-3 /proc/loadavg)"

echo
echo "== size of the WebAssembly build (gzip -9; budget 300 KB = 307200 bytes for both)"
wasm_gz=$(gzip -9 -c build/wasm/rowgate.wasm | wc -c)
js_gz=$(gzip -9 -c build/wasm/rowgate.js | wc -c)
echo "rowgate.wasm $(wc -c <build/wasm/rowgate.wasm) bytes, $wasm_gz gzipped; rowgate.js $(wc -c <build/wasm/rowgate.js) bytes, $js_gz gzipped; total $((wasm_gz + js_gz)) bytes gzipped"

echo
echo "== the workbook against the CSV of the same seed (native check, --results and --errors)"
scratch="$(mktemp -d)"
trap 'rm -rf "$scratch"' EXIT
for kind in csv xlsx; do
  file="$xlsx"
  [ "$kind" = csv ] && file="$csv"
  status=0
  "$native" check "$file" "${check_args[@]}" --results "$scratch/$kind.results.csv" --errors "$scratch/$kind.errors.csv" \
    >"$scratch/$kind.json" 2>"$scratch/$kind.stderr" || status=$?
  echo "$kind: exit status $status"
done
python3 bench/xlsx/same_outcomes.py --records 500000 \
  --csv-results "$scratch/csv.results.csv" --csv-errors "$scratch/csv.errors.csv" \
  --xlsx-results "$scratch/xlsx.results.csv" --xlsx-errors "$scratch/xlsx.errors.csv" \
  --csv-truth "$csv.truth.csv" --xlsx-truth "$xlsx.truth.csv"
