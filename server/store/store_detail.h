// What both stores compute the same way, free of SQL: the clock, search patterns, how a row's
// key, values and groups are stored, and the column lists and row readers of what they return.
// Only the store's own source files include this.
#pragma once

#include <cstdint>
#include <iterator>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "store/store.h"
#include "util/clock.h"

namespace rowgate::server::detail {

/// The statuses as an SQL list of string literals: "'queued', 'validating', 'committing'".
std::string status_list(const std::vector<ImportStatus>& statuses);

/// A stored status name as the enum; throws for a name no version of the server wrote.
ImportStatus stored_status(std::string_view name);

/// A LIKE pattern matching `q` anywhere, with %, _ and \ escaped (ESCAPE '\').
std::string like_pattern(std::string_view q);

/// The row's value for a template field, or null if the row does not give it.
const std::string* value_of(const RowWrite& row, std::string_view field);

/// The partners table's columns a template may bind fields to (besides "groups", a membership),
/// in the order both stores write them.
inline constexpr const char* kPartnerBindable[] = {"partner_id", "name",        "email",   "url",   "first_name",
                                                   "last_name",  "description", "country", "status"};
inline constexpr std::size_t kPartnerBindableCount = std::size(kPartnerBindable);

/// How one template's records are stored, as its `store` section declares: in the partners
/// table (family "partners"), or as records of their family (key parts and values as JSON).
struct RecordLayout {
  std::string family;          ///< the record family (the template's name unless it says)
  bool partners = false;       ///< the partners table
  bool by_partner_id = false;  ///< partners found by partner_id and only updated; else upserted by email_key
  std::string fields[kPartnerBindableCount];  ///< the field written to each kPartnerBindable column ("": none)
  std::string group_field;     ///< the field naming a group the partner joins ("": none)
  std::string group_separator; ///< its Field::separator: the groups it names, joined ("": one group)
  FieldType email_type = FieldType::Email;  ///< the type of the field written to email (for email_key)
  std::string segment_field;   ///< records kept whole: the field naming a segment they join or leave ("": none)
  std::string segment_action_field;  ///< the field saying "add" (or empty) or "remove"
};

/// A row's segment move: the segment it names and whether it leaves it; null when none.
struct SegmentMove {
  const std::string* segment;
  bool remove;
};
std::optional<SegmentMove> segment_move(const RecordLayout& layout, const RowWrite& row);

/// The layout of the template's records; throws std::runtime_error for a binding the store
/// cannot follow (an unknown column, or a key the family is not found by).
RecordLayout layout_of(const Template& tmpl);

/// The email_key of a partner whose e-mail the row changes (the core's key form of the value),
/// or null when the row does not give one.
std::optional<std::string> changed_email_key(const RecordLayout& layout, const RowWrite& row);

/// A record's key in the records table: its parts joined by \x1f, or (keyless, as leads) one
/// of its own from the import and the row.
std::string record_key(const std::string& import_id, const RowWrite& row);
/// The parts of a stored record key (views into `key`), the inverse of record_key.
void split_record_key(std::string_view key, std::vector<std::string_view>& parts);
/// A record's values as one JSON object, in the row's order.
std::string values_json(const RowWrite& row);

/// A partner's groups from their names joined by '|' (empty: none).
void split_groups(std::string_view joined, std::vector<std::string>& groups);

// The columns both stores select for imports, partners and outbox items, and their readers.
// `Row` is one result row with text(i), int64(i) and flag(i) (a boolean).

inline constexpr const char* kImportColumns =
    "id, tenant_id, template_name, template_json, options_json, fixed_json, dry_run, status, idempotency_key, "
    "request_hash, parts, bytes_total, rows_done, bytes_done, last_committed_row, summary_json, top_codes_json, error, "
    "cancel_requested, created_at, updated_at, files_expire_at";
inline constexpr int kImportColumnCount = 22;  ///< a store selecting more reads them from here on

template <class Row>
ImportRecord read_import(const Row& row) {
  ImportRecord r;
  r.id = row.text(0);
  r.tenant_id = row.int64(1);
  r.template_name = row.text(2);
  r.template_json = row.text(3);
  r.options_json = row.text(4);
  r.fixed_json = row.text(5);
  r.dry_run = row.flag(6);
  r.status = stored_status(row.text(7));
  r.idempotency_key = row.text(8);
  r.request_hash = row.text(9);
  r.parts = static_cast<std::uint64_t>(row.int64(10));
  r.bytes_total = static_cast<std::uint64_t>(row.int64(11));
  r.rows_done = static_cast<std::uint64_t>(row.int64(12));
  r.bytes_done = static_cast<std::uint64_t>(row.int64(13));
  r.last_committed_row = static_cast<std::uint64_t>(row.int64(14));
  r.summary_json = row.text(15);
  r.top_codes_json = row.text(16);
  r.error = row.text(17);
  r.cancel_requested = row.flag(18);
  r.created_at = row.int64(19);
  r.updated_at = row.int64(20);
  r.files_expire_at = row.int64(21);
  return r;
}

inline constexpr const char* kPartnerColumns =
    "id, COALESCE(partner_id, ''), name, email, url, first_name, last_name, description, country, status, created_at, "
    "updated_at";
inline constexpr int kPartnerColumnCount = 12;

template <class Row>
Partner read_partner(const Row& row) {
  Partner p;
  p.id = row.int64(0);
  p.partner_id = row.text(1);
  p.name = row.text(2);
  p.email = row.text(3);
  p.url = row.text(4);
  p.first_name = row.text(5);
  p.last_name = row.text(6);
  p.description = row.text(7);
  p.country = row.text(8);
  p.status = row.text(9);
  p.created_at = row.int64(10);
  p.updated_at = row.int64(11);
  return p;
}

inline constexpr const char* kOutboxColumns =
    "id, tenant_id, import_id, channel, target, payload, attempts, next_attempt_at, last_error, delivered_at";

template <class Row>
OutboxItem read_outbox(const Row& row) {
  OutboxItem o;
  o.id = row.int64(0);
  o.tenant_id = row.int64(1);
  o.import_id = row.text(2);
  o.channel = row.text(3);
  o.target = row.text(4);
  o.payload = row.text(5);
  o.attempts = static_cast<std::uint32_t>(row.int64(6));
  o.next_attempt_at = row.int64(7);
  o.last_error = row.text(8);
  o.delivered_at = row.int64(9);
  return o;
}

}  // namespace rowgate::server::detail
