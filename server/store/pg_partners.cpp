// My Partners in PostgreSQL: filtered pages, the export walk, bulk group changes. The filters'
// SQL and the plans it gets: store/partner_scan.h.
#include "store/partner_scan.h"
#include "store/pg_connection.h"
#include "store/pg_store.h"
#include "store/store_detail.h"

namespace rowgate::server {

using pg::Connection;
using pg::Param;
using pg::Result;
using pg::Transaction;
using detail::kPartnerColumns;
using detail::PartnerScan;

namespace {

// A filter's scan; its parameters are appended to `params` ($2 on: $1 is the tenant).
struct PgScan {
  PartnerScan scan;
  PgScan(const PartnerFilter& f, std::vector<Param>& params)
      : scan(f, "$1", [&params](const std::string& v) {
          params.emplace_back(v);
          return "$" + std::to_string(params.size());
        }, "ILIKE", "") {}  // SQLite's LIKE ignores ASCII case; ILIKE does the same here
};

// Up to `limit` partners of the scan after `cursor`, in id order, each with its groups.
std::vector<Partner> page_of(Connection& c, const PgScan& f, std::vector<Param> params, std::int64_t cursor,
                             std::size_t limit) {
  const std::string& order = f.scan.order_column();
  params.emplace_back(cursor);
  params.emplace_back(static_cast<std::uint64_t>(limit));
  Result r = c.exec(std::string("SELECT ") + kPartnerColumns +
                        ", (SELECT string_agg(group_name, '|' ORDER BY group_name COLLATE \"C\") FROM partner_groups "
                        "WHERE partner_row = partners.id)" + f.scan.from_where() + " AND " + order + " > $" +
                        std::to_string(params.size() - 1) + " ORDER BY " + order + " LIMIT $" +
                        std::to_string(params.size()),
                    params);
  std::vector<Partner> out;
  for (int i = 0; i < r.rows(); ++i) {
    out.push_back(detail::read_partner(r.row(i)));
    if (!r.null(i, detail::kPartnerColumnCount)) detail::split_groups(r.view(i, detail::kPartnerColumnCount), out.back().groups);
  }
  return out;
}

}  // namespace

PartnerPage PgStore::partners(std::int64_t tenant, const PartnerFilter& filter, std::optional<std::int64_t> cursor,
                              std::size_t limit) {
  Connection& c = connection();
  Transaction t(c, tenant, "BEGIN ISOLATION LEVEL REPEATABLE READ");  // the count and the page agree
  std::vector<Param> params{Param(tenant)};
  PgScan f(filter, params);
  PartnerPage page;
  page.total = static_cast<std::uint64_t>(c.exec("SELECT count(*)" + f.scan.count_from_where(), params).int64(0, 0));
  page.items = page_of(c, f, params, cursor.value_or(0), limit + 1);
  t.commit();
  if (page.items.size() > limit) {
    page.items.pop_back();
    page.next_cursor = page.items.back().id;
  }
  return page;
}

void PgStore::each_partner(std::int64_t tenant, const PartnerFilter& filter,
                           const std::function<bool(const Partner&)>& each) {
  constexpr std::size_t kPage = 1000;
  Connection& c = connection();
  Transaction t(c, tenant, "BEGIN ISOLATION LEVEL REPEATABLE READ");  // one snapshot for the whole walk
  std::vector<Param> params{Param(tenant)};
  PgScan f(filter, params);
  std::int64_t cursor = 0;
  for (;;) {
    if (QueryDeadline::stopping()) throw QueryTimeout("the server is stopping");
    QueryDeadline::renew_current();  // each page's statement has the whole limit
    t.renew_time_limit();
    std::vector<Partner> page = page_of(c, f, params, cursor, kPage);
    for (const Partner& p : page)
      if (!each(p)) return;
    if (page.size() < kPage) break;
    cursor = page.back().id;
  }
  t.commit();
}

std::uint64_t PgStore::change_groups(std::int64_t tenant, const std::vector<std::int64_t>& ids, const PartnerFilter* filter,
                                     const std::vector<std::string>& add, const std::vector<std::string>& remove) {
  Connection& c = connection();
  Transaction t(c, tenant);
  std::vector<std::int64_t> targets;
  if (filter) {
    std::vector<Param> params{Param(tenant)};
    PgScan f(*filter, params);
    Result r = c.exec("SELECT partners.id" + f.scan.from_where() + " ORDER BY " + f.scan.order_column(), params);
    for (int i = 0; i < r.rows(); ++i) targets.push_back(r.int64(i, 0));
  } else {
    for (std::int64_t id : ids) {
      Result r = c.exec("SELECT id FROM partners WHERE tenant_id = $1 AND id = $2", {Param(tenant), Param(id)});
      if (r.rows() == 1) targets.push_back(id);  // another tenant's ids are not found, never changed
    }
  }
  std::uint64_t changed = 0;
  for (std::int64_t id : targets) {
    bool any = false;
    for (const std::string& g : add)
      any |= c.exec("INSERT INTO partner_groups (partner_row, group_name, tenant_id) VALUES ($1, $2, $3) "
                    "ON CONFLICT DO NOTHING",
                    {Param(id), g, Param(tenant)}).affected() > 0;
    for (const std::string& g : remove)
      any |= c.exec("DELETE FROM partner_groups WHERE partner_row = $1 AND group_name = $2 AND tenant_id = $3",
                    {Param(id), g, Param(tenant)}).affected() > 0;
    if (any) {
      c.exec("UPDATE partners SET updated_at = $1 WHERE id = $2 AND tenant_id = $3", {Param(now_seconds()), Param(id), Param(tenant)});
      ++changed;
    }
  }
  t.commit();
  return changed;
}

}  // namespace rowgate::server
