#!/usr/bin/env python3
"""My Partners at 500,000 partners (issue #17, "no request can hang the server"): the generated
file imported through the API into a fresh SQLite store, then, against that server:

1. every partners route and filter combination (none, q, group, country, status and their
   combinations; first page and a page deep in the list), one user, N calls each: p50/p99;
2. the export of every partner, streamed: MB/s;
3. two, then ten group-filtered requests at once plus an export, while /healthz is called
   every 20 ms: /healthz p99 and max;
4. SIGTERM during an export: seconds until the process has ended.

Usage: partners_bench.py --rowgate BIN --file prospects_500000.csv --context groups.json [--calls 20]
Only talks to 127.0.0.1.
"""
import argparse
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
import urllib.request

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "tests", "server"))
from rowgate_server import Server, call, new_tenant, parts_of, start, upload_all, wait  # noqa: E402


def get(port, key, path, timeout=120):
    req = urllib.request.Request("http://127.0.0.1:%d%s" % (port, path), headers={"Authorization": "Bearer " + key})
    t0 = time.perf_counter()
    with urllib.request.urlopen(req, timeout=timeout) as r:
        size = 0
        while True:
            chunk = r.read(1 << 16)
            if not chunk:
                break
            size += len(chunk)
        return r.status, time.perf_counter() - t0, size


def pct(values, p):
    values = sorted(values)
    return values[min(len(values) - 1, int(round(p / 100 * (len(values) - 1))))]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--rowgate", required=True)
    ap.add_argument("--file", required=True)
    ap.add_argument("--context", required=True)
    ap.add_argument("--calls", type=int, default=20)
    a = ap.parse_args()
    with tempfile.TemporaryDirectory(prefix="rowgate_partners_") as tmp:
        db = os.path.join(tmp, "store.db")
        key = new_tenant(a.rowgate, db, "Bench", a.context)
        server = Server(a.rowgate, db, os.path.join(tmp, "data"), subprocess.DEVNULL)
        port = server.port
        iid = upload_all(port, key, list(parts_of(a.file)))
        start(port, key, iid)
        st = wait(port, key, iid, timeout=3600, every=0.05)
        _, page = call(port, key, "GET", "/api/v1/partners?limit=1")
        total = page["total"]
        print("store: %d partners (%s)" % (total, st["status"]))

        # 1. Every filter combination, first page and a deep page.
        _, groups = call(port, key, "GET", "/api/v1/groups")
        group = groups["items"][0]
        filters = {"none": {}, "q": {"q": "tech"}, "q rare": {"q": "zzqx"}, "group": {"group": group},
                   "country": {"country": "US"}, "status": {"status": "inactive"},
                   "group+q": {"group": group, "q": "tech"}, "group+country": {"group": group, "country": "US"},
                   "group+status": {"group": group, "status": "active"},
                   "all four": {"group": group, "q": "tech", "country": "US", "status": "active"}}
        print("%-14s %9s %9s %9s  (%d calls each, ms)" % ("filter", "p50", "p99", "deep p99", a.calls))
        worst = 0.0
        for name, f in filters.items():
            qs = urllib.parse.urlencode(f)
            times, deep = [], []
            for _ in range(a.calls):
                status, t, _ = get(port, key, "/api/v1/partners?" + qs)
                assert status == 200
                times.append(t * 1000)
            cursor = str(total * 4 // 5)
            for _ in range(a.calls):
                status, t, _ = get(port, key, "/api/v1/partners?" + urllib.parse.urlencode({**f, "cursor": cursor}))
                assert status == 200
                deep.append(t * 1000)
            worst = max(worst, pct(times, 99), pct(deep, 99))
            print("%-14s %9.1f %9.1f %9.1f" % (name, pct(times, 50), pct(times, 99), pct(deep, 99)))
        print("worst p99 of a page: %.1f ms (target <= 200 ms)" % worst)

        # 2. The export of everything.
        status, t, size = get(port, key, "/api/v1/partners/export.csv")
        print("export: %d bytes in %.2f s = %.1f MB/s (target >= 20 MB/s)" % (size, t, size / t / 1e6))

        # 3. Group-filtered requests and an export at once; /healthz meanwhile.
        for n in (2, 10):
            health, done = [], threading.Event()

            def probe():
                while not done.is_set():
                    status, t, _ = get(port, key, "/healthz", timeout=60)
                    health.append(t * 1000)
                    time.sleep(0.02)

            def filtered(i):
                get(port, key, "/api/v1/partners?" + urllib.parse.urlencode({"group": groups["items"][i % len(groups["items"])], "country": "US"}))

            threads = [threading.Thread(target=filtered, args=(i,)) for i in range(n)]
            threads.append(threading.Thread(target=get, args=(port, key, "/api/v1/partners/export.csv?" + urllib.parse.urlencode({"group": group}))))
            watcher = threading.Thread(target=probe)
            watcher.start()
            t0 = time.perf_counter()
            for th in threads:
                th.start()
            for th in threads:
                th.join()
            busy = time.perf_counter() - t0
            done.set()
            watcher.join()
            print("%2d group-filtered requests + an export, %.2f s: /healthz p99 %.1f ms, max %.1f ms over %d calls "
                  "(target <= 50 ms)" % (n, busy, pct(health, 99), max(health), len(health)))

        # 4. SIGTERM during an export.
        exporter = threading.Thread(target=lambda: _swallow(get, port, key, "/api/v1/partners/export.csv"))
        exporter.start()
        time.sleep(0.3)
        t0 = time.perf_counter()
        server.proc.send_signal(signal.SIGTERM)
        server.proc.wait(timeout=120)
        print("SIGTERM during an export: the server ended after %.2f s (target <= 5 s)" % (time.perf_counter() - t0))
        exporter.join()


def _swallow(fn, *args):
    try:
        fn(*args)
    except Exception:  # the export is cut short by the stop, as it should be
        pass


if __name__ == "__main__":
    main()
