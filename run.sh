#!/usr/bin/env bash
# Installs what is missing, builds, and runs the main job: the Rowgate server with its web pages
# on a local SQLite file (build/run/rowgate.db), on 127.0.0.1. Prints the URL and the demo
# tenant's API key. Stop it with Ctrl-C (SIGINT) or SIGTERM: it checkpoints a running import.
set -euo pipefail
cd "$(dirname "$0")"
source tools/deps.sh
rowgate_install_missing "${ROWGATE_BUILD_PACKAGES[@]}" "${ROWGATE_WASM_PACKAGES[@]}"

cmake --preset native >/dev/null
cmake --build build/native --target rowgate -j"$(nproc)" >/dev/null
rowgate=build/native/server/rowgate
# The WebAssembly build: the pages' dry run runs it in the browser (served under /wasm/).
cmake --preset wasm >/dev/null
cmake --build --preset wasm -j"$(nproc)" >/dev/null

run=build/run
mkdir -p "$run"
db="sqlite:$run/rowgate.db"
key_file="$run/demo-api-key"   # the key is stored hashed in the database; this copy is for you
if [ ! -f "$run/rowgate.db" ]; then
  (umask 077; "$rowgate" admin create-tenant "Demo program" --groups-from examples/prospects_context.json \
     --db "$db" > "$key_file")
fi
echo "Demo tenant API key: $(cat "$key_file" 2>/dev/null || echo "(see $key_file)")"
echo "Import page: http://127.0.0.1:${ROWGATE_PORT:-8080}/   My Partners: http://127.0.0.1:${ROWGATE_PORT:-8080}/partners"
echo "Try: curl -H \"Authorization: Bearer \$(cat $key_file)\" http://127.0.0.1:${ROWGATE_PORT:-8080}/api/v1/groups"
exec "$rowgate" serve --db "$db" --data "$run/data" --web web --wasm build/wasm --port "${ROWGATE_PORT:-8080}"
