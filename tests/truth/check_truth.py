#!/usr/bin/env python3
"""Checks `rowgate check` against the truth file of a generated import file.

Every defective record of the truth file must be reported on its row and line with the code
its kind stands for, and no other record may be reported. Data are generated (seeded) into
the build folder by ../shared/data/gen_import_files.py and reused when present.
"""
import argparse
import csv
import json
import os
import subprocess
import sys

CODES = {
    "bad_email": "invalid_email", "missing_required": "required", "malformed_url": "invalid_url",
    "unknown_group": "unknown_reference", "duplicate_email": "duplicate_in_file",
    "missing_id": "required", "bad_locale": "invalid_locale", "bad_country": "invalid_country",
    "bad_referable": "invalid_boolean", "duplicate_user": "duplicate_in_file", "malformed_json": "invalid_json",
}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--rowgate", required=True)
    ap.add_argument("--shared", required=True)
    ap.add_argument("--data", required=True, help="folder for the generated files")
    ap.add_argument("--kind", choices=["csv", "jsonl"], required=True)
    ap.add_argument("--rows", type=int, default=500000)
    ap.add_argument("--context")
    a = ap.parse_args()

    os.makedirs(a.data, exist_ok=True)
    name = "prospects" if a.kind == "csv" else "participants"
    data = os.path.join(a.data, "%s_%d.%s" % (name, a.rows, a.kind))
    truth = data + ".truth.csv"
    if not (os.path.exists(data) and os.path.exists(truth)):
        subprocess.run([sys.executable, os.path.join(a.shared, "data", "gen_import_files.py"), str(a.rows), "42",
                        data + ".tmp", "--kind", a.kind, "--truth", truth], check=True)
        os.replace(data + ".tmp", data)
    errors = data + ".errors.csv"
    cmd = [a.rowgate, "check", data, "--template", name, "--errors", errors]
    if a.context:
        cmd += ["--context", a.context]
    run = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    print(run.stdout)
    if run.returncode != 1:
        print("FAIL: expected exit status 1 (some rows invalid), got %d: %s" % (run.returncode, run.stderr))
        return 1

    header_rows = 1 if a.kind == "csv" else 0
    found = {}
    with open(errors, newline="", encoding="utf-8") as f:
        for r in csv.DictReader(f):
            if r["severity"] != "error":
                continue
            row = int(r["row"])
            found.setdefault(row, []).append((int(r["line"]), r["code"]))
    expected = {}
    with open(truth, newline="", encoding="utf-8") as f:
        for r in csv.DictReader(f):
            expected[int(r["record"]) + header_rows] = (int(r["line"]), CODES[r["kind"]], r["kind"])

    problems = []
    for row, (line, code, kind) in sorted(expected.items()):
        got = found.get(row)
        if not got:
            problems.append("row %d (%s) was not reported" % (row, kind))
        elif (line, code) not in got:
            problems.append("row %d (%s) expected %s on line %d, got %s" % (row, kind, code, line, got))
    for row in sorted(set(found) - set(expected)):
        problems.append("row %d was reported but is valid: %s" % (row, found[row]))
    print("%s: %d defective records in the truth file, %d rows reported, %d problems"
          % (os.path.basename(data), len(expected), len(found), len(problems)))
    for p in problems[:20]:
        print("  " + p)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
