// parse_template over arbitrary text. Properties: no crash; a refusal says why; an accepted
// template is complete (a name, some field or pattern, keys that point at fields, enums with
// values, references with a set), survives being written back as JSON and read again
// unchanged, and drives a Session: a file headed by the template's labels maps each column to
// its field, and the report is the same whole, byte by byte, and twice.
//
// Input: the template's JSON text, as it is.
#include <nlohmann/json.hpp>

#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "fuzz_target.h"
#include "rowgate/report.h"
#include "rowgate/session.h"
#include "rowgate/template.h"
#include "text.h"

namespace rowgate::fuzz {

// The vectors' template.json files, whole (fuzz/CMakeLists.txt adds core/templates/*.json).
const std::vector<std::string_view> kSeedPrefixes = {""};
const std::string_view kSeedFilePrefix = "template";

namespace {

using nlohmann::json;

std::string_view unknown_columns_name(UnknownColumns u) {
  return u == UnknownColumns::Ignore ? "ignore" : u == UnknownColumns::Error ? "error" : "warn";
}

// The template as docs/templates.md writes one: every property it holds, nothing inherited.
std::string write_template(const Template& t) {
  json j = json::object();
  j["name"] = t.name;
  if (!t.title.empty()) j["title"] = t.title;
  j["header_case"] = t.header_case_sensitive ? "sensitive" : "insensitive";
  j["unknown_columns"] = unknown_columns_name(t.unknown_columns);
  j["match"] = t.match == MatchMode::UpdateOnly ? "update_only" : "create_or_update";
  if (!t.key.empty()) {
    json key = json::array();
    for (std::uint32_t k : t.key) key.push_back(t.fields[k].key);
    j["key"] = key;
  }
  json fields = json::array();
  for (const Field& f : t.fields) {
    json o = json::object();
    o["key"] = f.key;
    o["label"] = f.label;
    if (!f.aliases.empty()) o["aliases"] = f.aliases;
    o["type"] = field_type_name(f.type);
    o["required"] = f.required;
    o["unique"] = f.unique;
    o["strict"] = f.strict;
    if (f.max_length > 0) o["max_length"] = f.max_length;
    if (!f.values.empty()) o["values"] = f.values;
    if (!f.ref.empty()) o["ref"] = f.ref;
    if (!f.required_message.empty()) o["required_message"] = f.required_message;
    fields.push_back(std::move(o));
  }
  j["fields"] = std::move(fields);
  json patterns = json::array();
  for (const Pattern& p : t.patterns) {
    json o = json::object();
    o["pattern"] = p.pattern;
    o["type"] = field_type_name(p.type);
    if (p.max_length > 0) o["max_length"] = p.max_length;
    patterns.push_back(std::move(o));
  }
  if (!patterns.empty()) j["patterns"] = std::move(patterns);
  return j.dump(-1, ' ', false, json::error_handler_t::replace);
}

bool same_template(const Template& a, const Template& b) {
  if (a.name != b.name || a.title != b.title || a.key != b.key || a.header_case_sensitive != b.header_case_sensitive ||
      a.unknown_columns != b.unknown_columns || a.match != b.match || a.fields.size() != b.fields.size() ||
      a.patterns.size() != b.patterns.size())
    return false;
  for (std::size_t i = 0; i < a.fields.size(); ++i) {
    const Field& x = a.fields[i];
    const Field& y = b.fields[i];
    if (x.key != y.key || x.label != y.label || x.aliases != y.aliases || x.type != y.type || x.required != y.required ||
        x.unique != y.unique || x.strict != y.strict || x.max_length != y.max_length || x.values != y.values ||
        x.ref != y.ref || x.required_message != y.required_message)
      return false;
  }
  for (std::size_t i = 0; i < a.patterns.size(); ++i) {
    const Pattern& x = a.patterns[i];
    const Pattern& y = b.patterns[i];
    if (x.pattern != y.pattern || x.prefix != y.prefix || x.type != y.type || x.max_length != y.max_length) return false;
  }
  return true;
}

void check_complete(const Template& t) {
  ROWGATE_FUZZ_CHECK(!t.name.empty(), "an accepted template has no name");
  ROWGATE_FUZZ_CHECK(!t.fields.empty() || !t.patterns.empty(), "an accepted template has no field");
  ROWGATE_FUZZ_CHECK(t.match != MatchMode::UpdateOnly || !t.key.empty(), "update_only without a key");
  for (std::uint32_t k : t.key) ROWGATE_FUZZ_CHECK(k < t.fields.size(), "a key part is not a field");
  std::set<std::string_view> keys;
  for (const Field& f : t.fields) {
    ROWGATE_FUZZ_CHECK(!f.key.empty() && !f.label.empty(), "a field without a key or a label");
    ROWGATE_FUZZ_CHECK(keys.insert(f.key).second, "two fields keyed " + f.key);
    ROWGATE_FUZZ_CHECK(f.type != FieldType::Enum || !f.values.empty(), "an enum without values: " + f.key);
    ROWGATE_FUZZ_CHECK(f.type != FieldType::Reference || !f.ref.empty(), "a reference without a set: " + f.key);
  }
  for (const Pattern& p : t.patterns) {
    ROWGATE_FUZZ_CHECK(!p.prefix.empty() && p.pattern.compare(0, p.prefix.size(), p.prefix) == 0, p.pattern);
    ROWGATE_FUZZ_CHECK(p.type != FieldType::Enum && p.type != FieldType::Reference, p.pattern);
  }
}

// A value of the field's type (not necessarily valid for its other rules).
std::string sample_value(const Field& f) {
  switch (f.type) {
    case FieldType::Email: return "ana@example.com";
    case FieldType::Url: return "https://example.com/a";
    case FieldType::Boolean: return "true";
    case FieldType::Integer: return "42";
    case FieldType::Number: return "4.5";
    case FieldType::Date: return "2024-02-29";
    case FieldType::Locale: return "en_US";
    case FieldType::Country: return "US";
    case FieldType::Phone: return "+1 555 010 0199";
    case FieldType::Enum: return f.values.front();
    case FieldType::Reference: return "Mass Media";
    default: return "Ana";
  }
}

void append_cell(std::string& out, std::string_view cell) {
  out += '"';
  for (char c : cell) {
    if (c == '"') out += '"';
    out += c;
  }
  out += '"';
}

struct Run {
  std::string report;
  std::vector<MappingEntry> mapping;
};

Run run_session(const Template& t, const Context& context, Format format, std::string_view file, std::size_t chunk) {
  Options options;
  options.format = format;
  options.encoding = Encoding::Utf8;
  options.delimiter = ',';
  options.want_values = true;
  CollectingSink sink(true);
  Session session(t, context, options, sink);
  ROWGATE_FUZZ_CHECK(session.status().ok, "a session refuses an accepted template: " + session.status().message);
  if (chunk == 0) session.feed(file);
  else feed_in_chunks(file, {chunk}, [&](std::string_view piece) { session.feed(piece); });
  session.finish();
  return {report_json(session, sink.findings, &sink.results), session.mapping()};
}

void check_session(const Template& t) {
  Context context;
  for (const Field& f : t.fields)
    if (f.type == FieldType::Reference) context.sets.push_back({f.ref, {"Mass Media", "Podcasts"}});

  // CSV: a header of labels (and a column per pattern), a row of samples, an empty row, and
  // the first row again.
  std::string csv, row, empty_row;
  auto add_column = [&](std::string_view header, std::string_view value) {
    if (!csv.empty()) {
      csv += ',';
      row += ',';
      empty_row += ',';
    }
    append_cell(csv, header);
    append_cell(row, value);
    empty_row += "\"\"";
  };
  for (const Field& f : t.fields) add_column(f.label, sample_value(f));
  for (const Pattern& p : t.patterns) add_column(p.prefix + "x", "1");
  csv += "\r\n" + row + "\r\n" + empty_row + "\r\n" + row + "\r\n";

  // JSONL: the same values keyed by the fields' keys.
  json object = json::object();
  for (const Field& f : t.fields) object[f.key] = sample_value(f);
  std::string jsonl = object.dump(-1, ' ', false, json::error_handler_t::replace) + "\n{}\n";

  for (const auto& [format, file] : {std::pair{Format::Csv, csv}, std::pair{Format::Jsonl, jsonl}}) {
    Run whole = run_session(t, context, format, file, 0);
    Run again = run_session(t, context, format, file, 0);
    Run bytes = run_session(t, context, format, file, 1);
    ROWGATE_FUZZ_CHECK(whole.report == again.report, "two runs differ\n" + first_difference(whole.report, again.report));
    ROWGATE_FUZZ_CHECK(whole.report == bytes.report,
                       "byte by byte differs from whole\n" + first_difference(whole.report, bytes.report));
    ROWGATE_FUZZ_CHECK(json::accept(whole.report), "the report is not JSON:\n" + whole.report);
  }

  // Each label column maps to its own field, exactly, when nothing makes the labels ambiguous:
  // no label is another field's key or label, none has white space at an end or a control byte.
  bool plain = true;
  for (std::size_t i = 0; i < t.fields.size() && plain; ++i) {
    const std::string& label = t.fields[i].label;
    plain = detail::trim(label) == label;
    for (char c : label) plain = plain && static_cast<unsigned char>(c) >= 0x20 && c != 0x7F;
    for (std::size_t j = 0; j < t.fields.size() && plain; ++j)
      if (j != i) plain = t.fields[j].key != label && t.fields[j].label != label;
  }
  if (plain) {
    Run whole = run_session(t, context, Format::Csv, csv, 0);
    ROWGATE_FUZZ_CHECK(whole.mapping.size() == t.fields.size() + t.patterns.size(), whole.report);
    for (std::size_t i = 0; i < t.fields.size(); ++i)
      ROWGATE_FUZZ_CHECK(whole.mapping[i].field == t.fields[i].key && whole.mapping[i].match == "exact",
                         "the column headed by a label does not map to its field: " + t.fields[i].label + "\n" +
                             whole.report);
  }
}

}  // namespace
}  // namespace rowgate::fuzz

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace rowgate;
  using namespace rowgate::fuzz;
  std::string_view text(reinterpret_cast<const char*>(data), size);
  TemplateLoad load = parse_template(text);
  TemplateLoad again = parse_template(text);
  ROWGATE_FUZZ_CHECK(load.ok == again.ok && load.error == again.error, "parsing twice differs");
  if (!load.ok) {
    ROWGATE_FUZZ_CHECK(!load.error.empty(), "a refused template without a reason");
    return 0;
  }
  ROWGATE_FUZZ_CHECK(load.error.empty(), load.error);
  const Template& t = load.value;
  check_complete(t);

  std::string written = write_template(t);
  TemplateLoad back = parse_template(written);
  ROWGATE_FUZZ_CHECK(back.ok, "the template written back is refused: " + back.error + "\n" + written);
  ROWGATE_FUZZ_CHECK(same_template(t, back.value), "the template written back reads differently\n" + written);

  check_session(t);
  return 0;
}
