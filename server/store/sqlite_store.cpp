// The SQLite store: connections, migrations, tenants and keys, groups, idempotency. Imports are
// in sqlite_imports.cpp, My Partners in sqlite_partners.cpp, the outbox in sqlite_outbox.cpp.
#include "store/sqlite_store.h"

#include <sqlite3.h>

#include <atomic>
#include <stdexcept>
#include <unordered_map>

#include "store/sqlite_connection.h"
#include "store/sqlite_schema.h"
#include "store/sqlite_statement.h"
#include "store/store_detail.h"

namespace rowgate::server {

using sqlite::kMigrations;

namespace {

std::atomic<std::uint64_t> next_store_serial{1};

}  // namespace

// ---- Connections --------------------------------------------------------------------------------

// Connection and Transaction: store/sqlite_connection.h.

namespace {
struct ThreadConnections {
  std::unordered_map<std::uint64_t, SqliteStore::Connection*> by_store;
};
thread_local ThreadConnections tls_connections;
}  // namespace

SqliteStore::SqliteStore(std::string path) : path_(std::move(path)) {
  serial_ = next_store_serial++;
  migrate();
}

SqliteStore::~SqliteStore() = default;

SqliteStore::Connection& SqliteStore::connection() {
  auto& mine = tls_connections.by_store;
  auto it = mine.find(serial_);
  if (it != mine.end()) return *it->second;
  auto c = std::make_unique<Connection>(path_);
  Connection* opened = c.get();
  {
    std::lock_guard<std::mutex> lock(mutex_);
    connections_.push_back(std::move(c));
  }
  mine.emplace(serial_, opened);
  return *opened;
}

void SqliteStore::migrate() {
  Connection& c = connection();
  Statement v = c.prepare("PRAGMA user_version");
  v.step();
  int version = static_cast<int>(v.int64(0));
  v.reset();
  const int latest = static_cast<int>(sizeof kMigrations / sizeof kMigrations[0]);
  if (version > latest)
    throw std::runtime_error("the store " + path_ + " has schema version " + std::to_string(version) +
                             ", newer than this server (" + std::to_string(latest) + ")");
  for (int m = version; m < latest; ++m) {
    Transaction t(c);
    c.exec(kMigrations[m]);
    c.exec("PRAGMA user_version = " + std::to_string(m + 1));
    t.commit();
  }
}

// ---- Tenants ------------------------------------------------------------------------------------

std::int64_t SqliteStore::create_tenant(const std::string& name) {
  Connection& c = connection();
  Statement s = c.prepare("INSERT INTO tenants (name, created_at) VALUES (?, ?)");
  s.bind(1, name);
  s.bind(2, now_seconds());
  s.run();
  return sqlite3_last_insert_rowid(c.db());
}

std::optional<Tenant> SqliteStore::tenant(std::int64_t id) {
  Statement s = connection().prepare("SELECT id, name, notify_email, webhook_url, webhook_secret FROM tenants WHERE id = ?");
  s.bind(1, id);
  if (!s.step()) return std::nullopt;
  Tenant t;
  t.id = s.int64(0);
  t.name = s.text(1);
  t.notify.email = s.text(2);
  t.notify.webhook_url = s.text(3);
  t.notify.webhook_secret = s.text(4);
  return t;
}

bool SqliteStore::has_tenants() {
  Statement s = connection().prepare("SELECT EXISTS (SELECT 1 FROM tenants)");
  s.step();
  return s.int64(0) != 0;
}

void SqliteStore::add_key(std::int64_t tenant, const std::string& key_hash) {
  Statement s = connection().prepare("INSERT INTO api_keys (key_hash, tenant_id, created_at) VALUES (?, ?, ?)");
  s.bind(1, key_hash);
  s.bind(2, tenant);
  s.bind(3, now_seconds());
  s.run();
}

std::optional<std::int64_t> SqliteStore::tenant_for_key(const std::string& key_hash) {
  Statement s = connection().prepare("SELECT tenant_id FROM api_keys WHERE key_hash = ?");
  s.bind(1, key_hash);
  if (!s.step()) return std::nullopt;
  return s.int64(0);
}

void SqliteStore::set_notify(std::int64_t tenant, const NotifyConfig& config) {
  Statement s = connection().prepare("UPDATE tenants SET notify_email = ?, webhook_url = ?, webhook_secret = ? WHERE id = ?");
  s.bind(1, config.email);
  s.bind(2, config.webhook_url);
  s.bind(3, config.webhook_secret);
  s.bind(4, tenant);
  s.run();
}

std::vector<std::string> SqliteStore::allowed_origins(std::int64_t tenant) {
  Statement s = connection().prepare("SELECT origin FROM tenant_origins WHERE tenant_id = ? ORDER BY origin");
  s.bind(1, tenant);
  std::vector<std::string> out;
  while (s.step()) out.push_back(s.text(0));
  return out;
}

void SqliteStore::set_allowed_origins(std::int64_t tenant, const std::vector<std::string>& origins) {
  Connection& c = connection();
  Transaction t(c);
  Statement d = c.prepare("DELETE FROM tenant_origins WHERE tenant_id = ?");
  d.bind(1, tenant);
  d.run();
  Statement s = c.prepare("INSERT OR IGNORE INTO tenant_origins (tenant_id, origin) VALUES (?, ?)");
  for (const std::string& origin : origins) {
    s.bind(1, tenant);
    s.bind(2, origin);
    s.run();
    s.reset();
  }
  t.commit();
}

std::vector<Store::SavedMapping> SqliteStore::mappings(std::int64_t tenant, const std::string& template_name) {
  Statement s = connection().prepare(
      "SELECT columns_json, choice_json, updated_at FROM mappings WHERE tenant_id = ? AND template = ? "
      "ORDER BY updated_at DESC, columns_json");
  s.bind(1, tenant);
  s.bind(2, template_name);
  std::vector<SavedMapping> out;
  while (s.step()) out.push_back(SavedMapping{s.text(0), s.text(1), s.int64(2)});
  return out;
}

void SqliteStore::put_mapping(std::int64_t tenant, const std::string& template_name, const SavedMapping& m, std::size_t keep) {
  Connection& c = connection();
  Transaction t(c);
  Statement s = c.prepare(
      "INSERT INTO mappings (tenant_id, template, columns_json, choice_json, updated_at) VALUES (?, ?, ?, ?, ?) "
      "ON CONFLICT (tenant_id, template, columns_json) DO UPDATE SET choice_json = excluded.choice_json, "
      "updated_at = excluded.updated_at");
  s.bind(1, tenant);
  s.bind(2, template_name);
  s.bind(3, m.columns_json);
  s.bind(4, m.choice_json);
  s.bind(5, m.updated_at);
  s.run();
  Statement trim = c.prepare(
      "DELETE FROM mappings WHERE tenant_id = ? AND template = ? AND columns_json NOT IN ("
      "SELECT columns_json FROM mappings WHERE tenant_id = ? AND template = ? ORDER BY updated_at DESC, columns_json LIMIT ?)");
  trim.bind(1, tenant);
  trim.bind(2, template_name);
  trim.bind(3, tenant);
  trim.bind(4, template_name);
  trim.bind(5, static_cast<std::int64_t>(keep));
  trim.run();
  t.commit();
}

bool SqliteStore::origin_allowed(const std::string& origin) {
  Statement s = connection().prepare("SELECT EXISTS (SELECT 1 FROM tenant_origins WHERE origin = ?)");
  s.bind(1, origin);
  s.step();
  return s.int64(0) != 0;
}

// ---- Groups and keys ----------------------------------------------------------------------------

std::vector<std::string> SqliteStore::groups(std::int64_t tenant) {
  Statement s = connection().prepare("SELECT name FROM groups WHERE tenant_id = ? ORDER BY name");
  s.bind(1, tenant);
  std::vector<std::string> out;
  while (s.step()) out.push_back(s.text(0));
  return out;
}

bool SqliteStore::add_group(std::int64_t tenant, const std::string& name) {
  Connection& c = connection();
  Statement s = c.prepare("INSERT OR IGNORE INTO groups (tenant_id, name) VALUES (?, ?)");
  s.bind(1, tenant);
  s.bind(2, name);
  s.run();
  return sqlite3_changes(c.db()) > 0;
}

std::vector<std::string> SqliteStore::segments(std::int64_t tenant) {
  Statement s = connection().prepare("SELECT name FROM segments WHERE tenant_id = ? ORDER BY name");
  s.bind(1, tenant);
  std::vector<std::string> out;
  while (s.step()) out.push_back(s.text(0));
  return out;
}

bool SqliteStore::add_segment(std::int64_t tenant, const std::string& name) {
  Connection& c = connection();
  Statement s = c.prepare("INSERT OR IGNORE INTO segments (tenant_id, name) VALUES (?, ?)");
  s.bind(1, tenant);
  s.bind(2, name);
  s.run();
  return sqlite3_changes(c.db()) > 0;
}

bool SqliteStore::delete_segment(std::int64_t tenant, const std::string& name) {
  Connection& c = connection();
  Transaction t(c);
  Statement m = c.prepare("DELETE FROM segment_members WHERE tenant_id = ? AND segment = ?");
  m.bind(1, tenant);
  m.bind(2, name);
  m.run();
  Statement s = c.prepare("DELETE FROM segments WHERE tenant_id = ? AND name = ?");
  s.bind(1, tenant);
  s.bind(2, name);
  s.run();
  bool gone = sqlite3_changes(c.db()) > 0;
  t.commit();
  return gone;
}

std::vector<std::string> SqliteStore::segment_members(std::int64_t tenant, const std::string& name, const std::string& family) {
  Statement s = connection().prepare(
      "SELECT record_key FROM segment_members WHERE tenant_id = ? AND segment = ? AND family = ? ORDER BY record_key");
  s.bind(1, tenant);
  s.bind(2, name);
  s.bind(3, family);
  std::vector<std::string> out;
  while (s.step()) out.push_back(s.text(0));
  return out;
}

bool SqliteStore::delete_group(std::int64_t tenant, const std::string& name) {
  Connection& c = connection();
  Transaction t(c);
  Statement m = c.prepare("DELETE FROM partner_groups WHERE tenant_id = ? AND group_name = ?");
  m.bind(1, tenant);
  m.bind(2, name);
  m.run();
  Statement s = c.prepare("DELETE FROM groups WHERE tenant_id = ? AND name = ?");
  s.bind(1, tenant);
  s.bind(2, name);
  s.run();
  bool gone = sqlite3_changes(c.db()) > 0;
  t.commit();
  return gone;
}

void SqliteStore::for_each_key(std::int64_t tenant, const Template& tmpl, const std::string& except_import,
                               const std::function<void(const std::vector<std::string_view>&)>& each) {
  Connection& c = connection();
  const detail::RecordLayout layout = detail::layout_of(tmpl);
  const std::string& family = layout.family;
  std::vector<std::string_view> parts;
  if (layout.partners) {
    Statement s = c.prepare(layout.by_partner_id ? "SELECT partner_id FROM partners WHERE tenant_id = ? AND partner_id IS NOT NULL "
                                    "AND created_import != ?"
                                  : "SELECT email_key FROM partners WHERE tenant_id = ? AND created_import != ?");
    s.bind(1, tenant);
    s.bind(2, except_import);
    while (s.step()) {
      parts.assign(1, s.text_view(0));
      each(parts);
    }
    return;
  }
  Statement s = c.prepare("SELECT record_key FROM records WHERE tenant_id = ? AND family = ? AND created_import != ?");
  s.bind(1, tenant);
  s.bind(2, family);
  s.bind(3, except_import);
  while (s.step()) {
    detail::split_record_key(s.text_view(0), parts);
    each(parts);
  }
}

// ---- Idempotency --------------------------------------------------------------------------------

std::optional<IdempotentReply> SqliteStore::reserve_idempotency(std::int64_t tenant, const std::string& key,
                                                                const std::string& request_hash, std::int64_t now) {
  Connection& c = connection();
  Statement ins = c.prepare("INSERT OR IGNORE INTO idempotency (tenant_id, key, request_hash, created_at) VALUES (?, ?, ?, ?)");
  ins.bind(1, tenant);
  ins.bind(2, key);
  ins.bind(3, request_hash);
  ins.bind(4, now);
  ins.run();
  if (sqlite3_changes(c.db()) > 0) return std::nullopt;
  Statement s = c.prepare("SELECT request_hash, import_id, status, body, finished FROM idempotency WHERE tenant_id = ? AND key = ?");
  s.bind(1, tenant);
  s.bind(2, key);
  if (!s.step()) return std::nullopt;
  IdempotentReply r;
  r.request_hash = s.text(0);
  r.import_id = s.text(1);
  r.status = static_cast<int>(s.int64(2));
  r.body = s.text(3);
  r.finished = s.int64(4) != 0;
  return r;
}

void SqliteStore::finish_idempotency(std::int64_t tenant, const std::string& key, const std::string& import_id, int status,
                                     const std::string& body) {
  Statement s = connection().prepare(
      "UPDATE idempotency SET import_id = ?, status = ?, body = ?, finished = 1 WHERE tenant_id = ? AND key = ?");
  s.bind(1, import_id);
  s.bind(2, static_cast<std::int64_t>(status));
  s.bind(3, body);
  s.bind(4, tenant);
  s.bind(5, key);
  s.run();
}

void SqliteStore::release_idempotency(std::int64_t tenant, const std::string& key) {
  Statement s = connection().prepare("DELETE FROM idempotency WHERE tenant_id = ? AND key = ? AND finished = 0");
  s.bind(1, tenant);
  s.bind(2, key);
  s.run();
}

void SqliteStore::expire_idempotency(std::int64_t before) {
  Statement s = connection().prepare("DELETE FROM idempotency WHERE created_at < ? AND finished = 1");
  s.bind(1, before);
  s.run();
}

}  // namespace rowgate::server
