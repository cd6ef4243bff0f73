# Generated input files (../shared/data/gen_import_files.py, or $ROWGATE_SHARED_DIR's), sourced by
# the bench scripts. The 500,000-row files of seed 42 in build/native/data are the ones the truth
# tests generate (tests/truth/check_truth.py): every script uses those, none makes its own copy.
# rowgate_data ROWS SEED OUT [KIND]: generates OUT and OUT.truth.csv unless OUT exists; KIND is
# csv, jsonl or xlsx (by default OUT's extension). OUT is written beside and renamed when complete, so an
# interrupted run leaves no half file for the next one to take as done.
rowgate_data() {
  local rows="$1" seed="$2" out="$3" kind="${4:-${3##*.}}"
  [ -f "$out" ] && return 0
  mkdir -p "$(dirname "$out")"
  python3 "${ROWGATE_SHARED_DIR:-../shared}/data/gen_import_files.py" "$rows" "$seed" "$out.tmp" --kind "$kind" \
    --truth "$out.truth.csv" && mv "$out.tmp" "$out"
}
