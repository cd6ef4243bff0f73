// The PostgreSQL schema as versioned migrations (the table schema_version counts those applied).
// Row-level security: every table that holds a tenant's data has it enabled and FORCEd (so the
// owner, which is the role the server connects as, is subject to it too), with a policy that
// shows and accepts only rows of the tenant named by `app.tenant_id`, set per transaction.
//
// The cross-tenant paths, each deliberate and narrow: a transaction may instead name one scope
// in `app.scope`, and each scope opens exactly one kind of access:
//   auth         read api_keys (which tenant owns a key hash)
//   cors         read tenant_origins (does any tenant allow an origin; a preflight has no key)
//   admin        read and create tenants (create-tenant, the demo tenant on an empty database)
//   claim        read and update imports (claim a queued or abandoned import; tenant ids only)
//   metrics      read imports (counts by status for /metrics)
//   maintenance  read imports (expired report files), read and delete idempotency keys
//   outbox       read and update the outbox (hand due notifications to one server)
// Everything a scope finds is then worked on in a transaction for its tenant.
#pragma once

namespace rowgate::server::pg {

inline const char* const kMigrations[] = {
    // 1: the tables of SQLite's migration 1, plus what several servers need: parts and report
    // files in the database, and a lease on each running import.
    R"sql(
CREATE FUNCTION rowgate_tenant() RETURNS bigint LANGUAGE sql STABLE
  AS $$ SELECT NULLIF(current_setting('app.tenant_id', true), '')::bigint $$;
CREATE FUNCTION rowgate_scope() RETURNS text LANGUAGE sql STABLE
  AS $$ SELECT COALESCE(current_setting('app.scope', true), '') $$;

CREATE TABLE tenants (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  name text NOT NULL,
  notify_email text NOT NULL DEFAULT '',
  webhook_url text NOT NULL DEFAULT '',
  webhook_secret text NOT NULL DEFAULT '',
  created_at bigint NOT NULL
);
CREATE TABLE api_keys (
  key_hash text PRIMARY KEY,
  tenant_id bigint NOT NULL REFERENCES tenants(id),
  created_at bigint NOT NULL
);
CREATE TABLE groups (
  tenant_id bigint NOT NULL REFERENCES tenants(id),
  name text NOT NULL,
  PRIMARY KEY (tenant_id, name)
);
-- The two tables a bulk import writes a row of each per record carry no foreign keys: a batch
-- takes its ids from the rows it has just written (RETURNING), tenants and partners are never
-- deleted, and the checks cost a third of a batch's time.
CREATE TABLE partners (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  tenant_id bigint NOT NULL,
  email_key text NOT NULL,
  partner_id text,
  name text NOT NULL DEFAULT '',
  email text NOT NULL DEFAULT '',
  url text NOT NULL DEFAULT '',
  first_name text NOT NULL DEFAULT '',
  last_name text NOT NULL DEFAULT '',
  description text NOT NULL DEFAULT '',
  country text NOT NULL DEFAULT '',
  status text NOT NULL DEFAULT 'active',
  created_import text NOT NULL DEFAULT '',
  updated_import text NOT NULL DEFAULT '',
  created_at bigint NOT NULL,
  updated_at bigint NOT NULL,
  UNIQUE (tenant_id, email_key)
);
CREATE INDEX partners_partner_id ON partners (tenant_id, partner_id);
CREATE TABLE partner_groups (
  partner_row bigint NOT NULL,
  group_name text NOT NULL,
  tenant_id bigint NOT NULL,
  PRIMARY KEY (partner_row, group_name)
);
CREATE INDEX partner_groups_by_group ON partner_groups (tenant_id, group_name, partner_row);
CREATE TABLE records (
  tenant_id bigint NOT NULL REFERENCES tenants(id),
  family text NOT NULL,
  record_key text NOT NULL,
  values_json text NOT NULL,
  created_import text NOT NULL DEFAULT '',
  updated_import text NOT NULL DEFAULT '',
  created_at bigint NOT NULL,
  updated_at bigint NOT NULL,
  PRIMARY KEY (tenant_id, family, record_key)
);
CREATE TABLE imports (
  id text PRIMARY KEY,
  seq bigint GENERATED ALWAYS AS IDENTITY,
  tenant_id bigint NOT NULL REFERENCES tenants(id),
  template_name text NOT NULL,
  template_json text NOT NULL,
  options_json text NOT NULL,
  fixed_json text NOT NULL,
  dry_run boolean NOT NULL,
  status text NOT NULL,
  idempotency_key text NOT NULL DEFAULT '',
  request_hash text NOT NULL DEFAULT '',
  parts bigint NOT NULL DEFAULT 0,
  bytes_total bigint NOT NULL DEFAULT 0,
  rows_done bigint NOT NULL DEFAULT 0,
  bytes_done bigint NOT NULL DEFAULT 0,
  last_committed_row bigint NOT NULL DEFAULT 0,
  summary_json text NOT NULL DEFAULT '',
  top_codes_json text NOT NULL DEFAULT '',
  error text NOT NULL DEFAULT '',
  cancel_requested boolean NOT NULL DEFAULT false,
  created_at bigint NOT NULL,
  updated_at bigint NOT NULL,
  files_expire_at bigint NOT NULL DEFAULT 0,
  lease_owner text NOT NULL DEFAULT '',
  lease_until timestamptz,
  lease_seconds integer NOT NULL DEFAULT 0
);
CREATE INDEX imports_by_tenant ON imports (tenant_id, created_at);
CREATE INDEX imports_to_run ON imports (seq) WHERE status IN ('queued', 'validating', 'committing');
CREATE TABLE import_parts (
  import_id text NOT NULL REFERENCES imports(id),
  tenant_id bigint NOT NULL,
  n integer NOT NULL,
  size bigint NOT NULL,
  sha256 text NOT NULL,
  data bytea,
  PRIMARY KEY (import_id, n)
);
-- CSV compresses well, but pglz at 8 MiB a part costs more time than the disk it saves.
ALTER TABLE import_parts ALTER COLUMN data SET STORAGE EXTERNAL;
CREATE TABLE import_files (
  import_id text NOT NULL REFERENCES imports(id),
  tenant_id bigint NOT NULL,
  name text NOT NULL,
  seq integer NOT NULL,
  data bytea NOT NULL,
  PRIMARY KEY (import_id, name, seq)
);
ALTER TABLE import_files ALTER COLUMN data SET STORAGE EXTERNAL;
CREATE TABLE idempotency (
  tenant_id bigint NOT NULL REFERENCES tenants(id),
  key text NOT NULL,
  request_hash text NOT NULL,
  import_id text NOT NULL DEFAULT '',
  status integer NOT NULL DEFAULT 0,
  body text NOT NULL DEFAULT '',
  finished boolean NOT NULL DEFAULT false,
  created_at bigint NOT NULL,
  PRIMARY KEY (tenant_id, key)
);
CREATE TABLE outbox (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  tenant_id bigint NOT NULL REFERENCES tenants(id),
  import_id text NOT NULL,
  channel text NOT NULL,
  target text NOT NULL,
  payload text NOT NULL,
  attempts integer NOT NULL DEFAULT 0,
  next_attempt_at bigint NOT NULL,
  last_error text NOT NULL DEFAULT '',
  delivered_at bigint NOT NULL DEFAULT 0
);
CREATE INDEX outbox_due ON outbox (delivered_at, next_attempt_at);

DO $$
DECLARE t text;
BEGIN
  FOREACH t IN ARRAY ARRAY['api_keys', 'groups', 'partners', 'partner_groups', 'records', 'imports', 'import_parts',
                           'import_files', 'idempotency', 'outbox'] LOOP
    EXECUTE format('ALTER TABLE %I ENABLE ROW LEVEL SECURITY', t);
    EXECUTE format('ALTER TABLE %I FORCE ROW LEVEL SECURITY', t);
    EXECUTE format('CREATE POLICY tenant_rows ON %I USING (tenant_id = rowgate_tenant()) '
                   'WITH CHECK (tenant_id = rowgate_tenant())', t);
  END LOOP;
END $$;
ALTER TABLE tenants ENABLE ROW LEVEL SECURITY;
ALTER TABLE tenants FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_rows ON tenants USING (id = rowgate_tenant()) WITH CHECK (id = rowgate_tenant());
CREATE POLICY admin_read ON tenants FOR SELECT USING (rowgate_scope() = 'admin');
CREATE POLICY admin_create ON tenants FOR INSERT WITH CHECK (rowgate_scope() = 'admin');
CREATE POLICY auth_scope ON api_keys FOR SELECT USING (rowgate_scope() = 'auth');
CREATE POLICY claim_read ON imports FOR SELECT USING (rowgate_scope() = 'claim');
CREATE POLICY claim_write ON imports FOR UPDATE USING (rowgate_scope() = 'claim') WITH CHECK (rowgate_scope() = 'claim');
CREATE POLICY metrics_scope ON imports FOR SELECT USING (rowgate_scope() IN ('metrics', 'maintenance'));
CREATE POLICY maintenance_read ON idempotency FOR SELECT USING (rowgate_scope() = 'maintenance');
CREATE POLICY maintenance_delete ON idempotency FOR DELETE USING (rowgate_scope() = 'maintenance');
CREATE POLICY outbox_read ON outbox FOR SELECT USING (rowgate_scope() = 'outbox');
CREATE POLICY outbox_write ON outbox FOR UPDATE USING (rowgate_scope() = 'outbox') WITH CHECK (rowgate_scope() = 'outbox');
)sql",
    // 2: the browser origins each tenant lets call the API (CORS).
    R"sql(
CREATE TABLE tenant_origins (
  tenant_id bigint NOT NULL REFERENCES tenants(id),
  origin text NOT NULL,
  PRIMARY KEY (tenant_id, origin)
);
CREATE INDEX tenant_origins_by_origin ON tenant_origins (origin);
ALTER TABLE tenant_origins ENABLE ROW LEVEL SECURITY;
ALTER TABLE tenant_origins FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_rows ON tenant_origins USING (tenant_id = rowgate_tenant()) WITH CHECK (tenant_id = rowgate_tenant());
CREATE POLICY cors_scope ON tenant_origins FOR SELECT USING (rowgate_scope() = 'cors');
)sql",
    // 3: My Partners pages in id order from an index, not by sorting the tenant's partners for
    // every page (store/partner_scan.h).
    R"sql(
CREATE INDEX partners_by_tenant ON partners (tenant_id, id);
)sql",
    // 4: column mappings confirmed by a person, kept for the team (per template and header).
    R"sql(
CREATE TABLE mappings (
  tenant_id bigint NOT NULL REFERENCES tenants(id),
  template text NOT NULL,
  columns_json text NOT NULL,
  choice_json text NOT NULL,
  updated_at bigint NOT NULL,
  PRIMARY KEY (tenant_id, template, columns_json)
);
ALTER TABLE mappings ENABLE ROW LEVEL SECURITY;
ALTER TABLE mappings FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_rows ON mappings USING (tenant_id = rowgate_tenant()) WITH CHECK (tenant_id = rowgate_tenant());
)sql",
    // 5: segments, and the records an import added to them (store.segment of a template).
    R"sql(
CREATE TABLE segments (
  tenant_id bigint NOT NULL REFERENCES tenants(id),
  name text NOT NULL,
  PRIMARY KEY (tenant_id, name)
);
CREATE TABLE segment_members (
  tenant_id bigint NOT NULL,
  segment text NOT NULL,
  family text NOT NULL,
  record_key text NOT NULL,
  PRIMARY KEY (tenant_id, segment, family, record_key),
  FOREIGN KEY (tenant_id, segment) REFERENCES segments (tenant_id, name)
);
ALTER TABLE segments ENABLE ROW LEVEL SECURITY;
ALTER TABLE segments FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_rows ON segments USING (tenant_id = rowgate_tenant()) WITH CHECK (tenant_id = rowgate_tenant());
ALTER TABLE segment_members ENABLE ROW LEVEL SECURITY;
ALTER TABLE segment_members FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_rows ON segment_members USING (tenant_id = rowgate_tenant()) WITH CHECK (tenant_id = rowgate_tenant());
)sql",
};

}  // namespace rowgate::server::pg
