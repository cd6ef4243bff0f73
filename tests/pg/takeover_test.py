#!/usr/bin/env python3
"""Take-over test: two `rowgate serve` processes on one PostgreSQL database. The generated
prospects file is uploaded in parts spread over both servers, the import started on the first;
the server that holds its lease is SIGKILLed mid-commit, and the other one, once the lease has
expired, claims the import and finishes it from the checkpoint. Then the database must hold every
valid row of the file exactly once, and the survivor answers the import's report files.

Run under tests/pg/with_pg.sh (it sets ROWGATE_TEST_PG and ROWGATE_TEST_PG_ADMIN).
Usage: takeover_test.py --rowgate BIN --file prospects.csv --context groups.json [--lease 3] [--seed 1]
Prints "N passed, N failed" last. Only talks to 127.0.0.1.
"""
import argparse
import csv
import io
import json
import os
import random
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "server"))
from rowgate_server import (ENDED, Checks, Outcomes, Server, call, new_tenant, psql,  # noqa: E402
                            put_parts, wait)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--rowgate", required=True)
    ap.add_argument("--file", required=True)
    ap.add_argument("--context", required=True)
    ap.add_argument("--lease", type=int, default=3)
    ap.add_argument("--seed", type=int, default=1)
    a = ap.parse_args()
    db = os.environ.get("ROWGATE_TEST_PG")
    admin = os.environ.get("ROWGATE_TEST_PG_ADMIN")
    run = Checks()
    check = run.check
    if not db or not admin:
        check(False, "ROWGATE_TEST_PG is set (run under tests/pg/with_pg.sh)")
        return run.report()
    rng = random.Random(a.seed)
    with tempfile.TemporaryDirectory(prefix="rowgate_takeover_") as tmp:
        outcomes = Outcomes(a.rowgate, a.file, a.context)
        expected, rows = outcomes.keys, outcomes.rows
        key = new_tenant(a.rowgate, db, "Take-over test", a.context)
        logs = [open(os.path.join(tmp, "server-%d.log" % i), "w") for i in (0, 1)]
        servers = [Server(a.rowgate, db, os.path.join(tmp, "data-%d" % i), logs[i], ["--lease-seconds", str(a.lease)]) for i in (0, 1)]

        status, created = call(servers[0].port, key, "POST", "/api/v1/imports", {"template": "prospects"})
        check(status == 201, "import created on server 1")
        import_id = created["id"]
        # Parts go to either server: both keep them in the database.
        parts, refused = put_parts([s.port for s in servers], key, import_id, a.file)
        check(refused is None, "%d parts uploaded, alternately to both servers" % parts)
        status, _ = call(servers[0].port, key, "POST", "/api/v1/imports/%s/start" % import_id)
        check(status == 202, "import started on server 1")

        # Mid-commit: once the checkpoint has passed a random point, kill whichever server holds
        # the lease (any server answers the status).
        point = rng.randint(rows // 10, rows // 2)
        st = wait(servers[1].port, key, import_id, until=lambda st: st["progress"]["committed_row"] >= point, every=0.01)
        owner = psql(admin, "SELECT lease_owner FROM imports WHERE id = '%s'" % import_id).strip()
        holder = None
        for i, s in enumerate(servers):
            if ":%d:" % s.proc.pid in owner:
                holder = i
        check(st.get("status") == "committing" and holder is not None,
              "mid-commit (%s, checkpoint at row %d of %d) with the lease held by server %s (%s)"
              % (st.get("status"), st.get("progress", {}).get("committed_row", 0), rows,
                 holder + 1 if holder is not None else "?", owner))
        if holder is None:
            holder = 0
        # The lease the dead server leaves: nobody may take the import before it runs out.
        remaining = float(psql(admin, "SELECT extract(epoch FROM lease_until - clock_timestamp()) FROM imports WHERE id = '%s'"
                               % import_id).strip())
        killed_at = time.time()
        servers[holder].kill()
        survivor = servers[1 - holder]
        print("killed server %d (pid %d) with the checkpoint at row %d"
              % (holder + 1, servers[holder].proc.pid, st["progress"]["committed_row"]), flush=True)

        taken_after = None
        deadline = time.time() + 600
        while time.time() < deadline:
            status, st = call(survivor.port, key, "GET", "/api/v1/imports/" + import_id)
            if taken_after is None:
                owner = psql(admin, "SELECT lease_owner FROM imports WHERE id = '%s'" % import_id).strip()
                if ":%d:" % survivor.proc.pid in owner or st["status"] in ("done", "failed"):
                    taken_after = time.time() - killed_at
            if st["status"] in ENDED:
                break
            time.sleep(0.05)
        ended = time.time() - killed_at
        check(taken_after is not None and taken_after + 0.2 >= remaining,
              "the other server took the import over once the lease had expired (%.1f s after the kill; the lease "
              "had %.1f s left of %d s)" % (taken_after or -1, remaining, a.lease))
        check(st["status"] == "done", "the import ended done on the other server (%s, %.1f s after the kill)"
              % (st["status"], ended))
        summary = st.get("summary") or {}
        check(summary.get("create", 0) + summary.get("update", 0) == len(expected),
              "the summary counts the valid rows (%s)" % json.dumps(summary))

        counts = psql(admin, "SELECT count(*), count(DISTINCT email_key) FROM partners").strip().split("|")
        stored = set(psql(admin, "SELECT email_key FROM partners").split())
        check(counts[0] == counts[1], "no row was written twice (%s rows, %s keys)" % (counts[0], counts[1]))
        check(stored == expected, "the database holds exactly the %d valid rows of the file (missing %d, extra %d)"
              % (len(expected), len(expected - stored), len(stored - expected)))
        memberships = int(psql(admin, "SELECT count(*) FROM partner_groups").strip())
        check(memberships == outcomes.with_group, "one group membership per valid row with a group (%d of %d)"
              % (memberships, outcomes.with_group))

        status, errors = call(survivor.port, key, "GET", "/api/v1/imports/%s/errors.csv" % import_id, text=True)
        check(status == 200 and errors.startswith(b"row,line,column,field,code"), "the survivor answers errors.csv")
        status, results_csv = call(survivor.port, key, "GET", "/api/v1/imports/%s/results.csv" % import_id, text=True)
        records = len(list(csv.reader(io.StringIO(results_csv.decode("utf-8"))))) if status == 200 else 0
        check(records == rows + 1, "the survivor answers results.csv, one record per row (%d)" % (records - 1))
        leftovers = int(psql(admin, "SELECT count(*) FROM import_parts WHERE data IS NOT NULL").strip())
        check(leftovers == 0, "the uploaded parts were dropped from the database once done (%d left)" % leftovers)
        survivor.stop()
        for log in logs:
            log.close()
    return run.report()


if __name__ == "__main__":
    sys.exit(main())
