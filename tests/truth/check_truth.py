#!/usr/bin/env python3
"""Checks `rowgate check` against the truth file of a generated import file.

Every defective record of the truth file must be reported on its row and line with the code
its kind stands for, and no other record may be reported. Data are generated (seeded) into
the build folder by ../shared/data/gen_import_files.py and reused when present.

With --kind xlsx (the prospects CSV's records of the same seed as a workbook; a record's line is
its spreadsheet row) and --same-as-csv, every record must also have the same outcome and the
same finding codes as in the CSV of the same seed: rows are compared, not lines, since the CSV's
lines differ where a record holds a quoted line break.
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
    ap.add_argument("--kind", choices=["csv", "jsonl", "xlsx"], required=True)
    ap.add_argument("--same-as-csv", action="store_true")
    ap.add_argument("--rows", type=int, default=500000)
    ap.add_argument("--context")
    a = ap.parse_args()

    os.makedirs(a.data, exist_ok=True)
    name = "participants" if a.kind == "jsonl" else "prospects"

    def generate(kind):
        data = os.path.join(a.data, "%s_%d.%s" % (name, a.rows, kind))
        truth = data + ".truth.csv"
        if not (os.path.exists(data) and os.path.exists(truth)):
            subprocess.run([sys.executable, os.path.join(a.shared, "data", "gen_import_files.py"), str(a.rows), "42",
                            data + ".tmp", "--kind", kind, "--truth", truth], check=True)
            os.replace(data + ".tmp", data)
        return data, truth

    data, truth = generate(a.kind)
    errors = data + ".errors.csv"
    results = data + ".results.jsonl"
    cmd = [a.rowgate, "check", data, "--template", name, "--errors", errors, "--results", results]
    if a.context:
        cmd += ["--context", a.context]
    run = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    print(run.stdout)
    if run.returncode != 1:
        print("FAIL: expected exit status 1 (some rows invalid), got %d: %s" % (run.returncode, run.stderr))
        return 1

    header_rows = 0 if a.kind == "jsonl" else 1
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
    if a.same_as_csv:
        problems += same_as_csv(a, generate("csv")[0], name, errors, results)
    return 1 if problems else 0


def outcomes(results):
    with open(results, encoding="utf-8") as f:
        return {r["row"]: r["outcome"] for r in map(json.loads, f)}


def codes(errors):
    by_row = {}
    with open(errors, newline="", encoding="utf-8") as f:
        for r in csv.DictReader(f):
            by_row.setdefault(int(r["row"]), []).append(r["code"])
    return {row: sorted(c) for row, c in by_row.items()}


def same_as_csv(a, csv_data, name, errors, results):
    csv_errors, csv_results = csv_data + ".xlsx-compare.errors.csv", csv_data + ".xlsx-compare.results.jsonl"
    cmd = [a.rowgate, "check", csv_data, "--template", name, "--errors", csv_errors, "--results", csv_results]
    if a.context:
        cmd += ["--context", a.context]
    subprocess.run(cmd, stdout=subprocess.PIPE, check=False)
    problems = []
    book, sheet = outcomes(csv_results), outcomes(results)
    if len(book) != len(sheet):
        problems.append("the CSV has %d records, the workbook %d" % (len(book), len(sheet)))
    for row in sorted(set(book) | set(sheet)):
        if book.get(row) != sheet.get(row):
            problems.append("row %d: %s in the CSV, %s in the workbook" % (row, book.get(row), sheet.get(row)))
    book_codes, sheet_codes = codes(csv_errors), codes(errors)
    for row in sorted(set(book_codes) | set(sheet_codes)):
        if book_codes.get(row) != sheet_codes.get(row):
            problems.append("row %d: codes %s in the CSV, %s in the workbook" % (row, book_codes.get(row), sheet_codes.get(row)))
    print("same as the CSV of the same seed: %d records compared, %d differences" % (len(book), len(problems)))
    for p in problems[:20]:
        print("  " + p)
    for f in (csv_errors, csv_results):
        os.remove(f)
    return problems


if __name__ == "__main__":
    sys.exit(main())
