#!/usr/bin/env bash
# The nightly-sized fault run: 20 SIGKILLs at random moments of a 500,000-row commit, the data
# folder full, the store locked mid-commit (tests/server/faults.py; ./test.sh runs it with 3
# kills). Usage: bench/faults/run.sh [--kills N] [--seed N]  (needs root for the tmpfs).
set -euo pipefail
cd "$(dirname "$0")/../.."
source tools/deps.sh
rowgate_install_missing "${ROWGATE_BUILD_PACKAGES[@]}"
cmake --preset native >/dev/null
cmake --build build/native --target rowgate -j"$(nproc)" >/dev/null
data=build/native/data
file="$data/prospects_500000.csv"
if [ ! -f "$file" ]; then
  mkdir -p "$data"
  python3 ../shared/data/gen_import_files.py 500000 42 "$file" --kind csv --truth "$file.truth.csv"
fi
exec python3 tests/server/faults.py --rowgate build/native/server/rowgate --file "$file" \
  --context examples/prospects_context.json --kills 20 "$@"
