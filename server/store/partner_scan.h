// The SQL of a My Partners filter, shared by both stores and shaped so that an index serves it at
// any size (a partner list must never scan the tenant once per partner):
//   - with a group: the walk is over the group's entries in partner_groups_by_group (tenant_id,
//     group_name, partner_row), in partner_row order, each partner fetched by its primary key;
//     SQLite's plan: SEARCH g USING COVERING INDEX partner_groups_by_group (tenant_id=? AND
//     group_name=? AND partner_row>?), SEARCH partners USING INTEGER PRIMARY KEY (rowid=?);
//   - without one: over partners_by_tenant (tenant_id, id), in id order; SQLite's plan: SEARCH
//     partners USING INDEX partners_by_tenant (tenant_id=? AND rowid>?) for a page.
// PostgreSQL's plans at 500,000 partners (EXPLAIN ANALYZE): a group's page is a Merge Join of an
// Index Only Scan on partner_groups_by_group (tenant_id, group_name, partner_row > $n) with an
// Index Scan on partners_pkey, stopped by the LIMIT (under 1 ms); a page without a group is an
// Index Scan on partners_pkey (id > $n) or partners_by_tenant; a group alone is counted by an
// Index Only Scan of partner_groups_by_group, without partners.
// The other conditions (country, status, the text search) filter the rows of that walk. Keyset
// pages continue after the last id of the previous page (`order_column() > cursor`); the
// tests of both stores check the plans (store_test.cpp).
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

#include "store/store.h"
#include "store/store_detail.h"

namespace rowgate::server::detail {

class PartnerScan {
 public:
  /// `param(value)` adds a statement parameter and answers its placeholder ("?" or "$3");
  /// `like` is the store's case-insensitive LIKE ("LIKE" in SQLite, "ILIKE" in PostgreSQL) and
  /// `escape` what follows a pattern (SQLite needs ESCAPE '\', PostgreSQL's default is '\').
  using AddParam = std::function<std::string(const std::string&)>;
  PartnerScan(const PartnerFilter& f, const std::string& tenant_placeholder, const AddParam& param,
              std::string_view like, std::string_view escape) {
    if (!f.group.empty()) {
      std::string group = param(f.group);
      count_ = " FROM partner_groups g WHERE g.tenant_id = " + tenant_placeholder + " AND g.group_name = " + group;
      from_ = " FROM partner_groups g JOIN partners ON partners.id = g.partner_row WHERE g.tenant_id = " +
              tenant_placeholder + " AND g.group_name = " + group + " AND partners.tenant_id = " + tenant_placeholder;
      order_ = "g.partner_row";
    } else {
      from_ = " FROM partners WHERE partners.tenant_id = " + tenant_placeholder;
      order_ = "partners.id";
    }
    if (!f.q.empty()) {
      std::string p = param(like_pattern(f.q));
      std::string op = " " + std::string(like) + " " + p + std::string(escape);
      from_ += " AND (partners.name" + op + " OR partners.partner_id" + op + " OR partners.url" + op + ")";
    }
    if (!f.country.empty()) from_ += " AND partners.country = " + param(f.country);
    if (!f.status.empty()) from_ += " AND partners.status = " + param(f.status);
    // A group alone is counted from its index entries, without a look at each partner.
    if (f.group.empty() || f.q.size() + f.country.size() + f.status.size() > 0) count_ = from_;
  }

  /// " FROM ... WHERE ..." of every partner that matches.
  const std::string& from_where() const { return from_; }
  /// " FROM ... WHERE ..." to count them: the same rows, read from fewer tables where it can.
  const std::string& count_from_where() const { return count_; }
  /// The column that orders the walk and continues it (the partner's id).
  const std::string& order_column() const { return order_; }

 private:
  std::string from_;
  std::string count_;
  std::string order_;
};

}  // namespace rowgate::server::detail
