#!/usr/bin/env python3
"""Kill test: commit a generated prospects file, SIGKILL the server at several points of the
commit, restart it each time, and check that the store ends holding exactly the valid rows of
the file, once each (the same rows `rowgate check` calls create or update).

Usage: kill_test.py --rowgate BIN --file prospects.csv --context groups.json [--kills 3] [--seed 1]
Prints "N passed, N failed" last. Only talks to 127.0.0.1.
"""
import argparse
import json
import os
import random
import signal
import sys
import time

from rowgate_server import (COMMIT, ENDED, Checks, Outcomes, Server, call, new_tenant, put_parts, stored_keys, wait,
                            work_folder)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--rowgate", required=True)
    ap.add_argument("--file", required=True)
    ap.add_argument("--context", required=True)
    ap.add_argument("--kills", type=int, default=3)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--keep", help="work in this folder and keep it (for a look after a failure)")
    a = ap.parse_args()
    rng = random.Random(a.seed)
    run = Checks()
    check = run.check

    with work_folder("rowgate_kill_", a.keep) as tmp:
        # What the file holds, by the core itself.
        expected = Outcomes(a.rowgate, a.file, a.context, os.path.join(tmp, "expected.jsonl"))
        db = os.path.join(tmp, "store.db")
        data = os.path.join(tmp, "data")
        key = new_tenant(a.rowgate, db, "Kill test", a.context)
        log = open(os.path.join(tmp, "server.log"), "w")
        server = Server(a.rowgate, db, data, log)
        status, created = call(server.port, key, "POST", "/api/v1/imports", COMMIT)
        check(status == 201, "import created")
        import_id = created["id"]
        _, refused = put_parts(server.port, key, import_id, a.file)
        if refused:
            check(False, "part %d uploaded (%d)" % refused[:2])
        status, _ = call(server.port, key, "POST", "/api/v1/imports/%s/start" % import_id)
        check(status == 202, "import started")

        # Kill points: rows the checkpoint must have passed, spread over the file at random.
        rows = expected.rows
        points = sorted(rng.randint(rows // 20, rows * 9 // 10) for _ in range(a.kills))
        kills = 0
        for point in points:
            st = wait(server.port, key, import_id, until=lambda st: st["progress"]["committed_row"] >= point,
                      every=0.01)
            if st["status"] in ENDED:
                break
            server.kill()
            kills += 1
            print("killed with the checkpoint at row %d (kill point %d)" % (st["progress"]["committed_row"], point))
            server = Server(a.rowgate, db, data, log)
        check(kills == len(points), "killed the server %d times mid-commit (wanted %d)" % (kills, len(points)))
        # Then a graceful stop: SIGTERM mid-commit checkpoints the batch in hand and exits 0.
        status, st = call(server.port, key, "GET", "/api/v1/imports/" + import_id)
        if st["status"] not in ENDED:
            started = time.time()
            server.proc.send_signal(signal.SIGTERM)
            code = server.proc.wait(timeout=60)
            check(code == 0 and time.time() - started < 30,
                  "SIGTERM mid-commit: exit status %d after %.1f s" % (code, time.time() - started))
            server = Server(a.rowgate, db, data, log)
        st = wait(server.port, key, import_id)
        check(st.get("status") == "done", "the import ended done (%s)" % st.get("status"))
        server.stop()
        log.close()

        stored = stored_keys(db)
        check(len(stored) == len(set(stored)), "no row was written twice (%d rows, %d keys)" % (len(stored), len(set(stored))))
        check(set(stored) == expected.keys, "the store holds exactly the %d valid rows of the file (missing %d, extra %d)"
              % (len(expected.keys), len(expected.keys - set(stored)), len(set(stored) - expected.keys)))
        summary = st.get("summary") or {}
        check(summary.get("create", 0) + summary.get("update", 0) == len(expected.keys),
              "the summary counts the valid rows (%s)" % json.dumps(summary))
    return run.report()

if __name__ == "__main__":
    sys.exit(main())
