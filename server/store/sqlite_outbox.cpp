// The notification outbox in SQLite.
#include <sqlite3.h>

#include "store/sqlite_connection.h"
#include "store/sqlite_store.h"
#include "store/store_detail.h"

namespace rowgate::server {

using detail::kOutboxColumns;
using detail::read_outbox;

// ---- Outbox -------------------------------------------------------------------------------------

void SqliteStore::enqueue(const OutboxItem& item) {
  Statement s = connection().prepare(
      "INSERT INTO outbox (tenant_id, import_id, channel, target, payload, next_attempt_at) VALUES (?, ?, ?, ?, ?, ?)");
  s.bind(1, item.tenant_id);
  s.bind(2, item.import_id);
  s.bind(3, item.channel);
  s.bind(4, item.target);
  s.bind(5, item.payload);
  s.bind(6, item.next_attempt_at);
  s.run();
}

std::vector<OutboxItem> SqliteStore::due(std::int64_t now, std::size_t limit) {
  Statement s = connection().prepare(std::string("SELECT ") + kOutboxColumns +
                                     " FROM outbox WHERE delivered_at = 0 AND next_attempt_at <= ? ORDER BY next_attempt_at, id LIMIT ?");
  s.bind(1, now);
  s.bind(2, static_cast<std::int64_t>(limit));
  std::vector<OutboxItem> out;
  while (s.step()) out.push_back(read_outbox(s));
  return out;
}

void SqliteStore::delivered(std::int64_t id, std::int64_t now) {
  Statement s = connection().prepare("UPDATE outbox SET delivered_at = ?, attempts = attempts + 1 WHERE id = ?");
  s.bind(1, now);
  s.bind(2, id);
  s.run();
}

void SqliteStore::retry_later(std::int64_t id, std::uint32_t attempts, std::int64_t next_attempt_at,
                              const std::string& error) {
  Statement s = connection().prepare("UPDATE outbox SET attempts = ?, next_attempt_at = ?, last_error = ? WHERE id = ?");
  s.bind(1, static_cast<std::int64_t>(attempts));
  s.bind(2, next_attempt_at);
  s.bind(3, error);
  s.bind(4, id);
  s.run();
}

std::vector<OutboxItem> SqliteStore::outbox(std::int64_t tenant) {
  Statement s = connection().prepare(std::string("SELECT ") + kOutboxColumns + " FROM outbox WHERE tenant_id = ? ORDER BY id");
  s.bind(1, tenant);
  std::vector<OutboxItem> out;
  while (s.step()) out.push_back(read_outbox(s));
  return out;
}

StoreCounts SqliteStore::counts() {
  Statement s = connection().prepare("SELECT status, COUNT(*) FROM imports GROUP BY status ORDER BY status");
  StoreCounts out;
  while (s.step()) out.imports_by_status.emplace_back(s.text(0), static_cast<std::uint64_t>(s.int64(1)));
  return out;
}

}  // namespace rowgate::server
