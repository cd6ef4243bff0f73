// My Partners in PostgreSQL: filtered pages, the export walk, bulk group changes.
#include "store/pg_connection.h"
#include "store/pg_store.h"
#include "store/store_detail.h"

namespace rowgate::server {

using pg::Connection;
using pg::Param;
using pg::Result;
using pg::Transaction;
using detail::kPartnerColumns;
using detail::like_pattern;

namespace {

// The WHERE clause of a partner filter; its parameters are appended to `params` ($2 on: $1 is the tenant).
std::string filter_sql(const PartnerFilter& f, std::vector<Param>& params) {
  std::string where;
  auto next = [&](const std::string& value) {
    params.emplace_back(value);
    return "$" + std::to_string(params.size());
  };
  if (!f.q.empty()) {
    std::string p = next(like_pattern(f.q));
    // SQLite's LIKE ignores ASCII case; ILIKE does the same here.
    where += " AND (name ILIKE " + p + " OR partner_id ILIKE " + p + " OR url ILIKE " + p + ")";
  }
  if (!f.country.empty()) where += " AND country = " + next(f.country);
  if (!f.status.empty()) where += " AND status = " + next(f.status);
  if (!f.group.empty())
    where += " AND id IN (SELECT partner_row FROM partner_groups WHERE tenant_id = partners.tenant_id AND group_name = " +
             next(f.group) + ")";
  return where;
}

}  // namespace

PartnerPage PgStore::partners(std::int64_t tenant, const PartnerFilter& filter, std::optional<std::int64_t> cursor,
                              std::size_t limit) {
  Connection& c = connection();
  Transaction t(c, tenant);
  std::vector<Param> params{Param(tenant)};
  std::string where = filter_sql(filter, params);
  PartnerPage page;
  page.total = static_cast<std::uint64_t>(c.exec("SELECT count(*) FROM partners WHERE tenant_id = $1" + where, params).int64(0, 0));
  std::vector<Param> paged = params;
  paged.emplace_back(cursor.value_or(0));
  paged.emplace_back(static_cast<std::uint64_t>(limit + 1));
  Result r = c.exec(std::string("SELECT ") + kPartnerColumns +
                        ", (SELECT string_agg(group_name, '|' ORDER BY group_name COLLATE \"C\") FROM partner_groups "
                        "WHERE partner_row = partners.id) FROM partners WHERE tenant_id = $1" + where + " AND id > $" +
                        std::to_string(params.size() + 1) + " ORDER BY id LIMIT $" + std::to_string(params.size() + 2),
                    paged);
  t.commit();
  for (int i = 0; i < r.rows(); ++i) {
    page.items.push_back(detail::read_partner(r.row(i)));
    if (!r.null(i, detail::kPartnerColumnCount)) detail::split_groups(r.view(i, detail::kPartnerColumnCount), page.items.back().groups);
  }
  if (page.items.size() > limit) {
    page.items.pop_back();
    page.next_cursor = page.items.back().id;
  }
  return page;
}

void PgStore::each_partner(std::int64_t tenant, const PartnerFilter& filter,
                           const std::function<bool(const Partner&)>& each) {
  Connection& c = connection();
  Transaction t(c, tenant);
  std::vector<Param> params{Param(tenant)};
  std::string where = filter_sql(filter, params);
  c.each_row(std::string("SELECT ") + kPartnerColumns +
                 ", (SELECT string_agg(group_name, '|' ORDER BY group_name COLLATE \"C\") FROM partner_groups "
                 "WHERE partner_row = partners.id) FROM partners WHERE tenant_id = $1" + where + " ORDER BY id",
             params, [&](const Result& r) {
               Partner p = detail::read_partner(r.row(0));
               if (!r.null(0, detail::kPartnerColumnCount)) detail::split_groups(r.view(0, detail::kPartnerColumnCount), p.groups);
               return each(p);
             });
  t.commit();
}

std::uint64_t PgStore::change_groups(std::int64_t tenant, const std::vector<std::int64_t>& ids, const PartnerFilter* filter,
                                     const std::vector<std::string>& add, const std::vector<std::string>& remove) {
  Connection& c = connection();
  Transaction t(c, tenant);
  std::vector<std::int64_t> targets;
  if (filter) {
    std::vector<Param> params{Param(tenant)};
    std::string where = filter_sql(*filter, params);
    Result r = c.exec("SELECT id FROM partners WHERE tenant_id = $1" + where + " ORDER BY id", params);
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
