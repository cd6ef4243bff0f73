// What both stores compute the same way, free of SQL: the clock, search patterns, and how a
// row's key, values and groups are stored.
// Only the store's own source files include this.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "store/store.h"

namespace rowgate::server::detail {

/// Unix seconds now (created_at, updated_at).
std::int64_t now_seconds();

/// A LIKE pattern matching `q` anywhere, with %, _ and \ escaped (ESCAPE '\').
std::string like_pattern(std::string_view q);

/// The row's value for a template field, or null if the row does not give it.
const std::string* value_of(const RowWrite& row, std::string_view field);

/// The fields of the partners family in the order of the partners table's columns.
inline constexpr const char* kPartnerFields[] = {"Partner ID",         "Partner Name",      "Contact Email",
                                                 "Media Property",     "Contact First Name", "Contact Last Name",
                                                 "Description",        "Country",            "Status"};

/// A record's key in the records table: its parts joined by \x1f, or (keyless, as leads) one
/// of its own from the import and the row.
std::string record_key(const std::string& import_id, const RowWrite& row);
/// The parts of a stored record key (views into `key`), the inverse of record_key.
void split_record_key(std::string_view key, std::vector<std::string_view>& parts);
/// A record's values as one JSON object, in the row's order.
std::string values_json(const RowWrite& row);

/// A partner's groups from their names joined by '|' (empty: none).
void split_groups(std::string_view joined, std::vector<std::string>& groups);

}  // namespace rowgate::server::detail
