// The notification outbox in PostgreSQL, and the counts for /metrics. With several servers,
// due() hands each item to one of them: it is not due again for a minute unless its delivery
// is recorded (delivered, retry_later) first.
#include "store/pg_connection.h"
#include "store/pg_store.h"

namespace rowgate::server {

using pg::Connection;
using pg::Param;
using pg::Result;
using pg::Transaction;

namespace {

constexpr std::int64_t kDeliveryLeaseSeconds = 60;

const char* kOutboxColumns =
    "id, tenant_id, import_id, channel, target, payload, attempts, next_attempt_at, last_error, delivered_at";

OutboxItem read_outbox(const Result& r, int i) {
  OutboxItem o;
  o.id = r.int64(i, 0);
  o.tenant_id = r.int64(i, 1);
  o.import_id = r.text(i, 2);
  o.channel = r.text(i, 3);
  o.target = r.text(i, 4);
  o.payload = r.text(i, 5);
  o.attempts = static_cast<std::uint32_t>(r.int64(i, 6));
  o.next_attempt_at = r.int64(i, 7);
  o.last_error = r.text(i, 8);
  o.delivered_at = r.int64(i, 9);
  return o;
}

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
  for (int i = 0; i < r.rows(); ++i) out.push_back(read_outbox(r, i));
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
  for (int i = 0; i < r.rows(); ++i) out.push_back(read_outbox(r, i));
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
