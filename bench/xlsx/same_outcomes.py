#!/usr/bin/env python3
"""The workbook against the CSV of the same seed (bench/xlsx/run.sh runs it): reads the
--results and --errors files of `rowgate check` on both and compares, record by record, the
outcome and the finding codes. The acceptance check is that the 500,000-row workbook gives
exactly the same outcomes and finding codes as the CSV.

Records are matched by their index, not by line: a workbook's row is the spreadsheet row
(record + 1, `line` = `row`), while a CSV record's `line` runs ahead of its row wherever an
earlier record had a quoted newline. Both results files list the records in order; a record's
findings are the errors file's lines with its row (row 0 are file-level findings, compared on
their own). A finding is compared as its code and field.

  bench/xlsx/same_outcomes.py --records N \
      --csv-results R1.csv --csv-errors E1.csv --xlsx-results R2.csv --xlsx-errors E2.csv \
      [--csv-truth T1.csv --xlsx-truth T2.csv]
With the generator's truth files, it first checks that both files carry the same defects in the
same records (that they are of the same rows and seed).
"""
import argparse
import csv
import sys
from collections import defaultdict

csv.field_size_limit(1 << 30)
SHOW = 20


def results(path):
    """Yields (row, line, outcome, key and values) per record of a results CSV, in file order."""
    with open(path, encoding="utf-8", newline="") as f:
        reader = csv.reader(f)
        header = next(reader, None)
        if header is None:
            return
        if header[:4] != ["row", "line", "outcome", "key"]:
            sys.exit("%s: not a results CSV (header %r)" % (path, header[:4]))
        for cells in reader:
            yield int(cells[0]), int(cells[1]), cells[2], tuple(cells[3:])


def findings(path):
    """{row: sorted [(code, field)]} from an errors CSV; row 0 holds the file-level ones."""
    by_row = defaultdict(list)
    with open(path, encoding="utf-8", newline="") as f:
        reader = csv.DictReader(f)
        for f_ in reader:
            by_row[int(f_["row"])].append((f_["code"], f_["field"]))
    for row in by_row:
        by_row[row].sort()
    return by_row


def truth(path):
    """[(record, kind)] of a generator's truth file (its `line` differs between the kinds)."""
    with open(path, encoding="utf-8", newline="") as f:
        return [(int(r["record"]), r["kind"]) for r in csv.DictReader(f)]


def codes_text(found):
    return " ".join(code + ("(" + field + ")" if field else "") for code, field in found) or "-"


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--records", type=int, required=True, help="records the generator wrote")
    ap.add_argument("--csv-results", required=True)
    ap.add_argument("--csv-errors", required=True)
    ap.add_argument("--xlsx-results", required=True)
    ap.add_argument("--xlsx-errors", required=True)
    ap.add_argument("--csv-truth")
    ap.add_argument("--xlsx-truth")
    a = ap.parse_args()

    if a.csv_truth and a.xlsx_truth:
        t_csv, t_xlsx = truth(a.csv_truth), truth(a.xlsx_truth)
        if t_csv != t_xlsx:
            sys.exit("the truth files differ (%d and %d defects): the files are not of the same rows and seed"
                     % (len(t_csv), len(t_xlsx)))
        print("truth files agree: the same %d defects in the same records" % len(t_csv))

    csv_found = findings(a.csv_errors)
    xlsx_found = findings(a.xlsx_errors)
    for label, found in (("csv", csv_found), ("xlsx", xlsx_found)):
        print("file-level findings, %-4s: %s" % (label, codes_text(found.get(0, []))))

    n = a.records
    same_outcome = same_codes = same_both = same_values = 0
    differences = []  # (record, text)
    value_differences = []
    order_errors = []
    csv_records = xlsx_records = 0
    csv_iter, xlsx_iter = results(a.csv_results), results(a.xlsx_results)
    for record in range(1, n + 1):
        c = next(csv_iter, None)
        x = next(xlsx_iter, None)
        csv_records += c is not None
        xlsx_records += x is not None
        # The row is record + 1 in both (a header row is row 1); a results file out of step
        # with its records would make every comparison below wrong, so it is reported.
        for label, r in (("csv", c), ("xlsx", x)):
            if r is not None and r[0] != record + 1 and len(order_errors) < SHOW:
                order_errors.append("record %d: %s results line has row %d" % (record, label, r[0]))
        c_out = c[2] if c else "(missing)"
        x_out = x[2] if x else "(missing)"
        c_codes = csv_found.get(record + 1, []) if c else None
        x_codes = xlsx_found.get(record + 1, []) if x else None
        outcome_ok = c is not None and x is not None and c_out == x_out
        codes_ok = c is not None and x is not None and c_codes == x_codes
        same_outcome += outcome_ok
        same_codes += codes_ok
        same_both += outcome_ok and codes_ok
        if c is not None and x is not None and c[3] == x[3]:
            same_values += 1
        elif c is not None and x is not None and len(value_differences) < 5:
            value_differences.append("record %d: csv %r, xlsx %r" % (record, c[3], x[3]))
        if not (outcome_ok and codes_ok):
            differences.append((record, "record %d (workbook row %d, csv line %s): csv %s [%s], xlsx %s [%s]" % (
                record, record + 1, c[1] if c else "-", c_out, codes_text(c_codes or []),
                x_out, codes_text(x_codes or []))))
    extra = sum(1 for _ in csv_iter), sum(1 for _ in xlsx_iter)

    print("records in the results files: csv %d, xlsx %d (the generator wrote %d)" % (
        csv_records + extra[0], xlsx_records + extra[1], n))
    for line in order_errors:
        print("  out of step: " + line)
    print("same outcomes for %d of %d records" % (same_outcome, n))
    print("same finding codes for %d of %d records" % (same_codes, n))
    print("same outcomes and finding codes for %d of %d records" % (same_both, n))
    print("same key and values (results file) for %d of %d records" % (same_values, n))
    for line in value_differences:
        print("  values differ: " + line)
    if differences:
        print("differences: %d records (first %d)" % (len(differences), min(SHOW, len(differences))))
        for _, text in differences[:SHOW]:
            print("  " + text)
    return 0 if same_both == n and not any(extra) else 1


if __name__ == "__main__":
    sys.exit(main())
