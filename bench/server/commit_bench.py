#!/usr/bin/env python3
"""End-to-end commit benchmark: a fresh SQLite store, `rowgate serve` on loopback, the generated
500,000-row prospects file uploaded in 8 MiB parts, validated, written and its report files
produced; timed from the first request to the import's end.

The bound it is held to (issue #17): the same file written by `sqlite3` itself into the same
schema (a store made by `rowgate admin create-tenant`: the same tables and indexes, WAL,
synchronous=FULL, the server's cache size) with the same create-or-update semantics: `.import`
into a staging table, then in one transaction one `INSERT ... SELECT ... ON CONFLICT (tenant_id,
email_key) DO UPDATE` into partners and one `INSERT OR IGNORE` of the group memberships. It
validates nothing and writes no report. The staging rows are inserted in key order, the fastest
order for the unique index (the yardstick is made as fast as it can be; file order is timed too).

For reference it also times `sqlite3 .import` of the same file into a fresh database: into a
plain table, with CHECK/UNIQUE constraints, and with only the unique key index, in file order and
in key order.

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


BOUND_SQL = """
PRAGMA journal_mode=WAL;
PRAGMA synchronous=FULL;
PRAGMA cache_size=-131072;
PRAGMA temp_store=MEMORY;
CREATE TEMP TABLE stage (name TEXT, email TEXT, url TEXT, grp TEXT, first TEXT, last TEXT, descr TEXT, pid TEXT);
.mode csv
.import --skip 1 {file} stage
BEGIN;
INSERT INTO partners (tenant_id, email_key, partner_id, name, email, url, first_name, last_name, description,
                      created_import, updated_import, created_at, updated_at)
  SELECT 1, lower(trim(email)), NULLIF(trim(pid), ''), trim(name), trim(email), trim(url), trim(first), trim(last),
         trim(descr), 'bound', 'bound', unixepoch(), unixepoch()
  FROM stage WHERE true {order}
  ON CONFLICT (tenant_id, email_key) DO UPDATE SET
    partner_id = COALESCE(excluded.partner_id, partner_id), name = excluded.name, email = excluded.email,
    url = excluded.url, first_name = excluded.first_name, last_name = excluded.last_name,
    description = excluded.description, updated_import = excluded.updated_import, updated_at = excluded.updated_at;
INSERT OR IGNORE INTO partner_groups (partner_row, group_name, tenant_id)
  SELECT id, grp, 1 FROM (
    SELECT p.id AS id, trim(s.grp) AS grp FROM stage s CROSS JOIN partners p  -- each staged row finds its partner by key
      ON p.tenant_id = 1 AND p.email_key = lower(trim(s.email)) WHERE trim(s.grp) <> '')
  ORDER BY id;  -- the membership index grows at its end
COMMIT;
"""


def sqlite_bound(a, tmp, order):
    """sqlite3 doing the commit's write: the same schema, staging, one upsert, the memberships."""
    db = os.path.join(tmp, "bound.db")
    new_tenant(a.rowgate, db, "Bound", a.context)
    script = BOUND_SQL.format(file=a.file, order="ORDER BY lower(trim(email))" if order == "key" else "")
    t0 = time.perf_counter()
    done = subprocess.run(["sqlite3", db], input=script, text=True, capture_output=True)
    t = time.perf_counter() - t0
    if done.returncode != 0 or done.stderr.strip():
        sys.exit("the bound failed: " + done.stderr[:500])
    count = subprocess.run(["sqlite3", db, "SELECT count(*) FROM partners"], text=True, capture_output=True).stdout.strip()
    for name in os.listdir(tmp):
        if name.startswith("bound.db"):
            os.remove(os.path.join(tmp, name))
    return t, int(count)


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
    ap.add_argument("--bound-only", action="store_true", help="skip the sqlite3 .import reference figures")
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
        bounds = {}
        for order in ("key", "file"):
            runs = [sqlite_bound(a, tmp, order) for _ in range(a.runs)]
            bounds[order] = statistics.median(t for t, _ in runs)
            print("bound (sqlite3: staging, upsert, memberships; %s order), median: %.2f s, %d partners"
                  % (order, bounds[order], runs[0][1]))
    bound = min(bounds.values())
    print("rowgate commit / bound: %.2f (target <= 1.25)" % (med / bound))
    if a.bound_only:
        return
    with tempfile.TemporaryDirectory(prefix="rowgate_bench_") as tmp:
        med = {schema: statistics.median(sqlite_import(a.file, tmp, schema) for _ in range(a.runs)) for schema in SCHEMAS}
        in_key_order = sorted_by_key(a.file, tmp)
        med["unique_key_sorted"] = statistics.median(sqlite_import(in_key_order, tmp, "unique_key") for _ in range(a.runs))
    print("sqlite3 .import, median: %.2f s plain, %.2f s with CHECK/UNIQUE constraints" % (med["plain"], med["checked"]))
    print("sqlite3 .import with only a UNIQUE key (cache 128 MiB), median: %.2f s in file order, %.2f s in key order"
          % (med["unique_key"], med["unique_key_sorted"]))

if __name__ == "__main__":
    main()
