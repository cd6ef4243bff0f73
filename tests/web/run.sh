#!/usr/bin/env bash
# The web suite (./test.sh runs it): the import page with <rowgate-importer> and the My Partners
# page, end to end in Debian's Chromium driven by playwright-core (tests/web/e2e.mjs).
#   installs Chromium (apt) and playwright-core (npm ci) when missing;
#   builds the native server and the wasm preset unless they are there and newer than their sources;
#   starts `rowgate serve` on a free port with a fresh SQLite database and data folder, makes a
#   tenant, generates the import files, runs the tests, stops the server. (One test starts and
#   restarts a server of its own.)
# Screenshots of each step go to build/web-screenshots/. The last line is "N passed, N failed".
# `tests/web/run.sh PATTERN` runs only the tests whose names match PATTERN (a regular expression;
# the tests build on each other, so this is for working on one that stands alone).
set -uo pipefail
cd "$(dirname "$0")/../.."
root="$(pwd)"
source tools/deps.sh

passed=0
failed=0
finish() {
  echo "$passed passed, $failed failed"
  [ "$failed" -eq 0 ]
  exit
}
setup_failed() {
  echo "not ok - $1"
  failed=$((failed + 1))
  finish
}

scratch="$(mktemp -d)"
server_pid=""
cleanup() {
  [ -n "$server_pid" ] && kill "$server_pid" 2>/dev/null && wait "$server_pid" 2>/dev/null
  rm -rf "$scratch"
}
trap cleanup EXIT

rowgate_install_missing "${ROWGATE_BUILD_PACKAGES[@]}" "${ROWGATE_WASM_PACKAGES[@]}" "${ROWGATE_WEB_PACKAGES[@]}" ||
  setup_failed "install the packages of tools/deps.sh"
if [ ! -d tests/web/node_modules/playwright-core ]; then
  (cd tests/web && npm ci --no-audit --no-fund) || setup_failed "npm ci in tests/web"
fi

# ---- Builds -----------------------------------------------------------------------------------
jobs="$(nproc)"
[ "$jobs" -gt 2 ] && jobs=2
native=build/native/server/rowgate
if ! { cmake --preset native >/dev/null && cmake --build build/native --target rowgate -j"$jobs" >/dev/null; }; then
  # Others may be half-way through an edit of the server: a binary built before still serves.
  [ -x "$native" ] || setup_failed "build: $native"
  echo "warning: building $native failed; testing with the binary built before" >&2
fi
{ cmake --preset wasm >/dev/null && cmake --build --preset wasm -j"$jobs" >/dev/null; } ||
  setup_failed "build: cmake --preset wasm"

# ---- Server -----------------------------------------------------------------------------------
port="$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
db="sqlite:$scratch/rowgate.db"
key="$("$native" admin create-tenant "Web tests" --groups-from examples/prospects_context.json --db "$db" | tail -n 1)" ||
  setup_failed "rowgate admin create-tenant"
"$native" serve --db "$db" --data "$scratch/data" --web web --wasm build/wasm --port "$port" >"$scratch/server.log" 2>&1 &
server_pid=$!
for _ in $(seq 1 100); do
  curl -sf "http://127.0.0.1:$port/healthz" >/dev/null 2>&1 && break
  sleep 0.1
done
curl -sf "http://127.0.0.1:$port/healthz" >/dev/null || { cat "$scratch/server.log"; setup_failed "rowgate serve did not start"; }

# ---- Files ------------------------------------------------------------------------------------
mkdir -p "$scratch/files"
python3 ../shared/data/gen_import_files.py 3000 7 "$scratch/files/prospects_3000.csv" --kind csv >/dev/null ||
  setup_failed "generate prospects_3000.csv"
python3 ../shared/data/gen_import_files.py 10000 23 "$scratch/files/prospects_10000.csv" --kind csv >/dev/null ||
  setup_failed "generate prospects_10000.csv"
# A workbook of prospects: a sheet "Prospects" and a sheet "Notes" (other records than the CSV's).
python3 ../shared/data/gen_import_files.py 300 13 "$scratch/files/prospects_300.xlsx" --kind xlsx >/dev/null ||
  setup_failed "generate prospects_300.xlsx"
# Big enough that the server takes a few seconds to store it (the restart test kills it meanwhile).
python3 ../shared/data/gen_import_files.py 200000 11 "$scratch/files/prospects_200000.csv" --kind csv >/dev/null ||
  setup_failed "generate prospects_200000.csv"

# ---- Tests ------------------------------------------------------------------------------------
mkdir -p build/web-screenshots
log="$scratch/e2e.tap"
ROWGATE_URL="http://127.0.0.1:$port" ROWGATE_KEY="$key" ROWGATE_BIN="$root/$native" ROWGATE_WASM="$root/build/wasm" \
  ROWGATE_FILES="$scratch/files" \
  ROWGATE_SCREENSHOTS="$root/build/web-screenshots" ROWGATE_PROFILE="$scratch/profile" \
  node --test --test-reporter=tap --test-concurrency=1 ${1:+--test-name-pattern="$1"} tests/web/e2e.mjs >"$log" 2>&1
status=$?
grep -E '^ *(not )?ok [0-9]+ - ' "$log" | sed -E 's/^ +//'
p=$(sed -n 's/^# pass \([0-9]*\)$/\1/p' "$log" | tail -n 1)
f=$(sed -n 's/^# fail \([0-9]*\)$/\1/p' "$log" | tail -n 1)
if [ -z "$p" ] || [ -z "$f" ]; then
  cat "$log"
  setup_failed "tests/web/e2e.mjs: no test count (exit status $status)"
fi
if [ "$f" -gt 0 ]; then
  grep -E -A40 '^ *not ok' "$log" | head -n 200
  tail -n 30 "$scratch/server.log"
fi
passed=$((passed + p))
failed=$((failed + f))
finish
