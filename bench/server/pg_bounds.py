#!/usr/bin/env python3
"""What PostgreSQL itself takes to load the prospects file, with none of Rowgate's work: the
bounds that the commit benchmark (pg_commit_bench.py) is compared with. All through psql on the
server of tests/pg/with_pg.sh, each into a fresh table of the application's database:

1. `\\copy` into a plain logged table: the issue's baseline (validates nothing, all or nothing);
2. `\\copy` into a table with only a unique index on the lower-cased e-mail, the least that
   create-or-update by key needs (the file's rows with a repeated e-mail left out, as Rowgate's
   duplicate rows are);
3. the same, with the Partner ID index as well;
4. what the issue prescribes for a batch, done once for the whole file: `\\copy` into a temporary
   staging table, then one `INSERT ... SELECT ... ON CONFLICT (key) DO UPDATE` into the table of 2.

Run under tests/pg/with_pg.sh (it sets ROWGATE_TEST_PG).
Usage: pg_bounds.py --file prospects.csv [--runs 3]
"""
import argparse
import csv
import glob
import os
import statistics
import subprocess
import sys
import tempfile
import time

COLUMNS = "name text, email text, url text, grp text, first text, last text, descr text, pid text"


def psql(*commands):
    binary = sorted(glob.glob("/usr/lib/postgresql/*/bin/psql"))[-1]
    args = [binary, "-X", "-q", "-v", "ON_ERROR_STOP=1", os.environ["ROWGATE_TEST_PG"]]
    for c in commands:
        args += ["-c", c]
    t0 = time.perf_counter()
    subprocess.run(args, check=True, capture_output=True)
    return time.perf_counter() - t0


def distinct_keys(path, out):
    seen = set()
    with open(path, newline="", encoding="utf-8", errors="surrogateescape") as f, \
            open(out, "w", newline="", encoding="utf-8", errors="surrogateescape") as o:
        r, w = csv.reader(f), csv.writer(o)
        w.writerow(next(r))
        for row in r:
            key = row[1].strip().lower() if len(row) == 8 else ""
            if key and key not in seen:
                seen.add(key)
                w.writerow(row)
    return len(seen)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--file", required=True)
    ap.add_argument("--runs", type=int, default=3)
    a = ap.parse_args()
    with tempfile.TemporaryDirectory(prefix="rowgate_pgb_") as tmp:
        os.chmod(tmp, 0o755)
        unique = os.path.join(tmp, "unique.csv")
        n = distinct_keys(a.file, unique)
        os.chmod(unique, 0o644)
        copy = "\\copy %s FROM '%s' WITH (FORMAT csv, HEADER true)"
        cases = {
            "plain": lambda t: psql("CREATE TABLE %s (%s)" % (t, COLUMNS), copy % (t, a.file)),
            "unique_key": lambda t: psql("CREATE TABLE %s (%s)" % (t, COLUMNS),
                                         "CREATE UNIQUE INDEX ON %s (lower(email))" % t, copy % (t, unique)),
            "unique_key_and_partner_id": lambda t: psql(
                "CREATE TABLE %s (%s)" % (t, COLUMNS), "CREATE UNIQUE INDEX ON %s (lower(email))" % t,
                "CREATE INDEX ON %s (pid)" % t, copy % (t, unique)),
            "staging_then_upsert": lambda t: psql(
                "CREATE TABLE %s (%s)" % (t, COLUMNS), "CREATE UNIQUE INDEX %s_key ON %s (lower(email))" % (t, t),
                "BEGIN", "CREATE TEMP TABLE stage (%s) ON COMMIT DROP" % COLUMNS, copy % ("stage", unique),
                "INSERT INTO %s SELECT * FROM stage ON CONFLICT (lower(email)) DO UPDATE SET name = EXCLUDED.name" % t,
                "COMMIT"),
        }
        print("file: %s (%d bytes; %d distinct e-mails)" % (a.file, os.path.getsize(a.file), n))
        for name, run in cases.items():
            times = []
            for i in range(a.runs):
                table = "bound_%s_%d" % (name, i)
                times.append(run(table))
                psql("DROP TABLE %s" % table)
            print("%-28s median of %d: %.2f s (runs %s)" % (name, a.runs, statistics.median(times),
                                                          ", ".join("%.2f" % t for t in times)))
    sys.stdout.flush()


if __name__ == "__main__":
    main()
