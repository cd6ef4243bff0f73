#!/usr/bin/env bash
# Installs what is missing, builds, and runs the main job: for now a dry run of
# `rowgate check` on a generated prospects file, printing its summary.
set -euo pipefail
cd "$(dirname "$0")"
source tools/deps.sh
rowgate_install_missing "${ROWGATE_BUILD_PACKAGES[@]}"

cmake --preset native >/dev/null
cmake --build build/native --target rowgate -j"$(nproc)" >/dev/null

shared="${ROWGATE_SHARED_DIR:-../shared}"
rows="${ROWGATE_SAMPLE_ROWS:-100000}"
sample="build/native/sample_prospects_${rows}.csv"
if [ ! -f "$sample" ]; then
  python3 "$shared/data/gen_import_files.py" "$rows" 42 "$sample"
fi
echo "$ build/native/server/rowgate check $sample --template prospects --context examples/prospects_context.json"
status=0
build/native/server/rowgate check "$sample" --template prospects --context examples/prospects_context.json || status=$?
echo "(exit status $status: 0 every row valid, 1 some rows invalid, 2 file-level error)"
