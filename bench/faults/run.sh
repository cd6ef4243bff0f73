#!/usr/bin/env bash
# The nightly-sized fault run: 20 SIGKILLs at random moments of a 500,000-row commit, the data
# folder full, the store locked mid-commit (tests/server/faults.py; ./test.sh runs it with 3
# kills). Usage: bench/faults/run.sh [--kills N] [--seed N]  (needs root for the tmpfs).
set -euo pipefail
cd "$(dirname "$0")/../.."
source tools/deps.sh
source tools/data.sh
rowgate_install_missing "${ROWGATE_BUILD_PACKAGES[@]}"
cmake --preset native >/dev/null
cmake --build build/native --target rowgate -j"$(nproc)" >/dev/null
file=build/native/data/prospects_500000.csv
rowgate_data 500000 42 "$file"
exec python3 tests/server/faults.py --rowgate build/native/server/rowgate --file "$file" \
  --context examples/prospects_context.json --kills 20 "$@"
