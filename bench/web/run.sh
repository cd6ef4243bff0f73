#!/usr/bin/env bash
# The widget benchmark: <rowgate-importer> in headless Chromium on the 500,000-row prospects
# file, from the file's selection to the final counts (bench/web/run.mjs). Figures go to
# bench/results/web.md by hand, with this command.
#   bench/web/run.sh [RUNS]
#   bench/web/run.sh [EDITS] edit   fix in place: from a correction in the findings table to the
#                                   counts checked again, on 10,000 and 500,000 rows (bench/web/edit.mjs)
set -euo pipefail
cd "$(dirname "$0")/../.."
source tools/deps.sh
source tools/data.sh
rowgate_install_missing "${ROWGATE_BUILD_PACKAGES[@]}" "${ROWGATE_WASM_PACKAGES[@]}" "${ROWGATE_WEB_PACKAGES[@]}"
[ -d tests/web/node_modules/playwright-core ] || (cd tests/web && npm ci --no-audit --no-fund)

native=build/native/server/rowgate
cmake --preset native >/dev/null && cmake --build build/native --target rowgate -j2 >/dev/null ||
  [ -x "$native" ] || { echo "no $native" >&2; exit 1; }
cmake --preset wasm >/dev/null && cmake --build --preset wasm -j2 >/dev/null

file=build/native/data/prospects_500000.csv
rowgate_data 500000 42 "$file"

scratch="$(mktemp -d)"
server_pid=""
trap '[ -n "$server_pid" ] && kill "$server_pid" 2>/dev/null; rm -rf "$scratch"' EXIT
port="$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
db="sqlite:$scratch/rowgate.db"
key="$("$native" admin create-tenant "Bench" --groups-from examples/prospects_context.json --db "$db" | tail -n 1)"
"$native" serve --db "$db" --data "$scratch/data" --web web --wasm build/wasm --port "$port" >"$scratch/server.log" 2>&1 &
server_pid=$!
for _ in $(seq 1 100); do curl -sf "http://127.0.0.1:$port/healthz" >/dev/null 2>&1 && break; sleep 0.1; done

echo "$(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), $(chromium --version 2>/dev/null)"
if [ "${2:-}" = edit ]; then
  small=build/native/data/prospects_10000.csv
  rowgate_data 10000 42 "$small"
  for f in "$small" "$file"; do
    echo "file: $f ($(wc -c <"$f") bytes)"
    node bench/web/edit.mjs "http://127.0.0.1:$port" "$key" "$f" "${1:-5}"
  done
  exit
fi
echo "file: $file ($(wc -c <"$file") bytes)"
node bench/web/run.mjs "http://127.0.0.1:$port" "$key" "$file" "${1:-3}"
