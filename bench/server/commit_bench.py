#!/usr/bin/env python3
"""End-to-end commit benchmark: a fresh SQLite store, `rowgate serve` on loopback, the generated
500,000-row prospects file uploaded in 8 MiB parts, validated, written and its report files
produced; timed from the first request to the import's end. For comparison it also times
`sqlite3 .import` of the same file into a fresh database (which validates nothing): into a plain
table (the target), with CHECK/UNIQUE constraints, and with only the unique key index that any
create-or-update by key needs, in file order and in key order.

Usage: commit_bench.py --rowgate BIN --file prospects.csv --context groups.json [--runs 3]
"""
import argparse
import csv
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "tests", "server"))
from rowgate_server import Server, new_tenant, parts_of, start, upload_all, wait  # noqa: E402


def commit_once(a, tmp):
    db = os.path.join(tmp, "store.db")
    key = new_tenant(a.rowgate, db, "Bench", a.context)
    server = Server(a.rowgate, db, os.path.join(tmp, "data"), subprocess.DEVNULL)
    parts = list(parts_of(a.file))
    t0 = time.perf_counter()
    iid = upload_all(server.port, key, parts)
    t_upload = time.perf_counter()
    start(server.port, key, iid)
    st = wait(server.port, key, iid, timeout=3600, every=0.005)
    t_end = time.perf_counter()
    server.stop()
    return t_end - t0, t_upload - t0, st


COLUMNS = "name TEXT, email TEXT, url TEXT, grp TEXT, first TEXT, last TEXT, descr TEXT, pid TEXT"
SCHEMAS = {
    # The target: a blind append.
    "plain": "CREATE TABLE p (%s);" % COLUMNS,
    # The comparison: CHECK and UNIQUE constraints.
    "checked": "CREATE TABLE p (name TEXT NOT NULL CHECK (name <> ''), email TEXT NOT NULL UNIQUE CHECK (email LIKE '%_@_%._%'),"
               " url TEXT NOT NULL CHECK (url LIKE 'http%://%'), grp TEXT, first TEXT, last TEXT, descr TEXT, pid TEXT);",
    # The least that create-or-update by key needs: a unique index on the key (and a cache as
    # large as the server's, so that the index stays in memory).
    "unique_key": "PRAGMA cache_size=-131072; CREATE TABLE p (%s, UNIQUE (email));" % COLUMNS,
}


def sqlite_import(path, tmp, schema):
    db = os.path.join(tmp, "plain.db")
    script = SCHEMAS[schema] + "\n.mode csv\n.import --skip 1 " + path + " p\n"
    t0 = time.perf_counter()
    subprocess.run(["sqlite3", db], input=script, text=True, capture_output=True)
    t = time.perf_counter() - t0
    os.remove(db)
    return t


def sorted_by_key(path, tmp):
    """The same rows in e-mail order: a unique index then grows at its end (the best case)."""
    out = os.path.join(tmp, "sorted.csv")
    with open(path, newline="", encoding="utf-8", errors="surrogateescape") as f:
        rows = list(csv.reader(f))
    header, body = rows[0], rows[1:]
    body.sort(key=lambda r: r[1].lower() if len(r) > 1 else "")
    with open(out, "w", newline="", encoding="utf-8", errors="surrogateescape") as f:
        w = csv.writer(f)
        w.writerow(header)
        w.writerows(body)
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--rowgate", required=True)
    ap.add_argument("--file", required=True)
    ap.add_argument("--context", required=True)
    ap.add_argument("--runs", type=int, default=3)
    a = ap.parse_args()
    totals, uploads = [], []
    for _ in range(a.runs):
        with tempfile.TemporaryDirectory(prefix="rowgate_bench_") as tmp:
            total, upload, st = commit_once(a, tmp)
            totals.append(total)
            uploads.append(upload)
            print("commit: %.2f s (upload %.2f s), %s" % (total, upload, json.dumps(st["summary"])))
    size = os.path.getsize(a.file)
    med = statistics.median(totals)
    print("rowgate commit, median of %d: %.2f s end to end (%.0f MB/s), upload %.2f s" %
          (a.runs, med, size / med / 1e6, statistics.median(uploads)))
    with tempfile.TemporaryDirectory(prefix="rowgate_bench_") as tmp:
        med = {schema: statistics.median(sqlite_import(a.file, tmp, schema) for _ in range(a.runs)) for schema in SCHEMAS}
        in_key_order = sorted_by_key(a.file, tmp)
        med["unique_key_sorted"] = statistics.median(sqlite_import(in_key_order, tmp, "unique_key") for _ in range(a.runs))
    print("sqlite3 .import, median: %.2f s plain, %.2f s with CHECK/UNIQUE constraints" % (med["plain"], med["checked"]))
    print("sqlite3 .import with only a UNIQUE key (cache 128 MiB), median: %.2f s in file order, %.2f s in key order"
          % (med["unique_key"], med["unique_key_sorted"]))

if __name__ == "__main__":
    main()
