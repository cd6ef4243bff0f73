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
import re
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request

PART = 8 << 20


class Server:
    """A `rowgate serve` process on port 0. `db` is a store spec (sqlite:PATH, postgresql://...)
    or a plain path, taken as SQLite; `extra` are more arguments for `serve`."""

    def __init__(self, rowgate, db, data, log, extra=()):
        spec = db if db.startswith(("sqlite:", "postgresql://", "postgres://")) else "sqlite:" + db
        self.proc = subprocess.Popen([rowgate, "serve", "--db", spec, "--data", data, "--port", "0", "--web", data,
                                      *extra], stdout=subprocess.PIPE, stderr=log, text=True)
        line = ""
        deadline = time.time() + 30
        while time.time() < deadline:
            line = self.proc.stdout.readline()
            m = re.search(r"serving on http://127\.0\.0\.1:(\d+)", line)
            if m:
                self.port = int(m.group(1))
                return
        raise RuntimeError("the server did not start: " + line)

    def alive(self):
        return self.proc.poll() is None

    def kill(self):
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait()

    def stop(self):
        if self.alive():
            self.proc.send_signal(signal.SIGTERM)
            self.proc.wait(timeout=60)


def call(port, key, method, path, body=None, raw=False, text=False):
    """One API call; (status, JSON answer), or the raw bytes with text=True."""
    data = body if raw else (json.dumps(body).encode() if body is not None else None)
    req = urllib.request.Request("http://127.0.0.1:%d%s" % (port, path), data=data, method=method,
                                 headers={"Authorization": "Bearer " + key})
    try:
        with urllib.request.urlopen(req, timeout=120) as r:
            payload = r.read()
            return r.status, (payload if text else json.loads(payload or b"null"))
    except urllib.error.HTTPError as e:
        return e.code, json.loads(e.read() or b"null")


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
    passed = failed = 0

    def check(ok, what):
        nonlocal passed, failed
        print(("ok   " if ok else "FAIL ") + what)
        if ok:
            passed += 1
        else:
            failed += 1

    with (tempfile.TemporaryDirectory(prefix="rowgate_kill_") if not a.keep else open(os.devnull)) as handle:
        tmp = a.keep if a.keep else handle
        os.makedirs(tmp, exist_ok=True)
        # What the file holds, by the core itself.
        results = os.path.join(tmp, "expected.jsonl")
        subprocess.run([a.rowgate, "check", a.file, "--template", "prospects", "--context", a.context,
                        "--results", results], stdout=subprocess.DEVNULL, check=False)
        expected = set()
        rows = 0
        with open(results, encoding="utf-8") as f:
            for line in f:
                r = json.loads(line)
                rows += 1
                if r["outcome"] in ("create", "update"):
                    expected.add(r["key"])
        groups = json.load(open(a.context))["sets"]["groups"]
        db = os.path.join(tmp, "store.db")
        data = os.path.join(tmp, "data")
        admin = [a.rowgate, "admin", "create-tenant", "Kill test", "--db", "sqlite:" + db]
        for g in groups:
            admin += ["--group", g]
        key = subprocess.run(admin, capture_output=True, text=True, check=True).stdout.strip()
        log = open(os.path.join(tmp, "server.log"), "w")
        server = Server(a.rowgate, db, data, log)
        status, created = call(server.port, key, "POST", "/api/v1/imports", {"template": "prospects", "dry_run": False})
        check(status == 201, "import created")
        import_id = created["id"]
        with open(a.file, "rb") as f:
            n = 1
            while True:
                chunk = f.read(PART)
                if not chunk:
                    break
                status, _ = call(server.port, key, "PUT", "/api/v1/imports/%s/parts/%d" % (import_id, n), chunk, raw=True)
                if status != 200:
                    check(False, "part %d uploaded (%d)" % (n, status))
                n += 1
        status, _ = call(server.port, key, "POST", "/api/v1/imports/%s/start" % import_id)
        check(status == 202, "import started")

        # Kill points: rows the checkpoint must have passed, spread over the file at random.
        points = sorted(rng.randint(rows // 20, rows * 9 // 10) for _ in range(a.kills))
        kills = 0
        for point in points:
            while True:
                status, st = call(server.port, key, "GET", "/api/v1/imports/" + import_id)
                if st["status"] in ("done", "failed", "cancelled") or st["progress"]["committed_row"] >= point:
                    break
                time.sleep(0.01)
            if st["status"] in ("done", "failed", "cancelled"):
                break
            server.kill()
            kills += 1
            print("killed with the checkpoint at row %d (kill point %d)" % (st["progress"]["committed_row"], point))
            server = Server(a.rowgate, db, data, log)
        check(kills == len(points), "killed the server %d times mid-commit (wanted %d)" % (kills, len(points)))
        # Then a graceful stop: SIGTERM mid-commit checkpoints the batch in hand and exits 0.
        status, st = call(server.port, key, "GET", "/api/v1/imports/" + import_id)
        if st["status"] not in ("done", "failed", "cancelled"):
            started = time.time()
            server.proc.send_signal(signal.SIGTERM)
            code = server.proc.wait(timeout=60)
            check(code == 0 and time.time() - started < 30,
                  "SIGTERM mid-commit: exit status %d after %.1f s" % (code, time.time() - started))
            server = Server(a.rowgate, db, data, log)
        deadline = time.time() + 300
        while time.time() < deadline:
            status, st = call(server.port, key, "GET", "/api/v1/imports/" + import_id)
            if st["status"] in ("done", "failed", "cancelled"):
                break
            time.sleep(0.05)
        check(st["status"] == "done", "the import ended done (%s)" % st["status"])
        server.stop()
        log.close()

        con = sqlite3.connect(db)
        stored = [r[0] for r in con.execute("SELECT email_key FROM partners")]
        con.close()
        check(len(stored) == len(set(stored)), "no row was written twice (%d rows, %d keys)" % (len(stored), len(set(stored))))
        check(set(stored) == expected, "the store holds exactly the %d valid rows of the file (missing %d, extra %d)"
              % (len(expected), len(expected - set(stored)), len(set(stored) - expected)))
        summary = st.get("summary") or {}
        check(summary.get("create", 0) + summary.get("update", 0) == len(expected),
              "the summary counts the valid rows (%s)" % json.dumps(summary))
    print("%d passed, %d failed" % (passed, failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
