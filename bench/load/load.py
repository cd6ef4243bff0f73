#!/usr/bin/env python3
"""Load run (issue #7, part 4): wrk on the partners, context and status routes while a
500,000-row import commits, then 8 tenants committing a 100,000-row import each at once.

Phase 0 (baseline, --no-baseline skips it): a fresh store, a tenant seeded with SEED_FILE, the
  big file committed with nothing else running; its commit time.
Phase 1 (under load): the same on another fresh store, but as soon as the big import is started
  `wrk -tT -cC -dDs --latency -s auth.lua URL -- KEY IMPORT_ID` runs (auth.lua rotates
  GET /api/v1/partners?limit=50, GET /api/v1/context?template=prospects and
  GET /api/v1/imports/ID). Reports wrk's requests/s, p50, p99, socket errors and non-2xx/3xx
  answers, the server's own per-route counts and latency buckets (/metrics before and after),
  and how long the import took. The store must end with the seed's and the file's valid keys.
Phase 2 (8 tenants): a fresh store and server, 8 tenants, each uploading and starting its own
  100,000-row file from its own thread at once; for each, the summary is compared with
  `rowgate check --results` outcomes and the tenant's rows in SQLite with the file's valid keys.

Usage: load.py --rowgate BIN --file BIG.csv --seed-file SEED.csv --tenant-file F1.csv ... \
               --context CONTEXT.json --lua auth.lua [--connections 100] [--duration 30]
Prints a results table and "N passed, N failed" last. Only talks to 127.0.0.1.
"""
import argparse
import json
import os
import re
import subprocess
import sys
import threading
import time
import urllib.request

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "tests", "server"))
from rowgate_server import (Checks, Outcomes, Server, new_tenant, start, stored_keys,  # noqa: E402
                            upload_all, wait, work_folder)

run = Checks()
check = run.check


def loadavg():
    return "%.2f %.2f %.2f" % os.getloadavg()


def metrics(port):
    """(requests by (route, status), histogram buckets by route as [(le, cumulative)])."""
    with urllib.request.urlopen("http://127.0.0.1:%d/metrics" % port, timeout=60) as r:
        text = r.read().decode()
    reqs, buckets = {}, {}
    for line in text.splitlines():
        m = re.match(r'rowgate_http_requests_total\{route="([^"]*)",status="(\d+)"\} (\d+)', line)
        if m:
            reqs[(m.group(1), m.group(2))] = int(m.group(3))
            continue
        m = re.match(r'rowgate_http_request_seconds_bucket\{route="([^"]*)",le="([^"]*)"\} (\d+)', line)
        if m:
            le = float("inf") if m.group(2) == "+Inf" else float(m.group(2))
            buckets.setdefault(m.group(1), []).append((le, int(m.group(3))))
    return reqs, buckets


def bucket_percentile(before, after, q):
    """The upper bound of the histogram bucket holding the q-th percentile of the requests
    counted between two scrapes (a bound, not an exact figure)."""
    b = dict(before or [])
    delta = [(le, c - b.get(le, 0)) for le, c in sorted(after)]
    total = delta[-1][1] if delta else 0
    if total == 0:
        return None
    for le, c in delta:
        if c >= total * q / 100.0:
            return le
    return float("inf")


def fmt_le(le):
    if le is None:
        return "-"
    if le == float("inf"):
        return "> largest bucket"
    return "<= %g ms" % (le * 1000)


UNITS = {"us": 1e-3, "ms": 1.0, "s": 1e3, "m": 60e3}


def ms(text):
    m = re.match(r"([\d.]+)(us|ms|s|m)$", text)
    return float(m.group(1)) * UNITS[m.group(2)] if m else None


def parse_wrk(out):
    r = {"rps": None, "p50": None, "p99": None, "requests": None, "connect": 0, "read": 0, "write": 0,
         "timeout": 0, "non2xx": 0, "transfer": ""}
    for line in out.splitlines():
        s = line.strip()
        m = re.match(r"Requests/sec:\s+([\d.]+)", s)
        if m:
            r["rps"] = float(m.group(1))
        m = re.match(r"(50|99)%\s+(\S+)", s)
        if m:
            r["p" + m.group(1)] = ms(m.group(2))
        m = re.match(r"(\d+) requests in ([\d.]+\w+), (\S+) read", s)
        if m:
            r["requests"] = int(m.group(1))
            r["transfer"] = m.group(3)
        m = re.match(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", s)
        if m:
            r["connect"], r["read"], r["write"], r["timeout"] = map(int, m.groups())
        m = re.match(r"Non-2xx or 3xx responses: (\d+)", s)
        if m:
            r["non2xx"] = int(m.group(1))
    return r


def seeded_server(a, tmp, tag):
    """A fresh store with one tenant seeded with the seed file (committed, done)."""
    db = os.path.join(tmp, tag + ".db")
    data = os.path.join(tmp, tag + "-data")
    name = "Load " + tag
    key = new_tenant(a.rowgate, db, name, a.context)
    log = open(os.path.join(tmp, tag + "-server.log"), "w")
    server = Server(a.rowgate, db, data, log)
    iid = upload_all(server.port, key, a.seed_file)
    start(server.port, key, iid)
    st = wait(server.port, key, iid, timeout=900, every=0.1)
    check(st["status"] == "done", "%s: the seed import (%s) ended done (%s)" % (tag, os.path.basename(a.seed_file), st["status"]))
    return db, name, key, server, log


def commit_big(a, tmp, tag, under_load):
    db, name, key, server, log = seeded_server(a, tmp, tag)
    port = server.port
    t_up = time.perf_counter()
    iid = upload_all(port, key, a.file)
    upload_s = time.perf_counter() - t_up
    wrk = None
    m0 = metrics(port) if under_load else None
    seen = []
    result = {}

    def follow():
        result["st"] = wait(port, key, iid, timeout=900, every=0.2, seen=seen)
        result["end"] = time.perf_counter()

    t0 = time.perf_counter()
    start(port, key, iid)
    seen.append((t0, "started"))
    poller = threading.Thread(target=follow)
    poller.start()
    load_before = loadavg()
    if under_load:
        cmd = ["wrk", "-t%d" % a.threads, "-c%d" % a.connections, "-d%ds" % a.duration, "--latency"]
        if a.wrk_timeout:
            cmd += ["--timeout", a.wrk_timeout]
        cmd += ["-s", a.lua, "http://127.0.0.1:%d" % port, "--", key, iid]
        t_wrk = time.perf_counter()
        wrk = subprocess.run(cmd, capture_output=True, text=True)
        wrk_s = time.perf_counter() - t_wrk
        load_after = loadavg()
        m1 = metrics(port)
    poller.join()
    st = result["st"]
    commit_s = result["end"] - t0
    stored = stored_keys(db, name)
    server.stop()
    log.close()
    out = {"tag": tag, "db": db, "name": name, "status": st["status"], "summary": st.get("summary") or {},
           "commit_s": commit_s, "upload_s": upload_s, "stored": stored, "load_before": load_before,
           "phases": [(round(t - t0, 2), s) for t, s in seen]}
    if under_load:
        out.update({"wrk_cmd": " ".join(cmd[:-2] + ["KEY", "IMPORT_ID"]), "wrk_out": wrk.stdout, "wrk_err": wrk.stderr,
                    "wrk_rc": wrk.returncode, "wrk_s": wrk_s, "load_after": load_after, "m0": m0, "m1": m1,
                    "wrk": parse_wrk(wrk.stdout)})
    return out


def phase1(a, tmp):
    print("== expected outcomes (rowgate check)", flush=True)
    seed, big = Outcomes(a.rowgate, a.seed_file, a.context), Outcomes(a.rowgate, a.file, a.context)
    seed_counts, seed_keys, big_counts, big_keys = seed.counts, seed.keys, big.counts, big.keys
    print("seed %s\nbig  %s" % (json.dumps(seed_counts), json.dumps(big_counts)), flush=True)
    overlap = len(big_keys & seed_keys)
    union = seed_keys | big_keys
    runs = []
    if a.baseline:
        print("== phase 0: the big import with nothing else running (load %s)" % loadavg(), flush=True)
        runs.append(commit_big(a, tmp, "baseline", False))
    print("== phase 1: the big import under wrk (load %s)" % loadavg(), flush=True)
    runs.append(commit_big(a, tmp, "loaded", True))
    for r in runs:
        s = r["summary"]
        check(r["status"] == "done", "%s: the 500,000-row import ended done (%s)" % (r["tag"], r["status"]))
        check(s.get("create", -1) == len(big_keys) - overlap and s.get("update", -1) == overlap
              and s.get("duplicate", -1) == big_counts["duplicate"] and s.get("rows", -1) == big_counts["rows"],
              "%s: summary %s = check's outcomes (create %d, update %d = keys already seeded, duplicate %d, rows %d)"
              % (r["tag"], json.dumps(s), len(big_keys) - overlap, overlap, big_counts["duplicate"], big_counts["rows"]))
        stored = r.pop("stored")
        check(len(stored) == len(set(stored)) and set(stored) == union,
              "%s: the tenant's %d stored rows are exactly the seed's and the file's %d valid keys (missing %d, extra %d)"
              % (r["tag"], len(stored), len(union), len(union - set(stored)), len(set(stored) - union)))
    loaded = runs[-1]
    w = loaded["wrk"]
    print(loaded["wrk_out"], flush=True)
    if loaded["wrk_err"].strip():
        print("wrk stderr: " + loaded["wrk_err"].strip(), flush=True)
    check(loaded["wrk_rc"] == 0 and w["rps"] is not None, "wrk ran (exit %d)" % loaded["wrk_rc"])
    check(w["connect"] + w["read"] + w["write"] + w["timeout"] == 0,
          "wrk: no socket errors (connect %d, read %d, write %d, timeout %d)" % (w["connect"], w["read"], w["write"], w["timeout"]))
    check(w["non2xx"] == 0, "wrk: no non-2xx/3xx answers (%d)" % w["non2xx"])
    (r0, b0), (r1, b1) = loaded["m0"], loaded["m1"]
    routes = {}
    for (route, status), n in r1.items():
        d = n - r0.get((route, status), 0)
        if d and route.startswith("GET /api/v1/"):
            routes.setdefault(route, {})[status] = d
    n429 = sum(v.get("429", 0) for v in routes.values())
    check(n429 == 0, "the server answered no 429 during the run (%d)" % n429)
    loaded["routes"] = [(route, sc, fmt_le(bucket_percentile(b0.get(route), b1.get(route, []), 50)),
                         fmt_le(bucket_percentile(b0.get(route), b1.get(route, []), 99)))
                        for route, sc in sorted(routes.items())]
    return runs, seed_counts, big_counts, overlap


def phase2(a, tmp):
    print("== phase 2: %d tenants, one file each, at once (load %s)" % (len(a.tenant_file), loadavg()), flush=True)
    expected = [Outcomes(a.rowgate, f, a.context) for f in a.tenant_file]
    db = os.path.join(tmp, "tenants.db")
    data = os.path.join(tmp, "tenants-data")
    names = ["Tenant %d" % (i + 1) for i in range(len(a.tenant_file))]
    keys = [new_tenant(a.rowgate, db, n, a.context) for n in names]
    log = open(os.path.join(tmp, "tenants-server.log"), "w")
    server = Server(a.rowgate, db, data, log)
    out = [None] * len(names)
    go = threading.Barrier(len(names))

    def one(i):
        try:
            go.wait()
            t0 = time.perf_counter()
            iid = upload_all(server.port, keys[i], a.tenant_file[i])
            t1 = time.perf_counter()
            start(server.port, keys[i], iid)
            seen = []
            st = wait(server.port, keys[i], iid, timeout=900, every=0.1, seen=seen)
            t2 = time.perf_counter()
            commit_began = next((t for t, s in seen if s == "committing"), None)
            out[i] = {"st": st, "t0": t0, "upload": t1 - t0, "start": t1, "end": t2, "began": commit_began}
        except Exception as e:  # reported as a failed check below
            out[i] = {"error": repr(e)}

    load_before = loadavg()
    threads = [threading.Thread(target=one, args=(i,)) for i in range(len(names))]
    w0 = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    wall = time.perf_counter() - w0
    load_after = loadavg()
    server.stop()
    log.close()
    rows = []
    for i, name in enumerate(names):
        o = out[i]
        counts, valid = expected[i].counts, expected[i].keys
        if "error" in o:
            check(False, "%s: %s" % (name, o["error"]))
            continue
        st, s = o["st"], o["st"].get("summary") or {}
        check(st["status"] == "done", "%s: import ended done (%s)" % (name, st["status"]))
        err = s.get("rows", 0) - s.get("create", 0) - s.get("update", 0) - s.get("duplicate", 0)
        same = all(s.get(k, -1) == counts[k] for k in ("create", "update", "duplicate", "rows")) and err == counts["error"]
        check(same, "%s: summary %s = check's outcomes %s" % (name, json.dumps(s), json.dumps(counts)))
        stored = stored_keys(db, name)
        n = len(stored)
        check(n == len(valid) and set(stored) == valid,
              "%s: %d rows stored = the file's %d valid keys, the same keys (missing %d, extra %d)"
              % (name, n, len(valid), len(valid - set(stored)), len(set(stored) - valid)))
        rows.append({"tenant": name, "file": os.path.basename(a.tenant_file[i]), "rows": counts["rows"],
                     "create": s.get("create"), "update": s.get("update"), "duplicate": s.get("duplicate"),
                     "error": err, "expected": counts, "stored": n, "status": st["status"],
                     "upload_s": o["upload"], "queued_s": (o["began"] - o["start"]) if o["began"] else None,
                     "end_s": o["end"] - w0})
    return rows, wall, load_before, load_after


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--rowgate", required=True)
    ap.add_argument("--file", required=True, help="the big file committed under load (500,000 rows)")
    ap.add_argument("--seed-file", required=True, help="committed first so that the partners list is not empty")
    ap.add_argument("--tenant-file", action="append", default=[], help="one per tenant of phase 2")
    ap.add_argument("--context", required=True)
    ap.add_argument("--lua", required=True)
    ap.add_argument("--connections", type=int, default=100)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--duration", type=int, default=30)
    ap.add_argument("--wrk-timeout", default="", help="wrk --timeout (wrk's default is 2s)")
    ap.add_argument("--no-baseline", dest="baseline", action="store_false")
    ap.add_argument("--skip-phase1", action="store_true")
    ap.add_argument("--keep", help="work in this folder and keep it")
    a = ap.parse_args()
    a.lua = os.path.abspath(a.lua)
    print("machine: %d cores, load average %s" % (os.cpu_count(), loadavg()), flush=True)
    with work_folder("rowgate_load_", a.keep) as tmp:
        p1 = None if a.skip_phase1 else phase1(a, tmp)
        p2 = phase2(a, tmp) if a.tenant_file else None

    print("\n==================== results ====================")
    if p1:
        runs, seed_counts, big_counts, overlap = p1
        print("seed file %s: %s" % (os.path.basename(a.seed_file), json.dumps(seed_counts)))
        print("big file  %s: %s (%d valid keys already seeded)" % (os.path.basename(a.file), json.dumps(big_counts), overlap))
        print("\n| run | status | start -> done | phases (s after start) | load average at start |")
        print("| --- | --- | --- | --- | --- |")
        for r in runs:
            print("| %s | %s | %.2f s (upload before it %.2f s) | %s | %s |" % (
                r["tag"], r["status"], r["commit_s"], r["upload_s"],
                ", ".join("%s %.2f" % (s, t) for t, s in r["phases"]), r["load_before"]))
        L = runs[-1]
        w = L["wrk"]
        print("\nwrk: %s" % L["wrk_cmd"])
        print("\n| requests | requests/s | p50 | p99 | socket errors (c/r/w/timeout) | non-2xx/3xx | read | wrk ran | load avg before / after |")
        print("| --- | --- | --- | --- | --- | --- | --- | --- | --- |")
        print("| %s | %.1f | %.2f ms | %.2f ms | %d/%d/%d/%d | %d | %s | %.1f s | %s / %s |" % (
            w["requests"], w["rps"] or 0, w["p50"] or -1, w["p99"] or -1, w["connect"], w["read"], w["write"],
            w["timeout"], w["non2xx"], w["transfer"], L["wrk_s"], L["load_before"], L["load_after"]))
        print("\nper route, from the server's /metrics (time inside the server; bucket bounds):")
        print("| route | answers by status | p50 | p99 |")
        print("| --- | --- | --- | --- |")
        for route, sc, p50, p99 in L["routes"]:
            print("| %s | %s | %s | %s |" % (route, ", ".join("%s: %d" % kv for kv in sorted(sc.items())), p50, p99))
    if p2:
        rows, wall, lb, la = p2
        print("\n%d tenants at once: wall %.2f s (first request to the last import done), load average %s before, %s after"
              % (len(rows), wall, lb, la))
        print("\n| tenant | file | rows | create | update | duplicate | error | = check | stored | status | upload | waited in queue | done at |")
        print("| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |")
        for r in rows:
            e = r["expected"]
            exact = (r["create"], r["update"], r["duplicate"], r["error"]) == (e["create"], e["update"], e["duplicate"], e["error"])
            print("| %s | %s | %d | %s | %s | %s | %s | %s | %d | %s | %.2f s | %s | %.2f s |" % (
                r["tenant"], r["file"], r["rows"], r["create"], r["update"], r["duplicate"], r["error"],
                "exact" if exact else "DIFFERS", r["stored"], r["status"], r["upload_s"],
                "%.2f s" % r["queued_s"] if r["queued_s"] is not None else "-", r["end_s"]))
    print()
    return run.report()


if __name__ == "__main__":
    sys.exit(main())
