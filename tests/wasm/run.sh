#!/usr/bin/env bash
# The WebAssembly suite (./test.sh runs it): builds the wasm preset, then proves that the same
# bytes give the same results natively and in WebAssembly.
#   size      rowgate.wasm + rowgate.js gzipped within the budget
#   parity    every shared vector through the .wasm, whole and in chunks, and through both builds
#             for the human summary, --errors and a CSV --results (tests/wasm/parity.mjs)
#   dry run   the worker and its API, over the vectors and more (tests/wasm/dry_run.mjs)
#   500k      generated 500,000-row files through both builds: stdout, errors and results files
#             compared byte for byte
# The last line is "N passed, N failed"; the exit status is non-zero when something failed.
set -uo pipefail
cd "$(dirname "$0")/../.."
root="$(pwd)"
source tools/deps.sh
source tools/data.sh

SIZE_BUDGET=$((300 * 1024))  # bytes, gzipped
ROWS=500000

passed=0
failed=0
pass() { echo "ok - $1"; passed=$((passed + 1)); }
fail() { echo "not ok - $1"; failed=$((failed + 1)); }
finish() {
  echo "$passed passed, $failed failed"
  [ "$failed" -eq 0 ]
  exit
}

scratch="$(mktemp -d)"
trap 'rm -rf "$scratch"' EXIT

if ! rowgate_install_missing "${ROWGATE_BUILD_PACKAGES[@]}" "${ROWGATE_WASM_PACKAGES[@]}"; then
  fail "install the packages of tools/deps.sh"
  finish
fi

# ---- Build ------------------------------------------------------------------------------------
if cmake --preset wasm >/dev/null && cmake --build --preset wasm -j"$(nproc)"; then
  pass "build: cmake --preset wasm"
else
  fail "build: cmake --preset wasm"
  finish
fi
export ROWGATE_WASM_DIR="$root/build/wasm"

# ---- Size -------------------------------------------------------------------------------------
wasm_gz=$(gzip -9c build/wasm/rowgate.wasm | wc -c)
js_gz=$(gzip -9c build/wasm/rowgate.js | wc -c)
size_line="rowgate.wasm $wasm_gz + rowgate.js $js_gz = $((wasm_gz + js_gz)) bytes gzipped (budget $SIZE_BUDGET)"
if [ $((wasm_gz + js_gz)) -le "$SIZE_BUDGET" ]; then pass "size: $size_line"; else fail "size: $size_line"; fi

# ---- The native binary, to compare with ---------------------------------------------------------
native=build/native/server/rowgate
if [ ! -x "$native" ]; then
  echo "building $native"
  if ! { cmake --preset native >/dev/null && cmake --build build/native --target rowgate -j"$(nproc)"; }; then
    fail "build: $native (the comparisons with it are skipped)"
  fi
fi
if [ -x "$native" ]; then
  export ROWGATE_NATIVE="$root/$native"
  if [ -n "$(find core -newer "$native" -type f -print -quit)" ]; then
    echo "warning: $native is older than core/; rebuild it (cmake --build --preset native) if the builds differ"
  fi
fi

# ---- Node tests -------------------------------------------------------------------------------
# Runs a node:test file and adds its counts; a run that prints none counts as one failure.
run_node_tests() {
  local file="$1" log="$scratch/$(basename "$1").tap"
  node --test-reporter=tap "$file" >"$log" 2>&1
  local status=$? p f
  p=$(sed -n 's/^# pass \([0-9]*\)$/\1/p' "$log" | tail -n 1)
  f=$(sed -n 's/^# fail \([0-9]*\)$/\1/p' "$log" | tail -n 1)
  if [ -z "$p" ] || [ -z "$f" ]; then
    cat "$log"
    fail "$file: no test count (exit status $status)"
    return
  fi
  if [ "$f" -gt 0 ] || [ "$status" -ne 0 ]; then
    grep -E -A30 '^ *not ok' "$log" | head -n 120
  fi
  echo "$file: $p passed, $f failed"
  passed=$((passed + p))
  failed=$((failed + f))
  if [ "$f" -eq 0 ] && [ "$status" -ne 0 ]; then fail "$file: exit status $status"; fi
}
run_node_tests tests/wasm/parity.mjs
run_node_tests tests/wasm/dry_run.mjs

# ---- 500,000 rows through both builds ---------------------------------------------------------
# Runs `rowgate check FILE ARGS --json --errors E --results R` natively and through the .wasm,
# and compares the exit status, stdout and both files.
compare_builds() {
  local label="$1" file="$2"
  shift 2
  local n="$scratch/native" w="$scratch/wasm" ns ws start
  mkdir -p "$n" "$w"
  start=$SECONDS
  "$native" check "$file" "$@" --json --errors "$n/errors.csv" --results "$n/results.jsonl" >"$n/stdout" 2>"$n/stderr"
  ns=$?
  local native_s=$((SECONDS - start))
  start=$SECONDS
  node wasm/cli.mjs check "$file" "$@" --json --errors "$w/errors.csv" --results "$w/results.jsonl" >"$w/stdout" 2>"$w/stderr"
  ws=$?
  local wasm_s=$((SECONDS - start))
  local what=""
  [ "$ns" -eq "$ws" ] || what+=" exit status $ns vs $ws;"
  for out in stdout errors.csv results.jsonl; do
    cmp -s "$n/$out" "$w/$out" || what+=" $out differs ($(cmp "$n/$out" "$w/$out" 2>&1 | head -n 1));"
  done
  local sizes="stdout $(wc -c <"$n/stdout") B, results $(wc -c <"$n/results.jsonl") B; native ${native_s}s, wasm ${wasm_s}s"
  if [ -z "$what" ]; then
    pass "$label: native and wasm agree ($sizes)"
  else
    cat "$w/stderr"
    fail "$label:$what"
  fi
  rm -rf "$n" "$w"
}

# The generated files are the truth tests' (tools/data.sh), made here only if they are missing.
if [ -x "$native" ]; then
  csv=build/native/data/prospects_$ROWS.csv
  jsonl=build/native/data/participants_$ROWS.jsonl
  rowgate_data "$ROWS" 42 "$csv" >&2 || fail "generate $csv"
  rowgate_data "$ROWS" 42 "$jsonl" >&2 || fail "generate $jsonl"
  [ -f "$csv" ] && compare_builds "prospects $ROWS" "$csv" --template prospects --context examples/prospects_context.json
  [ -f "$jsonl" ] && compare_builds "participants $ROWS" "$jsonl" --template participants
  # The CSV's records as an Excel workbook (shared strings after the sheet, as Excel writes them).
  xlsx=build/native/data/prospects_$ROWS.xlsx
  rowgate_data "$ROWS" 42 "$xlsx" >&2 || fail "generate $xlsx"
  [ -f "$xlsx" ] && compare_builds "prospects workbook $ROWS" "$xlsx" --template prospects --context examples/prospects_context.json
fi

finish
