#!/usr/bin/env bash
# Installs what is missing, builds, and runs every test. The last line is "N passed, N failed".
#   native: GoogleTest suites and shared vectors (ctest), the 500,000-row truth checks
#   debug:  the same GoogleTest suites under AddressSanitizer and UndefinedBehaviorSanitizer
set -uo pipefail
cd "$(dirname "$0")"
source tools/deps.sh
rowgate_install_missing "${ROWGATE_BUILD_PACKAGES[@]}" || { echo "0 passed, 1 failed"; exit 1; }

jobs="$(nproc)"
passed=0
failed=0

# Runs ctest in a build folder and adds its counts to the totals.
run_ctest() {
  local dir="$1"; shift
  local log
  log="$(mktemp)"
  ctest --test-dir "$dir" --output-on-failure -j"$jobs" "$@" 2>&1 | tee "$log"
  local line total bad
  line="$(grep -E 'tests passed, [0-9]+ tests? failed out of [0-9]+' "$log" | tail -n 1)"
  if [ -z "$line" ]; then
    echo "ctest in $dir ran no test" >&2
    failed=$((failed + 1))
  else
    total="$(sed -E 's/.*out of ([0-9]+).*/\1/' <<<"$line")"
    bad="$(sed -E 's/.*passed, ([0-9]+) tests? failed.*/\1/' <<<"$line")"
    passed=$((passed + total - bad))
    failed=$((failed + bad))
  fi
  rm -f "$log"
}

build() {
  local preset="$1"
  if ! { cmake --preset "$preset" >/dev/null && cmake --build --preset "$preset" -j"$jobs"; }; then
    echo "build $preset failed" >&2
    failed=$((failed + 1))
    return 1
  fi
}

if build native; then
  run_ctest build/native
fi
if build debug; then
  run_ctest build/debug -L unit
fi

# Runs a suite script whose last line is "N passed, N failed" and adds its counts.
run_suite() {
  local log last
  log="$(mktemp)"
  "$@" 2>&1 | tee "$log"
  last="$(grep -E '^[0-9]+ passed, [0-9]+ failed' "$log" | tail -n 1)"
  if [ -z "$last" ]; then
    echo "$1 printed no count" >&2
    failed=$((failed + 1))
  else
    passed=$((passed + $(sed -E 's/^([0-9]+) passed.*/\1/' <<<"$last")))
    failed=$((failed + $(sed -E 's/.*passed, ([0-9]+) failed.*/\1/' <<<"$last")))
  fi
  rm -f "$log"
}

# WebAssembly: the .wasm build, native/WASM parity over the shared vectors and generated files.
if [ -x tests/wasm/run.sh ]; then
  run_suite tests/wasm/run.sh
fi

# Web: the import widget and My Partners end to end in Chromium (playwright-core).
if [ -x tests/web/run.sh ]; then
  run_suite tests/web/run.sh
fi

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
