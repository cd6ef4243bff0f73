// A validation session: bytes go in chunk by chunk, findings and row outcomes come out.
// The results never depend on where the chunks break.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "rowgate/context.h"
#include "rowgate/finding.h"
#include "rowgate/status.h"
#include "rowgate/template.h"

namespace rowgate {

enum class Format { Auto, Csv, Jsonl, Xlsx };

/// A person's corrections to a file, applied by the core as it reads (the file's bytes are never
/// rewritten), so that every build gives the same results for the same file and edits. As JSON:
/// {"edits": {"ROW": {"COLUMN": "VALUE", ...}, ...}, "skip": [ROW, ...]}, ROW numbered as the
/// findings number rows, COLUMN the header text as the file has it (a JSONL key, a no-header
/// file's column letter) or a template field key. An empty VALUE empties the cell.
/// "columns": [{"column": COLUMN, "replace": {"FROM": "TO", ...}} | {"column": COLUMN, "trim": true}
/// | {"column": COLUMN, "lower": true}, ...] fixes a column in every record, in the order given,
/// before the rows' own edits (which win over them).
struct Edits {
  struct Cell {
    std::string column;
    std::string value;
  };
  /// One fix of a whole column: a value replaced wherever it is the whole cell (white space at
  /// its ends set aside), white space trimmed at both ends, or ASCII letters lower-cased.
  struct ColumnFix {
    enum class Kind { Replace, Trim, Lower };
    std::string column;
    Kind kind = Kind::Replace;
    std::map<std::string, std::string, std::less<>> replace;  ///< Replace: from -> to
  };
  std::map<std::uint64_t, std::vector<Cell>> rows;
  std::vector<std::uint64_t> skip;  ///< sorted, each row once
  std::vector<ColumnFix> columns;
  bool empty() const { return rows.empty() && skip.empty() && columns.empty(); }
};

/// Parses edits as above into `out` (adding to what it holds); code::invalid_edits when they
/// cannot be used.
Status parse_edits_json(std::string_view json_text, Edits* out);
enum class Encoding { Auto, Utf8, Utf16Le, Utf16Be, Windows1252 };

struct Options {
  Format format = Format::Auto;
  Encoding encoding = Encoding::Auto;
  char delimiter = 0;      ///< 0: sniffed among , ; tab | from the header and first records
  bool no_header = false;  ///< CSV only: columns are named A, B, ... and map by position unless `map` names them
  /// CSV and workbooks: the row (as the findings number rows: a spreadsheet's row) that holds the
  /// header; the rows above it (a title, a date) are passed over. 0: found by the core, the
  /// first of the first rows whose cells name the most fields of the template (row 1 unless a
  /// later row names more).
  std::uint32_t header_row = 0;
  /// Header -> field key (or label) overrides; an empty field ignores the column.
  std::vector<std::pair<std::string, std::string>> map;
  /// A record (or JSONL line) longer than this is malformed; memory is bounded by it.
  std::uint64_t max_record_bytes = 1u << 20;
  /// A quoted field spanning more line breaks than this is taken for an unclosed quote.
  std::uint32_t max_quoted_lines = 100;
  /// Ask for every record's normalised values in RecordResult (for a results file).
  bool want_values = false;
  /// Values of error and duplicate records only, trimmed but normalised only where the check
  /// costs nothing more (key fields, booleans, enums, country codes): what a table of problem
  /// rows shows, without the cost of normalising every record.
  bool want_error_values = false;
  /// Keep the raw text of the first this many records, per column (Session::samples): what a
  /// mapping screen shows beside each column.
  std::uint32_t sample_rows = 0;
  /// Workbooks: the sheet to read, by name or 1-based position; empty for the first visible one.
  std::string sheet;
  /// Corrections applied as the file is read; null for none. Shared: options are copied.
  std::shared_ptr<const Edits> edits;
};

/// A file the session may read at any offset: a workbook's directory is at its end, and Excel
/// writes its shared strings after its sheets. The adapter's side of Session::read.
class RandomAccessFile {
 public:
  virtual ~RandomAccessFile() = default;
  virtual std::uint64_t size() const = 0;
  /// Copies up to `n` bytes from `offset` into `out`; returns how many (0 only past the end).
  virtual std::size_t read(std::uint64_t offset, char* out, std::size_t n) = 0;
};

/// The hash the de-duplication and existing-key sets use for a record's key: the parts in the
/// template's key order, trimmed, e-mail parts lower-cased. The same on every platform.
std::uint64_t key_hash(const Template& tmpl, const std::vector<std::string_view>& parts);

/// Parses the names used on the command line and in JSON options ("csv", "windows-1252", ...).
bool parse_format(std::string_view name, Format* out);
bool parse_encoding(std::string_view name, Encoding* out);

/// Parses options given as JSON, as the server and the browser pass them:
/// {"format": "csv", "encoding": "auto", "delimiter": ";", "no_header": true, "header_row": 3,
///  "map": {"Header": "field", "Other": ""}, "sheet": "Prospects",
///  "edits": {"ROW": {"COLUMN": "VALUE"}}, "skip": [ROW], "columns": [...]}. Keys not given keep
/// their value in `out`; "edits", "skip" and "columns" are those of parse_edits_json.
Status parse_options_json(std::string_view json_text, Options* out);

enum class Outcome { Create, Update, Duplicate, Error };
std::string_view outcome_name(Outcome outcome);

struct Summary {
  std::uint64_t rows = 0;       ///< records read (blank lines are not records)
  std::uint64_t valid = 0;      ///< create + update
  std::uint64_t invalid = 0;    ///< rows - valid: errors and in-file duplicates
  std::uint64_t create = 0;
  std::uint64_t update = 0;
  std::uint64_t duplicate = 0;
  std::uint64_t warnings = 0;   ///< warning findings, file-level ones included
  /// With edits only (`edits` true; the summary then names them): rows checked with at least
  /// one edit applied, and rows skipped (not in `rows`: a skipped row is neither valid nor not).
  bool edits = false;
  std::uint64_t edited = 0;
  std::uint64_t skipped = 0;
};

/// Rows that failed their checks, in-file duplicates left out: what every count calls "error".
inline std::uint64_t error_rows(const Summary& s) { return s.invalid - s.duplicate; }

/// What the reader detected about the bytes.
struct InputInfo {
  std::string format;     ///< "csv", "jsonl" or "xlsx" ("" before any byte was seen)
  std::string encoding;   ///< "utf-8", "utf-16le", "utf-16be" or "windows-1252"
  bool bom = false;
  std::string delimiter;  ///< CSV only: "," ";" "\t" or "|"
  bool header = true;
  /// The row of the header when it is not row 1 (Options::header_row, or found below title
  /// rows); 0 otherwise, and in the report only then.
  std::uint64_t header_row = 0;
  std::string sheet;      ///< workbooks only: the name of the sheet read
};

/// One column of the file and the template field it feeds.
struct MappingEntry {
  std::uint32_t index = 0;     ///< 0-based column position (JSONL: order of first appearance)
  std::string column;          ///< header text as the file has it
  std::string field;           ///< template key; empty when the column is not used
  std::string match;           ///< exact, normalized, alias, fuzzy, override, position, pattern, none
  std::uint32_t confidence = 0;  ///< 0..100
};

/// A normalised value of one record, for results files.
struct ResultValue {
  std::string_view field;
  std::string_view value;
  FieldType type = FieldType::String;
  bool present = false;        ///< false: the record has no value for the field
  bool valid = true;           ///< false: `value` is the raw text that failed its check
  bool json_literal = false;   ///< a JSON number or boolean, to be written back as it came
};

struct RecordResult {
  std::uint64_t row = 0;
  std::uint64_t line = 0;
  Outcome outcome = Outcome::Create;
  std::vector<std::string_view> key;   ///< the normalised key parts; empty when not valid
  std::vector<ResultValue> values;     ///< filled only when Options::want_values
};

/// Receives results as soon as they are known, in row order.
class Sink {
 public:
  virtual ~Sink() = default;
  virtual void on_finding(const Finding& finding) = 0;
  virtual void on_record(const RecordResult& record) = 0;
};

class Session {
 public:
  /// The template and context are copied; the sink must outlive the session.
  Session(Template tmpl, const Context& context, Options options, Sink& sink);
  ~Session();
  Session(const Session&) = delete;
  Session& operator=(const Session&) = delete;

  /// Whether the options fit the template; a session that is not ok ignores its input.
  const Status& status() const;

  /// Feeds the next bytes of the file. A workbook fed this way is held in memory until
  /// finish(); read() reads one with bounded memory.
  void feed(std::string_view bytes);
  /// Ends the file: flushes the last record and completes the summary.
  void finish();
  /// Reads `file` instead of being fed: call until it returns true (it has then called
  /// finish()). Each call reads about `budget` bytes (a workbook: of its inflated sheet), so
  /// that an adapter can report progress or stop between calls. CSV and JSONL are read in
  /// order, as feed() would take them; a workbook through its directory.
  bool read(RandomAccessFile& file, std::uint64_t budget = ~std::uint64_t{0});

  const Summary& summary() const;
  const InputInfo& input() const;
  /// The column mapping (complete once the header, or for JSONL the file, has been read).
  const std::vector<MappingEntry>& mapping() const;
  /// Per mapping entry (same index), the raw values of the first Options::sample_rows records
  /// that had one, decoded to UTF-8.
  const std::vector<std::vector<std::string>>& samples() const;
  /// True when a file-level error stopped the run (exit status 2 for `rowgate check`).
  bool file_error() const;
  /// Bytes fed so far.
  std::uint64_t bytes_in() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace rowgate
