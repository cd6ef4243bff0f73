// The notification outbox in PostgreSQL, and the counts for /metrics. With several servers,
// due() hands each item to one of them: it is not due again for a minute unless its delivery
// is recorded (delivered, retry_later) first.
#include "store/pg_connection.h"
#include "store/pg_store.h"
#include "store/store_detail.h"

namespace rowgate::server {

using pg::Connection;
using pg::Param;
using pg::Result;
using pg::Transaction;
using detail::kOutboxColumns;

namespace {

constexpr std::int64_t kDeliveryLeaseSeconds = 60;

}  // namespace

void PgStore::enqueue(const OutboxItem& item) {
  Connection& c = connection();
  Transaction t(c, item.tenant_id);
  c.exec("INSERT INTO outbox (tenant_id, import_id, channel, target, payload, next_attempt_at) VALUES ($1, $2, $3, $4, $5, $6)",
         {Param(item.tenant_id), item.import_id, item.channel, item.target, item.payload, Param(item.next_attempt_at)});
  t.commit();
}

std::vector<OutboxItem> PgStore::due(std::int64_t now, std::size_t limit) {
  Connection& c = connection();
  Transaction t(c, "outbox");
  // The items come back as they were (the caller's retry schedule counts from their own
  // next_attempt_at); the row is pushed a minute ahead so that no other server takes it meanwhile.
  Result r = c.exec(std::string("WITH picked AS (SELECT ") + kOutboxColumns +
                        " FROM outbox WHERE delivered_at = 0 AND next_attempt_at <= $1 ORDER BY next_attempt_at, id "
                        "LIMIT $2 FOR UPDATE SKIP LOCKED), "
                        "pushed AS (UPDATE outbox o SET next_attempt_at = $1 + $3 FROM picked WHERE o.id = picked.id) "
                        "SELECT * FROM picked ORDER BY next_attempt_at, id",
                    {Param(now), Param(static_cast<std::uint64_t>(limit)), Param(kDeliveryLeaseSeconds)});
  t.commit();
  std::vector<OutboxItem> out;
  for (int i = 0; i < r.rows(); ++i) out.push_back(detail::read_outbox(r.row(i)));
  return out;
}

void PgStore::delivered(std::int64_t id, std::int64_t now) {
  Connection& c = connection();
  Transaction t(c, "outbox");
  c.exec("UPDATE outbox SET delivered_at = $1, attempts = attempts + 1 WHERE id = $2", {Param(now), Param(id)});
  t.commit();
}

void PgStore::retry_later(std::int64_t id, std::uint32_t attempts, std::int64_t next_attempt_at, const std::string& error) {
  Connection& c = connection();
  Transaction t(c, "outbox");
  c.exec("UPDATE outbox SET attempts = $1, next_attempt_at = $2, last_error = $3 WHERE id = $4",
         {Param(static_cast<std::int64_t>(attempts)), Param(next_attempt_at), error, Param(id)});
  t.commit();
}

std::vector<OutboxItem> PgStore::outbox(std::int64_t tenant) {
  Connection& c = connection();
  Transaction t(c, tenant);
  Result r = c.exec(std::string("SELECT ") + kOutboxColumns + " FROM outbox WHERE tenant_id = $1 ORDER BY id", {Param(tenant)});
  t.commit();
  std::vector<OutboxItem> out;
  for (int i = 0; i < r.rows(); ++i) out.push_back(detail::read_outbox(r.row(i)));
  return out;
}

StoreCounts PgStore::counts() {
  Connection& c = connection();
  Transaction t(c, "metrics");
  Result r = c.exec("SELECT status, count(*) FROM imports GROUP BY status ORDER BY status COLLATE \"C\"");
  t.commit();
  StoreCounts out;
  for (int i = 0; i < r.rows(); ++i) out.imports_by_status.emplace_back(r.text(i, 0), static_cast<std::uint64_t>(r.int64(i, 1)));
  return out;
}

}  // namespace rowgate::server
