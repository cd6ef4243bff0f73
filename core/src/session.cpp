// The pipeline: bytes -> decoder -> reader -> header mapping -> row validation -> sink.
#include "rowgate/session.h"

#include "rowgate/workbook.h"

#include <cstring>
#include <memory>
#include <optional>
#include <unordered_map>

#include "csv_reader.h"
#include "decoder.h"
#include "jsonl_reader.h"
#include "mapper.h"
#include "row_validator.h"
#include "text.h"
#include "workbook_reader.h"

namespace rowgate {

using detail::ColumnMatch;
using detail::CsvRecord;
using detail::JsonCell;
using detail::JsonKind;
using detail::RowValidator;
using detail::Slot;
using detail::to_decimal;

namespace {

constexpr std::size_t kSniffBytes = 64 * 1024;

// Spreadsheet column letters: 0 -> A, 25 -> Z, 26 -> AA.
std::string column_letters(std::uint64_t index) {
  std::string s;
  ++index;
  while (index > 0) {
    --index;
    s.insert(s.begin(), static_cast<char>('A' + index % 26));
    index /= 26;
  }
  return s;
}

std::string_view delimiter_name(char d) {
  switch (d) {
    case ';': return ";";
    case '\t': return "\t";
    case '|': return "|";
    default: return ",";
  }
}

}  // namespace

bool parse_format(std::string_view name, Format* out) {
  if (name == "auto") *out = Format::Auto;
  else if (name == "csv") *out = Format::Csv;
  else if (name == "jsonl" || name == "ndjson") *out = Format::Jsonl;
  else if (name == "xlsx") *out = Format::Xlsx;
  else return false;
  return true;
}

bool parse_encoding(std::string_view name, Encoding* out) {
  std::string n;
  detail::append_lower(n, name);
  if (n == "auto") *out = Encoding::Auto;
  else if (n == "utf-8" || n == "utf8") *out = Encoding::Utf8;
  else if (n == "utf-16le" || n == "utf16le") *out = Encoding::Utf16Le;
  else if (n == "utf-16be" || n == "utf16be") *out = Encoding::Utf16Be;
  else if (n == "windows-1252" || n == "cp1252" || n == "latin1" || n == "iso-8859-1") *out = Encoding::Windows1252;
  else return false;
  return true;
}

std::string_view outcome_name(Outcome outcome) {
  switch (outcome) {
    case Outcome::Create: return "create";
    case Outcome::Update: return "update";
    case Outcome::Duplicate: return "duplicate";
    default: return "error";
  }
}

std::string_view severity_name(Severity severity) { return severity == Severity::Error ? "error" : "warning"; }

// A workbook fed through Session::feed, held whole in memory.
class MemoryFile : public RandomAccessFile {
 public:
  explicit MemoryFile(std::string bytes) : bytes_(std::move(bytes)) {}
  std::uint64_t size() const override { return bytes_.size(); }
  std::size_t read(std::uint64_t offset, char* out, std::size_t n) override {
    if (offset >= bytes_.size()) return 0;
    n = static_cast<std::size_t>(std::min<std::uint64_t>(n, bytes_.size() - offset));
    std::memcpy(out, bytes_.data() + offset, n);
    return n;
  }

 private:
  std::string bytes_;
};

struct Session::Impl : detail::CsvHandler, detail::JsonlHandler, detail::SheetRowHandler, detail::FindingOut {
  Impl(Template t, const Context& context, Options o, Sink& s)
      : tmpl(std::move(t)),
        options(std::move(o)),
        mapper(tmpl, options.map),
        sink(s),
        validator(tmpl, context, options, *this) {
    status = validator.status();
    if (options.edits && !options.edits->empty()) {
      edits = options.edits.get();
      next_edit = edits->rows.begin();
      fix_values.resize(edits->columns.size());
      summary.edits = true;
    }
    if (status.ok) {
      std::string problem = mapper.check_overrides();
      if (!problem.empty()) status = Status::failure(code::invalid_mapping, problem);
    }
  }

  // detail::FindingOut: every finding passes here, so the summary counts warnings once.
  void emit(Finding&& f) override {
    if (f.severity == Severity::Warning) ++summary.warnings;
    sink.on_finding(f);
  }

  void file_finding(std::uint64_t row, std::uint64_t line, std::string column, std::string_view code,
                    Severity severity, std::string message, std::string field = {}, std::string_view hint = {}) {
    if (severity == Severity::Error) stopped = file_error = true;
    emit(Finding{row, line, std::move(column), std::move(field), code, severity, std::move(message), hint, {}});
  }

  void count(Outcome outcome) {
    ++summary.rows;
    switch (outcome) {
      case Outcome::Create: ++summary.create; ++summary.valid; break;
      case Outcome::Update: ++summary.update; ++summary.valid; break;
      case Outcome::Duplicate: ++summary.duplicate; ++summary.invalid; break;
      case Outcome::Error: ++summary.invalid; break;
    }
  }

  void row_failed(std::uint64_t row, std::uint64_t line, int column, std::string_view code, std::string message) {
    Finding f;
    f.row = row;
    f.line = line;
    if (column >= 0 && static_cast<std::size_t>(column) < mapping.size()) {
      f.column = mapping[static_cast<std::size_t>(column)].column;
      f.field = mapping[static_cast<std::size_t>(column)].field;
    }
    f.code = code;
    f.message = std::move(message);
    emit(std::move(f));
    if (row_edits) {
      row_edits = nullptr;
      emit(Finding{row, line, {}, {}, code::invalid_edit, Severity::Error,
                   "The edits of this row were not applied: the row cannot be read as it is; skip it, or correct it "
                   "in the file.", {}, {}});
    }
    count(Outcome::Error);
    RecordResult& r = validator.bare_result(row, line);
    sink.on_record(r);
  }

  // ---- Edits: a person's corrections, taken as the records go by ----------------------------

  // Called once for each record, in row order, before it is checked: takes the record's edits
  // (row_edits) and says whether it is skipped. Edits and skips of rows passed over without a
  // record are kept for finish_edits().
  bool take_record(std::uint64_t row) {
    row_edits = nullptr;
    if (!edits) return true;
    if (first_record_row == 0) first_record_row = row;
    last_record_row = row;
    while (next_edit != edits->rows.end() && next_edit->first < row) edits_missed.push_back((next_edit++)->first);
    while (next_skip < edits->skip.size() && edits->skip[next_skip] < row) edits_missed.push_back(edits->skip[next_skip++]);
    const bool skip = next_skip < edits->skip.size() && edits->skip[next_skip] == row;
    if (skip) {
      ++next_skip;
      ++summary.skipped;
    }
    if (next_edit != edits->rows.end() && next_edit->first == row) {
      if (!skip) row_edits = &next_edit->second;
      ++next_edit;
    }
    return !skip;
  }

  // The mapping entry and validator slot an edit's COLUMN names: the file's header first, then a
  // field key. False when it names neither; `slot` is -1 for a column the template does not take.
  bool find_edit_column(std::string_view name, int* column, int* slot) {
    for (std::size_t c = 0; c < mapping.size(); ++c)
      if (mapping[c].column == name) {
        *column = static_cast<int>(c);
        *slot = column_slot[c];
        return true;
      }
    *slot = validator.find_slot(name);
    if (*slot < 0) return false;
    *column = validator.slot(*slot).column;
    return true;
  }

  // Puts the record's edits into the validator, just before its check: the column fixes, then
  // the row's own edits. False when an edit names neither a column of the file nor a field of
  // the template: the row then fails with that.
  bool apply_edits(std::uint64_t row, std::uint64_t line) {
    bool edited = edits && !edits->columns.empty() && apply_column_fixes();
    if (row_edits) {
      const std::vector<Edits::Cell>& cells = *row_edits;
      row_edits = nullptr;
      for (const Edits::Cell& cell : cells) {
        int column = -1, slot = -1;
        if (!find_edit_column(cell.column, &column, &slot)) {
          row_failed(row, line, -1, code::invalid_edit,
                     "An edit of this row names " + detail::quote_value(cell.column) +
                         ", which is neither a column of this file nor a field of the template; correct the edit.");
          return false;
        }
        if (slot < 0) continue;  // a column the template does not take: nothing to check
        validator.edit(slot, column, cell.value);
      }
      edited = true;
    }
    if (edited) ++summary.edited;
    return true;
  }

  // The column fixes, in their order, on the record's text values (a cell the reader could not
  // give, or a JSONL number or boolean, is left to the row's checks). True when one changed a value.
  bool apply_column_fixes() {
    bool changed = false;
    for (std::size_t i = 0; i < edits->columns.size(); ++i) {
      const Edits::ColumnFix& fix = edits->columns[i];
      int column = -1, slot = -1;
      if (!find_edit_column(fix.column, &column, &slot) || slot < 0) continue;
      detail::Slot& s = validator.slot(slot);
      if (!s.present || s.kind != JsonKind::String || s.bad_encoding || s.repeated || !s.problem_code.empty()) continue;
      std::string& fixed = fix_values[i];  // each fix's own: a later fix of the column reads it
      if (!fix_value(fix, s.raw, &fixed)) continue;
      validator.edit(slot, s.row_column >= 0 ? s.row_column : column, fixed);
      s.kind = JsonKind::String;  // text it was, and text it stays (an edit typed in may become a number)
      changed = true;
    }
    return changed;
  }

  // What a column fix makes of `value`, into `out`; false when the value stays as it is.
  static bool fix_value(const Edits::ColumnFix& fix, std::string_view value, std::string* out) {
    switch (fix.kind) {
      case Edits::ColumnFix::Kind::Replace: {
        auto it = fix.replace.find(detail::trim_unicode_space(value));  // the spaces at its ends set aside
        if (it == fix.replace.end() || it->second == value) return false;
        *out = it->second;
        return true;
      }
      case Edits::ColumnFix::Kind::Trim: {
        std::string_view trimmed = detail::trim_unicode_space(value);
        if (trimmed.size() == value.size()) return false;
        out->assign(trimmed);
        return true;
      }
      case Edits::ColumnFix::Kind::Lower:
        if (std::none_of(value.begin(), value.end(), [](char c) { return c >= 'A' && c <= 'Z'; })) return false;
        out->clear();
        detail::append_lower(*out, value);
        return true;
    }
    return false;
  }

  // After the last record: edits of rows that were no record of the file cannot be applied.
  void finish_edits() {
    if (!edits || file_error) return;
    for (const Edits::ColumnFix& fix : edits->columns) {
      int column = -1, slot = -1;
      if (find_edit_column(fix.column, &column, &slot)) continue;
      file_finding(0, 0, {}, code::invalid_edit, Severity::Error,
                   "The edits fix the column " + detail::quote_value(fix.column) +
                       ", which is neither a column of this file nor a field of the template; correct the edits.");
      return;
    }
    for (; next_edit != edits->rows.end(); ++next_edit) edits_missed.push_back(next_edit->first);
    for (; next_skip < edits->skip.size(); ++next_skip) edits_missed.push_back(edits->skip[next_skip]);
    if (edits_missed.empty()) return;
    std::sort(edits_missed.begin(), edits_missed.end());
    edits_missed.erase(std::unique(edits_missed.begin(), edits_missed.end()), edits_missed.end());
    const std::size_t named = std::min<std::size_t>(edits_missed.size(), 10);
    std::string rows;
    for (std::size_t i = 0; i < named; ++i)
      rows += (i == 0 ? "" : i + 1 == named && named == edits_missed.size() ? " and " : ", ") + detail::to_decimal(edits_missed[i]);
    if (edits_missed.size() > named) rows += " and " + detail::to_decimal(edits_missed.size() - named) + " more";
    std::string records = first_record_row == 0 ? "this file has no records"
                          : first_record_row == last_record_row
                              ? "this file's only record is on row " + detail::to_decimal(first_record_row)
                              : "this file's records are on rows " + detail::to_decimal(first_record_row) + " to " +
                                    detail::to_decimal(last_record_row);
    file_finding(0, 0, {}, code::invalid_edit, Severity::Error,
                 std::string(edits_missed.size() == 1 ? "The edits name row " : "The edits name rows ") + rows +
                     (edits_missed.size() == 1 ? ", which is not a record of this file (" : ", which are not records of this file (") +
                     records + "); correct the edits.");
  }

  // ---- Starting: encoding, format and delimiter from the first bytes -----------------------

  void start(bool at_eof) {
    started = true;
    std::string prefix = std::move(prefix_);
    prefix_ = std::string();
    if (prefix.empty()) {
      file_finding(0, 0, {}, code::empty_file, Severity::Error, "The file is empty.");
      return;
    }
    if (wants_workbook(prefix)) {
      // Fed, not read: the workbook is held until finish() (read() needs no copy).
      buffered_workbook = std::move(prefix);
      buffering = true;
      return;
    }
    // Decisions come from the first kSniffBytes only, however much the first feed brought, so
    // that they do not depend on where chunks break.
    const std::string_view sample = std::string_view(prefix).substr(0, kSniffBytes);
    const bool sample_is_file = at_eof && prefix.size() <= kSniffBytes;
    detail::Detection d = detail::detect_encoding(sample, sample_is_file, options.encoding);
    input.encoding = std::string(detail::encoding_name(d.encoding));
    input.bom = d.bom_length > 0;
    if (!d.binary.empty()) {
      file_finding(0, 0, {}, code::invalid_encoding, Severity::Error, d.binary);
      return;
    }
    decoder = std::make_unique<detail::Decoder>(d.encoding);
    // Decode the sniffing window first (the decisions below look at it alone), then the rest of
    // what arrived, with the same decoder.
    const std::size_t bom = std::min(d.bom_length, sample.size());
    const std::string decoded_sample(decoder->decode(sample.substr(bom)));
    std::string text = decoded_sample;
    text.append(decoder->decode(std::string_view(prefix).substr(sample.size())));
    if (at_eof) text.append(decoder->finish());

    Format format = options.format;
    if (format == Format::Auto) {
      std::size_t first = decoded_sample.find_first_not_of(" \t\r\n");
      format = (first != std::string::npos && decoded_sample[first] == '{') ? Format::Jsonl : Format::Csv;
    }
    if (format == Format::Jsonl) {
      input.format = "jsonl";
      input.header = false;
      jsonl = std::make_unique<detail::JsonlReader>(options.max_record_bytes, *this);
      validator.set_json_input(true);
    } else {
      input.format = "csv";
      input.header = !options.no_header;
      char delimiter = options.delimiter ? options.delimiter : detail::sniff_delimiter(decoded_sample, sample_is_file);
      input.delimiter = std::string(delimiter_name(delimiter));
      header_at = options.header_row ? options.header_row : 1;
      searching_header = !options.no_header && options.header_row == 0;
      csv = std::make_unique<detail::CsvReader>(delimiter, options.max_record_bytes, options.max_quoted_lines, *this);
    }
    read(text);
  }

  // A file-level error in the header stops the run; the first records are still read for their
  // samples, which a mapping screen shows beside the columns left to map.
  bool sampling_after_stop() const {
    return stopped && (csv || book) && header_done && !mapping.empty() && records_seen < options.sample_rows;
  }

  void read(std::string_view text) {
    if ((stopped && !sampling_after_stop()) || text.empty()) return;
    if (csv) csv->feed(text);
    else if (jsonl) jsonl->feed(text);
  }

  // ---- CSV --------------------------------------------------------------------------------

  void on_record(const CsvRecord& rec) override {
    if (searching_header && held.empty() && rec.count > kHeaderSearchColumns) {
      // Wider than any title row: this first record is the header, and is not copied.
      searching_header = false;
    }
    if (searching_header) {
      held.push_back(HeldRecord{rec.row, rec.line, {rec.fields, rec.fields + rec.count}, rec.encoding_ok, rec.bad_quote_field, {}});
      if (held.size() >= kHeaderSearchRows) decide_header();
      return;
    }
    take_csv_record(rec);
  }

  void take_csv_record(const CsvRecord& rec) {
    if (stopped && !sampling_after_stop()) return;
    if (!header_done && !options.no_header && rec.row < header_at) return;  // a title above the header
    if (!header_done) {
      header_done = true;
      if (!options.no_header) {
        if (rec.row > 1) input.header_row = rec.row;
        take_header(rec);
        return;
      }
      take_positions(rec.count, rec.row, rec.line);
    }
    ++records_seen;
    if (records_seen <= options.sample_rows)
      for (std::size_t c = 0; c < rec.count && c < mapping.size(); ++c) take_sample(c, rec.fields[c]);
    if (stopped) return;
    if (!take_record(rec.row)) return;
    std::size_t expected = mapping.size();
    if (book && rec.count > expected && !extra_values_empty(rec, expected)) {
      std::size_t c = expected;
      while (detail::trim(rec.fields[c]).empty()) ++c;
      row_failed(rec.row, rec.line, -1, code::malformed_row,
                 "This row has a value in column " + column_letters(c) + ", right of the last column with a " +
                     (options.no_header ? "value in the first row (" : "header (") + column_letters(expected - 1) + ").");
      return;
    }
    if (rec.count < expected || (rec.count > expected && !extra_values_empty(rec, expected))) {
      std::string what = "This row has " + to_decimal(rec.count) + (rec.count == 1 ? " value" : " values") + " but ";
      what += options.no_header ? "the first row has " : "the header has ";
      what += to_decimal(expected) + " columns";
      what += rec.count < expected ? " (is a value or a delimiter missing?)." : " (is a value with a delimiter in it not quoted?).";
      row_failed(rec.row, rec.line, -1, code::malformed_row, std::move(what));
      return;
    }
    if (rec.bad_quote_field >= 0) {
      int col = rec.bad_quote_field;
      row_failed(rec.row, rec.line, col, code::malformed_row,
                 "The value in this column has text after its closing quote; inside a quoted value, write a quote "
                 "as two quotes (\"\").");
      return;
    }
    validator.begin_row();
    for (std::size_t c = 0; c < expected; ++c) {
      int slot = column_slot[c];
      if (slot < 0) continue;
      std::string_view v = rec.fields[c];
      if (c < cell_problems.size() && cell_problems[c].code) {
        validator.set_cell_problem(slot, static_cast<int>(c), *cell_problems[c].code, cell_problems[c].message);
        continue;
      }
      if (!rec.encoding_ok) {
        std::size_t bad = detail::utf8_error_offset(v);
        std::size_t nul = v.find('\0');
        if (bad < v.size() || nul != std::string_view::npos) {
          validator.set_bad_encoding(slot, static_cast<int>(c), bad < v.size() ? bad : nul, nul != std::string_view::npos && nul <= bad);
          continue;
        }
      }
      validator.set(slot, static_cast<int>(c), v, JsonKind::String);
    }
    if (!apply_edits(rec.row, rec.line)) return;
    validator.finish_row(rec.row, rec.line, mapping);
  }

  static bool extra_values_empty(const CsvRecord& rec, std::size_t expected) {
    for (std::size_t c = expected; c < rec.count; ++c)
      if (!detail::trim(rec.fields[c]).empty()) return false;
    return true;
  }

  void on_malformed(std::uint64_t row, std::uint64_t line, int field, std::string message) override {
    if (searching_header) {
      held.push_back(HeldRecord{row, line, {}, true, field, std::move(message)});
      if (held.size() >= kHeaderSearchRows) decide_header();
      return;
    }
    take_malformed(row, line, field, std::move(message));
  }

  // ---- The header row: Options::header_row, or found among the first records ----------------
  // Until it is found, the first records are held (copied); then they go on as if read now.

  struct HeldRecord {
    std::uint64_t row, line;
    std::vector<std::string> fields;
    bool encoding_ok;
    int bad_quote_field;         // a malformed record: where its quote opened
    std::string malformed;       // a malformed record: why (empty for a record)
  };
  static constexpr std::size_t kHeaderSearchRows = 10;
  static constexpr std::size_t kHeaderSearchColumns = 1000;  // a first record wider is the header

  // The fields a record's cells name, taken as a header: by name, alias or pattern; not a fuzzy
  // guess, and not the person's overrides (a "#3" names the third column of any row).
  int header_score(const HeldRecord& r) const {
    if (!r.malformed.empty()) return -1;
    std::vector<std::string> headers;
    for (const std::string& f : r.fields) headers.emplace_back(detail::trim(f));
    int score = 0;
    for (const ColumnMatch& m : mapper.map_header(headers))
      score += m.how != "override" && ((m.field >= 0 && m.how != "fuzzy") || m.pattern >= 0);
    return score;
  }

  // The header is the first held record naming the most fields, when it names at least two
  // and more than the first record does; the records above it are titles. A first record that
  // cannot be read stays the header (and says so).
  void decide_header() {
    searching_header = false;
    std::vector<HeldRecord> records = std::move(held);
    held.clear();
    if (!records.empty()) {
      int best = std::max(header_score(records.front()), 1);
      header_at = records.front().row;
      for (const HeldRecord& r : records)
        if (int score = header_score(r); score > best) {
          best = score;
          header_at = r.row;
        }
    }
    std::vector<std::string_view> views;
    for (HeldRecord& r : records) {
      if (!r.malformed.empty()) {
        take_malformed(r.row, r.line, r.bad_quote_field, std::move(r.malformed));
        continue;
      }
      views.assign(r.fields.begin(), r.fields.end());
      CsvRecord rec;
      rec.row = r.row;
      rec.line = r.line;
      rec.fields = views.data();
      rec.count = views.size();
      rec.encoding_ok = r.encoding_ok;
      rec.bad_quote_field = r.bad_quote_field;
      take_csv_record(rec);
    }
  }

  void take_malformed(std::uint64_t row, std::uint64_t line, int field, std::string message) {
    if (!header_done && !options.no_header && row < header_at) return;  // a title above the header
    if (stopped) {
      if (sampling_after_stop()) ++records_seen;  // a record of its own, without samples
      return;
    }
    if (!header_done && !options.no_header) {
      header_done = true;
      file_finding(row, line, {}, code::malformed_row, Severity::Error, "The header row cannot be read: " + message);
      return;
    }
    ++records_seen;
    if (take_record(row)) row_failed(row, line, field, code::malformed_row, std::move(message));
  }

  void add_column(std::string header, const ColumnMatch& m) {
    MappingEntry e;
    e.index = static_cast<std::uint32_t>(mapping.size());
    e.column = std::move(header);
    e.match = std::string(m.how);
    e.confidence = m.confidence;
    int slot = -1;
    if (m.duplicate_of < 0 && !m.ignored) {
      if (m.field >= 0) slot = m.field;
      else if (m.pattern >= 0) slot = validator.dynamic_slot(m.dynamic_key, m.pattern);
    }
    if (slot >= 0) {
      e.field = validator.slot(slot).key;
      if (validator.slot(slot).column < 0) validator.slot(slot).column = static_cast<int>(e.index);
    }
    else if (m.field >= 0) e.field = tmpl.fields[static_cast<std::size_t>(m.field)].key;
    if (m.ignored || (m.field < 0 && m.pattern < 0)) e.confidence = m.ignored ? 100 : 0;
    column_slot.push_back(slot);
    mapping.push_back(std::move(e));
  }

  void take_header(const CsvRecord& rec) {
    std::vector<std::string> headers;
    headers.reserve(rec.count);
    for (std::size_t c = 0; c < rec.count; ++c) headers.emplace_back(detail::trim(rec.fields[c]));
    std::vector<ColumnMatch> matches = mapper.map_header(headers);
    for (std::size_t c = 0; c < headers.size(); ++c) add_column(headers[c], matches[c]);
    header_findings(matches, rec.row, rec.line);
  }

  void take_positions(std::size_t count, std::uint64_t row, std::uint64_t line) {
    std::vector<std::string> letters;
    letters.reserve(count);
    for (std::size_t c = 0; c < count; ++c) letters.push_back(column_letters(c));
    std::vector<ColumnMatch> matches = mapper.map_positions(letters);
    for (std::size_t c = 0; c < count; ++c) add_column(letters[c], matches[c]);
    header_findings(matches, row, line);
  }

  void header_findings(const std::vector<ColumnMatch>& matches, std::uint64_t row, std::uint64_t line) {
    // One finding per column up to a point for each kind; past it, one finding says how many more.
    constexpr std::size_t kColumnFindings = 100;
    std::size_t duplicates = 0;
    for (std::size_t c = 0; c < matches.size(); ++c) {
      const ColumnMatch& m = matches[c];
      if (m.duplicate_of >= 0 && ++duplicates <= kColumnFindings) {
        const MappingEntry& first = mapping[static_cast<std::size_t>(m.duplicate_of)];
        file_finding(row, line, mapping[c].column, code::duplicate_column, Severity::Error,
                     "Columns " + column_letters(static_cast<std::uint64_t>(m.duplicate_of)) + " (" +
                         detail::quote_value(first.column) + ") and " + column_letters(c) + " (" +
                         detail::quote_value(mapping[c].column) + ") both map to " + mapping[c].field +
                         "; remove one, or map it elsewhere.",
                     mapping[c].field, hint::map);
      }
    }
    if (duplicates > kColumnFindings)
      file_finding(row, line, {}, code::duplicate_column, Severity::Error,
                   to_decimal(duplicates - kColumnFindings) + " more columns map to a field another column holds.");
    // The same header text twice on columns nobody uses is only worth a warning.
    std::unordered_map<std::string, std::size_t> seen;
    std::size_t repeated = 0;
    for (std::size_t c = 0; c < mapping.size(); ++c) {
      auto [it, fresh] = seen.emplace(mapping[c].column, c);
      if (!fresh && column_slot[c] < 0 && (c >= matches.size() || matches[c].duplicate_of < 0) &&
          !mapping[c].column.empty() && ++repeated <= kColumnFindings)
        file_finding(row, line, mapping[c].column, code::duplicate_column, Severity::Warning,
                     "Columns " + column_letters(it->second) + " and " + column_letters(c) + " are both headed " +
                         detail::quote_value(mapping[c].column) + ".");
    }
    if (repeated > kColumnFindings)
      file_finding(row, line, {}, code::duplicate_column, Severity::Warning,
                   to_decimal(repeated - kColumnFindings) + " more columns repeat the header of an earlier one.");
    std::size_t unknown = 0;
    for (std::size_t c = 0; c < mapping.size(); ++c) {
      bool unused = column_slot[c] < 0 && mapping[c].field.empty() && mapping[c].match == "none";
      if (!unused || tmpl.unknown_columns == UnknownColumns::Ignore) continue;
      Severity sev = tmpl.unknown_columns == UnknownColumns::Error ? Severity::Error : Severity::Warning;
      if (++unknown > kColumnFindings) continue;
      std::string name = mapping[c].column.empty() ? "Column " + column_letters(c) + " has no header"
                                                   : "Column " + detail::quote_value(mapping[c].column) +
                                                         " matches no field of the template";
      bool error = sev == Severity::Error;
      file_finding(row, line, mapping[c].column, code::unknown_column, sev,
                   name + (error ? "; remove it or map it." : "; its values are ignored."), {}, error ? hint::map : "");
    }
    if (unknown > kColumnFindings)
      file_finding(row, line, {}, code::unknown_column,
                   tmpl.unknown_columns == UnknownColumns::Error ? Severity::Error : Severity::Warning,
                   to_decimal(unknown - kColumnFindings) + " more columns match no field of the template.");
    for (std::size_t f = 0; f < tmpl.fields.size(); ++f) {
      const Field& field = tmpl.fields[f];
      if (!field.required || validator.has_fixed(static_cast<int>(f))) continue;
      bool held = false;
      for (int s : column_slot) held |= s == static_cast<int>(f);
      if (!held)
        file_finding(row, line, {}, code::missing_column, Severity::Error,
                     "The file has no column for " + field.label + ", which is required; add a column headed " +
                         detail::quote_value(field.label) + " or map one to it.",
                     field.key, hint::map);
    }
  }

  void take_sample(std::size_t column, std::string_view value) {
    value = detail::trim(value);
    if (value.empty() || detail::utf8_error_offset(value) < value.size()) return;
    if (samples.size() <= column) samples.resize(column + 1);
    samples[column].emplace_back(value);
  }

  // ---- JSONL ------------------------------------------------------------------------------

  struct KeyColumn {
    int slot;            // the validator slot it feeds, or -1
    std::size_t column;  // its mapping entry
  };

  // The mapping entry of a JSONL key (added the first time the key is seen) and its slot.
  const KeyColumn& key_column(std::string_view key, std::uint64_t row) {
    auto it = key_slots.find(key);
    if (it != key_slots.end()) return it->second;
    std::vector<std::string> one{std::string(key)};
    ColumnMatch m = mapper.map_header(one)[0];
    // Two different keys for one field (say "email" and "Email"): the first one seen wins.
    if (m.field >= 0)
      for (int s : column_slot)
        if (s == m.field) m.duplicate_of = 0;
    add_column(std::string(key), m);
    int slot = column_slot.back();
    // "firstName.given" under a field that wants one value is reported as not_scalar instead.
    std::size_t dot = key.find('.');
    bool under_field = dot != std::string_view::npos && tmpl.find_field(key.substr(0, dot)) >= 0;
    if (slot < 0 && !m.ignored && !under_field && tmpl.unknown_columns != UnknownColumns::Ignore) {
      std::string message = m.duplicate_of >= 0
                                ? "The key " + detail::quote_value(key) + " maps to " + mapping.back().field +
                                      ", which another key already holds; its values are ignored."
                                : "The key " + detail::quote_value(key) + " matches no field of the template; its values are ignored.";
      Finding f;
      f.row = row;
      f.line = row;
      f.column = std::string(key);
      f.code = m.duplicate_of >= 0 ? code::duplicate_column : code::unknown_column;
      f.severity = Severity::Warning;
      f.message = std::move(message);
      emit(std::move(f));
    }
    return key_slots.emplace(std::string(key), KeyColumn{slot, mapping.size() - 1}).first->second;
  }

  void on_object(std::uint64_t row, const std::vector<JsonCell>& cells) override {
    if (stopped) return;
    ++records_seen;
    const bool skipped = !take_record(row);
    if (!skipped) validator.begin_row();
    const bool sampling = records_seen <= options.sample_rows;
    for (const JsonCell& cell : cells) {
      const KeyColumn& k = key_column(cell.key, row);
      if (sampling) take_sample(k.column, cell.value);
      if (skipped) continue;  // its keys still name the file's columns
      const int slot = k.slot;
      if (slot < 0) {
        // customFields: {"x": 1} is flattened; but "email": {"a": 1} means email is not a value.
        std::size_t dot = cell.key.find('.');
        int parent = dot == std::string_view::npos ? -1 : tmpl.find_field(cell.key.substr(0, dot));
        if (parent >= 0) validator.set(parent, -1, {}, JsonKind::Object);
        continue;
      }
      // An escaped \u0000 is valid JSON but, as a NUL byte in a CSV value, never text.
      if (cell.kind == JsonKind::String && !cell.value.empty()) {
        if (const void* nul = std::memchr(cell.value.data(), '\0', cell.value.size())) {
          const auto at = static_cast<std::size_t>(static_cast<const char*>(nul) - cell.value.data());
          validator.set_bad_encoding(slot, validator.slot(slot).column, at, true);
          continue;
        }
      }
      if (!validator.set(slot, validator.slot(slot).column, cell.value, cell.kind)) validator.duplicate_key(slot);
    }
    if (skipped || !apply_edits(row, row)) return;
    validator.finish_row(row, row, mapping);
  }

  void on_bad_line(std::uint64_t row, std::string_view code, std::string message) override {
    if (stopped) return;
    ++records_seen;
    if (take_record(row)) row_failed(row, row, -1, code, std::move(message));
  }

  // ---- Workbooks ----------------------------------------------------------------------------

  bool wants_workbook(std::string_view head) const { return reads_as_workbook(head, options.format); }

  void workbook_failed(std::string_view code, std::string message) {
    file_finding(0, 0, {}, code, Severity::Error, std::move(message));
    book_done = true;
  }

  void start_workbook(RandomAccessFile& file) {
    started = true;
    input.format = "xlsx";
    input.encoding = "utf-8";
    input.header = !options.no_header;
    workbook_size = file.size();
    detail::WorkbookLimits limits;
    limits.max_token = std::max<std::uint64_t>(options.max_record_bytes, 1u << 20);
    book = std::make_unique<detail::WorkbookReader>(file, limits);
    std::string_view head_code = code::invalid_workbook;
    if (file.size() >= 4) {
      char head[4];
      if (file.read(0, head, 4) == 4 && !reads_as_workbook(std::string_view(head, 4), Format::Auto)) {
        workbook_failed(head_code, "This is not an Excel workbook (.xlsx): its bytes are not a ZIP archive; read it as "
                                   "CSV or JSONL, or save it from Excel as an Excel Workbook.");
        return;
      }
    }
    if (!book->open()) return workbook_failed(head_code, book->error());
    if (!book->select(options.sheet))
      return workbook_failed(book->unknown_sheet() ? code::unknown_sheet : head_code, book->error());
    input.sheet = book->selected().name;
    if (!book->load_shared_strings()) return workbook_failed(head_code, book->error());
  }

  // Reads about `budget` inflated bytes of the sheet; true once the workbook is done.
  bool pump_workbook(std::uint64_t budget) {
    const std::uint64_t until = book->sheet_bytes_read() + std::max<std::uint64_t>(budget, 1);
    while (!book_done && book->sheet_bytes_read() < until) {
      if (stopped && !sampling_after_stop()) break;
      detail::WorkbookReader::State state = book->read_rows(*this);
      if (state == detail::WorkbookReader::State::Error) workbook_failed(code::invalid_workbook, book->error());
      else if (state == detail::WorkbookReader::State::End) book_done = true;
    }
    if (stopped && !sampling_after_stop()) book_done = true;
    const std::uint64_t sheet_size = std::max<std::uint64_t>(book->selected().bytes, 1);
    bytes_in = book_done ? workbook_size
                         : workbook_size * std::min<std::uint64_t>(book->sheet_bytes_read(), sheet_size) / sheet_size;
    return book_done;
  }

  // The text a cell gives the field it feeds: numbers without exponent or trailing zeros,
  // date-formatted numbers as ISO dates (only for date and text fields: a number is never
  // guessed to be a date), booleans as true/false.
  void cell_text(const detail::SheetCell& cell, FieldType type, std::string* out) {
    out->clear();
    switch (cell.type) {
      case detail::CellType::Text:
      case detail::CellType::Error:
        out->assign(cell.text);
        return;
      case detail::CellType::Boolean:
        out->assign(cell.text == "1" ? "true" : "false");
        return;
      case detail::CellType::Number: {
        const bool texty = type == FieldType::String || type == FieldType::Scalar;
        const detail::DateStyle style = book->date_style(cell.style);
        if (style != detail::DateStyle::None && (type == FieldType::Date || texty) &&
            detail::serial_to_iso(cell.text, book->date1904(), texty && style == detail::DateStyle::DateTime,
                                  style == detail::DateStyle::Time, out))
          return;
        if (!detail::plain_number(cell.text, out)) out->assign(cell.text);
        return;
      }
    }
  }

  void on_sheet_row(std::uint64_t row, const std::vector<detail::SheetCell>& cells, std::string_view problem) override {
    if (stopped && !sampling_after_stop()) return;
    const bool header_row = !header_done && !options.no_header;
    if (header_row && row < options.header_row) return;  // a title above the header
    if (header_row && row > 1) input.header_row = row;
    if (!header_row && !problem.empty() && header_done && !stopped) {
      ++records_seen;
      if (take_record(row)) row_failed(row, row, -1, code::malformed_row, std::string(problem));
      return;
    }
    std::size_t width = header_row ? 0 : mapping.size();
    for (const detail::SheetCell& c : cells) width = std::max<std::size_t>(width, c.column + 1);
    // Text cells are passed as they are (the reader keeps them until the next row); numbers and
    // booleans are written out here first.
    sheet_text.clear();
    sheet_spans.clear();
    sheet_fields.assign(width, std::string_view());
    cell_problems.clear();
    auto problem_at = [&](std::uint32_t column, const std::string_view* code, std::string message) {
      if (cell_problems.empty()) cell_problems.resize(width);
      cell_problems[column] = CellProblem{code, std::move(message)};
    };
    bool encoding_ok = true;
    for (const detail::SheetCell& c : cells) {
      if (!c.problem.empty()) {
        problem_at(c.column, &code::malformed_row, std::string(c.problem));
        continue;
      }
      if (c.type == detail::CellType::Text || c.type == detail::CellType::Error) {
        sheet_fields[c.column] = c.text;
        if (c.type == detail::CellType::Error && !header_row) {
          std::string label = c.column < column_slot.size() && column_slot[c.column] >= 0
                                  ? validator.slot(column_slot[c.column]).label
                                  : "This cell";
          problem_at(c.column, &code::cell_error,
                     label + " holds Excel's error value " + detail::quote_value(c.text) + " (cell " +
                         column_letters(c.column) + detail::to_decimal(row) +
                         ") instead of a value; correct the formula or type the value.");
        }
        if (c.type == detail::CellType::Text && !c.utf8_checked &&
            (detail::utf8_error_offset(c.text) < c.text.size() || c.text.find('\0') != std::string_view::npos))
          encoding_ok = false;
        continue;
      }
      FieldType type = FieldType::String;
      if (!header_row && c.column < column_slot.size() && column_slot[c.column] >= 0)
        type = validator.slot(column_slot[c.column]).type;
      cell_text(c, type, &cell_value);
      sheet_spans.push_back({c.column, sheet_text.size()});
      sheet_text.append(cell_value);
    }
    for (std::size_t i = 0; i < sheet_spans.size(); ++i) {
      std::size_t end = i + 1 < sheet_spans.size() ? sheet_spans[i + 1].second : sheet_text.size();
      sheet_fields[sheet_spans[i].first] =
          std::string_view(sheet_text).substr(sheet_spans[i].second, end - sheet_spans[i].second);
    }
    detail::CsvRecord rec;
    rec.row = row;
    rec.line = row;
    rec.fields = sheet_fields.data();
    rec.count = width;
    rec.encoding_ok = encoding_ok;
    on_record(rec);
    cell_problems.clear();
  }

  // After the last record: a file without any is an error.
  void finish_records() {
    if (stopped) return;
    const bool tabular = csv || book;
    if (tabular && !header_done)
      file_finding(0, 0, {}, code::empty_file, Severity::Error,
                   book ? "The sheet " + detail::quote_value(input.sheet) + " has no header row and no records."
                        : "The file has no header row and no records.");
    else if (records_seen == 0)
      file_finding(0, 0, {}, code::empty_file, Severity::Error,
                   tabular && !options.no_header
                       ? (book ? "The sheet " + detail::quote_value(input.sheet) + " has a header row but no records."
                               : "The file has a header row but no records.")
                       : "The file has no records.");
  }

  struct CellProblem {
    const std::string_view* code = nullptr;
    std::string message;
  };

  // ---- State --------------------------------------------------------------------------------

  Template tmpl;
  Options options;
  detail::Mapper mapper;  // of tmpl with options.map: its names are folded once per file
  Sink& sink;
  Status status;
  Summary summary;
  InputInfo input;
  std::vector<MappingEntry> mapping;
  std::vector<std::vector<std::string>> samples;  // per mapping entry, when options.sample_rows
  std::vector<int> column_slot;  // per mapping entry: the validator slot it feeds, or -1
  struct StringHash {
    using is_transparent = void;
    std::size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
  };
  std::unordered_map<std::string, KeyColumn, StringHash, std::equal_to<>> key_slots;  // JSONL keys
  bool file_error = false;
  bool stopped = false;
  bool started = false;
  bool finished = false;
  bool header_done = false;
  // CSV: the header's row (Options::header_row, or found); the rows above it are passed over.
  std::uint64_t header_at = 1;
  bool searching_header = false;  // holding the first records until the header is found
  std::vector<HeldRecord> held;
  std::uint64_t records_seen = 0;
  std::uint64_t bytes_in = 0;
  std::string prefix_;
  std::unique_ptr<detail::Decoder> decoder;
  std::unique_ptr<detail::CsvReader> csv;
  std::unique_ptr<detail::JsonlReader> jsonl;
  // Workbooks
  std::unique_ptr<detail::WorkbookReader> book;
  std::unique_ptr<MemoryFile> book_memory;  // a workbook that was fed, not read
  std::string buffered_workbook;
  bool buffering = false;
  bool book_done = false;
  std::uint64_t workbook_size = 0;
  std::uint64_t file_offset = 0;  // read(): the next byte of a CSV or JSONL file
  std::string sheet_text;
  std::string cell_value;
  std::vector<std::pair<std::size_t, std::size_t>> sheet_spans;  // column, start in sheet_text
  std::vector<std::string_view> sheet_fields;
  std::vector<CellProblem> cell_problems;
  // Edits
  const Edits* edits = nullptr;  // options.edits when there are any
  std::map<std::uint64_t, std::vector<Edits::Cell>>::const_iterator next_edit;
  std::size_t next_skip = 0;
  const std::vector<Edits::Cell>* row_edits = nullptr;  // the current record's
  std::vector<std::uint64_t> edits_missed;  // rows named that were passed over without a record
  std::vector<std::string> fix_values;  // per column fix: the value it made in the current record
  std::uint64_t first_record_row = 0;
  std::uint64_t last_record_row = 0;
  RowValidator validator;

  friend class Session;
};

// RowValidator reports through FindingOut and counts outcomes through the session's summary.
Session::Session(Template tmpl, const Context& context, Options options, Sink& sink)
    : impl_(std::make_unique<Impl>(std::move(tmpl), context, std::move(options), sink)) {
  impl_->validator.on_outcome = [impl = impl_.get()](const RecordResult& r) {
    impl->count(r.outcome);
    impl->sink.on_record(r);
  };
  if (!impl_->status.ok) impl_->stopped = true;
}

Session::~Session() = default;

const Status& Session::status() const { return impl_->status; }

void Session::feed(std::string_view bytes) {
  Impl& s = *impl_;
  s.bytes_in += bytes.size();
  if (s.finished || (s.stopped && !s.sampling_after_stop())) return;
  if (s.buffering) {
    s.buffered_workbook.append(bytes);
    return;
  }
  if (!s.started) {
    s.prefix_.append(bytes);
    if (s.prefix_.size() >= kSniffBytes) s.start(false);
    return;
  }
  s.read(s.decoder->decode(bytes));
}

bool Session::read(RandomAccessFile& file, std::uint64_t budget) {
  Impl& s = *impl_;
  if (s.finished) return true;
  if (!s.status.ok) {
    finish();
    return true;
  }
  if (!s.started && !s.book) {
    char head[4] = {};
    std::size_t n = file.size() >= 4 ? file.read(0, head, 4) : 0;
    if (file.size() > 0 && s.wants_workbook(std::string_view(head, n))) {
      s.start_workbook(file);
    }
  }
  if (s.book) {
    if (!s.book_done && !s.pump_workbook(budget)) return false;
    s.bytes_in = file.size();
    finish();
    return true;
  }
  // CSV and JSONL: fed in order.
  constexpr std::size_t kPiece = 1 << 20;
  std::string piece;
  std::uint64_t left = std::max<std::uint64_t>(budget, 1);
  while (s.file_offset < file.size() && left > 0) {
    std::size_t n = static_cast<std::size_t>(std::min<std::uint64_t>({kPiece, left, file.size() - s.file_offset}));
    piece.resize(n);
    std::size_t got = file.read(s.file_offset, piece.data(), n);
    if (got == 0) break;
    s.file_offset += got;
    left -= std::min<std::uint64_t>(left, got);
    feed(std::string_view(piece.data(), got));
  }
  if (s.file_offset < file.size()) return false;
  finish();
  return true;
}

void Session::finish() {
  Impl& s = *impl_;
  if (s.finished) return;
  if (!s.status.ok) {
    s.finished = true;
    return;
  }
  if (!s.started) s.start(true);
  if (s.buffering) {
    // A workbook that was fed: read it now, from memory.
    s.buffering = false;
    s.book_memory = std::make_unique<MemoryFile>(std::move(s.buffered_workbook));
    s.start_workbook(*s.book_memory);
    while (!s.book_done) s.pump_workbook(~std::uint64_t{0});
    s.bytes_in = s.book_memory->size();
  } else if (s.book) {
    while (!s.book_done) s.pump_workbook(~std::uint64_t{0});
  } else if (s.started && s.decoder && (!s.stopped || s.sampling_after_stop())) {
    s.read(s.decoder->finish());
  }
  s.finished = true;
  if (s.stopped) {
    if (s.sampling_after_stop() && s.csv) s.csv->finish();  // its last record may be a sample
    return;
  }
  if (s.csv) s.csv->finish();
  if (s.searching_header) s.decide_header();  // fewer records than it looks at
  if (s.jsonl) s.jsonl->finish();
  s.finish_records();
  s.finish_edits();
}

const Summary& Session::summary() const { return impl_->summary; }
const InputInfo& Session::input() const { return impl_->input; }
const std::vector<MappingEntry>& Session::mapping() const { return impl_->mapping; }
const std::vector<std::vector<std::string>>& Session::samples() const { return impl_->samples; }
bool Session::file_error() const { return impl_->file_error || !impl_->status.ok; }
std::uint64_t Session::bytes_in() const { return impl_->bytes_in; }

}  // namespace rowgate
