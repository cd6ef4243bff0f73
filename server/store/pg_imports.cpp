// Imports in PostgreSQL: their records, parts and report files, the claim and lease that let any
// server run any import, and the batch commit (COPY into a staging table, then one INSERT ...
// ON CONFLICT per batch, with the checkpoint in the same transaction, under the lease).
#include <cstdio>
#include <iterator>
#include <memory>
#include <stdexcept>

#include "store/pg_connection.h"
#include "store/pg_store.h"
#include "store/store_detail.h"

namespace rowgate::server {

using pg::BinaryCopy;
using pg::Connection;
using pg::Param;
using pg::Result;
using pg::Transaction;
using detail::value_of;

namespace {

constexpr std::size_t kReportChunk = 4 << 20;

// The shared columns, then the lease's owner (only a shared store has one).
const std::string kImportColumns = std::string(detail::kImportColumns) + ", lease_owner";

ImportRecord read_import(const Result& r, int i) {
  ImportRecord out = detail::read_import(r.row(i));
  out.lease_owner = r.text(i, detail::kImportColumnCount);
  return out;
}

// One COPY field: NULL for a value the row does not give, so an update keeps the stored one.
void copy_optional(BinaryCopy& out, const RowWrite& row, std::string_view field) {
  const std::string* v = field.empty() ? nullptr : value_of(row, field);
  if (v && !v->empty()) out.field(*v);
  else out.null();
}

// The import's lease, as a condition: an owner that lost it writes nothing (and a caller that
// names no owner writes only to an import nobody holds).
const char* kHeldBy = " AND lease_owner = $";

}  // namespace

void PgStore::create_import(const ImportRecord& r) {
  Connection& c = connection();
  Transaction t(c, r.tenant_id);
  c.exec("INSERT INTO imports (id, tenant_id, template_name, template_json, options_json, fixed_json, dry_run, status, "
         "idempotency_key, request_hash, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $11)",
         {r.id, Param(r.tenant_id), r.template_name, r.template_json, r.options_json, r.fixed_json, Param(r.dry_run),
          status_name(r.status), r.idempotency_key, r.request_hash, Param(r.created_at)});
  t.commit();
}

std::optional<ImportRecord> PgStore::import(std::int64_t tenant, const std::string& id) {
  Connection& c = connection();
  Transaction t(c, tenant);
  Result r = c.exec("SELECT " + kImportColumns + " FROM imports WHERE id = $1 AND tenant_id = $2",
                    {id, Param(tenant)});
  t.commit();
  if (r.rows() == 0) return std::nullopt;
  return read_import(r, 0);
}

std::vector<ImportRecord> PgStore::imports(std::int64_t tenant, std::size_t limit) {
  Connection& c = connection();
  Transaction t(c, tenant);
  Result r = c.exec("SELECT " + kImportColumns +
                        " FROM imports WHERE tenant_id = $1 ORDER BY created_at DESC, seq DESC LIMIT $2",
                    {Param(tenant), Param(static_cast<std::uint64_t>(limit))});
  t.commit();
  std::vector<ImportRecord> out;
  for (int i = 0; i < r.rows(); ++i) out.push_back(read_import(r, i));
  return out;
}

std::vector<ImportRecord> PgStore::unfinished_imports() {
  Connection& c = connection();
  Transaction t(c, "claim");
  Result r = c.exec("SELECT " + kImportColumns + " FROM imports WHERE status IN (" +
                    detail::status_list(statuses_where(is_unfinished)) + ") ORDER BY seq");
  t.commit();
  std::vector<ImportRecord> out;
  for (int i = 0; i < r.rows(); ++i) out.push_back(read_import(r, i));
  return out;
}

void PgStore::put_part(std::int64_t tenant, const std::string& import_id, const PartInfo& part) {
  put_part_data(tenant, import_id, part, {});
}

void PgStore::put_part_data(std::int64_t tenant, const std::string& import_id, const PartInfo& part,
                            std::string_view bytes) {
  Connection& c = connection();
  Transaction t(c, tenant);
  c.exec("INSERT INTO import_parts (import_id, tenant_id, n, size, sha256, data) VALUES ($1, $2, $3, $4, $5, $6) "
         "ON CONFLICT (import_id, n) DO UPDATE SET size = EXCLUDED.size, sha256 = EXCLUDED.sha256, data = EXCLUDED.data",
         {import_id, Param(tenant), Param(static_cast<std::int64_t>(part.n)), Param(part.size), part.sha256,
          Param::bytes(bytes)});
  t.commit();
}

std::vector<PartInfo> PgStore::parts(std::int64_t tenant, const std::string& import_id) {
  Connection& c = connection();
  Transaction t(c, tenant);
  Result r = c.exec("SELECT n, size, sha256 FROM import_parts WHERE import_id = $1 AND tenant_id = $2 ORDER BY n",
                    {import_id, Param(tenant)});
  t.commit();
  std::vector<PartInfo> out;
  for (int i = 0; i < r.rows(); ++i)
    out.push_back(PartInfo{static_cast<std::uint32_t>(r.int64(i, 0)), static_cast<std::uint64_t>(r.int64(i, 1)), r.text(i, 2)});
  return out;
}

std::string PgStore::part_data(std::int64_t tenant, const std::string& import_id, std::uint32_t n) {
  Connection& c = connection();
  Transaction t(c, tenant);
  Result r = c.exec("SELECT data FROM import_parts WHERE import_id = $1 AND tenant_id = $2 AND n = $3",
                    {import_id, Param(tenant), Param(static_cast<std::int64_t>(n))}, true);
  t.commit();
  if (r.rows() == 0 || r.null(0, 0)) throw std::runtime_error("its part " + std::to_string(n) + " is missing from the store");
  return r.text(0, 0);
}

void PgStore::delete_part_data(std::int64_t tenant, const std::string& import_id) {
  Connection& c = connection();
  Transaction t(c, tenant);
  c.exec("UPDATE import_parts SET data = NULL WHERE import_id = $1 AND tenant_id = $2", {import_id, Param(tenant)});
  t.commit();
}

void PgStore::put_report(std::int64_t tenant, const std::string& import_id, const std::string& name,
                         const std::string& path) {
  std::unique_ptr<std::FILE, int (*)(std::FILE*)> in(std::fopen(path.c_str(), "rb"), std::fclose);
  if (!in) throw std::runtime_error("cannot read " + path);
  Connection& c = connection();
  Transaction t(c, tenant);
  c.exec("DELETE FROM import_files WHERE import_id = $1 AND tenant_id = $2 AND name = $3", {import_id, Param(tenant), name});
  std::string chunk(kReportChunk, '\0');
  int seq = 0;
  for (;;) {
    std::size_t n = std::fread(chunk.data(), 1, chunk.size(), in.get());
    if (n == 0) break;
    c.exec("INSERT INTO import_files (import_id, tenant_id, name, seq, data) VALUES ($1, $2, $3, $4, $5)",
           {import_id, Param(tenant), name, Param(seq++), Param::bytes(std::string_view(chunk.data(), n))});
  }
  if (std::ferror(in.get())) throw std::runtime_error("cannot read " + path);
  if (seq == 0)  // an empty file is still a file
    c.exec("INSERT INTO import_files (import_id, tenant_id, name, seq, data) VALUES ($1, $2, $3, 0, '')",
           {import_id, Param(tenant), name});
  t.commit();
}

bool PgStore::read_report(std::int64_t tenant, const std::string& import_id, const std::string& name,
                          const std::function<void(std::string_view)>& each) {
  Connection& c = connection();
  // One snapshot for the count and every chunk: a file replaced or expired meanwhile is read
  // whole as it was, never half of each.
  Transaction t(c, tenant, "BEGIN ISOLATION LEVEL REPEATABLE READ");
  Result n = c.exec("SELECT count(*) FROM import_files WHERE import_id = $1 AND tenant_id = $2 AND name = $3",
                    {import_id, Param(tenant), name});
  std::int64_t chunks = n.int64(0, 0);
  for (std::int64_t seq = 0; seq < chunks; ++seq) {
    Result r = c.exec("SELECT data FROM import_files WHERE import_id = $1 AND tenant_id = $2 AND name = $3 AND seq = $4",
                      {import_id, Param(tenant), name, Param(seq)}, true);
    if (r.rows() != 1) throw std::runtime_error("chunk " + std::to_string(seq) + " of " + name + " is missing from the store");
    each(r.view(0, 0));
  }
  t.commit();
  return chunks > 0;
}

bool PgStore::set_status(std::int64_t tenant, const std::string& import_id, ImportStatus status,
                         const std::vector<ImportStatus>& from) {
  Connection& c = connection();
  Transaction t(c, tenant);
  std::string sql = "UPDATE imports SET status = $1, updated_at = $2 WHERE id = $3 AND tenant_id = $4";
  std::vector<Param> params{status_name(status), Param(now_seconds()), import_id, Param(tenant)};
  if (!from.empty()) {
    sql += " AND status IN (";
    for (std::size_t i = 0; i < from.size(); ++i) {
      sql += (i ? ", $" : "$") + std::to_string(5 + i);
      params.emplace_back(status_name(from[i]));
    }
    sql += ")";
  }
  Result r = c.exec(sql, params);
  t.commit();
  return r.affected() > 0;
}

void PgStore::set_start(std::int64_t tenant, const std::string& import_id, std::uint64_t parts, std::uint64_t bytes_total) {
  Connection& c = connection();
  Transaction t(c, tenant);
  c.exec("UPDATE imports SET parts = $1, bytes_total = $2, updated_at = $3 WHERE id = $4 AND tenant_id = $5",
         {Param(parts), Param(bytes_total), Param(now_seconds()), import_id, Param(tenant)});
  t.commit();
}

bool PgStore::set_options(std::int64_t tenant, const std::string& import_id, const std::string& options_json) {
  Connection& c = connection();
  Transaction t(c, tenant);
  Result r = c.exec(
      "UPDATE imports SET options_json = $1, updated_at = $2 WHERE id = $3 AND tenant_id = $4 AND status = 'uploading'",
      {options_json, Param(now_seconds()), import_id, Param(tenant)});
  t.commit();
  return r.affected() > 0;
}

void PgStore::set_progress(std::int64_t tenant, const std::string& import_id, const Progress& p) {
  Connection& c = connection();
  Transaction t(c, tenant);
  c.exec("UPDATE imports SET rows_done = $1, bytes_done = $2, updated_at = $3 WHERE id = $4 AND tenant_id = $5",
         {Param(p.rows_done), Param(p.bytes_done), Param(now_seconds()), import_id, Param(tenant)});
  t.commit();
}

void PgStore::request_cancel(std::int64_t tenant, const std::string& import_id) {
  Connection& c = connection();
  Transaction t(c, tenant);
  c.exec("UPDATE imports SET cancel_requested = true, updated_at = $1 WHERE id = $2 AND tenant_id = $3",
         {Param(now_seconds()), import_id, Param(tenant)});
  t.commit();
}

bool PgStore::cancel_requested(std::int64_t tenant, const std::string& import_id) {
  Connection& c = connection();
  Transaction t(c, tenant);
  Result r = c.exec("SELECT cancel_requested FROM imports WHERE id = $1 AND tenant_id = $2", {import_id, Param(tenant)});
  t.commit();
  return r.rows() == 1 && r.boolean(0, 0);
}

void PgStore::finish_import(const ImportRecord& import, ImportStatus status, const std::string& summary_json,
                            const std::string& top_codes_json, const std::string& error, std::int64_t files_expire_at) {
  Connection& c = connection();
  Transaction t(c, import.tenant_id);
  Result r = c.exec(std::string("UPDATE imports SET status = $1, summary_json = $2, top_codes_json = $3, error = $4, "
                                "files_expire_at = $5, updated_at = $6, lease_owner = '', lease_until = NULL "
                                "WHERE id = $7 AND tenant_id = $8") +
                        kHeldBy + "9",
                    {status_name(status), summary_json, top_codes_json, error, Param(files_expire_at), Param(now_seconds()), import.id,
                     Param(import.tenant_id), import.lease_owner});
  if (r.affected() == 0 && !import.lease_owner.empty())
    throw LeaseLost("the lease on import " + import.id + " went to another server");
  t.commit();
}

std::vector<ImportKey> PgStore::expired_files(std::int64_t now) {
  Connection& c = connection();
  Transaction t(c, "maintenance");
  Result r = c.exec("SELECT tenant_id, id FROM imports WHERE files_expire_at > 0 AND files_expire_at < $1", {Param(now)});
  t.commit();
  std::vector<ImportKey> out;
  for (int i = 0; i < r.rows(); ++i) out.push_back(ImportKey{r.int64(i, 0), r.text(i, 1)});
  return out;
}

void PgStore::forget_files(std::int64_t tenant, const std::string& import_id) {
  Connection& c = connection();
  Transaction t(c, tenant);
  c.exec("DELETE FROM import_files WHERE import_id = $1 AND tenant_id = $2", {import_id, Param(tenant)});
  c.exec("UPDATE imports SET files_expire_at = 0 WHERE id = $1 AND tenant_id = $2", {import_id, Param(tenant)});
  t.commit();
}

// ---- Claims and leases --------------------------------------------------------------------------

// The claim is the one write across tenants: it reads no tenant data, only which import is free,
// and hands back its tenant; everything after runs in a transaction for that tenant.
std::optional<ImportKey> PgStore::claim_import(const std::string& owner, std::int64_t lease_seconds) {
  Connection& c = connection();
  Transaction t(c, "claim");
  Result r = c.exec(
      "UPDATE imports SET lease_owner = $1, lease_seconds = $2::integer, lease_until = now() + make_interval(secs => $2::integer) "
      "WHERE id = (SELECT id FROM imports WHERE status IN (" + detail::status_list(statuses_where(is_unfinished)) + ") "
      "AND (lease_owner = '' OR lease_until < now()) ORDER BY seq LIMIT 1 FOR UPDATE SKIP LOCKED) "
      "RETURNING tenant_id, id",
      {owner, Param(lease_seconds)});
  t.commit();
  if (r.rows() == 0) return std::nullopt;
  return ImportKey{r.int64(0, 0), r.text(0, 1)};
}

bool PgStore::renew_lease(std::int64_t tenant, const std::string& import_id, const std::string& owner,
                          std::int64_t lease_seconds, const Progress& progress) {
  Connection& c = connection();
  Transaction t(c, tenant);
  Result r = c.exec(
      "UPDATE imports SET lease_until = now() + make_interval(secs => $1), rows_done = GREATEST(rows_done, $2), "
      "bytes_done = GREATEST(bytes_done, $3) WHERE id = $4 AND tenant_id = $5 AND lease_owner = $6",
      {Param(lease_seconds), Param(progress.rows_done), Param(progress.bytes_done), import_id, Param(tenant), owner});
  t.commit();
  return r.affected() > 0;
}

// ---- The batch commit ---------------------------------------------------------------------------

void PgStore::commit_batch(const ImportRecord& import, const Template& tmpl, const std::vector<RowWrite>& rows,
                           std::uint64_t last_row, const Progress& progress) {
  const detail::RecordLayout layout = detail::layout_of(tmpl);  // a binding it cannot follow writes nothing
  Connection& c = connection();
  const std::int64_t now = now_seconds();
  Transaction t(c, import.tenant_id);
  // The checkpoint first: it locks the import's row, so a server claiming the import after our
  // lease expired waits for this transaction, and one that claimed it already makes this match
  // nothing: then nothing of the batch is written.
  // Each batch also renews the lease: a heartbeat waits for this row lock while the batch runs,
  // and the lease is renewed again at the end (below), from the time the batch is done.
  Result held = c.exec(std::string("UPDATE imports SET last_committed_row = $1, rows_done = $2, bytes_done = $3, "
                                   "updated_at = $4, lease_until = now() + make_interval(secs => lease_seconds) "
                                   "WHERE id = $5 AND tenant_id = $6") +
                           kHeldBy + "7",
                       {Param(last_row), Param(progress.rows_done), Param(progress.bytes_done), Param(now), import.id,
                        Param(import.tenant_id), import.lease_owner});
  if (held.affected() == 0) throw LeaseLost("the lease on import " + import.id + " went to another server");
  write_batch(c, import, layout, rows, now);
  // now() is when the transaction began: a batch that took longer than the lease would leave it
  // already expired at commit, and a server waiting on the row lock would take the import over
  // from a runner that is alive. The row is ours until commit, so this costs no wait.
  c.exec("UPDATE imports SET lease_until = clock_timestamp() + make_interval(secs => lease_seconds) "
         "WHERE id = $1 AND tenant_id = $2",
         {import.id, Param(import.tenant_id)});
  t.commit();
}

void PgStore::write_batch(Connection& c, const ImportRecord& import, const detail::RecordLayout& layout,
                          const std::vector<RowWrite>& rows, std::int64_t now) {
  if (rows.empty()) return;
  const std::string& family = layout.family;
  c.script("SET LOCAL work_mem = '64MB'");  // the batch's join and sort stay in memory
  BinaryCopy data(rows.size() * 300);  // a partner row takes about 280 bytes
  if (layout.partners) {
    c.script(
        "CREATE TEMP TABLE IF NOT EXISTS stage_partners (record_key text, partner_id text, name text, email text, url text, "
        "first_name text, last_name text, description text, country text, status text, group_name text, "
        "email_key text) ON COMMIT DELETE ROWS");
    const bool update_only = layout.by_partner_id;
    // The key, the bound columns, the group, and (an update) the key of a changed e-mail.
    constexpr std::uint16_t kColumns = 3 + detail::kPartnerBindableCount;
    for (const RowWrite& row : rows) {
      data.row(kColumns);
      data.field(row.key.empty() ? std::string_view() : std::string_view(row.key[0]));
      for (const std::string& field : layout.fields) copy_optional(data, row, field);
      copy_optional(data, row, layout.group_field);
      std::optional<std::string> email_key = update_only ? detail::changed_email_key(layout, row) : std::nullopt;
      if (email_key) data.field(*email_key);
      else data.null();
    }
    c.copy_in("COPY stage_partners FROM STDIN (FORMAT binary)", data.finish());
    if (update_only) {
      c.exec(
          "WITH changed AS (UPDATE partners p SET name = COALESCE(s.name, p.name), email = COALESCE(s.email, p.email), "
          "email_key = COALESCE(s.email_key, p.email_key), url = COALESCE(s.url, p.url), "
          "first_name = COALESCE(s.first_name, p.first_name), last_name = COALESCE(s.last_name, p.last_name), "
          "description = COALESCE(s.description, p.description), country = COALESCE(s.country, p.country), "
          "status = COALESCE(s.status, p.status), updated_import = $2, updated_at = $3 "
          "FROM stage_partners s WHERE p.tenant_id = $1 AND p.partner_id = s.record_key RETURNING p.id, s.group_name) "
          "INSERT INTO partner_groups (partner_row, group_name, tenant_id) SELECT id, g, $1 FROM changed, "
          "unnest(CASE WHEN $4 = '' THEN ARRAY[group_name] ELSE string_to_array(group_name, $4) END) AS g "
          "WHERE group_name IS NOT NULL AND g <> '' ON CONFLICT DO NOTHING",
          {Param(import.tenant_id), import.id, Param(now), layout.group_separator});
    } else {
      // The stage has no statistics: the planner would merge-join it with the upsert's RETURNING,
      // sorting both sides by e-mail; a hash join sorts neither.
      c.script("SET LOCAL enable_mergejoin = off");
      // Absent values were staged as NULL and inserted as '': an update keeps what is stored.
      // Memberships go in partner id order, so that both indexes of partner_groups grow at their
      // right edge. A partner this statement created (xmax = 0; the version an update writes
      // carries our row lock in xmax) has no memberships yet, so its membership is a plain
      // INSERT, without ON CONFLICT's speculative insertion; only an updated partner's may exist.
      c.exec(
          "WITH written AS (INSERT INTO partners AS p (tenant_id, email_key, partner_id, name, email, url, first_name, "
          "last_name, description, country, created_import, updated_import, created_at, updated_at) "
          "SELECT $1, record_key, partner_id, COALESCE(name, ''), COALESCE(email, ''), COALESCE(url, ''), "
          "COALESCE(first_name, ''), COALESCE(last_name, ''), COALESCE(description, ''), COALESCE(country, ''), $2, $2, $3, $3 "
          "FROM stage_partners ON CONFLICT (tenant_id, email_key) DO UPDATE SET "
          "partner_id = COALESCE(EXCLUDED.partner_id, p.partner_id), name = COALESCE(NULLIF(EXCLUDED.name, ''), p.name), "
          "email = COALESCE(NULLIF(EXCLUDED.email, ''), p.email), url = COALESCE(NULLIF(EXCLUDED.url, ''), p.url), "
          "first_name = COALESCE(NULLIF(EXCLUDED.first_name, ''), p.first_name), "
          "last_name = COALESCE(NULLIF(EXCLUDED.last_name, ''), p.last_name), "
          "description = COALESCE(NULLIF(EXCLUDED.description, ''), p.description), "
          "country = COALESCE(NULLIF(EXCLUDED.country, ''), p.country), updated_import = $2, updated_at = $3 "
          "RETURNING p.id, p.email_key, p.xmax = 0 AS created), "
          // A value may name several groups (the core checked each and kept each once).
          "memberships AS (SELECT w.id, w.created, g AS group_name FROM written w "
          "JOIN stage_partners s ON s.record_key = w.email_key "
          "CROSS JOIN LATERAL unnest(CASE WHEN $4 = '' THEN ARRAY[s.group_name] ELSE string_to_array(s.group_name, $4) END) AS g "
          "WHERE s.group_name IS NOT NULL AND g <> ''), "
          "new_memberships AS (INSERT INTO partner_groups (partner_row, group_name, tenant_id) "
          "SELECT id, group_name, $1 FROM memberships WHERE created ORDER BY id) "
          "INSERT INTO partner_groups (partner_row, group_name, tenant_id) "
          "SELECT id, group_name, $1 FROM memberships WHERE NOT created ORDER BY id ON CONFLICT DO NOTHING",
          {Param(import.tenant_id), import.id, Param(now), layout.group_separator});
    }
  } else {
    c.script("CREATE TEMP TABLE IF NOT EXISTS stage_records (record_key text, values_json text) ON COMMIT DELETE ROWS");
    for (const RowWrite& row : rows) {
      data.row(2);
      data.field(detail::record_key(import.id, row));
      data.field(detail::values_json(row));
    }
    c.copy_in("COPY stage_records FROM STDIN (FORMAT binary)", data.finish());
    c.exec(
        "INSERT INTO records (tenant_id, family, record_key, values_json, created_import, updated_import, created_at, "
        "updated_at) SELECT $1, $2, record_key, values_json, $3, $3, $4, $4 FROM stage_records "
        "ON CONFLICT (tenant_id, family, record_key) DO UPDATE SET values_json = EXCLUDED.values_json, "
        "updated_import = $3, updated_at = $4",
        {Param(import.tenant_id), family, import.id, Param(now)});
    // Segments: each row joins the segment it names, or leaves it (a segment deleted meanwhile
    // fails the batch on its foreign key).
    if (!layout.segment_field.empty()) {
      BinaryCopy moves(rows.size() * 64);
      std::size_t n = 0;
      for (const RowWrite& row : rows) {
        std::optional<detail::SegmentMove> move = detail::segment_move(layout, row);
        if (!move) continue;
        moves.row(3);
        moves.field(detail::record_key(import.id, row));
        moves.field(*move->segment);
        moves.field(move->remove ? "remove" : "add");
        ++n;
      }
      if (n) {
        c.script("CREATE TEMP TABLE IF NOT EXISTS stage_segments (record_key text, segment text, action text) ON COMMIT DELETE ROWS");
        c.copy_in("COPY stage_segments FROM STDIN (FORMAT binary)", moves.finish());
        c.exec("DELETE FROM segment_members m USING stage_segments s WHERE s.action = 'remove' AND m.tenant_id = $1 "
               "AND m.family = $2 AND m.segment = s.segment AND m.record_key = s.record_key",
               {Param(import.tenant_id), family});
        c.exec("INSERT INTO segment_members (tenant_id, segment, family, record_key) SELECT $1, segment, $2, record_key "
               "FROM stage_segments WHERE action = 'add' ORDER BY segment, record_key ON CONFLICT DO NOTHING",
               {Param(import.tenant_id), family});
      }
    }
  }
}

}  // namespace rowgate::server
