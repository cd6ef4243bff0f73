// My Partners in SQLite: filtered pages, the export walk, bulk group changes.
#include <sqlite3.h>

#include "store/sqlite_connection.h"
#include "store/sqlite_store.h"
#include "store/store_detail.h"

namespace rowgate::server {

using detail::kPartnerColumns;
using detail::like_pattern;
using detail::read_partner;

namespace {

// The WHERE clause of a partner filter, and its parameters in order.
struct FilterSql {
  std::string where;
  std::vector<std::string> texts;
};

FilterSql filter_sql(const PartnerFilter& f) {
  FilterSql out;
  if (!f.q.empty()) {
    out.where += " AND (name LIKE ? ESCAPE '\\' OR partner_id LIKE ? ESCAPE '\\' OR url LIKE ? ESCAPE '\\')";
    std::string p = like_pattern(f.q);
    out.texts.insert(out.texts.end(), {p, p, p});
  }
  if (!f.country.empty()) {
    out.where += " AND country = ?";
    out.texts.push_back(f.country);
  }
  if (!f.status.empty()) {
    out.where += " AND status = ?";
    out.texts.push_back(f.status);
  }
  if (!f.group.empty()) {
    out.where += " AND id IN (SELECT partner_row FROM partner_groups WHERE tenant_id = partners.tenant_id AND group_name = ?)";
    out.texts.push_back(f.group);
  }
  return out;
}

}  // namespace

// ---- My Partners --------------------------------------------------------------------------------

PartnerPage SqliteStore::partners(std::int64_t tenant, const PartnerFilter& filter, std::optional<std::int64_t> cursor,
                                  std::size_t limit) {
  Connection& c = connection();
  FilterSql f = filter_sql(filter);
  PartnerPage page;
  {
    Statement count = c.prepare("SELECT COUNT(*) FROM partners WHERE tenant_id = ?" + f.where);
    count.bind(1, tenant);
    for (std::size_t i = 0; i < f.texts.size(); ++i) count.bind(static_cast<int>(2 + i), f.texts[i]);
    count.step();
    page.total = static_cast<std::uint64_t>(count.int64(0));
  }
  Statement s = c.prepare(std::string("SELECT ") + kPartnerColumns + " FROM partners WHERE tenant_id = ?" + f.where +
                          " AND id > ? ORDER BY id LIMIT ?");
  int at = 1;
  s.bind(at++, tenant);
  for (const std::string& t : f.texts) s.bind(at++, t);
  s.bind(at++, cursor.value_or(0));
  s.bind(at++, static_cast<std::int64_t>(limit + 1));
  while (s.step()) page.items.push_back(read_partner(s));
  if (page.items.size() > limit) {
    page.items.pop_back();
    page.next_cursor = page.items.back().id;
  }
  Statement g = c.prepare("SELECT group_name FROM partner_groups WHERE partner_row = ? ORDER BY group_name");
  for (Partner& p : page.items) {
    g.reset();
    g.bind(1, p.id);
    while (g.step()) p.groups.push_back(g.text(0));
  }
  return page;
}

void SqliteStore::each_partner(std::int64_t tenant, const PartnerFilter& filter,
                               const std::function<bool(const Partner&)>& each) {
  Connection& c = connection();
  FilterSql f = filter_sql(filter);
  Statement s = c.prepare(std::string("SELECT ") + kPartnerColumns +
                          ", (SELECT group_concat(group_name, '|') FROM (SELECT group_name FROM partner_groups "
                          "WHERE partner_row = partners.id ORDER BY group_name)) FROM partners WHERE tenant_id = ?" +
                          f.where + " ORDER BY id");
  s.bind(1, tenant);
  for (std::size_t i = 0; i < f.texts.size(); ++i) s.bind(static_cast<int>(2 + i), f.texts[i]);
  while (s.step()) {
    Partner p = read_partner(s);
    detail::split_groups(s.text_view(detail::kPartnerColumnCount), p.groups);
    if (!each(p)) break;
  }
}

std::uint64_t SqliteStore::change_groups(std::int64_t tenant, const std::vector<std::int64_t>& ids,
                                         const PartnerFilter* filter, const std::vector<std::string>& add,
                                         const std::vector<std::string>& remove) {
  Connection& c = connection();
  Transaction t(c);
  std::vector<std::int64_t> targets;
  if (filter) {
    FilterSql f = filter_sql(*filter);
    Statement s = c.prepare("SELECT id FROM partners WHERE tenant_id = ?" + f.where);
    s.bind(1, tenant);
    for (std::size_t i = 0; i < f.texts.size(); ++i) s.bind(static_cast<int>(2 + i), f.texts[i]);
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
