// The whole Session: bytes in, report out. Properties: no crash; the report (report_json with
// the results lines, as `rowgate check --json` and tests/core/vector_runner.cpp build it) is
// the same byte for byte whether the file comes whole or in chunks, and when run twice; it is
// JSON; the summary adds up (rows = valid + invalid, valid = create + update, one results line
// per row, warnings counted once each); results come in row order.
//
// Input: [template] [flags] [encoding, map] [bounds] [inflate] [chunk sizes (1 + 1..4 bytes)] file
//   template  index into builtin_templates() (leads, participants, partners_update, prospects)
//   flags     bit 0 no_header; bits 1-2 format (auto, csv, jsonl, auto); bits 3-5 delimiter
//             (sniffed, "," ";" tab "|", sniffed...); bit 6 a context (groups, existing keys,
//             fixed values); bit 7 small bounds (from the bounds byte)
//   encoding  bits 0-2: auto, utf-8, utf-16le, utf-16be, windows-1252 (then auto); bit 3: --map
//             overrides (Site = the first field, Notes ignored); bit 4: edits (six cells of rows 1
//             to 12, by field key or column letter, their values cut from the file); bit 5: two
//             rows skipped; bit 6: column fixes (a field trimmed, one lower-cased, a value cut
//             from the file replaced by another, by field key or column letter); bit 7: the
//             header on a row given (2 to 4) rather than found
//   inflate   from 0xC0 up: the file's first 4 * (1 + (inflate & 0x3F)) bytes repeated until the
//             file passes the 64 KiB the session sniffs before it starts (so that chunks also
//             break after the start); one byte in four, as these runs are a hundred times slower
#include <nlohmann/json.hpp>

#include <string>
#include <string_view>
#include <vector>

#include "fuzz_target.h"
#include "rowgate/report.h"
#include "rowgate/report_writer.h"
#include "rowgate/session.h"
#include "rowgate/template.h"

namespace rowgate::fuzz {

using namespace std::string_view_literals;

// Each built-in byte by byte, without and with a context; chunks of 7 and 4096 bytes;
// prospects without a header. (Inflated files cost ~0.1 s a run in the debug build: the
// fuzzer finds the inflate byte by itself, and fuzz/regressions/ holds a few.)
const std::vector<std::string_view> kSeedPrefixes = {
    "\x03\x00\x00\x00\x00\x00\x00"sv,     "\x03\x40\x00\x00\x00\x01\x07\x87"sv, "\x01\x00\x00\x00\x00\x00\x00"sv,
    "\x01\x40\x00\x00\x00\x01\x07\x87"sv, "\x00\x40\x00\x00\x00\x01\x07\x87"sv, "\x02\x40\x00\x00\x00\x01\x07\x87"sv,
    "\x03\x41\x00\x00\x00\x00\x40"sv,
};
const std::string_view kSeedFilePrefix = "input";

namespace {

constexpr std::size_t kSniffBytes = 64 * 1024;  // session.cpp's kSniffBytes

bool stable_code(std::string_view c) {
  static const std::string_view codes[] = {
      code::empty_file,      code::invalid_encoding, code::missing_column, code::duplicate_column,
      code::unknown_column,  code::invalid_template, code::malformed_row,  code::invalid_json,
      code::not_an_object,   code::required,         code::too_long,       code::invalid_email,
      code::invalid_url,     code::invalid_boolean,  code::invalid_integer, code::invalid_number,
      code::invalid_date,    code::invalid_locale,   code::invalid_country, code::invalid_phone,
      code::invalid_enum,    code::unknown_reference, code::not_scalar,    code::duplicate_in_file,
      code::not_found,       code::invalid_workbook, code::unknown_sheet,  code::cell_error,
      code::invalid_edit};
  for (std::string_view s : codes)
    if (s == c) return true;
  return false;
}

// Keeps what CollectingSink keeps, and checks the order results come in.
class CheckingSink : public Sink {
 public:
  void on_finding(const Finding& f) override {
    ROWGATE_FUZZ_CHECK(stable_code(f.code), "an unknown code: " + std::string(f.code));
    ROWGATE_FUZZ_CHECK(!f.message.empty(), "a finding without a message: " + std::string(f.code));
    findings.push_back(f);
  }
  void on_record(const RecordResult& r) override {
    ROWGATE_FUZZ_CHECK(r.row > last_row_, "results out of row order: row " + std::to_string(r.row) + " after " +
                                              std::to_string(last_row_));
    ROWGATE_FUZZ_CHECK(r.line >= 1, "a record on line 0");
    last_row_ = r.row;
    results.push_back(result_jsonl(r));
  }
  std::vector<Finding> findings;
  std::vector<std::string> results;

 private:
  std::uint64_t last_row_ = 0;
};

struct Setup {
  const Template* tmpl;
  Context context;
  Options options;
};

// The cells of each record of a results CSV (RFC 4180 as the core writes it, CRLF ends).
std::vector<std::size_t> csv_widths(std::string_view csv) {
  std::vector<std::size_t> widths;
  std::size_t cells = 1;
  bool quoted = false;
  for (std::size_t i = 0; i < csv.size(); ++i) {
    char c = csv[i];
    if (quoted) quoted = c != '"';
    else if (c == '"') quoted = true;
    else if (c == ',') ++cells;
    else if (c == '\r' && i + 1 < csv.size() && csv[i + 1] == '\n') {
      widths.push_back(cells);
      cells = 1;
      ++i;
    }
  }
  return widths;
}

std::string run(const Setup& s, std::string_view file, const std::vector<std::size_t>* chunks) {
  CheckingSink sink;
  // The results CSV as an adapter writes it: the header handed out first, bytes after each
  // piece, and made whole at the end when a dynamic column came after the header.
  ReportOutputs outputs;
  outputs.results = ResultsFormat::Csv;
  ReportWriter writer(*s.tmpl, outputs, &sink);
  std::string results_csv = std::move(writer.results_bytes());
  writer.results_bytes().clear();
  auto take = [&] {
    results_csv += writer.results_bytes();
    writer.results_bytes().clear();
  };
  Session session(*s.tmpl, s.context, s.options, writer);
  ROWGATE_FUZZ_CHECK(session.status().ok, "the session refuses its options: " + session.status().message);
  if (chunks) feed_in_chunks(file, *chunks, [&](std::string_view piece) {
      session.feed(piece);
      take();
    });
  else session.feed(file);
  session.finish();
  session.finish();  // a second finish changes nothing
  take();
  if (writer.results_header_grew()) {
    ResultsCsvRewrite rewrite(writer);
    std::string whole;
    for (std::size_t at = 0; at < results_csv.size(); at += 5) whole += rewrite.feed(std::string_view(results_csv).substr(at, 5));
    results_csv = std::move(whole);
  }
  std::vector<std::size_t> widths = csv_widths(results_csv);
  ROWGATE_FUZZ_CHECK(widths.size() == session.summary().rows + 1, "the results CSV has not one line a row:\n" + results_csv);
  for (std::size_t w : widths)
    ROWGATE_FUZZ_CHECK(w == writer.results_csv_columns(), "a results CSV line is not as wide as the header:\n" + results_csv);
  std::string report = report_json(session, sink.findings, &sink.results);

  const Summary& sum = session.summary();
  const std::string where = "\n" + report;
  ROWGATE_FUZZ_CHECK(session.bytes_in() == file.size(), where);
  ROWGATE_FUZZ_CHECK(sink.results.size() == sum.rows, "results lines are not one per row" + where);
  ROWGATE_FUZZ_CHECK(sum.rows == sum.valid + sum.invalid && sum.valid == sum.create + sum.update &&
                         sum.duplicate <= sum.invalid,
                     "the summary does not add up" + where);
  std::uint64_t warnings = 0;
  for (const Finding& f : sink.findings) warnings += f.severity == Severity::Warning;
  ROWGATE_FUZZ_CHECK(warnings == sum.warnings, "warnings miscounted" + where);
  const std::vector<MappingEntry>& mapping = session.mapping();
  for (std::size_t i = 0; i < mapping.size(); ++i)
    ROWGATE_FUZZ_CHECK(mapping[i].index == i && mapping[i].confidence <= 100, "a mapping entry" + where);
  return report;
}

}  // namespace
}  // namespace rowgate::fuzz

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace rowgate;
  using namespace rowgate::fuzz;
  static const std::vector<Template> templates = [] {
    std::vector<Template> all;
    for (const BuiltinTemplate& b : builtin_templates()) {
      TemplateLoad load = parse_template(b.json);
      if (!load.ok) fail("a built-in template does not load", load.error);
      all.push_back(std::move(load.value));
    }
    return all;
  }();

  Input in(data, size);
  const std::uint8_t pick = in.byte();
  const std::uint8_t flags = in.byte();
  const std::uint8_t enc = in.byte();
  const std::uint8_t bounds = in.byte();
  const std::uint8_t inflate = in.byte();
  const std::vector<std::size_t> chunks = read_chunk_sizes(in);
  std::string_view body = in.rest();

  Setup s;
  s.tmpl = &templates[pick % templates.size()];
  s.options.no_header = flags & 1;
  static constexpr Format kFormats[] = {Format::Auto, Format::Csv, Format::Jsonl, Format::Auto};
  s.options.format = kFormats[(flags >> 1) & 3];
  static constexpr char kDelimiters[] = {0, ',', ';', '\t', '|', 0, 0, 0};
  s.options.delimiter = kDelimiters[(flags >> 3) & 7];
  if (flags & 0x40) {
    s.context.sets = {{"groups", {"Mass Media", "Podcasts", "Tech Review Sites"}}};
    s.context.existing = {{"ana@example.com"}, {"100007"}, {"a1", "u1"}};
    for (const char* field : {"flow_id", "source_id"})
      if (s.tmpl->find_field(field) >= 0) s.context.fixed.emplace_back(field, "f-12");
  }
  if (flags & 0x80) {
    s.options.max_record_bytes = 16 + bounds * 4u;
    s.options.max_quoted_lines = bounds % 8;
  }
  static constexpr Encoding kEncodings[] = {Encoding::Auto,    Encoding::Utf8,        Encoding::Utf16Le, Encoding::Utf16Be,
                                            Encoding::Windows1252, Encoding::Auto, Encoding::Auto,  Encoding::Auto};
  s.options.encoding = kEncodings[enc & 7];
  if (enc & 8) s.options.map = {{"Site", s.tmpl->fields.front().key}, {"Notes", ""}};
  if (enc & 0x80) s.options.header_row = 2 + bounds % 3;
  if (enc & 0x70) {
    auto edits = std::make_shared<Edits>();
    const unsigned seed = bounds ^ (enc >> 4);
    if (enc & 0x10) {
      for (unsigned i = 0; i < 6; ++i) {
        const std::uint64_t row = 1 + ((seed >> (i % 8)) + i * 3) % 12;
        const Field& field = s.tmpl->fields[(seed + i) % s.tmpl->fields.size()];
        std::string column = i % 3 == 2 ? std::string(1, static_cast<char>('A' + i)) : field.key;
        std::string value = body.empty() ? std::string() : std::string(body.substr((i * 7) % body.size(), i % 4 * 3));
        edits->rows[row].push_back(Edits::Cell{std::move(column), std::move(value)});
      }
    }
    if (enc & 0x20) edits->skip = {2 + seed % 5, 9};
    if (enc & 0x40) {
      const auto& fields = s.tmpl->fields;
      auto cut = [&](unsigned at, unsigned n) { return body.empty() ? std::string() : std::string(body.substr(at % body.size(), n)); };
      Edits::ColumnFix trim{fields[seed % fields.size()].key, Edits::ColumnFix::Kind::Trim, {}};
      Edits::ColumnFix lower{seed & 1 ? std::string("B") : fields[(seed + 1) % fields.size()].key, Edits::ColumnFix::Kind::Lower, {}};
      Edits::ColumnFix replace{fields[(seed + 2) % fields.size()].key, Edits::ColumnFix::Kind::Replace, {}};
      replace.replace[cut(seed * 5, 1 + seed % 9)] = cut(seed * 11, seed % 6);
      replace.replace[""] = cut(seed * 3, 4);
      edits->columns = {std::move(replace), std::move(trim), std::move(lower)};
    }
    s.options.edits = std::move(edits);
  }
  s.options.want_values = true;

  std::string file;
  if (inflate >= 0xC0 && !body.empty()) {
    std::string_view head = body.substr(0, 4 * (1 + (inflate & 0x3Fu)));
    while (file.size() <= kSniffBytes) file += head;
    file += body.substr(head.size());
    body = file;
  }

  const std::string whole = run(s, body, nullptr);
  const std::string again = run(s, body, nullptr);
  ROWGATE_FUZZ_CHECK(whole == again, "two runs differ\n" + first_difference(whole, again));
  const std::string chunked = run(s, body, &chunks);
  ROWGATE_FUZZ_CHECK(whole == chunked, "chunked differs from whole\n" + first_difference(whole, chunked));
  ROWGATE_FUZZ_CHECK(nlohmann::json::accept(whole), "the report is not JSON\n" + whole);
  return 0;
}
