// What both stores share: opening by spec, record families, and the SQL-free helpers of
// store/store_detail.h.
#include "store/store.h"


#include "rowgate/report.h"
#include "store/pg_store.h"
#include "store/sqlite_store.h"
#include "store/store_detail.h"

namespace rowgate::server {

RowWrite row_write(const RecordResult& r) {
  RowWrite w;
  w.row = r.row;
  w.update = r.outcome == Outcome::Update;
  w.key.assign(r.key.begin(), r.key.end());
  for (const ResultValue& v : r.values)
    if (v.present && v.valid) w.values.emplace_back(std::string(v.field), std::string(v.value));
  return w;
}

std::unique_ptr<Store> open_store(const std::string& spec) {
  if (spec.rfind("sqlite:", 0) == 0 && spec.size() > 7) return std::make_unique<SqliteStore>(spec.substr(7));
  if (spec.rfind("postgresql://", 0) == 0 || spec.rfind("postgres://", 0) == 0) return std::make_unique<PgStore>(spec);
  throw std::runtime_error("--db must be sqlite:PATH or postgresql://USER@HOST:PORT/DATABASE, not \"" + spec + "\"");
}

namespace detail {

std::string status_list(const std::vector<ImportStatus>& statuses) {
  std::string out;
  for (ImportStatus s : statuses) {
    if (!out.empty()) out += ", ";
    out += "'" + std::string(status_name(s)) + "'";
  }
  return out;
}

ImportStatus stored_status(std::string_view name) {
  if (std::optional<ImportStatus> s = parse_import_status(name)) return *s;
  throw std::runtime_error("an import has the status \"" + std::string(name) + "\", which this server does not know");
}

std::optional<SegmentMove> segment_move(const RecordLayout& layout, const RowWrite& row) {
  if (layout.segment_field.empty()) return std::nullopt;
  const std::string* segment = value_of(row, layout.segment_field);
  if (!segment || segment->empty()) return std::nullopt;
  const std::string* action = layout.segment_action_field.empty() ? nullptr : value_of(row, layout.segment_action_field);
  return SegmentMove{segment, action && *action == "remove"};
}

RecordLayout layout_of(const Template& tmpl) {
  RecordLayout layout;
  const StoreBinding& b = tmpl.store;
  layout.family = b.family.empty() ? tmpl.name : b.family;
  auto refuse = [&](const std::string& why) {
    throw std::runtime_error("the template \"" + tmpl.name + "\" cannot be stored: " + why);
  };
  if (layout.family != "partners") {
    if (!b.key.empty() || !b.columns.empty())
      refuse("the family \"" + layout.family + "\" keeps records whole (its key and values); it takes no key or columns");
    layout.segment_field = b.segment_field;
    layout.segment_action_field = b.segment_action_field;
    return layout;
  }
  if (!b.segment_field.empty()) refuse("partners join groups, not segments");
  layout.partners = true;
  if (b.key == "partner_id") layout.by_partner_id = true;
  else if (b.key != "email_key") refuse("partners are found by \"email_key\" or \"partner_id\", not \"" + b.key + "\"");
  if (tmpl.key.size() != 1) refuse("a partner's key is one field");
  for (const auto& [field, column] : b.columns) {
    if (column == "groups") {
      layout.group_field = field;
      int f = tmpl.find_field(field);
      if (f >= 0) layout.group_separator = tmpl.fields[static_cast<std::size_t>(f)].separator;
      continue;
    }
    std::size_t i = 0;
    while (i < kPartnerBindableCount && column != kPartnerBindable[i]) ++i;
    if (i == kPartnerBindableCount) refuse("partners have no column \"" + column + "\"");
    if (column == "partner_id" && layout.by_partner_id) refuse("the partner_id that finds a partner is not written");
    if (column == "status" && !layout.by_partner_id) refuse("a partner's status is written only by an update (key partner_id)");
    layout.fields[i] = field;
    if (column == "email") layout.email_type = tmpl.fields[static_cast<std::size_t>(tmpl.find_field(field))].type;
  }
  return layout;
}

std::optional<std::string> changed_email_key(const RecordLayout& layout, const RowWrite& row) {
  const std::string& field = layout.fields[2];  // email
  const std::string* v = field.empty() ? nullptr : value_of(row, field);
  if (!v || v->empty()) return std::nullopt;
  return stored_key_part(layout.email_type, *v);
}

std::string like_pattern(std::string_view q) {
  std::string out = "%";
  for (char c : q) {
    if (c == '%' || c == '_' || c == '\\') out.push_back('\\');
    out.push_back(c);
  }
  out.push_back('%');
  return out;
}

const std::string* value_of(const RowWrite& row, std::string_view field) {
  for (const auto& [k, v] : row.values)
    if (k == field) return &v;
  return nullptr;
}

std::string record_key(const std::string& import_id, const RowWrite& row) {
  std::string key;
  for (std::size_t k = 0; k < row.key.size(); ++k) {
    if (k) key.push_back('\x1f');
    key += row.key[k];
  }
  if (key.empty()) key = import_id + ":" + std::to_string(row.row);
  return key;
}

void split_record_key(std::string_view key, std::vector<std::string_view>& parts) {
  parts.clear();
  std::size_t start = 0;
  for (std::size_t i = 0; i <= key.size(); ++i) {
    if (i == key.size() || key[i] == '\x1f') {
      parts.push_back(key.substr(start, i - start));
      start = i + 1;
    }
  }
}

std::string values_json(const RowWrite& row) {
  std::string json = "{";
  for (std::size_t i = 0; i < row.values.size(); ++i) {
    if (i) json.push_back(',');
    append_json_string(json, row.values[i].first);
    json.push_back(':');
    append_json_string(json, row.values[i].second);
  }
  json.push_back('}');
  return json;
}

void split_groups(std::string_view joined, std::vector<std::string>& groups) {
  std::size_t start = 0;
  while (!joined.empty() && start <= joined.size()) {
    std::size_t bar = joined.find('|', start);
    if (bar == std::string_view::npos) bar = joined.size();
    groups.emplace_back(joined.substr(start, bar - start));
    start = bar + 1;
  }
}

}  // namespace detail

}  // namespace rowgate::server
