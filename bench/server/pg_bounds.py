#!/usr/bin/env python3
"""What PostgreSQL itself takes to load the prospects file, with none of Rowgate's work: the
bounds that the commit benchmark (pg_commit_bench.py) is compared with. All through psql on the
server of tests/pg/with_pg.sh, each into a fresh table of the application's database:

1. `\\copy` into a plain logged table: the issue's baseline (validates nothing, all or nothing);
2. `\\copy` into a table with only a unique index on the lower-cased e-mail, the least that
   create-or-update by key needs (the file's rows with a repeated e-mail left out, as Rowgate's
   duplicate rows are);
3. the same, with the Partner ID index as well;
4. what the issue prescribes for a batch, done once for the whole file: `\\copy` into a temporary
   staging table, then one `INSERT ... SELECT ... ON CONFLICT (key) DO UPDATE` into the table of 2;
5. with --rowgate, the bound of issue #17: the same write as the commit's, into the server's own
   schema (made by `rowgate admin create-tenant`: the same tables, indexes and row-level
   security), in one transaction: `\\copy` into staging, one upsert of the partners by
   (tenant_id, email_key), then the group memberships, in partner id order.

Run under tests/pg/with_pg.sh (it sets ROWGATE_TEST_PG).
Usage: pg_bounds.py --file prospects.csv [--runs 3] [--rowgate BIN --context groups.json]
"""
import argparse
import csv
import glob
import os
import statistics
import subprocess
import sys
import tempfile
import time

COLUMNS = "name text, email text, url text, grp text, first text, last text, descr text, pid text"


def psql(*commands):
    binary = sorted(glob.glob("/usr/lib/postgresql/*/bin/psql"))[-1]
    args = [binary, "-X", "-q", "-v", "ON_ERROR_STOP=1", os.environ["ROWGATE_TEST_PG"]]
    for c in commands:
        args += ["-c", c]
    t0 = time.perf_counter()
    subprocess.run(args, check=True, capture_output=True)
    return time.perf_counter() - t0


SAME_WRITE = """BEGIN;
SELECT set_config('app.tenant_id', '{tenant}', true);
CREATE TEMP TABLE stage ({columns}) ON COMMIT DROP;
\\copy stage FROM '{file}' WITH (FORMAT csv, HEADER true)
INSERT INTO partners (tenant_id, email_key, partner_id, name, email, url, first_name, last_name, description,
                      created_import, updated_import, created_at, updated_at)
  SELECT {tenant}, lower(trim(email)), NULLIF(trim(pid), ''), coalesce(trim(name), ''), trim(email),
         coalesce(trim(url), ''), coalesce(trim(first), ''), coalesce(trim(last), ''), coalesce(trim(descr), ''),
         'bound', 'bound', extract(epoch FROM now())::bigint, extract(epoch FROM now())::bigint
  FROM stage WHERE email IS NOT NULL
  ON CONFLICT (tenant_id, email_key) DO UPDATE SET
    partner_id = COALESCE(EXCLUDED.partner_id, partners.partner_id), name = EXCLUDED.name, email = EXCLUDED.email,
    url = EXCLUDED.url, first_name = EXCLUDED.first_name, last_name = EXCLUDED.last_name,
    description = EXCLUDED.description, updated_import = EXCLUDED.updated_import, updated_at = EXCLUDED.updated_at;
INSERT INTO partner_groups (partner_row, group_name, tenant_id)
  SELECT p.id, trim(s.grp), {tenant} FROM stage s JOIN partners p ON p.tenant_id = {tenant} AND p.email_key = lower(trim(s.email))
  WHERE trim(s.grp) <> '' ORDER BY p.id
  ON CONFLICT DO NOTHING;
COMMIT;
"""


def same_write(a, unique, tenant):
    """psql doing the commit's write into the server's schema; the tables are emptied first."""
    binary = sorted(glob.glob("/usr/lib/postgresql/*/bin/psql"))[-1]
    subprocess.run([binary, "-X", "-q", "-v", "ON_ERROR_STOP=1", os.environ["ROWGATE_TEST_PG_ADMIN"], "-c",
                    "TRUNCATE partners, partner_groups"], check=True, capture_output=True)
    script = SAME_WRITE.format(tenant=tenant, columns=COLUMNS, file=unique)
    t0 = time.perf_counter()
    done = subprocess.run([binary, "-X", "-q", "-v", "ON_ERROR_STOP=1", os.environ["ROWGATE_TEST_PG"]], input=script,
                          text=True, capture_output=True)
    if done.returncode != 0:
        sys.exit("the same write failed: " + done.stderr[:800])
    return time.perf_counter() - t0


def distinct_keys(path, out):
    seen = set()
    with open(path, newline="", encoding="utf-8", errors="surrogateescape") as f, \
            open(out, "w", newline="", encoding="utf-8", errors="surrogateescape") as o:
        r, w = csv.reader(f), csv.writer(o)
        w.writerow(next(r))
        for row in r:
            key = row[1].strip().lower() if len(row) == 8 else ""
            if key and key not in seen:
                seen.add(key)
                w.writerow(row)
    return len(seen)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--file", required=True)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--rowgate", help="the rowgate binary: also time the same write as the commit's (case 5)")
    ap.add_argument("--context", help="with --rowgate: the groups of the tenant (examples/prospects_context.json)")
    ap.add_argument("--only-same-write", action="store_true")
    a = ap.parse_args()
    with tempfile.TemporaryDirectory(prefix="rowgate_pgb_") as tmp:
        os.chmod(tmp, 0o755)
        unique = os.path.join(tmp, "unique.csv")
        n = distinct_keys(a.file, unique)
        os.chmod(unique, 0o644)
        copy = "\\copy %s FROM '%s' WITH (FORMAT csv, HEADER true)"
        cases = {
            "plain": lambda t: psql("CREATE TABLE %s (%s)" % (t, COLUMNS), copy % (t, a.file)),
            "unique_key": lambda t: psql("CREATE TABLE %s (%s)" % (t, COLUMNS),
                                         "CREATE UNIQUE INDEX ON %s (lower(email))" % t, copy % (t, unique)),
            "unique_key_and_partner_id": lambda t: psql(
                "CREATE TABLE %s (%s)" % (t, COLUMNS), "CREATE UNIQUE INDEX ON %s (lower(email))" % t,
                "CREATE INDEX ON %s (pid)" % t, copy % (t, unique)),
            "staging_then_upsert": lambda t: psql(
                "CREATE TABLE %s (%s)" % (t, COLUMNS), "CREATE UNIQUE INDEX %s_key ON %s (lower(email))" % (t, t),
                "BEGIN", "CREATE TEMP TABLE stage (%s) ON COMMIT DROP" % COLUMNS, copy % ("stage", unique),
                "INSERT INTO %s SELECT * FROM stage ON CONFLICT (lower(email)) DO UPDATE SET name = EXCLUDED.name" % t,
                "COMMIT"),
        }
        print("file: %s (%d bytes; %d distinct e-mails)" % (a.file, os.path.getsize(a.file), n))
        if a.rowgate:
            subprocess.run([a.rowgate, "admin", "create-tenant", "Bound", "--groups-from", a.context, "--db",
                            os.environ["ROWGATE_TEST_PG"]], check=True, capture_output=True)
            binary = sorted(glob.glob("/usr/lib/postgresql/*/bin/psql"))[-1]
            tenant = subprocess.run([binary, "-X", "-tA", os.environ["ROWGATE_TEST_PG_ADMIN"], "-c",
                                     "SELECT max(id) FROM tenants"], check=True, capture_output=True,
                                    text=True).stdout.strip()
            times = [same_write(a, unique, tenant) for _ in range(a.runs)]
            print("%-28s median of %d: %.2f s (runs %s)" % ("same_write (issue #17 bound)", a.runs,
                                                          statistics.median(times), ", ".join("%.2f" % t for t in times)))
            if a.only_same_write:
                return
        for name, run in cases.items():
            times = []
            for i in range(a.runs):
                table = "bound_%s_%d" % (name, i)
                times.append(run(table))
                psql("DROP TABLE %s" % table)
            print("%-28s median of %d: %.2f s (runs %s)" % (name, a.runs, statistics.median(times),
                                                          ", ".join("%.2f" % t for t in times)))
    sys.stdout.flush()


if __name__ == "__main__":
    main()
