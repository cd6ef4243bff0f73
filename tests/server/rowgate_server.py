"""What the scripts that drive a real `rowgate serve` share (tests/server, tests/pg, bench/load,
bench/server): start a server and call it, create a tenant, upload a file in parts, follow an
import, know what a file should store (by `rowgate check`), read the store back, count checks.
Only talks to 127.0.0.1."""
import contextlib
import json
import os
import re
import shutil
import signal
import sqlite3
import subprocess
import tempfile
import time
import urllib.error
import urllib.request

PART = 8 << 20
ENDED = ("done", "failed", "cancelled")
COMMIT = {"template": "prospects", "dry_run": False}


def store_spec(db):
    """A store spec (sqlite:PATH, postgresql://...) as is; a plain path as SQLite."""
    return db if db.startswith(("sqlite:", "postgresql://", "postgres://")) else "sqlite:" + db


class Server:
    """A `rowgate serve` process on port 0. `db` is a store spec or a plain path (see store_spec);
    `log` gets its stderr; `extra` are more arguments for `serve`."""

    def __init__(self, rowgate, db, data, log, extra=()):
        self.proc = subprocess.Popen([rowgate, "serve", "--db", store_spec(db), "--data", data, "--port", "0",
                                      "--web", data, *extra], stdout=subprocess.PIPE, stderr=log, text=True)
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


def call(port, key, method, path, body=None, raw=False, text=False, timeout=120):
    """One API call; (status, JSON answer), or the raw bytes with text=True."""
    data = body if raw else (json.dumps(body).encode() if body is not None else None)
    req = urllib.request.Request("http://127.0.0.1:%d%s" % (port, path), data=data, method=method,
                                 headers={"Authorization": "Bearer " + key})
    try:
        with urllib.request.urlopen(req, timeout=timeout) as r:
            payload = r.read()
            return r.status, (payload if text else json.loads(payload or b"null"))
    except urllib.error.HTTPError as e:
        return e.code, json.loads(e.read() or b"null")


def new_tenant(rowgate, db, name, context):
    """Creates a tenant with the context's groups; returns its API key."""
    admin = [rowgate, "admin", "create-tenant", name, "--groups-from", context, "--db", store_spec(db)]
    return subprocess.run(admin, capture_output=True, text=True, check=True).stdout.strip()


def parts_of(path):
    """The file's bytes in PART-sized parts, read one at a time."""
    with open(path, "rb") as f:
        while True:
            chunk = f.read(PART)
            if not chunk:
                return
            yield chunk


def put_parts(ports, key, import_id, parts, timeout=120):
    """Uploads PARTS (a file's path, or its parts) to the import, part n to ports[n % len(ports)]
    (one port alone for one server); stops at the first part refused. Returns (parts sent,
    None or (n, status, answer) of the refused part)."""
    ports = ports if isinstance(ports, (list, tuple)) else [ports]
    n = 0
    for n, chunk in enumerate(parts_of(parts) if isinstance(parts, str) else parts, 1):
        status, answer = call(ports[n % len(ports)], key, "PUT", "/api/v1/imports/%s/parts/%d" % (import_id, n), chunk,
                              raw=True, timeout=timeout)
        if status != 200:
            return n, (n, status, answer)
    return n, None


def upload(port, key, parts, body=COMMIT, timeout=120):
    """Creates an import (raises if it cannot) and uploads PARTS (see put_parts); returns (import
    id, None or the refused part)."""
    status, created = call(port, key, "POST", "/api/v1/imports", body, timeout=timeout)
    if status != 201:
        raise RuntimeError("cannot create an import: %d %s" % (status, created))
    return created["id"], put_parts(port, key, created["id"], parts, timeout)[1]


def upload_all(port, key, parts, body=COMMIT, timeout=120):
    """upload(), raising if a part is refused; returns the import's id."""
    import_id, refused = upload(port, key, parts, body, timeout)
    if refused:
        raise RuntimeError("part %d of import %s refused: %d %s" % (refused[0], import_id, refused[1], refused[2]))
    return import_id


def start(port, key, import_id):
    status, answer = call(port, key, "POST", "/api/v1/imports/%s/start" % import_id)
    if status != 202:
        raise RuntimeError("cannot start import %s: %d %s" % (import_id, status, answer))


def wait(port, key, import_id, until=None, timeout=300, every=0.05, seen=None):
    """Polls the import until it has ended or until(status document) holds, at most TIMEOUT
    seconds; returns the last status document answered ({} if none). SEEN, a list, gets
    (time.perf_counter(), status) at each change of status."""
    deadline = time.time() + timeout
    st, last = {}, None
    while time.time() < deadline:
        status, answer = call(port, key, "GET", "/api/v1/imports/" + import_id)
        if status == 200:
            st = answer
            if seen is not None and st["status"] != last:
                seen.append((time.perf_counter(), st["status"]))
                last = st["status"]
            if st["status"] in ENDED or (until is not None and until(st)):
                return st
        time.sleep(every)
    return st


class Outcomes:
    """What `rowgate check --results` says of a file, record by record: `rows`, `counts` by
    outcome (create, update, duplicate, error, then rows), `keys` of the valid rows (create or
    update: what a commit stores) and `with_group`, how many of those have a group."""

    def __init__(self, rowgate, path, context, results=None):
        with tempfile.TemporaryDirectory(prefix="rowgate_check_") as tmp:
            out = results or os.path.join(tmp, "results.jsonl")
            subprocess.run([rowgate, "check", path, "--template", "prospects", "--context", context, "--results", out],
                           stdout=subprocess.DEVNULL, check=False)
            self.counts = {"create": 0, "update": 0, "duplicate": 0, "error": 0}
            self.keys = set()
            self.rows = self.with_group = 0
            with open(out, encoding="utf-8") as f:
                for line in f:
                    r = json.loads(line)
                    self.rows += 1
                    self.counts[r["outcome"]] = self.counts.get(r["outcome"], 0) + 1
                    if r["outcome"] in ("create", "update"):
                        self.keys.add(r["key"])
                        self.with_group += 1 if (r.get("values") or {}).get("Group Name") else 0
            self.counts["rows"] = self.rows


def stored_keys(db, tenant=None):
    """The email keys of the partners in a SQLite store, of one tenant (by name) or of all."""
    con = sqlite3.connect(db, timeout=60)
    try:
        if tenant is None:
            return [r[0] for r in con.execute("SELECT email_key FROM partners")]
        return [r[0] for r in con.execute(
            "SELECT p.email_key FROM partners p JOIN tenants t ON t.id = p.tenant_id WHERE t.name = ?", (tenant,))]
    finally:
        con.close()


def psql(url, *commands):
    """Runs SQL commands through psql (ROWGATE_PG_BIN's, else the one on PATH); unaligned tuples."""
    binary = os.path.join(os.environ.get("ROWGATE_PG_BIN", ""), "psql")
    if not os.path.exists(binary):
        binary = shutil.which("psql")
    args = [binary, "-X", "-At", "-q", "-v", "ON_ERROR_STOP=1", url]
    for c in commands:
        args += ["-c", c]
    return subprocess.run(args, capture_output=True, text=True, check=True).stdout


@contextlib.contextmanager
def work_folder(prefix, keep=None):
    """A temporary folder, removed at the end; or KEEP, created if need be and kept."""
    if keep:
        os.makedirs(keep, exist_ok=True)
        yield keep
    else:
        with tempfile.TemporaryDirectory(prefix=prefix) as tmp:
            yield tmp


class Checks:
    """Counts checks and prints each one; report() prints "N passed, N failed" and returns the
    exit status."""

    def __init__(self):
        self.passed = 0
        self.failed = 0

    def check(self, ok, what):
        print(("ok   " if ok else "FAIL ") + what, flush=True)
        if ok:
            self.passed += 1
        else:
            self.failed += 1
        return ok

    def report(self):
        print("%d passed, %d failed" % (self.passed, self.failed))
        return 1 if self.failed else 0
