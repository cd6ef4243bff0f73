// What both stores share: opening by spec, record families, and the SQL-free helpers of
// store/store_detail.h.
#include "store/store.h"


#include "rowgate/report.h"
#include "store/pg_store.h"
#include "store/sqlite_store.h"
#include "store/store_detail.h"

namespace rowgate::server {

std::string family_of(const std::string& template_name) {
  if (template_name == "prospects" || template_name == "partners_update") return "partners";
  return template_name;
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
