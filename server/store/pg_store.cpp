// The PostgreSQL store: connections, migrations, tenants and keys, groups, idempotency.
#include "store/pg_store.h"

#include <atomic>
#include <stdexcept>
#include <unordered_map>

#include "store/pg_connection.h"
#include "store/pg_schema.h"
#include "store/store_detail.h"

namespace rowgate::server {

using pg::Connection;
using pg::Param;
using pg::Result;
using pg::Transaction;

namespace {

std::atomic<std::uint64_t> next_store_serial{1};

// Any number will do, as long as nothing else in the database takes the same advisory lock.
constexpr std::int64_t kMigrationLock = 0x726f77676174;  // "rowgat"

struct ThreadConnections {
  std::unordered_map<std::uint64_t, Connection*> by_store;
};
thread_local ThreadConnections tls_connections;

}  // namespace

int PgStore::latest_version() { return static_cast<int>(sizeof pg::kMigrations / sizeof pg::kMigrations[0]); }

PgStore::PgStore(std::string url) : url_(std::move(url)) {
  serial_ = next_store_serial++;
  Connection& c = connection();
  Result role = c.exec("SELECT rolsuper, rolbypassrls FROM pg_roles WHERE rolname = current_user");
  if (role.rows() == 1 && (role.boolean(0, 0) || role.boolean(0, 1)))
    throw std::runtime_error(
        "the PostgreSQL role of --db is a superuser or has BYPASSRLS, so row-level security would not hold for it; "
        "connect as a role without them (see docs/scale.md)");
  migrate();
}

// Threads' entries for this store are never looked up again: serials are not reused.
PgStore::~PgStore() = default;

Connection& PgStore::connection() {
  auto& mine = tls_connections.by_store;
  auto it = mine.find(serial_);
  if (it != mine.end() && !it->second->broken()) {
    if (it->second->in_transaction()) it->second->script("ROLLBACK");  // left by an exception mid-way
    return *it->second;
  }
  auto fresh = std::make_unique<Connection>(url_);
  Connection* c = fresh.get();
  std::lock_guard<std::mutex> lock(mutex_);
  if (it != mine.end()) {
    for (std::unique_ptr<Connection>& old : connections_)
      if (old.get() == it->second) old = std::move(fresh);  // closes the broken one
    it->second = c;
  } else {
    connections_.push_back(std::move(fresh));
    mine.emplace(serial_, c);
  }
  return *c;
}

// Several servers may start at once: an advisory lock makes one of them migrate while the
// others wait, then find nothing left to do.
void PgStore::migrate() {
  Connection& c = connection();
  const int latest = latest_version();
  for (;;) {
    c.script("BEGIN");
    try {
      c.exec("SELECT pg_advisory_xact_lock($1)", {Param(kMigrationLock)});
      c.script("CREATE TABLE IF NOT EXISTS schema_version (version integer NOT NULL)");
      Result v = c.exec("SELECT version FROM schema_version");
      int version = 0;
      if (v.rows() == 0) c.script("INSERT INTO schema_version VALUES (0)");
      else version = static_cast<int>(v.int64(0, 0));
      if (version > latest)
        throw std::runtime_error("the database has schema version " + std::to_string(version) +
                                 ", newer than this server (" + std::to_string(latest) + ")");
      if (version == latest) {
        c.script("COMMIT");
        return;
      }
      c.script(pg::kMigrations[version]);
      c.exec("UPDATE schema_version SET version = $1", {Param(version + 1)});
      c.script("COMMIT");
    } catch (...) {
      c.script("ROLLBACK");
      throw;
    }
  }
}

// ---- Tenants ------------------------------------------------------------------------------------

std::int64_t PgStore::create_tenant(const std::string& name) {
  Connection& c = connection();
  Transaction t(c, "admin");
  Result r = c.exec("INSERT INTO tenants (name, created_at) VALUES ($1, $2) RETURNING id", {name, Param(now_seconds())});
  t.commit();
  return r.int64(0, 0);
}

std::optional<Tenant> PgStore::tenant(std::int64_t id) {
  Connection& c = connection();
  Transaction t(c, id);
  Result r = c.exec("SELECT id, name, notify_email, webhook_url, webhook_secret FROM tenants WHERE id = $1", {Param(id)});
  t.commit();
  if (r.rows() == 0) return std::nullopt;
  Tenant out;
  out.id = r.int64(0, 0);
  out.name = r.text(0, 1);
  out.notify.email = r.text(0, 2);
  out.notify.webhook_url = r.text(0, 3);
  out.notify.webhook_secret = r.text(0, 4);
  return out;
}

bool PgStore::has_tenants() {
  Connection& c = connection();
  Transaction t(c, "admin");
  Result r = c.exec("SELECT EXISTS (SELECT 1 FROM tenants)");
  t.commit();
  return r.boolean(0, 0);
}

void PgStore::add_key(std::int64_t tenant, const std::string& key_hash) {
  Connection& c = connection();
  Transaction t(c, tenant);
  c.exec("INSERT INTO api_keys (key_hash, tenant_id, created_at) VALUES ($1, $2, $3)",
         {key_hash, Param(tenant), Param(now_seconds())});
  t.commit();
}

std::optional<std::int64_t> PgStore::tenant_for_key(const std::string& key_hash) {
  Connection& c = connection();
  Transaction t(c, "auth");
  Result r = c.exec("SELECT tenant_id FROM api_keys WHERE key_hash = $1", {key_hash});
  t.commit();
  if (r.rows() == 0) return std::nullopt;
  return r.int64(0, 0);
}

void PgStore::set_notify(std::int64_t tenant, const NotifyConfig& config) {
  Connection& c = connection();
  Transaction t(c, tenant);
  c.exec("UPDATE tenants SET notify_email = $1, webhook_url = $2, webhook_secret = $3 WHERE id = $4",
         {config.email, config.webhook_url, config.webhook_secret, Param(tenant)});
  t.commit();
}

std::vector<std::string> PgStore::allowed_origins(std::int64_t tenant) {
  Connection& c = connection();
  Transaction t(c, tenant);
  Result r = c.exec("SELECT origin FROM tenant_origins WHERE tenant_id = $1 ORDER BY origin", {Param(tenant)});
  t.commit();
  std::vector<std::string> out;
  for (int i = 0; i < r.rows(); ++i) out.push_back(r.text(i, 0));
  return out;
}

void PgStore::set_allowed_origins(std::int64_t tenant, const std::vector<std::string>& origins) {
  Connection& c = connection();
  Transaction t(c, tenant);
  c.exec("DELETE FROM tenant_origins WHERE tenant_id = $1", {Param(tenant)});
  for (const std::string& origin : origins)
    c.exec("INSERT INTO tenant_origins (tenant_id, origin) VALUES ($1, $2) ON CONFLICT DO NOTHING", {Param(tenant), origin});
  t.commit();
}

std::vector<Store::SavedMapping> PgStore::mappings(std::int64_t tenant, const std::string& template_name) {
  Connection& c = connection();
  Transaction t(c, tenant);
  Result r = c.exec(
      "SELECT columns_json, choice_json, updated_at FROM mappings WHERE tenant_id = $1 AND template = $2 "
      "ORDER BY updated_at DESC, columns_json",
      {Param(tenant), template_name});
  t.commit();
  std::vector<SavedMapping> out;
  for (int i = 0; i < r.rows(); ++i) out.push_back(SavedMapping{r.text(i, 0), r.text(i, 1), r.int64(i, 2)});
  return out;
}

void PgStore::put_mapping(std::int64_t tenant, const std::string& template_name, const SavedMapping& m, std::size_t keep) {
  Connection& c = connection();
  Transaction t(c, tenant);
  c.exec("INSERT INTO mappings (tenant_id, template, columns_json, choice_json, updated_at) VALUES ($1, $2, $3, $4, $5) "
         "ON CONFLICT (tenant_id, template, columns_json) DO UPDATE SET choice_json = excluded.choice_json, "
         "updated_at = excluded.updated_at",
         {Param(tenant), template_name, m.columns_json, m.choice_json, Param(m.updated_at)});
  c.exec("DELETE FROM mappings WHERE tenant_id = $1 AND template = $2 AND columns_json NOT IN ("
         "SELECT columns_json FROM mappings WHERE tenant_id = $1 AND template = $2 ORDER BY updated_at DESC, columns_json LIMIT $3)",
         {Param(tenant), template_name, Param(static_cast<std::int64_t>(keep))});
  t.commit();
}

bool PgStore::origin_allowed(const std::string& origin) {
  Connection& c = connection();
  Transaction t(c, "cors");
  Result r = c.exec("SELECT EXISTS (SELECT 1 FROM tenant_origins WHERE origin = $1)", {origin});
  t.commit();
  return r.boolean(0, 0);
}

// ---- Groups and keys ----------------------------------------------------------------------------

std::vector<std::string> PgStore::groups(std::int64_t tenant) {
  Connection& c = connection();
  Transaction t(c, tenant);
  Result r = c.exec("SELECT name FROM groups WHERE tenant_id = $1 ORDER BY name COLLATE \"C\"", {Param(tenant)});
  t.commit();
  std::vector<std::string> out;
  for (int i = 0; i < r.rows(); ++i) out.push_back(r.text(i, 0));
  return out;
}

bool PgStore::add_group(std::int64_t tenant, const std::string& name) {
  Connection& c = connection();
  Transaction t(c, tenant);
  Result r = c.exec("INSERT INTO groups (tenant_id, name) VALUES ($1, $2) ON CONFLICT DO NOTHING", {Param(tenant), name});
  t.commit();
  return r.affected() > 0;
}

std::vector<std::string> PgStore::segments(std::int64_t tenant) {
  Connection& c = connection();
  Transaction t(c, tenant);
  Result r = c.exec("SELECT name FROM segments WHERE tenant_id = $1 ORDER BY name COLLATE \"C\"", {Param(tenant)});
  t.commit();
  std::vector<std::string> out;
  for (int i = 0; i < r.rows(); ++i) out.push_back(r.text(i, 0));
  return out;
}

bool PgStore::add_segment(std::int64_t tenant, const std::string& name) {
  Connection& c = connection();
  Transaction t(c, tenant);
  Result r = c.exec("INSERT INTO segments (tenant_id, name) VALUES ($1, $2) ON CONFLICT DO NOTHING", {Param(tenant), name});
  t.commit();
  return r.affected() > 0;
}

bool PgStore::delete_segment(std::int64_t tenant, const std::string& name) {
  Connection& c = connection();
  Transaction t(c, tenant);
  c.exec("DELETE FROM segment_members WHERE tenant_id = $1 AND segment = $2", {Param(tenant), name});
  Result r = c.exec("DELETE FROM segments WHERE tenant_id = $1 AND name = $2", {Param(tenant), name});
  t.commit();
  return r.affected() > 0;
}

std::vector<std::string> PgStore::segment_members(std::int64_t tenant, const std::string& name, const std::string& family) {
  Connection& c = connection();
  Transaction t(c, tenant);
  Result r = c.exec("SELECT record_key FROM segment_members WHERE tenant_id = $1 AND segment = $2 AND family = $3 "
                    "ORDER BY record_key COLLATE \"C\"",
                    {Param(tenant), name, family});
  t.commit();
  std::vector<std::string> out;
  for (int i = 0; i < r.rows(); ++i) out.push_back(r.text(i, 0));
  return out;
}

bool PgStore::delete_group(std::int64_t tenant, const std::string& name) {
  Connection& c = connection();
  Transaction t(c, tenant);
  c.exec("DELETE FROM partner_groups WHERE tenant_id = $1 AND group_name = $2", {Param(tenant), name});
  Result r = c.exec("DELETE FROM groups WHERE tenant_id = $1 AND name = $2", {Param(tenant), name});
  t.commit();
  return r.affected() > 0;
}

void PgStore::for_each_key(std::int64_t tenant, const Template& tmpl, const std::string& except_import,
                           const std::function<void(const std::vector<std::string_view>&)>& each) {
  const detail::RecordLayout layout = detail::layout_of(tmpl);
  const std::string& family = layout.family;
  Connection& c = connection();
  Transaction t(c, tenant);
  std::vector<std::string_view> parts;
  if (layout.partners) {
    c.each_row(layout.by_partner_id ? "SELECT partner_id FROM partners WHERE tenant_id = $1 AND partner_id IS NOT NULL "
                       "AND created_import <> $2"
                     : "SELECT email_key FROM partners WHERE tenant_id = $1 AND created_import <> $2",
               {Param(tenant), except_import}, [&](const Result& r) {
                 parts.assign(1, r.view(0, 0));
                 each(parts);
                 return true;
               });
  } else {
    c.each_row("SELECT record_key FROM records WHERE tenant_id = $1 AND family = $2 AND created_import <> $3",
               {Param(tenant), family, except_import}, [&](const Result& r) {
                 detail::split_record_key(r.view(0, 0), parts);
                 each(parts);
                 return true;
               });
  }
  t.commit();
}

// ---- Idempotency --------------------------------------------------------------------------------

std::optional<IdempotentReply> PgStore::reserve_idempotency(std::int64_t tenant, const std::string& key,
                                                            const std::string& request_hash, std::int64_t now) {
  Connection& c = connection();
  Transaction t(c, tenant);
  Result ins = c.exec(
      "INSERT INTO idempotency (tenant_id, key, request_hash, created_at) VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING",
      {Param(tenant), key, request_hash, Param(now)});
  if (ins.affected() > 0) {
    t.commit();
    return std::nullopt;
  }
  Result r = c.exec("SELECT request_hash, import_id, status, body, finished FROM idempotency WHERE tenant_id = $1 AND key = $2",
                    {Param(tenant), key});
  t.commit();
  if (r.rows() == 0) return std::nullopt;
  IdempotentReply out;
  out.request_hash = r.text(0, 0);
  out.import_id = r.text(0, 1);
  out.status = static_cast<int>(r.int64(0, 2));
  out.body = r.text(0, 3);
  out.finished = r.boolean(0, 4);
  return out;
}

void PgStore::finish_idempotency(std::int64_t tenant, const std::string& key, const std::string& import_id, int status,
                                 const std::string& body) {
  Connection& c = connection();
  Transaction t(c, tenant);
  c.exec("UPDATE idempotency SET import_id = $1, status = $2, body = $3, finished = true WHERE tenant_id = $4 AND key = $5",
         {import_id, Param(status), body, Param(tenant), key});
  t.commit();
}

void PgStore::release_idempotency(std::int64_t tenant, const std::string& key) {
  Connection& c = connection();
  Transaction t(c, tenant);
  c.exec("DELETE FROM idempotency WHERE tenant_id = $1 AND key = $2 AND NOT finished", {Param(tenant), key});
  t.commit();
}

void PgStore::expire_idempotency(std::int64_t before) {
  Connection& c = connection();
  Transaction t(c, "maintenance");
  c.exec("DELETE FROM idempotency WHERE created_at < $1 AND finished", {Param(before)});
  t.commit();
}

}  // namespace rowgate::server
