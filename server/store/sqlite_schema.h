// The SQLite schema as versioned migrations, in order; PRAGMA user_version counts the ones
// applied (SqliteStore::migrate). PostgreSQL's (store/pg_schema.h) starts from the same tables.
#pragma once

namespace rowgate::server::sqlite {

inline const char* const kMigrations[] = {
    R"sql(
CREATE TABLE tenants (
  id INTEGER PRIMARY KEY,
  name TEXT NOT NULL,
  notify_email TEXT NOT NULL DEFAULT '',
  webhook_url TEXT NOT NULL DEFAULT '',
  webhook_secret TEXT NOT NULL DEFAULT '',
  created_at INTEGER NOT NULL
);
CREATE TABLE api_keys (
  key_hash TEXT PRIMARY KEY,
  tenant_id INTEGER NOT NULL REFERENCES tenants(id),
  created_at INTEGER NOT NULL
);
CREATE TABLE groups (
  tenant_id INTEGER NOT NULL REFERENCES tenants(id),
  name TEXT NOT NULL,
  PRIMARY KEY (tenant_id, name)
);
CREATE TABLE partners (
  id INTEGER PRIMARY KEY,
  tenant_id INTEGER NOT NULL REFERENCES tenants(id),
  email_key TEXT NOT NULL,
  partner_id TEXT,
  name TEXT NOT NULL DEFAULT '',
  email TEXT NOT NULL DEFAULT '',
  url TEXT NOT NULL DEFAULT '',
  first_name TEXT NOT NULL DEFAULT '',
  last_name TEXT NOT NULL DEFAULT '',
  description TEXT NOT NULL DEFAULT '',
  country TEXT NOT NULL DEFAULT '',
  status TEXT NOT NULL DEFAULT 'active',
  created_import TEXT NOT NULL DEFAULT '',
  updated_import TEXT NOT NULL DEFAULT '',
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL,
  UNIQUE (tenant_id, email_key)
);
CREATE INDEX partners_partner_id ON partners (tenant_id, partner_id);
CREATE TABLE partner_groups (
  partner_row INTEGER NOT NULL REFERENCES partners(id),
  group_name TEXT NOT NULL,
  tenant_id INTEGER NOT NULL,
  PRIMARY KEY (partner_row, group_name)
) WITHOUT ROWID;
CREATE INDEX partner_groups_by_group ON partner_groups (tenant_id, group_name, partner_row);
CREATE TABLE records (
  tenant_id INTEGER NOT NULL REFERENCES tenants(id),
  family TEXT NOT NULL,
  record_key TEXT NOT NULL,
  values_json TEXT NOT NULL,
  created_import TEXT NOT NULL DEFAULT '',
  updated_import TEXT NOT NULL DEFAULT '',
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL,
  PRIMARY KEY (tenant_id, family, record_key)
);
CREATE TABLE imports (
  id TEXT PRIMARY KEY,
  tenant_id INTEGER NOT NULL REFERENCES tenants(id),
  template_name TEXT NOT NULL,
  template_json TEXT NOT NULL,
  options_json TEXT NOT NULL,
  fixed_json TEXT NOT NULL,
  dry_run INTEGER NOT NULL,
  status TEXT NOT NULL,
  idempotency_key TEXT NOT NULL DEFAULT '',
  request_hash TEXT NOT NULL DEFAULT '',
  parts INTEGER NOT NULL DEFAULT 0,
  bytes_total INTEGER NOT NULL DEFAULT 0,
  rows_done INTEGER NOT NULL DEFAULT 0,
  bytes_done INTEGER NOT NULL DEFAULT 0,
  last_committed_row INTEGER NOT NULL DEFAULT 0,
  summary_json TEXT NOT NULL DEFAULT '',
  top_codes_json TEXT NOT NULL DEFAULT '',
  error TEXT NOT NULL DEFAULT '',
  cancel_requested INTEGER NOT NULL DEFAULT 0,
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL,
  files_expire_at INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX imports_by_tenant ON imports (tenant_id, created_at);
CREATE TABLE import_parts (
  import_id TEXT NOT NULL REFERENCES imports(id),
  n INTEGER NOT NULL,
  size INTEGER NOT NULL,
  sha256 TEXT NOT NULL,
  PRIMARY KEY (import_id, n)
) WITHOUT ROWID;
CREATE TABLE idempotency (
  tenant_id INTEGER NOT NULL,
  key TEXT NOT NULL,
  request_hash TEXT NOT NULL,
  import_id TEXT NOT NULL DEFAULT '',
  status INTEGER NOT NULL DEFAULT 0,
  body TEXT NOT NULL DEFAULT '',
  finished INTEGER NOT NULL DEFAULT 0,
  created_at INTEGER NOT NULL,
  PRIMARY KEY (tenant_id, key)
);
CREATE TABLE outbox (
  id INTEGER PRIMARY KEY,
  tenant_id INTEGER NOT NULL,
  import_id TEXT NOT NULL,
  channel TEXT NOT NULL,
  target TEXT NOT NULL,
  payload TEXT NOT NULL,
  attempts INTEGER NOT NULL DEFAULT 0,
  next_attempt_at INTEGER NOT NULL,
  last_error TEXT NOT NULL DEFAULT '',
  delivered_at INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX outbox_due ON outbox (delivered_at, next_attempt_at);
)sql",
    // 2: the browser origins each tenant lets call the API (CORS).
    R"sql(
CREATE TABLE tenant_origins (
  tenant_id INTEGER NOT NULL REFERENCES tenants(id),
  origin TEXT NOT NULL,
  PRIMARY KEY (tenant_id, origin)
) WITHOUT ROWID;
CREATE INDEX tenant_origins_by_origin ON tenant_origins (origin);
)sql",
    // 3: My Partners pages in id order from an index (the rowid is the index's last column), not
    // by sorting the tenant's partners for every page (store/partner_scan.h).
    R"sql(
CREATE INDEX partners_by_tenant ON partners (tenant_id);
)sql",
    // 4: column mappings confirmed by a person, kept for the team (per template and header).
    R"sql(
CREATE TABLE mappings (
  tenant_id INTEGER NOT NULL REFERENCES tenants(id),
  template TEXT NOT NULL,
  columns_json TEXT NOT NULL,
  choice_json TEXT NOT NULL,
  updated_at INTEGER NOT NULL,
  PRIMARY KEY (tenant_id, template, columns_json)
) WITHOUT ROWID;
)sql",
    // 5: segments, and the records an import added to them (store.segment of a template).
    R"sql(
CREATE TABLE segments (
  tenant_id INTEGER NOT NULL REFERENCES tenants(id),
  name TEXT NOT NULL,
  PRIMARY KEY (tenant_id, name)
) WITHOUT ROWID;
CREATE TABLE segment_members (
  tenant_id INTEGER NOT NULL,
  segment TEXT NOT NULL,
  family TEXT NOT NULL,
  record_key TEXT NOT NULL,
  PRIMARY KEY (tenant_id, segment, family, record_key),
  FOREIGN KEY (tenant_id, segment) REFERENCES segments (tenant_id, name)
) WITHOUT ROWID;
)sql",
};

}  // namespace rowgate::server::sqlite
