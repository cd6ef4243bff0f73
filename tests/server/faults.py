#!/usr/bin/env python3
"""Fault runs against a real `rowgate serve` on a real SQLite file (loopback only).

Scenarios (--scenario, repeatable; default all):
  kills      SIGKILL the server at random moments (not only after checkpoints: during
             validation, mid-batch, while writing the files), --kills times, restarting it
             each time; the import must end done with every valid row stored exactly once.
  disk-full  the data folder on a small tmpfs: a part that does not fit is refused with a
             clear 507 and the server keeps serving; an import whose report files do not fit
             fails with a clear status and writes no row twice; once space is freed, an
             import goes through.
  db-locked  another process holds the SQLite write lock mid-commit, first for less than the
             server's busy timeout (the import goes on), then for longer (the runner waits
             and resumes the import from its checkpoint); either way it ends done with every
             valid row once, and the API keeps answering reads meanwhile.

Usage: faults.py --rowgate BIN --file prospects.csv --context groups.json [--kills 20] [--seed 1]
Prints "N passed, N failed" last. disk-full needs root (it mounts a tmpfs).
"""
import argparse
import json
import os
import random
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time

from rowgate_server import (COMMIT, ENDED, PART, Checks, Outcomes, Server, call, new_tenant, parts_of, stored_keys,
                            upload, wait)


def check_exactly_once(run, db, tenant_name, expected, complete, what):
    keys = stored_keys(db, tenant_name)
    run.check(len(keys) == len(set(keys)), "%s: no row written twice (%d rows, %d keys)" % (what, len(keys), len(set(keys))))
    extra = set(keys) - expected
    if complete:
        missing = expected - set(keys)
        run.check(not missing and not extra, "%s: exactly the %d valid rows are stored (missing %d, extra %d)"
                  % (what, len(expected), len(missing), len(extra)))
    else:
        run.check(not extra, "%s: only valid rows of the file are stored (%d of %d, extra %d)"
                  % (what, len(set(keys)), len(expected), len(extra)))


def scenario_kills(run, a, tmp, rng):
    db = os.path.join(tmp, "kills.db")
    data = os.path.join(tmp, "kills-data")
    expected = Outcomes(a.rowgate, a.file, a.context).keys
    key = new_tenant(a.rowgate, db, "Kills", a.context)
    log = open(os.path.join(tmp, "kills.log"), "w")
    server = Server(a.rowgate, db, data, log)
    # The first kill lands while a part is on its way; the client sends that part again.
    status, created = call(server.port, key, "POST", "/api/v1/imports", COMMIT)
    import_id = created["id"]
    parts = (os.path.getsize(a.file) + PART - 1) // PART
    kill_part = rng.randint(1, parts)
    uploaded = 0
    for n, chunk in enumerate(parts_of(a.file), 1):
        if n == kill_part:
            timer = threading.Timer(rng.uniform(0.0, 0.05), server.kill)
            timer.start()
            try:
                call(server.port, key, "PUT", "/api/v1/imports/%s/parts/%d" % (import_id, n), chunk, raw=True)
            except OSError:
                pass  # the connection died with the server
            timer.join()
            server = Server(a.rowgate, db, data, log)
        status, _ = call(server.port, key, "PUT", "/api/v1/imports/%s/parts/%d" % (import_id, n), chunk, raw=True)
        uploaded += status == 200
    kills = 1
    phases = {"uploading": 1}
    print("kill 1: uploading, during part %d of %d" % (kill_part, parts), flush=True)
    run.check(uploaded == parts, "kills: every part uploaded, one of them again after a kill (%d of %d)" % (uploaded, parts))
    status, _ = call(server.port, key, "POST", "/api/v1/imports/%s/start" % import_id)
    run.check(status == 202, "kills: import started")
    while kills < a.kills:
        # A random moment of this process's life: validation, a batch, the files, or the end.
        time.sleep(rng.uniform(0.02, a.max_delay))
        _, st = call(server.port, key, "GET", "/api/v1/imports/" + import_id)
        if st["status"] in ENDED:
            break
        server.kill()
        kills += 1
        phases[st["status"]] = phases.get(st["status"], 0) + 1
        print("kill %d: %s, checkpoint at row %d" % (kills, st["status"], st["progress"]["committed_row"]), flush=True)
        server = Server(a.rowgate, db, data, log)
    st = wait(server.port, key, import_id)
    server.stop()
    log.close()
    print("kills by phase: %s" % json.dumps(phases))
    run.check(kills == a.kills, "kills: %d SIGKILLs at random moments before the import ended (wanted %d)" % (kills, a.kills))
    run.check(st.get("status") == "done", "kills: the import ended done (%s %s)" % (st.get("status"), st.get("error", "")))
    check_exactly_once(run, db, "Kills", expected, True, "kills")
    summary = st.get("summary") or {}
    run.check(summary.get("create", 0) + summary.get("update", 0) == len(expected),
              "kills: the summary counts the valid rows (%s)" % json.dumps(summary))


def head_of(path, out, rows):
    with open(path, "rb") as src, open(out, "wb") as dst:
        for i, line in enumerate(src):
            if i > rows:
                break
            dst.write(line)


def scenario_disk_full(run, a, tmp, rng):
    if os.geteuid() != 0:
        run.check(False, "disk-full: needs root to mount a tmpfs")
        return
    data = os.path.join(tmp, "full-data")
    os.makedirs(data)
    # 24 MiB: the 30,000-row file's parts and report files fit, the big file's parts do not.
    subprocess.run(["mount", "-t", "tmpfs", "-o", "size=24m", "tmpfs", data], check=True)
    try:
        db = os.path.join(tmp, "full.db")
        key = new_tenant(a.rowgate, db, "Full", a.context)
        log = open(os.path.join(tmp, "full.log"), "w")
        server = Server(a.rowgate, db, data, log)
        big_id, refused = upload(server.port, key, a.file)
        ok = refused is not None and refused[1] == 507 and (refused[2] or {}).get("error", {}).get("code") == "storage_full"
        run.check(ok, "disk-full: a part that does not fit is refused with 507 storage_full (%s)" % (refused,))
        status, _ = call(server.port, key, "GET", "/api/v1/groups")
        run.check(status == 200, "disk-full: the server keeps answering (%d)" % status)
        status, _ = call(server.port, key, "DELETE", "/api/v1/imports/" + big_id)
        run.check(status in (200, 202), "disk-full: the refused import can be cancelled (%d)" % status)
        # Space is free again once the cancelled import's parts are gone.
        small = os.path.join(tmp, "small.csv")
        head_of(a.file, small, 30000)
        expected = Outcomes(a.rowgate, small, a.context).keys
        small_id, refused = upload(server.port, key, small)
        run.check(refused is None, "disk-full: after freeing space, a smaller file uploads (%s)" % (refused,))
        status, _ = call(server.port, key, "POST", "/api/v1/imports/%s/start" % small_id)
        st = wait(server.port, key, small_id)
        run.check(st.get("status") == "done", "disk-full: that import ends done (%s %s)" % (st.get("status"), st.get("error")))
        check_exactly_once(run, db, "Full", expected, True, "disk-full")
        # Fill the disk, then an import whose report files cannot be written fails clearly.
        filler = os.path.join(data, "filler")
        with open(filler, "wb") as f:
            try:
                while True:
                    f.write(b"\0" * (1 << 20))
                    f.flush()
            except OSError:
                pass
        os.truncate(filler, max(0, os.path.getsize(filler) - (8 << 20)))  # room for the parts, not the files
        again_id, refused = upload(server.port, key, small)
        run.check(refused is None, "disk-full: the parts of a second import fit (%s)" % (refused,))
        call(server.port, key, "POST", "/api/v1/imports/%s/start" % again_id)
        st = wait(server.port, key, again_id)
        run.check(st.get("status") == "failed" and st.get("error"),
                  "disk-full: an import whose files do not fit fails with a clear error (%s: %s)"
                  % (st.get("status"), st.get("error")))
        check_exactly_once(run, db, "Full", expected, True, "disk-full, second import")
        status, _ = call(server.port, key, "GET", "/healthz")
        run.check(status == 200, "disk-full: /healthz still answers (%d)" % status)
        server.stop()
        log.close()
    finally:
        subprocess.run(["umount", "-l", data], check=False)


def hold_lock(db, seconds, started):
    con = sqlite3.connect(db, timeout=60, isolation_level=None)
    con.execute("BEGIN EXCLUSIVE")
    started.set()
    time.sleep(seconds)
    con.execute("ROLLBACK")
    con.close()


def scenario_db_locked(run, a, tmp, rng):
    expected = Outcomes(a.rowgate, a.file, a.context).keys
    for seconds, name in ((3, "short"), (a.lock_seconds, "long")):
        db = os.path.join(tmp, "locked-%s.db" % name)
        data = os.path.join(tmp, "locked-%s-data" % name)
        tenant = "Locked " + name
        key = new_tenant(a.rowgate, db, tenant, a.context)
        log = open(os.path.join(tmp, "locked-%s.log" % name), "w")
        server = Server(a.rowgate, db, data, log)
        import_id, refused = upload(server.port, key, a.file)
        call(server.port, key, "POST", "/api/v1/imports/%s/start" % import_id)
        wait(server.port, key, import_id, until=lambda st: st["progress"]["committed_row"] > 0, every=0.01)
        started = threading.Event()
        holder = threading.Thread(target=hold_lock, args=(db, seconds, started))
        holder.start()
        started.wait()
        t0 = time.time()
        status, _ = call(server.port, key, "GET", "/api/v1/imports/" + import_id)
        run.check(status == 200 and time.time() - t0 < 2,
                  "db-locked %s: the API answers reads while the store is locked (%.2f s)" % (name, time.time() - t0))
        holder.join()
        st = wait(server.port, key, import_id)
        server.stop()
        log.close()
        how = "waits" if seconds < 10 else "resumes from its checkpoint"
        run.check(st.get("status") == "done", "db-locked %s (%d s): the import %s and ends done (%s %s)"
                  % (name, seconds, how, st.get("status"), st.get("error")))
        check_exactly_once(run, db, tenant, expected, True, "db-locked " + name)


SCENARIOS = {"kills": scenario_kills, "disk-full": scenario_disk_full, "db-locked": scenario_db_locked}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--rowgate", required=True)
    ap.add_argument("--file", required=True)
    ap.add_argument("--context", required=True)
    ap.add_argument("--scenario", action="append", choices=sorted(SCENARIOS))
    ap.add_argument("--kills", type=int, default=20)
    ap.add_argument("--max-delay", type=float, default=2.0, help="longest wait before a kill, in seconds")
    ap.add_argument("--lock-seconds", type=float, default=15.0,
                    help="the long lock (past the server's 10 s busy timeout; it waits up to 10 minutes)")
    ap.add_argument("--seed", type=int, default=int(time.time()))
    a = ap.parse_args()
    print("seed %d" % a.seed, flush=True)
    rng = random.Random(a.seed)
    run = Checks()
    with tempfile.TemporaryDirectory(prefix="rowgate_faults_") as tmp:
        for name in a.scenario or list(SCENARIOS):
            started = time.time()
            try:
                SCENARIOS[name](run, a, tmp, rng)
            except Exception as e:  # a scenario that breaks is a failure, and the others still run
                run.check(False, "%s: %s: %s" % (name, type(e).__name__, e))
            print("%s: %.1f s" % (name, time.time() - started), flush=True)
    return run.report()


if __name__ == "__main__":
    sys.exit(main())
