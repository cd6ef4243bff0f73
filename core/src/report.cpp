#include "rowgate/report.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <charconv>

#include "rowgate/checks.h"
#include "text.h"

namespace rowgate {

using detail::to_decimal;

namespace {

void append_uint(std::string& out, std::uint64_t n) {
  char buf[24];
  auto r = std::to_chars(buf, buf + sizeof buf, n);
  out.append(buf, static_cast<std::size_t>(r.ptr - buf));
}

void field_u(std::string& out, std::string_view name, std::uint64_t n, bool comma = true) {
  if (comma) out.push_back(',');
  append_json_string(out, name);
  out.push_back(':');
  append_uint(out, n);
}

void field_s(std::string& out, std::string_view name, std::string_view value, bool comma = true) {
  if (comma) out.push_back(',');
  append_json_string(out, name);
  out.push_back(':');
  append_json_string(out, value);
}

// JSON's number grammar: -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?
bool json_number(std::string_view s) {
  std::size_t i = 0, n = s.size();
  auto digits = [&] {
    std::size_t start = i;
    while (i < n && s[i] >= '0' && s[i] <= '9') ++i;
    return i > start;
  };
  if (i < n && s[i] == '-') ++i;
  if (i < n && s[i] == '0') ++i;
  else if (!digits()) return false;
  if (i < n && s[i] == '.') {
    ++i;
    if (!digits()) return false;
  }
  if (i < n && (s[i] == 'e' || s[i] == 'E')) {
    ++i;
    if (i < n && (s[i] == '+' || s[i] == '-')) ++i;
    if (!digits()) return false;
  }
  return i == n;
}

void append_key(std::string& out, const RecordResult& record) {
  if (record.key.empty()) {
    out += "null";
  } else if (record.key.size() == 1) {
    append_json_string(out, record.key[0]);
  } else {
    out.push_back('[');
    for (std::size_t k = 0; k < record.key.size(); ++k) {
      if (k) out.push_back(',');
      append_json_string(out, record.key[k]);
    }
    out.push_back(']');
  }
}

}  // namespace

void append_json_string(std::string& out, std::string_view text) {
  static const char* hex = "0123456789abcdef";
  out.push_back('"');
  std::size_t i = 0, n = text.size();
  while (i < n) {
    auto c = static_cast<unsigned char>(text[i]);
    if (c >= 0x80) {
      std::size_t len = c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : c >= 0xC0 ? 2 : 1;
      if (len > 1 && i + len <= n && checks::valid_utf8(text.substr(i, len))) {
        out.append(text.substr(i, len));
        i += len;
      } else {
        out.append("\xEF\xBF\xBD");  // U+FFFD for a byte that is not UTF-8
        ++i;
      }
      continue;
    }
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      default:
        if (c < 0x20) {
          out += "\\u00";
          out.push_back(hex[c >> 4]);
          out.push_back(hex[c & 15]);
        } else {
          out.push_back(static_cast<char>(c));
        }
    }
    ++i;
  }
  out.push_back('"');
}

void append_csv_cell(std::string& out, std::string_view cell) {
  bool ascii = true, quote = false, quotes = false;
  for (char c : cell) {
    ascii &= static_cast<unsigned char>(c) < 0x80;
    quote |= c == ',' || c == '"' || c == '\r' || c == '\n';
    quotes |= c == '"';
  }
  if (!ascii && !checks::valid_utf8(cell)) {
    append_csv_cell(out, detail::to_valid_utf8(cell));  // files we write are always UTF-8
    return;
  }
  bool formula = !cell.empty() && (cell[0] == '=' || cell[0] == '+' || cell[0] == '-' || cell[0] == '@' ||
                                   cell[0] == '\t' || cell[0] == '\r');
  if (quote) out.push_back('"');
  if (formula) out.push_back('\'');
  if (!quotes) {
    out.append(cell);
  } else {
    for (char c : cell) {
      if (c == '"') out.push_back('"');
      out.push_back(c);
    }
  }
  if (quote) out.push_back('"');
}

void CollectingSink::on_record(const RecordResult& record) {
  if (keep_results_) results.push_back(result_jsonl(record));
}

std::string summary_json(const Summary& s) {
  std::string out = "{";
  field_u(out, "rows", s.rows, false);
  field_u(out, "valid", s.valid);
  field_u(out, "invalid", s.invalid);
  field_u(out, "create", s.create);
  field_u(out, "update", s.update);
  field_u(out, "duplicate", s.duplicate);
  field_u(out, "warnings", s.warnings);
  if (s.edits) {
    field_u(out, "edited", s.edited);
    field_u(out, "skipped", s.skipped);
  }
  out.push_back('}');
  return out;
}

bool parse_summary_json(std::string_view text, Summary* out) {
  nlohmann::json doc = nlohmann::json::parse(text, nullptr, false);
  if (doc.is_discarded() || !doc.is_object()) return false;
  Summary s;
  for (auto [name, field] : {std::pair{"rows", &s.rows}, std::pair{"valid", &s.valid}, std::pair{"invalid", &s.invalid},
                             std::pair{"create", &s.create}, std::pair{"update", &s.update},
                             std::pair{"duplicate", &s.duplicate}, std::pair{"warnings", &s.warnings}}) {
    auto it = doc.find(name);
    if (it == doc.end() || !it->is_number_unsigned()) return false;
    *field = it->get<std::uint64_t>();
  }
  for (auto [name, field] : {std::pair{"edited", &s.edited}, std::pair{"skipped", &s.skipped}}) {
    auto it = doc.find(name);
    if (it == doc.end()) continue;
    if (!it->is_number_unsigned()) return false;
    *field = it->get<std::uint64_t>();
    s.edits = true;
  }
  *out = s;
  return true;
}

std::string outcome_counts_json(const Summary& s) {
  std::string out = "{";
  field_u(out, "create", s.create, false);
  field_u(out, "update", s.update);
  field_u(out, "duplicate", s.duplicate);
  field_u(out, "error", error_rows(s));
  field_u(out, "warnings", s.warnings);
  out.push_back('}');
  return out;
}

static std::string input_json(const InputInfo& in) {
  std::string out = "{";
  field_s(out, "format", in.format, false);
  field_s(out, "encoding", in.encoding);
  out += ",\"bom\":";
  out += in.bom ? "true" : "false";
  field_s(out, "delimiter", in.delimiter);
  out += ",\"header\":";
  out += in.header ? "true" : "false";
  if (in.header_row > 1) field_u(out, "header_row", in.header_row);
  if (in.format == "xlsx") field_s(out, "sheet", in.sheet);
  out.push_back('}');
  return out;
}

static std::string mapping_entry_json(const MappingEntry& m) {
  std::string out = "{";
  field_u(out, "index", m.index, false);
  field_s(out, "column", m.column);
  field_s(out, "field", m.field);
  field_s(out, "match", m.match);
  field_u(out, "confidence", m.confidence);
  out.push_back('}');
  return out;
}

std::string mapping_json(const std::vector<MappingEntry>& mapping) {
  std::string out = "[";
  for (std::size_t i = 0; i < mapping.size(); ++i) {
    if (i) out.push_back(',');
    out += mapping_entry_json(mapping[i]);
  }
  out.push_back(']');
  return out;
}

std::string finding_json(const Finding& f) {
  std::string out = "{";
  field_u(out, "row", f.row, false);
  field_u(out, "line", f.line);
  field_s(out, "column", f.column);
  field_s(out, "field", f.field);
  field_s(out, "code", f.code);
  field_s(out, "severity", severity_name(f.severity));
  field_s(out, "message", f.message);
  if (!f.suggestion.empty()) {
    out += ",\"details\":{";
    field_s(out, "suggestion", f.suggestion, false);
    out.push_back('}');
  }
  out.push_back('}');
  return out;
}

std::string report_json(const Session& session, const std::vector<Finding>& findings,
                        const std::vector<std::string>* results) {
  std::string out = "{\n\"summary\": ";
  out += summary_json(session.summary());
  out += ",\n\"input\": ";
  out += input_json(session.input());
  out += ",\n\"mapping\": [";
  const auto& mapping = session.mapping();
  for (std::size_t i = 0; i < mapping.size(); ++i) {
    out += i ? ",\n" : "\n";
    out += mapping_entry_json(mapping[i]);
  }
  out += mapping.empty() ? "]" : "\n]";
  out += ",\n\"findings\": [";
  for (std::size_t i = 0; i < findings.size(); ++i) {
    out += i ? ",\n" : "\n";
    out += finding_json(findings[i]);
  }
  out += findings.empty() ? "]" : "\n]";
  if (results) {
    out += ",\n\"results\": [";
    for (std::size_t i = 0; i < results->size(); ++i) {
      out += i ? ",\n" : "\n";
      out += (*results)[i];
    }
    out += results->empty() ? "]" : "\n]";
  }
  out += "\n}\n";
  return out;
}

Finding template_error(std::string_view template_arg, std::string_view error) {
  Finding f;
  f.code = code::invalid_template;
  f.message = "The template " + std::string(template_arg) + " cannot be used: " + std::string(error) + ".";
  return f;
}

std::string file_error_report(const Finding& finding) {
  return "{\n\"summary\": " + summary_json(Summary{}) + ",\n\"input\": {},\n\"mapping\": [],\n\"findings\": [\n" +
         finding_json(finding) + "\n]\n}\n";
}

std::string_view errors_csv_header() { return "row,line,column,field,code,severity,message\r\n"; }

std::string errors_csv_line(const Finding& f) {
  std::string out;
  append_uint(out, f.row);
  out.push_back(',');
  append_uint(out, f.line);
  out.push_back(',');
  append_csv_cell(out, f.column);
  out.push_back(',');
  append_csv_cell(out, f.field);
  out.push_back(',');
  out += f.code;
  out.push_back(',');
  out += severity_name(f.severity);
  out.push_back(',');
  append_csv_cell(out, f.message);
  out += "\r\n";
  return out;
}

std::string result_jsonl(const RecordResult& record) {
  std::string out = "{";
  field_u(out, "row", record.row, false);
  field_u(out, "line", record.line);
  field_s(out, "outcome", outcome_name(record.outcome));
  out += ",\"key\":";
  append_key(out, record);
  out += ",\"values\":{";
  bool first = true;
  for (const ResultValue& v : record.values) {
    if (!v.present) continue;
    if (!first) out.push_back(',');
    first = false;
    append_json_string(out, v.field);
    out.push_back(':');
    bool number = v.type == FieldType::Integer || v.type == FieldType::Number;
    if (v.json_literal) out += v.value;
    else if (v.valid && v.type == FieldType::Boolean && (v.value == "true" || v.value == "false")) out += v.value;
    else if (v.valid && number && json_number(v.value)) out += v.value;
    else append_json_string(out, v.value);
  }
  out += "}}";
  return out;
}

std::string results_csv_header(const std::vector<std::string_view>& fields) {
  std::string out = "row,line,outcome,key";
  for (std::string_view f : fields) {
    out.push_back(',');
    append_csv_cell(out, f);
  }
  out += "\r\n";
  return out;
}

std::string results_csv_line(const RecordResult& record, std::size_t value_columns) {
  std::string out;
  append_results_csv_line(out, record, value_columns);
  return out;
}

void append_results_csv_line(std::string& out, const RecordResult& record, std::size_t value_columns) {
  append_uint(out, record.row);
  out.push_back(',');
  append_uint(out, record.line);
  out.push_back(',');
  out += outcome_name(record.outcome);
  out.push_back(',');
  if (record.key.size() == 1) {
    append_csv_cell(out, record.key[0]);
  } else {
    std::string key;
    for (std::size_t k = 0; k < record.key.size(); ++k) {
      if (k) key.push_back('|');
      key.append(record.key[k]);
    }
    append_csv_cell(out, key);
  }
  for (std::size_t i = 0; i < value_columns; ++i) {
    out.push_back(',');
    if (i < record.values.size() && record.values[i].present) append_csv_cell(out, record.values[i].value);
  }
  out += "\r\n";
}

}  // namespace rowgate

namespace rowgate {
namespace {

std::string grouped(std::uint64_t n) {
  std::string digits = to_decimal(n), out;
  for (std::size_t i = 0; i < digits.size(); ++i) {
    if (i && (digits.size() - i) % 3 == 0) out.push_back(',');
    out.push_back(digits[i]);
  }
  return out;
}

std::string pad_left(std::string s, std::size_t width) {
  if (s.size() < width) s.insert(0, width - s.size(), ' ');
  return s;
}

std::string pad_right(std::string s, std::size_t width) {
  if (s.size() < width) s.append(width - s.size(), ' ');
  return s;
}

}  // namespace

bool is_file_level(const Finding& f) {
  return f.row == 0 || f.code == code::unknown_column || f.code == code::duplicate_column ||
         f.code == code::missing_column;
}

void CodeTally::add(const Finding& f) {
  if (is_file_level(f)) return;
  for (Entry& e : entries_) {
    if (e.code == f.code && e.severity == f.severity) {
      ++e.count;
      if (e.rows.size() < 3 && f.row) e.rows.push_back(f.row);
      return;
    }
  }
  Entry e;
  e.code = f.code;
  e.severity = f.severity;
  e.count = 1;
  if (f.row) e.rows.push_back(f.row);
  entries_.push_back(std::move(e));
}

std::vector<CodeTally::Entry> CodeTally::top(std::size_t n) const {
  std::vector<Entry> sorted = entries_;
  // Stable: equal counts keep the order in which the codes first appeared.
  for (std::size_t i = 1; i < sorted.size(); ++i)
    for (std::size_t j = i; j > 0 && sorted[j].count > sorted[j - 1].count; --j) std::swap(sorted[j], sorted[j - 1]);
  if (sorted.size() > n) sorted.resize(n);
  return sorted;
}

std::string summary_text(const Session& session, const CodeTally& tally, const std::vector<Finding>& file_findings,
                         std::string_view file_name) {
  const Summary& s = session.summary();
  const InputInfo& in = session.input();
  std::string out(file_name);
  out += ": " + grouped(s.rows) + (s.rows == 1 ? " row" : " rows");
  if (!in.format.empty()) {
    out += " (" + in.format;
    if (in.format == "xlsx") out += in.sheet.empty() ? "" : ", sheet \"" + in.sheet + "\"";
    else out += ", " + in.encoding + (in.bom ? " with BOM" : "");
    if (in.format == "csv") out += ", delimiter " + std::string(in.delimiter == "\t" ? "tab" : "\"" + in.delimiter + "\"");
    out += ")";
  }
  out += "\n";
  std::uint64_t errors = error_rows(s);
  const std::pair<const char*, std::uint64_t> lines[] = {
      {"create", s.create}, {"update", s.update}, {"duplicate", s.duplicate}, {"error", errors}, {"warnings", s.warnings}};
  std::size_t width = 1;
  for (const auto& l : lines) width = std::max(width, grouped(l.second).size());
  for (const auto& l : lines) out += "  " + pad_right(l.first, 10) + pad_left(grouped(l.second), width) + "\n";
  if (s.edits)
    out += "Edits: " + grouped(s.edited) + (s.edited == 1 ? " row" : " rows") + " edited, " + grouped(s.skipped) +
           (s.skipped == 1 ? " row" : " rows") + " skipped.\n";
  for (const Finding& f : file_findings) out += std::string(severity_name(f.severity)) + ": " + f.message + "\n";
  auto top = tally.top(8);
  bool any_rows = false;
  for (const auto& e : top) any_rows |= !e.rows.empty();
  if (any_rows) {
    out += "Most frequent problems:\n";
    std::size_t cw = 0, nw = 0;
    for (const auto& e : top) {
      cw = std::max(cw, e.code.size());
      nw = std::max(nw, grouped(e.count).size());
    }
    for (const auto& e : top) {
      if (e.rows.empty()) continue;
      out += "  " + pad_right(std::string(e.code), cw) + "  " + pad_left(grouped(e.count), nw);
      out += e.rows.size() == 1 ? "  row " : "  rows ";
      for (std::size_t i = 0; i < e.rows.size(); ++i) out += (i ? ", " : "") + grouped(e.rows[i]);
      if (e.count > e.rows.size()) out += ", ...";
      out += "\n";
    }
  }
  if (s.invalid == 0 && !session.file_error()) out += "Every row is valid.\n";
  return out;
}

}  // namespace rowgate
