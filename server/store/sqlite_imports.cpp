// Imports in SQLite: their records and parts, and the batch commit (the rows and the checkpoint
// in one transaction). Parts and report files themselves are on the server's disk (jobs/spool.h).
#include <sqlite3.h>

#include "store/sqlite_connection.h"
#include "store/sqlite_statement.h"
#include "store/sqlite_store.h"
#include "store/store_detail.h"

namespace rowgate::server {

using detail::kImportColumns;
using detail::read_import;
using detail::value_of;

namespace {

// SQL NULL for a field the row does not give, so that an update keeps the stored value.
void bind_optional(Statement& s, int index, const RowWrite& row, std::string_view field) {
  const std::string* v = field.empty() ? nullptr : value_of(row, field);
  if (v && !v->empty()) s.bind(index, *v);
  else s.bind_null(index);
}

}  // namespace

// ---- Imports ------------------------------------------------------------------------------------

void SqliteStore::create_import(const ImportRecord& r) {
  Statement s = connection().prepare(
      "INSERT INTO imports (id, tenant_id, template_name, template_json, options_json, fixed_json, dry_run, status, "
      "idempotency_key, request_hash, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
  s.bind(1, r.id);
  s.bind(2, r.tenant_id);
  s.bind(3, r.template_name);
  s.bind(4, r.template_json);
  s.bind(5, r.options_json);
  s.bind(6, r.fixed_json);
  s.bind(7, static_cast<std::int64_t>(r.dry_run));
  s.bind(8, status_name(r.status));
  s.bind(9, r.idempotency_key);
  s.bind(10, r.request_hash);
  s.bind(11, r.created_at);
  s.bind(12, r.created_at);
  s.run();
}

std::optional<ImportRecord> SqliteStore::import(std::int64_t tenant, const std::string& id) {
  Statement s = connection().prepare(std::string("SELECT ") + kImportColumns + " FROM imports WHERE id = ? AND tenant_id = ?");
  s.bind(1, id);
  s.bind(2, tenant);
  if (!s.step()) return std::nullopt;
  return read_import(s);
}

std::vector<ImportRecord> SqliteStore::imports(std::int64_t tenant, std::size_t limit) {
  Statement s = connection().prepare(std::string("SELECT ") + kImportColumns +
                                     " FROM imports WHERE tenant_id = ? ORDER BY created_at DESC, rowid DESC LIMIT ?");
  s.bind(1, tenant);
  s.bind(2, static_cast<std::int64_t>(limit));
  std::vector<ImportRecord> out;
  while (s.step()) out.push_back(read_import(s));
  return out;
}

std::vector<ImportRecord> SqliteStore::unfinished_imports() {
  Statement s = connection().prepare(std::string("SELECT ") + kImportColumns + " FROM imports WHERE status IN (" +
                                     detail::status_list(statuses_where(is_unfinished)) + ") ORDER BY created_at, rowid");
  std::vector<ImportRecord> out;
  while (s.step()) out.push_back(read_import(s));
  return out;
}

void SqliteStore::put_part(std::int64_t tenant, const std::string& import_id, const PartInfo& part) {
  Statement s = connection().prepare(
      "INSERT OR REPLACE INTO import_parts (import_id, n, size, sha256) SELECT ?, ?, ?, ? "
      "WHERE EXISTS (SELECT 1 FROM imports WHERE id = ?1 AND tenant_id = ?5)");
  s.bind(5, tenant);
  s.bind(1, import_id);
  s.bind(2, static_cast<std::int64_t>(part.n));
  s.bind(3, static_cast<std::int64_t>(part.size));
  s.bind(4, part.sha256);
  s.run();
}

std::vector<PartInfo> SqliteStore::parts(std::int64_t tenant, const std::string& import_id) {
  Statement s = connection().prepare(
      "SELECT n, size, sha256 FROM import_parts WHERE import_id = ? "
      "AND EXISTS (SELECT 1 FROM imports WHERE id = ?1 AND tenant_id = ?) ORDER BY n");
  s.bind(1, import_id);
  s.bind(2, tenant);
  std::vector<PartInfo> out;
  while (s.step()) out.push_back(PartInfo{static_cast<std::uint32_t>(s.int64(0)), static_cast<std::uint64_t>(s.int64(1)), s.text(2)});
  return out;
}

bool SqliteStore::set_status(std::int64_t tenant, const std::string& import_id, ImportStatus status,
                             const std::vector<ImportStatus>& from) {
  Connection& c = connection();
  std::string sql = "UPDATE imports SET status = ?, updated_at = ? WHERE id = ? AND tenant_id = ?";
  if (!from.empty()) {
    sql += " AND status IN (";
    for (std::size_t i = 0; i < from.size(); ++i) sql += i ? ", ?" : "?";
    sql += ")";
  }
  Statement s = c.prepare(sql);
  s.bind(1, status_name(status));
  s.bind(2, now_seconds());
  s.bind(3, import_id);
  s.bind(4, tenant);
  for (std::size_t i = 0; i < from.size(); ++i) s.bind(static_cast<int>(5 + i), status_name(from[i]));
  s.run();
  return sqlite3_changes(c.db()) > 0;
}

void SqliteStore::set_start(std::int64_t tenant, const std::string& import_id, std::uint64_t parts,
                            std::uint64_t bytes_total) {
  Statement s = connection().prepare(
      "UPDATE imports SET parts = ?, bytes_total = ?, updated_at = ? WHERE id = ? AND tenant_id = ?");
  s.bind(5, tenant);
  s.bind(1, static_cast<std::int64_t>(parts));
  s.bind(2, static_cast<std::int64_t>(bytes_total));
  s.bind(3, now_seconds());
  s.bind(4, import_id);
  s.run();
}

bool SqliteStore::set_options(std::int64_t tenant, const std::string& import_id, const std::string& options_json) {
  Connection& c = connection();
  Statement s = c.prepare(
      "UPDATE imports SET options_json = ?, updated_at = ? WHERE id = ? AND tenant_id = ? AND status = 'uploading'");
  s.bind(1, options_json);
  s.bind(2, now_seconds());
  s.bind(3, import_id);
  s.bind(4, tenant);
  s.run();
  return sqlite3_changes(c.db()) > 0;
}

void SqliteStore::set_progress(std::int64_t tenant, const std::string& import_id, const Progress& p) {
  Statement s = connection().prepare(
      "UPDATE imports SET rows_done = ?, bytes_done = ?, updated_at = ? WHERE id = ? AND tenant_id = ?");
  s.bind(5, tenant);
  s.bind(1, static_cast<std::int64_t>(p.rows_done));
  s.bind(2, static_cast<std::int64_t>(p.bytes_done));
  s.bind(3, now_seconds());
  s.bind(4, import_id);
  s.run();
}

void SqliteStore::request_cancel(std::int64_t tenant, const std::string& import_id) {
  Statement s = connection().prepare("UPDATE imports SET cancel_requested = 1, updated_at = ? WHERE id = ? AND tenant_id = ?");
  s.bind(3, tenant);
  s.bind(1, now_seconds());
  s.bind(2, import_id);
  s.run();
}

bool SqliteStore::cancel_requested(std::int64_t tenant, const std::string& import_id) {
  Statement s = connection().prepare("SELECT cancel_requested FROM imports WHERE id = ? AND tenant_id = ?");
  s.bind(2, tenant);
  s.bind(1, import_id);
  return s.step() && s.int64(0) != 0;
}

void SqliteStore::finish_import(const ImportRecord& import, ImportStatus status, const std::string& summary_json,
                                const std::string& top_codes_json, const std::string& error,
                                std::int64_t files_expire_at) {
  Statement s = connection().prepare(
      "UPDATE imports SET status = ?, summary_json = ?, top_codes_json = ?, error = ?, files_expire_at = ?, "
      "updated_at = ? WHERE id = ? AND tenant_id = ?");
  s.bind(1, status_name(status));
  s.bind(2, summary_json);
  s.bind(3, top_codes_json);
  s.bind(4, error);
  s.bind(5, files_expire_at);
  s.bind(6, now_seconds());
  s.bind(7, import.id);
  s.bind(8, import.tenant_id);
  s.run();
}

void SqliteStore::commit_batch(const ImportRecord& import, const Template& tmpl, const std::vector<RowWrite>& rows,
                               std::uint64_t last_row, const Progress& progress) {
  Connection& c = connection();
  const std::int64_t now = now_seconds();
  const detail::RecordLayout layout = detail::layout_of(tmpl);
  const std::string& family = layout.family;
  Transaction t(c);
  if (layout.partners) {
    const bool update_only = layout.by_partner_id;
    Statement upsert = c.prepare(
        "INSERT INTO partners (tenant_id, email_key, partner_id, name, email, url, first_name, last_name, description, "
        "country, created_import, updated_import, created_at, updated_at) "
        "VALUES (?1, ?2, ?3, COALESCE(?4, ''), COALESCE(?5, ''), COALESCE(?6, ''), COALESCE(?7, ''), COALESCE(?8, ''), "
        "COALESCE(?9, ''), COALESCE(?10, ''), ?11, ?11, ?12, ?12) "
        "ON CONFLICT (tenant_id, email_key) DO UPDATE SET partner_id = COALESCE(excluded.partner_id, partner_id), "
        "name = COALESCE(?4, name), email = COALESCE(?5, email), url = COALESCE(?6, url), "
        "first_name = COALESCE(?7, first_name), last_name = COALESCE(?8, last_name), "
        "description = COALESCE(?9, description), country = COALESCE(?10, country), updated_import = ?11, "
        "updated_at = ?12");
    Statement find = c.prepare("SELECT id FROM partners WHERE tenant_id = ? AND email_key = ?");
    Statement edit = c.prepare(
        "UPDATE partners SET name = COALESCE(?3, name), email = COALESCE(?4, email), "
        "email_key = COALESCE(?13, email_key), url = COALESCE(?5, url), first_name = COALESCE(?6, first_name), "
        "last_name = COALESCE(?7, last_name), description = COALESCE(?8, description), country = COALESCE(?9, country), "
        "status = COALESCE(?10, status), updated_import = ?11, updated_at = ?12 "
        "WHERE tenant_id = ?1 AND partner_id = ?2 RETURNING id");
    Statement join = c.prepare("INSERT OR IGNORE INTO partner_groups (partner_row, group_name, tenant_id) VALUES (?, ?, ?)");
    std::vector<std::pair<std::int64_t, const std::string*>> memberships;
    memberships.reserve(rows.size());
    for (const RowWrite& row : rows) {
      Statement& s = update_only ? edit : upsert;
      s.reset();
      s.bind(1, import.tenant_id);
      s.bind(2, row.key.empty() ? std::string() : row.key[0]);
      // ?3 to ?10: the columns from name to status (an update, by partner_id), or from
      // partner_id to country (an upsert, by email_key); a column no field is bound to is NULL.
      for (int i = 0; i < 8; ++i) bind_optional(s, 3 + i, row, layout.fields[update_only ? i + 1 : i]);
      s.bind(11, import.id);
      s.bind(12, now);
      if (update_only) {  // an e-mail changed: its key, as the core's key of it
        if (std::optional<std::string> key = detail::changed_email_key(layout, row)) s.bind(13, *key);
        else s.bind_null(13);
      }
      std::int64_t partner_row = 0;
      if (update_only) {
        if (!s.step()) continue;  // an update whose partner went away meanwhile
        partner_row = s.int64(0);
        s.reset();
      } else {
        // A new row moves last_insert_rowid; an upsert that updated leaves it (then look it up).
        std::int64_t before = sqlite3_last_insert_rowid(c.db());
        s.run();
        partner_row = sqlite3_last_insert_rowid(c.db());
        if (partner_row == before || row.update) {
          find.reset();
          find.bind(1, import.tenant_id);
          find.bind(2, row.key.empty() ? std::string() : row.key[0]);
          if (!find.step()) continue;
          partner_row = find.int64(0);
        }
      }
      const std::string* group = layout.group_field.empty() ? nullptr : value_of(row, layout.group_field);
      if (group && !group->empty()) memberships.emplace_back(partner_row, group);
    }
    // A value may name several groups (the core checked each and kept each once).
    const std::string& separator = layout.group_separator;
    for (const auto& [partner_row, groups] : memberships) {
      std::string_view rest = *groups;
      for (std::size_t at = 0; at <= rest.size();) {
        std::size_t end = separator.empty() ? std::string_view::npos : rest.find(separator, at);
        if (end == std::string_view::npos) end = rest.size();
        std::string_view group = rest.substr(at, end - at);
        at = end + (separator.empty() ? 1 : separator.size());
        if (group.empty()) continue;
        join.reset();
        join.bind(1, partner_row);
        join.bind(2, std::string(group));
        join.bind(3, import.tenant_id);
        join.run();
      }
    }
  } else {
    Statement upsert = c.prepare(
        "INSERT INTO records (tenant_id, family, record_key, values_json, created_import, updated_import, created_at, "
        "updated_at) VALUES (?1, ?2, ?3, ?4, ?5, ?5, ?6, ?6) ON CONFLICT (tenant_id, family, record_key) DO UPDATE SET "
        "values_json = excluded.values_json, updated_import = ?5, updated_at = ?6");
    for (const RowWrite& row : rows) {
      upsert.reset();
      upsert.bind(1, import.tenant_id);
      upsert.bind(2, family);
      upsert.bind(3, detail::record_key(import.id, row));
      upsert.bind(4, detail::values_json(row));
      upsert.bind(5, import.id);
      upsert.bind(6, now);
      upsert.run();
    }
    // Segments: each row joins the segment it names, or leaves it.
    if (!layout.segment_field.empty()) {
      Statement join = c.prepare("INSERT OR IGNORE INTO segment_members (tenant_id, segment, family, record_key) VALUES (?, ?, ?, ?)");
      Statement leave = c.prepare("DELETE FROM segment_members WHERE tenant_id = ? AND segment = ? AND family = ? AND record_key = ?");
      for (const RowWrite& row : rows) {
        std::optional<detail::SegmentMove> move = detail::segment_move(layout, row);
        if (!move) continue;
        Statement& s = move->remove ? leave : join;
        s.reset();
        s.bind(1, import.tenant_id);
        s.bind(2, *move->segment);
        s.bind(3, family);
        s.bind(4, detail::record_key(import.id, row));
        s.run();  // a segment deleted meanwhile fails the batch on its foreign key
      }
    }
  }
  Statement checkpoint = c.prepare(
      "UPDATE imports SET last_committed_row = ?, rows_done = ?, bytes_done = ?, updated_at = ? WHERE id = ?");
  checkpoint.bind(1, static_cast<std::int64_t>(last_row));
  checkpoint.bind(2, static_cast<std::int64_t>(progress.rows_done));
  checkpoint.bind(3, static_cast<std::int64_t>(progress.bytes_done));
  checkpoint.bind(4, now);
  checkpoint.bind(5, import.id);
  checkpoint.run();
  t.commit();
}

std::vector<ImportKey> SqliteStore::expired_files(std::int64_t now) {
  Statement s = connection().prepare("SELECT tenant_id, id FROM imports WHERE files_expire_at > 0 AND files_expire_at < ?");
  s.bind(1, now);
  std::vector<ImportKey> out;
  while (s.step()) out.push_back(ImportKey{s.int64(0), s.text(1)});
  return out;
}

void SqliteStore::forget_files(std::int64_t tenant, const std::string& import_id) {
  Statement s = connection().prepare("UPDATE imports SET files_expire_at = 0 WHERE id = ? AND tenant_id = ?");
  s.bind(1, import_id);
  s.bind(2, tenant);
  s.run();
}

}  // namespace rowgate::server
