// The CSV reader: RFC 4180 and what real files do, fed in chunks. Records are handed out as
// views into the chunk (or into a carry buffer when a record spans chunks), so memory is
// bounded by the longest record, and results do not depend on where chunks break.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace rowgate::detail {

struct CsvRecord {
  std::uint64_t row = 0;
  std::uint64_t line = 0;
  const std::string_view* fields = nullptr;
  std::size_t count = 0;
  bool encoding_ok = true;     ///< false: some field holds bytes that are not UTF-8, or a NUL
  int bad_quote_field = -1;    ///< a field whose closing quote is followed by more text
};

class CsvHandler {
 public:
  virtual ~CsvHandler() = default;
  virtual void on_record(const CsvRecord& record) = 0;
  /// A record that could not be read; `field` is where its unclosed quote opened, or -1.
  virtual void on_malformed(std::uint64_t row, std::uint64_t line, int field, std::string message) = 0;
};

class CsvReader {
 public:
  CsvReader(char delimiter, std::uint64_t max_record_bytes, std::uint32_t max_quoted_lines,
            CsvHandler& handler);
  void feed(std::string_view data);
  void finish();

 private:
  enum class State : std::uint8_t { FieldStart, Unquoted, Quoted, QuoteInQuoted };
  enum class Step : std::uint8_t { Exhausted, Overflow };
  struct Span {
    std::uint64_t begin;  // offsets from the record's first byte; end excludes the delimiter
    std::uint64_t end;
    std::uint8_t flags;
  };
  static constexpr std::uint8_t kQuoted = 1, kEscaped = 2, kRaw = 4;

  Step run(std::string_view seg, std::size_t& i);
  void feed_segments(std::string_view data);
  void end_field(std::uint64_t end);
  void emit(const char* record, std::uint64_t length);
  void reset_record();
  bool in_record() const { return state_ != State::FieldStart || !spans_.empty() || !carry_.empty(); }
  // Handles a record that broke a bound (or an unclosed quote at the end); returns the bytes
  // to read again: those after the first line break that follows the record's start.
  std::string resync(std::string_view seg, std::size_t i, bool at_eof);

  const char delimiter_;
  const std::uint64_t max_record_bytes_;
  const std::uint32_t max_quoted_lines_;
  CsvHandler& handler_;
  std::uint8_t stop_unquoted_[256];
  std::uint8_t stop_quoted_[256];
  std::uint64_t delimiter_bytes_;  // the delimiter in every byte of a word, for SWAR scans

  std::uint64_t row_ = 1;
  std::uint64_t line_ = 1;
  // The record being read.
  State state_ = State::FieldStart;
  std::vector<Span> spans_;
  std::uint64_t field_begin_ = 0;
  std::uint8_t field_flags_ = 0;
  std::uint64_t breaks_in_record_ = 0;   // line breaks inside quoted fields
  std::uint32_t breaks_in_field_ = 0;
  std::uint64_t quote_line_ = 0;         // line where the open quoted field began
  bool prev_cr_ = false;                 // the last byte of a quoted field was CR
  int bad_quote_field_ = -1;
  std::string carry_;                    // bytes of a record that began in an earlier segment
  std::size_t seg_start_ = 0;            // where the record began in the current segment
  // Between records.
  bool skip_lf_ = false;                 // a record ended with CR: an LF right after belongs to it
  bool skipping_ = false;                // discarding an over-long line up to its line break
  // Scratch for the views handed out.
  std::vector<std::string_view> views_;
  std::string unescaped_;
};

}  // namespace rowgate::detail

namespace rowgate::detail {

/// Picks the delimiter among , ; tab | whose field count is most consistent over the header and
/// the first records of `sample` (a prefix of the file; `at_eof` when it is the whole file).
char sniff_delimiter(std::string_view sample, bool at_eof);

}  // namespace rowgate::detail
