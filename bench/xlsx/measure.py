#!/usr/bin/env python3
"""The workbook benchmark's timings (bench/xlsx/run.sh runs it): SheetJS, the native
`rowgate check` and `node wasm/cli.mjs check` on the same workbook, each under
`/usr/bin/time -v`, interleaved (A B C A B C ...) over --rounds rounds, then min and median
per tool and the ratios against the targets:

  native  SheetJS time / rowgate time >= 15, rowgate peak RSS / SheetJS peak RSS <= 1/5
  wasm    SheetJS time / rowgate time >= 8 (no memory target; the ratio is printed)

Wall time is measured around the /usr/bin/time process (milliseconds; time's own figure has
10 ms steps); peak RSS is time's "Maximum resident set size". A rowgate run that ends in a
file-level error (exit status 2) is timed like the others but flagged: its figures say nothing
about reading a workbook.

  bench/xlsx/measure.py --file F.xlsx --rowgate build/native/server/rowgate \
      [--rounds 3] -- rowgate check arguments after FILE...
"""
import argparse
import json
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))

TARGETS = {
    # tool: (minimum SheetJS time / rowgate time, maximum rowgate RSS / SheetJS RSS)
    "native": (15.0, 1 / 5),
    "wasm": (8.0, None),
}


def time_v(command, stdout_path, log_path):
    """Runs `command` under /usr/bin/time -v; returns (exit status, wall s, peak KiB, cpu s)."""
    start = time.perf_counter()
    with open(stdout_path, "wb") as out:
        status = subprocess.call(["/usr/bin/time", "-v", "-o", log_path] + command, stdout=out,
                                 stderr=subprocess.DEVNULL, cwd=ROOT)
    wall = time.perf_counter() - start
    with open(log_path, encoding="utf-8") as f:
        log = f.read()
    rss = int(re.search(r"Maximum resident set size \(kbytes\): (\d+)", log).group(1))
    cpu = sum(float(x) for x in re.findall(r"(?:User|System) time \(seconds\): ([\d.]+)", log))
    return status, wall, rss, cpu


def rowgate_outcome(stdout_path):
    """What a `check --json` run said: its summary, or the first file-level finding's message."""
    try:
        with open(stdout_path, encoding="utf-8") as f:
            report = json.load(f)
    except (OSError, ValueError) as e:
        return "no JSON report on stdout (%s)" % e
    s = report.get("summary", {})
    text = "rows %s, create %s, update %s, duplicate %s, invalid %s, warnings %s" % (
        s.get("rows"), s.get("create"), s.get("update"), s.get("duplicate"), s.get("invalid"), s.get("warnings"))
    file_level = [f for f in report.get("findings", []) if f.get("row") == 0]
    if file_level:
        text += "; file-level %s: %s" % (file_level[0]["code"], file_level[0]["message"])
    return text


def fmt_s(seconds):
    return "%.3f s" % seconds


def fmt_mib(kib):
    return "%.1f MiB" % (kib / 1024)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--file", required=True)
    ap.add_argument("--rowgate", default="build/native/server/rowgate")
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("check_args", nargs="*", help="rowgate check arguments after FILE (after --)")
    a = ap.parse_args()

    tools = [
        ("sheetjs", "SheetJS 0.18.5: readFile + sheet_to_json (node bench/xlsx/sheetjs_read.mjs)",
         ["node", "bench/xlsx/sheetjs_read.mjs", a.file]),
        ("native", "rowgate check, native (%s)" % a.rowgate,
         [a.rowgate, "check", a.file] + a.check_args),
        ("wasm", "rowgate check, WebAssembly in Node (node wasm/cli.mjs)",
         ["node", "wasm/cli.mjs", "check", a.file] + a.check_args),
    ]
    for name, label, command in tools:
        print("%-7s %s\n        %s" % (name, label, " ".join(command)))
    print()

    runs = {name: [] for name, _, _ in tools}
    said = {}
    with tempfile.TemporaryDirectory() as scratch:
        for r in range(1, a.rounds + 1):
            for name, _, command in tools:
                out = os.path.join(scratch, name + ".out")
                status, wall, rss, cpu = time_v(command, out, os.path.join(scratch, name + ".time"))
                runs[name].append((status, wall, rss, cpu))
                if name == "sheetjs":
                    with open(out, encoding="utf-8", errors="replace") as f:
                        said[name] = f.read().strip() or "(nothing on stdout)"
                else:
                    said[name] = rowgate_outcome(out)
                print("round %d  %-7s exit %d  wall %s  cpu %.2f s  peak RSS %s" % (
                    r, name, status, fmt_s(wall), cpu, fmt_mib(rss)), flush=True)

    print()
    print("%-7s | %-19s | %-19s | %-23s | %s" % ("tool", "wall min / median", "cpu median",
                                                   "peak RSS min / median", "exit statuses"))
    stats = {}
    for name, _, _ in tools:
        walls = [w for _, w, _, _ in runs[name]]
        rsss = [k for _, _, k, _ in runs[name]]
        cpus = [c for _, _, _, c in runs[name]]
        statuses = sorted({s for s, _, _, _ in runs[name]})
        stats[name] = (statistics.median(walls), statistics.median(rsss), statuses)
        print("%-7s | %8s / %8s | %19s | %10s / %10s | %s" % (
            name, fmt_s(min(walls)), fmt_s(statistics.median(walls)), "%.2f s" % statistics.median(cpus),
            fmt_mib(min(rsss)), fmt_mib(statistics.median(rsss)), ",".join(map(str, statuses))))
    print()
    for name, _, _ in tools:
        print("%-7s said: %s" % (name, said[name]))
    print()

    sj_wall, sj_rss, sj_statuses = stats["sheetjs"]
    if sj_statuses != [0]:
        print("warning: SheetJS did not exit 0; its figures are not a baseline")
    print("ratios of medians (targets in brackets):")
    for name in ("native", "wasm"):
        wall, rss, statuses = stats[name]
        min_speedup, max_memory = TARGETS[name]
        speedup = sj_wall / wall if wall > 0 else float("inf")
        memory = rss / sj_rss if sj_rss > 0 else float("inf")
        meaningful = all(s in (0, 1) for s in statuses)

        def verdict(ok):
            return ("met" if ok else "NOT met") if meaningful else "not judged"

        line = "  %-7s SheetJS time / rowgate time = %.1fx [>= %gx: %s]" % (
            name, speedup, min_speedup, verdict(speedup >= min_speedup))
        line += ", rowgate RSS / SheetJS RSS = %.3f" % memory
        if max_memory is not None:
            line += " [<= 1/%g: %s]" % (1 / max_memory, verdict(memory <= max_memory))
        if not meaningful:
            line += "  (exit status %s: a file-level error, not a workbook read)" % ",".join(map(str, statuses))
        print(line)


if __name__ == "__main__":
    sys.exit(main())
