#!/usr/bin/env python3
"""PostgreSQL benchmarks, run under tests/pg/with_pg.sh (which starts a throwaway server):

1. End-to-end commit of the generated 500,000-row prospects file into PostgreSQL: a fresh
   database, `rowgate serve --db postgresql://...`, the file uploaded in 8 MiB parts (kept in the
   database), started, validated, written (COPY into a staging table, one INSERT ... ON CONFLICT
   per batch, checkpoint in the same transaction), report files stored; timed from the first
   request until the status says done.
2. The baseline: `psql \\copy` of the same file into a fresh logged table with no constraints
   (validates nothing, all or nothing).
3. Concurrency: 4 tenants each import the file at once, through 2 servers on one database (two
   imports started on each); every tenant must end with exactly the file's valid rows.

Usage: tests/pg/with_pg.sh bench/server/pg_commit_bench.py --rowgate BIN --file prospects.csv \\
           --context groups.json [--runs 3] [--skip-concurrent]
"""
import argparse
import datetime
import json
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "tests", "server"))
from rowgate_server import Server, new_tenant, parts_of, psql, start, upload_all, wait  # noqa: E402


def admin_url(db):
    return re.sub(r"/[^/?]*$", "/" + db, os.environ["ROWGATE_TEST_PG_ADMIN"])


def app_url(db):
    return re.sub(r"/[^/?]*$", "/" + db, os.environ["ROWGATE_TEST_PG"])


def fresh_database(name):
    psql(admin_url("postgres"), "DROP DATABASE IF EXISTS %s" % name, "CREATE DATABASE %s OWNER rowgate" % name)
    return app_url(name)


def upload(port, key, parts):
    return upload_all(port, key, parts, timeout=300)


def wait_done(port, key, iid):
    return wait(port, key, iid, timeout=3600, every=0.005)


def log_time(line):
    """The wall-clock time of a server log line (its "ts", UTC to the millisecond)."""
    ts = re.search(r'"ts":"([^"]+)Z"', line).group(1)
    return datetime.datetime.strptime(ts, "%Y-%m-%dT%H:%M:%S.%f").replace(tzinfo=datetime.timezone.utc).timestamp()


def commit_once(a, tmp, run, parts):
    """One commit; returns (end to end, upload, sum of the batch transactions, after the last
    batch until done, the final status) in seconds."""
    db = fresh_database("bench_commit_%d" % run)
    key = new_tenant(a.rowgate, db, "Bench", a.context)
    log = open(os.path.join(tmp, "server-%d.log" % run), "w")
    server = Server(a.rowgate, db, os.path.join(tmp, "data-%d" % run), log)
    t0 = time.perf_counter()
    iid = upload(server.port, key, parts)
    t_upload = time.perf_counter()
    start(server.port, key, iid)
    st = wait_done(server.port, key, iid)
    t_end, wall_end = time.perf_counter(), time.time()
    server.stop()
    log.close()
    lines = [line for line in open(log.name) if '"batch committed"' in line]
    batches = [int(re.search(r'"ms":"(\d+)"', line).group(1)) for line in lines]
    # What follows the last batch: the report files copied into the database, then the status.
    after = wall_end - log_time(lines[-1]) if lines else 0.0
    return t_end - t0, t_upload - t0, sum(batches) / 1000.0, after, st


def copy_baseline(a, run):
    db = fresh_database("bench_copy_%d" % run)
    psql(db, "CREATE TABLE p (name text, email text, url text, grp text, first text, last text, descr text, pid text, "
             "country text)")
    header = open(a.file, encoding="utf-8", errors="replace").readline()
    columns = len(header.split(","))
    cols = ["name", "email", "url", "grp", "first", "last", "descr", "pid", "country"][:columns]
    t0 = time.perf_counter()
    psql(db, "\\copy p (%s) FROM '%s' WITH (FORMAT csv, HEADER true)" % (", ".join(cols), a.file))
    return time.perf_counter() - t0


def concurrent(a, tmp, parts, expected_valid):
    db = fresh_database("bench_concurrent")
    keys = [new_tenant(a.rowgate, db, "Tenant %d" % i, a.context) for i in range(4)]
    logs = [open(os.path.join(tmp, "concurrent-%d.log" % i), "w") for i in range(2)]
    servers = [Server(a.rowgate, db, os.path.join(tmp, "cdata-%d" % i), logs[i]) for i in range(2)]
    ids = [upload(servers[i % 2].port, keys[i], parts) for i in range(4)]
    t0 = time.perf_counter()
    for i in range(4):
        start(servers[i % 2].port, keys[i], ids[i])
    ends = []
    for i in range(4):
        st = wait_done(servers[(i + 1) % 2].port, keys[i], ids[i])  # asked of the other server
        ends.append((time.perf_counter() - t0, st))
    total = time.perf_counter() - t0
    for s in servers:
        s.stop()
    rows = psql(admin_url("bench_concurrent"),
                "SELECT t.name, count(p.id), count(DISTINCT p.email_key) FROM tenants t LEFT JOIN partners p "
                "ON p.tenant_id = t.id GROUP BY t.name ORDER BY t.name").splitlines()
    ran_on = {}
    for i, log in enumerate(logs):
        log.close()
        for m in re.finditer(r'"claimed import","import":"(\w+)"', open(log.name).read()):
            ran_on[m.group(1)] = i + 1
    return total, ends, rows, [ran_on.get(i, 0) for i in ids]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--rowgate", required=True)
    ap.add_argument("--file", required=True)
    ap.add_argument("--context", required=True)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--skip-concurrent", action="store_true")
    ap.add_argument("--concurrent-only", action="store_true")
    a = ap.parse_args()
    parts = list(parts_of(a.file))
    size = os.path.getsize(a.file)
    with tempfile.TemporaryDirectory(prefix="rowgate_pgbench_") as tmp:
        totals, uploads, writes, afters, valid = [], [], [], [], 0
        if a.concurrent_only:
            # The file's valid rows, as the core counts them (the single runs would have said).
            out = subprocess.run([a.rowgate, "check", a.file, "--template", "prospects", "--context", a.context, "--json"],
                                 capture_output=True, text=True)
            summary = json.loads(out.stdout)["summary"]
            valid = summary["create"] + summary["update"]
            a.runs = 0
        for run in range(a.runs):
            total, up, written, after, st = commit_once(a, tmp, run, parts)
            totals.append(total)
            uploads.append(up)
            writes.append(written)
            afters.append(after)
            valid = st["summary"]["create"] + st["summary"]["update"]
            print("commit: %.2f s (upload %.2f s, batches %.2f s, after the last batch %.2f s), %s"
                  % (total, up, written, after, json.dumps(st["summary"])), flush=True)
        copies = [copy_baseline(a, run) for run in range(a.runs)]
        for c in copies:
            print("psql \\copy: %.2f s" % c, flush=True)
        if a.runs:
            med, base = statistics.median(totals), statistics.median(copies)
            print("rowgate commit into PostgreSQL, median of %d: %.2f s end to end (%.0f MB/s), upload %.2f s, batches %.2f s, "
                  "after the last batch %.2f s" % (a.runs, med, size / med / 1e6, statistics.median(uploads),
                                                   statistics.median(writes), statistics.median(afters)))
            print("psql \\copy into a logged table, median of %d: %.2f s; ratio %.2fx (target at most 1.5x)"
                  % (a.runs, base, med / base))
        if not a.skip_concurrent:
            total, ends, rows, ran_on = concurrent(a, tmp, parts, valid)
            for i, (t, st) in enumerate(ends):
                print("tenant %d: %s after %.2f s, ran on server %d, summary %s"
                      % (i, st["status"], t, ran_on[i], json.dumps(st["summary"])))
            exact = all(r.split("|")[1] == r.split("|")[2] == str(valid) for r in rows)
            print("4 tenants on 2 servers: all done in %.2f s; stored per tenant (rows|distinct keys): %s; exact: %s"
                  % (total, ", ".join(rows), "yes" if exact else "NO"))


if __name__ == "__main__":
    main()
