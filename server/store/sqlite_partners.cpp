// My Partners in SQLite: filtered pages, the export walk, bulk group changes. The filters' SQL
// and the plans it gets: store/partner_scan.h.
#include <sqlite3.h>

#include "store/partner_scan.h"
#include "store/query_deadline.h"
#include "store/sqlite_connection.h"
#include "store/sqlite_store.h"
#include "store/store_detail.h"

namespace rowgate::server {

using detail::kPartnerColumns;
using detail::PartnerScan;
using detail::read_partner;

namespace {

// A filter's scan with its parameters in order ("?" placeholders; ?1 is the tenant).
struct SqliteScan {
  std::vector<std::string> texts;
  PartnerScan scan;
  explicit SqliteScan(const PartnerFilter& f)
      : scan(f, "?1", [this](const std::string& v) {
          texts.push_back(v);
          return "?" + std::to_string(texts.size() + 1);
        }, "LIKE", " ESCAPE '\\'") {}
  int bind(Statement& s, std::int64_t tenant) const {
    s.bind(1, tenant);
    for (std::size_t i = 0; i < texts.size(); ++i) s.bind(static_cast<int>(2 + i), texts[i]);
    return static_cast<int>(texts.size()) + 2;  // the next free parameter
  }
};

// Up to `limit` partners of the scan after `cursor`, in id order, each with its groups.
std::vector<Partner> page_of(SqliteStore::Connection& c, std::int64_t tenant, const SqliteScan& f, std::int64_t cursor,
                             std::size_t limit) {
  const std::string& order = f.scan.order_column();
  std::string at = std::to_string(f.texts.size() + 2);
  Statement s = c.prepare(std::string("SELECT ") + kPartnerColumns + f.scan.from_where() + " AND " + order + " > ?" +
                          at + " ORDER BY " + order + " LIMIT ?" + std::to_string(f.texts.size() + 3));
  int next = f.bind(s, tenant);
  s.bind(next, cursor);
  s.bind(next + 1, static_cast<std::int64_t>(limit));
  std::vector<Partner> out;
  while (s.step()) out.push_back(read_partner(s));
  Statement g = c.prepare("SELECT group_name FROM partner_groups WHERE partner_row = ? ORDER BY group_name");
  for (Partner& p : out) {
    g.reset();
    g.bind(1, p.id);
    while (g.step()) p.groups.push_back(g.text(0));
  }
  return out;
}

}  // namespace

// ---- My Partners --------------------------------------------------------------------------------

PartnerPage SqliteStore::partners(std::int64_t tenant, const PartnerFilter& filter, std::optional<std::int64_t> cursor,
                                  std::size_t limit) {
  Connection& c = connection();
  SqliteScan f(filter);
  ReadTransaction snapshot(c);  // the count and the page agree
  PartnerPage page;
  {
    Statement count = c.prepare("SELECT COUNT(*)" + f.scan.count_from_where());
    f.bind(count, tenant);
    count.step();
    page.total = static_cast<std::uint64_t>(count.int64(0));
  }
  page.items = page_of(c, tenant, f, cursor.value_or(0), limit + 1);
  if (page.items.size() > limit) {
    page.items.pop_back();
    page.next_cursor = page.items.back().id;
  }
  return page;
}

void SqliteStore::each_partner(std::int64_t tenant, const PartnerFilter& filter,
                               const std::function<bool(const Partner&)>& each) {
  constexpr std::size_t kPage = 1000;
  Connection& c = connection();
  SqliteScan f(filter);
  ReadTransaction snapshot(c);  // one snapshot for the whole walk
  std::int64_t cursor = 0;
  for (;;) {
    if (QueryDeadline::stopping()) throw QueryTimeout("the server is stopping");
    QueryDeadline::renew_current();  // each page's statement has the whole limit
    std::vector<Partner> page = page_of(c, tenant, f, cursor, kPage);
    for (const Partner& p : page)
      if (!each(p)) return;
    if (page.size() < kPage) return;
    cursor = page.back().id;
  }
}

std::uint64_t SqliteStore::change_groups(std::int64_t tenant, const std::vector<std::int64_t>& ids,
                                         const PartnerFilter* filter, const std::vector<std::string>& add,
                                         const std::vector<std::string>& remove) {
  Connection& c = connection();
  Transaction t(c);
  std::vector<std::int64_t> targets;
  if (filter) {
    SqliteScan f(*filter);
    Statement s = c.prepare("SELECT partners.id" + f.scan.from_where());
    f.bind(s, tenant);
    while (s.step()) targets.push_back(s.int64(0));
  } else {
    Statement s = c.prepare("SELECT id FROM partners WHERE tenant_id = ? AND id = ?");
    for (std::int64_t id : ids) {
      s.reset();
      s.bind(1, tenant);
      s.bind(2, id);
      if (s.step()) targets.push_back(id);  // another tenant's ids are not found, never changed
    }
  }
  Statement ins = c.prepare("INSERT OR IGNORE INTO partner_groups (partner_row, group_name, tenant_id) VALUES (?, ?, ?)");
  Statement del = c.prepare("DELETE FROM partner_groups WHERE partner_row = ? AND group_name = ?");
  Statement touch = c.prepare("UPDATE partners SET updated_at = ? WHERE id = ?");
  std::uint64_t changed = 0;
  for (std::int64_t id : targets) {
    bool any = false;
    for (const std::string& g : add) {
      ins.reset();
      ins.bind(1, id);
      ins.bind(2, g);
      ins.bind(3, tenant);
      ins.run();
      any |= sqlite3_changes(c.db()) > 0;
    }
    for (const std::string& g : remove) {
      del.reset();
      del.bind(1, id);
      del.bind(2, g);
      del.run();
      any |= sqlite3_changes(c.db()) > 0;
    }
    if (any) {
      touch.reset();
      touch.bind(1, now_seconds());
      touch.bind(2, id);
      touch.run();
      ++changed;
    }
  }
  t.commit();
  return changed;
}

}  // namespace rowgate::server
