#include <nlohmann/json.hpp>

#include <algorithm>
#include <memory>

#include "rowgate/session.h"

namespace rowgate {

namespace {

Status bad_edits(std::string message) { return Status::failure(code::invalid_edits, std::move(message)); }

// A row number as the findings give it: 1 or more, written in decimal.
bool parse_row(std::string_view text, std::uint64_t* row) {
  if (text.empty() || text.size() > 15 || text[0] == '0') return false;
  std::uint64_t n = 0;
  for (char c : text) {
    if (c < '0' || c > '9') return false;
    n = n * 10 + static_cast<std::uint64_t>(c - '0');
  }
  *row = n;
  return true;
}

Status read_edit_rows(const nlohmann::json& rows, Edits* out) {
  if (!rows.is_object()) return bad_edits("\"edits\" must be an object of row number: {column: value}");
  for (const auto& row_item : rows.items()) {
    std::uint64_t row = 0;
    if (!parse_row(row_item.key(), &row))
      return bad_edits("\"edits\" names row \"" + row_item.key() + "\"; rows are numbers from 1, as the findings give them");
    const nlohmann::json& cells = row_item.value();
    if (!cells.is_object()) return bad_edits("the edits of row " + row_item.key() + " must be an object of column: value");
    std::vector<Edits::Cell>& into = out->rows[row];
    for (const auto& cell : cells.items()) {
      const nlohmann::json& value = cell.value();
      std::string text;
      if (value.is_string()) text = value.get<std::string>();
      else if (value.is_number() || value.is_boolean()) text = value.dump();
      else if (!value.is_null())
        return bad_edits("the edit of row " + row_item.key() + ", column \"" + cell.key() + "\" must be a value, not a list or an object");
      if (cell.key().empty()) return bad_edits("an edit of row " + row_item.key() + " names no column");
      auto same = std::find_if(into.begin(), into.end(), [&](const Edits::Cell& c) { return c.column == cell.key(); });
      if (same != into.end()) same->value = std::move(text);
      else into.push_back(Edits::Cell{cell.key(), std::move(text)});
    }
  }
  return {};
}

Status read_skip(const nlohmann::json& skip, Edits* out) {
  if (!skip.is_array()) return bad_edits("\"skip\" must be a list of row numbers");
  for (const nlohmann::json& row : skip) {
    std::uint64_t n = 0;
    if (row.is_number_unsigned() && row.get<std::uint64_t>() >= 1) n = row.get<std::uint64_t>();
    else if (!row.is_string() || !parse_row(row.get_ref<const std::string&>(), &n))
      return bad_edits("\"skip\" holds " + row.dump() + "; rows are numbers from 1, as the findings give them");
    out->skip.push_back(n);
  }
  std::sort(out->skip.begin(), out->skip.end());
  out->skip.erase(std::unique(out->skip.begin(), out->skip.end()), out->skip.end());
  return {};
}

// "columns": [{"column": C, "replace": {FROM: TO}} | {"column": C, "trim": true} |
// {"column": C, "lower": true}], in the order they apply.
Status read_columns(const nlohmann::json& fixes, Edits* out) {
  const char* shape = "\"columns\" must be a list of column fixes like {\"column\": \"Group Name\", \"replace\": "
                      "{\"Podcast\": \"Podcasts\"}}, {\"column\": \"Email\", \"trim\": true} or {\"column\": "
                      "\"Email\", \"lower\": true}";
  if (!fixes.is_array()) return bad_edits(shape);
  for (const nlohmann::json& fix : fixes) {
    if (!fix.is_object() || !fix.contains("column") || !fix["column"].is_string() || fix.size() != 2) return bad_edits(shape);
    Edits::ColumnFix f;
    f.column = fix["column"].get<std::string>();
    if (f.column.empty()) return bad_edits("a column fix names no column");
    const std::string where = "the column fix of \"" + f.column + "\"";
    if (fix.contains("replace")) {
      const nlohmann::json& pairs = fix["replace"];
      if (!pairs.is_object() || pairs.empty())
        return bad_edits(where + " must replace values: {\"replace\": {\"FROM\": \"TO\"}}");
      for (const auto& pair : pairs.items()) {
        if (!pair.value().is_string()) return bad_edits(where + " must replace \"" + pair.key() + "\" with text");
        f.replace[pair.key()] = pair.value().get<std::string>();
      }
    } else if (fix.contains("trim") || fix.contains("lower")) {
      const bool trim = fix.contains("trim");
      if (fix[trim ? "trim" : "lower"] != true) return bad_edits(where + " must say \"" + (trim ? "trim" : "lower") + "\": true");
      f.kind = trim ? Edits::ColumnFix::Kind::Trim : Edits::ColumnFix::Kind::Lower;
    } else {
      return bad_edits(shape);
    }
    out->columns.push_back(std::move(f));
  }
  return {};
}

// Adds "edits", "skip" and "columns" to the options' edits (a copy: options share theirs).
Status add_edits(Options* o, const nlohmann::json* rows, const nlohmann::json* skip, const nlohmann::json* columns) {
  auto edits = std::make_shared<Edits>(o->edits ? *o->edits : Edits{});
  if (rows) {
    Status s = read_edit_rows(*rows, edits.get());
    if (!s.ok) return s;
  }
  if (skip) {
    Status s = read_skip(*skip, edits.get());
    if (!s.ok) return s;
  }
  if (columns) {
    Status s = read_columns(*columns, edits.get());
    if (!s.ok) return s;
  }
  o->edits = std::move(edits);
  return {};
}

}  // namespace

Status parse_edits_json(std::string_view json_text, Edits* out) {
  nlohmann::json doc = nlohmann::json::parse(json_text.begin(), json_text.end(), nullptr, false);
  if (doc.is_discarded() || !doc.is_object())
    return bad_edits("the edits are not a JSON object like {\"edits\": {\"ROW\": {\"COLUMN\": \"VALUE\"}}, \"skip\": [ROW]}");
  for (const auto& item : doc.items()) {
    Status s = item.key() == "edits"     ? read_edit_rows(item.value(), out)
               : item.key() == "skip"    ? read_skip(item.value(), out)
               : item.key() == "columns" ? read_columns(item.value(), out)
                                         : bad_edits("\"" + item.key() + "\" is not part of the edits (edits, skip, columns)");
    if (!s.ok) return s;
  }
  return {};
}

Status parse_options_json(std::string_view json_text, Options* out) {
  using nlohmann::json;
  if (json_text.find_first_not_of(" \t\r\n") == std::string_view::npos) return {};
  json doc = json::parse(json_text.begin(), json_text.end(), nullptr, false);
  if (doc.is_discarded() || !doc.is_object()) return Status::failure(code::invalid_options, "the options are not a JSON object");
  Options& o = *out;
  for (const auto& item : doc.items()) {
    // Not a structured binding: clang 14 (Debian's Emscripten) cannot capture one in a lambda.
    const std::string& name = item.key();
    const json& value = item.value();
    auto text = [&]() -> const std::string* { return value.is_string() ? &value.get_ref<const std::string&>() : nullptr; };
    if (name == "format") {
      if (!text() || !parse_format(*text(), &o.format)) return Status::failure(code::invalid_options, "\"format\" must be auto, csv, jsonl or xlsx");
    } else if (name == "encoding") {
      if (!text() || !parse_encoding(*text(), &o.encoding))
        return Status::failure(code::invalid_options, "\"encoding\" must be auto, utf-8, utf-16le, utf-16be or windows-1252");
    } else if (name == "delimiter") {
      const std::string* d = text();
      if (!d || !(d->empty() || *d == "," || *d == ";" || *d == "|" || *d == "\t" || *d == "tab"))
        return Status::failure(code::invalid_options, "\"delimiter\" must be one of , ; tab | (or empty to sniff)");
      o.delimiter = d->empty() ? 0 : (*d == "tab" ? '\t' : (*d)[0]);
    } else if (name == "no_header") {
      if (!value.is_boolean()) return Status::failure(code::invalid_options, "\"no_header\" must be true or false");
      o.no_header = value.get<bool>();
    } else if (name == "header_row") {
      // A row from 1, or 0 (or "auto") for the core to find it.
      if (value.is_number_unsigned() && value.get<std::uint64_t>() <= 1000000) o.header_row = static_cast<std::uint32_t>(value.get<std::uint64_t>());
      else if (text() && *text() == "auto") o.header_row = 0;
      else return Status::failure(code::invalid_options, "\"header_row\" must be the row of the header, from 1, or \"auto\"");
    } else if (name == "map") {
      if (!value.is_object()) return Status::failure(code::invalid_mapping, "\"map\" must be an object of header: field");
      o.map.clear();
      for (const auto& [header, field] : value.items()) {
        if (!field.is_string()) return Status::failure(code::invalid_mapping, "\"map\" values must be field keys (or \"\" to ignore)");
        o.map.emplace_back(header, field.get<std::string>());
      }
    } else if (name == "sheet") {
      // A name, or a 1-based position (as a number or as text).
      if (value.is_number_unsigned() && value.get<std::uint64_t>() >= 1) o.sheet = std::to_string(value.get<std::uint64_t>());
      else if (text()) o.sheet = *text();
      else return Status::failure(code::invalid_options, "\"sheet\" must be a sheet's name or its position from 1");
    } else if (name == "edits" || name == "skip" || name == "columns") {
      Status s = add_edits(&o, name == "edits" ? &value : nullptr, name == "skip" ? &value : nullptr,
                           name == "columns" ? &value : nullptr);
      if (!s.ok) return s;
    } else {
      return Status::failure(code::invalid_options,
                             "\"" + name + "\" is not an option (format, encoding, delimiter, no_header, header_row, map, sheet, edits, skip, columns)");
    }
  }
  return {};
}

}  // namespace rowgate
