#!/usr/bin/env bash
# Builds the fuzz preset (clang, libFuzzer, ASan+UBSan) and fuzzes each TARGET for N seconds,
# the targets side by side (one libFuzzer process each: give as many as there are cores).
#   fuzz/run.sh TARGET... [--seconds N]
#     TARGET       fuzz_csv_reader, fuzz_jsonl_reader, fuzz_template, fuzz_mapping, fuzz_pipeline,
#                  fuzz_inflate, fuzz_workbook
#     --seconds N  time per target (default 600)
# Corpora grow in build/fuzz/corpus/TARGET (seeded from tests/vectors and, for templates,
# core/templates), with fuzz/TARGET.dict as libFuzzer's dictionary when there is one; logs are
# in build/fuzz/logs/. Findings (crash-*, leak-*, timeout-*, oom-*)
# are copied to fuzz/regressions/TARGET/, which ctest replays. After a finding the target is
# started again for the time left (at most 10 times), so one bug does not end the run.
# Prints per target the time, executions, exec/s, corpus size and findings.
set -uo pipefail
cd "$(dirname "$0")/.."
root="$(pwd)"
source tools/deps.sh
rowgate_install_missing "${ROWGATE_BUILD_PACKAGES[@]}" "${ROWGATE_FUZZ_PACKAGES[@]}" || exit 1

usage() {
  echo "usage: fuzz/run.sh TARGET... [--seconds N]" >&2
  exit 2
}

seconds=600
targets=()
while [ $# -gt 0 ]; do
  case "$1" in
    --seconds) [ $# -ge 2 ] || usage; seconds="$2"; shift 2 ;;
    fuzz_*) targets+=("$1"); shift ;;
    *) usage ;;
  esac
done
[ ${#targets[@]} -gt 0 ] || usage
[[ "$seconds" =~ ^[0-9]+$ ]] || usage
for t in "${targets[@]}"; do
  [ -f "fuzz/$t.cpp" ] || { echo "fuzz/run.sh: no target $t (fuzz/$t.cpp)" >&2; exit 2; }
done

# Two runs started side by side must not build the same tree at once.
build="$root/build/fuzz"
mkdir -p "$build"
replays=("${targets[@]/%/_replay}")
(
  flock 9
  cmake --preset fuzz >/dev/null && cmake --build --preset fuzz -j"$(nproc)" --target "${targets[@]}" "${replays[@]}"
) 9>"$build/.build.lock" || { echo "fuzz/run.sh: the fuzz build failed" >&2; exit 1; }

# The largest input per target: a file or a record at most (the pipeline also inflates its
# input past the 64 KiB the session sniffs), a template, or a header row.
max_len() {
  case "$1" in
    fuzz_template) echo 16384 ;;
    fuzz_mapping) echo 4096 ;;
    *) echo 65536 ;;
  esac
}

# Fuzzes one target; writes build/fuzz/logs/TARGET.summary (one line, also printed).
fuzz_one() {
  local t="$1"
  local bin="$build/fuzz/$t"
  local corpus="$build/corpus/$t"
  local found="$build/findings/$t"
  local logs="$build/logs"
  mkdir -p "$corpus" "$found" "$logs"
  mapfile -t seeds < "$build/fuzz/$t.seeds"
  "$bin"_replay "${seeds[@]}" --write "$corpus" >/dev/null || return 1
  : > "$logs/$t.log"
  local dict=()
  [ -f "fuzz/$t.dict" ] && dict=(-dict="fuzz/$t.dict")
  # Findings of earlier runs stay where they are: only this run's are copied (a kept input that
  # was removed from fuzz/regressions/ after triage does not come back).
  local -A earlier=()
  local f
  for f in "$found"/*; do [ -e "$f" ] && earlier["$(basename "$f")"]=1; done

  local start now left runs=0 execs=0
  start="$(date +%s)"
  left="$seconds"
  while [ "$left" -gt 0 ] && [ "$runs" -lt 10 ]; do
    runs=$((runs + 1))
    local before run_log="$logs/$t.run"
    before="$(ls "$found" | wc -l)"
    # jobs=1: libFuzzer's default single process (its -jobs flag would fork workers).
    "$bin" "$corpus" -max_len="$(max_len "$t")" -timeout=10 -rss_limit_mb=2048 -max_total_time="$left" \
      -print_final_stats=1 -artifact_prefix="$found/" "${dict[@]}" >"$run_log" 2>&1
    cat "$run_log" >>"$logs/$t.log"
    # Executions: the final stats, or after a crash the last status line ("#N ...").
    local n
    n="$(grep -E '^stat::number_of_executed_units:' "$run_log" | tail -n 1 | awk '{print $2}')"
    [ -n "$n" ] || n="$(grep -oE '^#[0-9]+' "$run_log" | tail -n 1 | tr -d '#')"
    execs=$((execs + ${n:-0}))
    rm -f "$run_log"
    now="$(date +%s)"
    left=$((seconds - (now - start)))
    # A run that ended early without a finding (a build or flag problem) is not retried.
    if [ "$(ls "$found" | wc -l)" -eq "$before" ] && [ "$left" -gt 5 ]; then
      echo "$t: libFuzzer stopped early without a finding; see $logs/$t.log" >&2
      break
    fi
    [ "$left" -gt 5 ] || break
  done
  local elapsed=$(( $(date +%s) - start ))

  local findings=()
  mkdir -p "fuzz/regressions/$t"
  for f in "$found"/*; do
    [ -e "$f" ] || continue
    local name
    name="$(basename "$f")"
    [ -z "${earlier[$name]:-}" ] || continue
    case "$name" in
      crash-*|leak-*|timeout-*|oom-*)
        cp "$f" "fuzz/regressions/$t/"
        findings+=("$name") ;;
    esac
  done
  rmdir "fuzz/regressions/$t" 2>/dev/null

  # The corpus: files in the folder (seeds included), and the units libFuzzer kept in the end
  # with their size, and its coverage ("corp: 665/276Kb", "cov: 635 ft: 3566").
  local files rate kept cov
  files="$(ls "$corpus" | wc -l)"
  kept="$(grep -oE 'corp: [0-9]+/[0-9]+[a-zA-Z]*' "$logs/$t.log" | tail -n 1 | sed 's/corp: //')"
  cov="$(grep -oE 'cov: [0-9]+ ft: [0-9]+' "$logs/$t.log" | tail -n 1)"
  rate=$(( elapsed > 0 ? execs / elapsed : execs ))
  local line="$t: ${elapsed} s, $execs executions ($rate/s), corpus $files files ($kept kept; $cov)"
  line+=", findings ${#findings[@]}${findings:+: ${findings[*]}}, libFuzzer runs $runs"
  echo "$line" | tee "$logs/$t.summary"
}

for t in "${targets[@]}"; do
  fuzz_one "$t" &
done
status=0
for job in $(jobs -p); do
  wait "$job" || status=1
done
exit "$status"
