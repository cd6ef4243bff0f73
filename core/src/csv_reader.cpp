#include "csv_reader.h"

#include <bit>
#include <cstring>
#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include "rowgate/checks.h"
#include "text.h"

namespace rowgate::detail {
namespace {

constexpr std::uint64_t kOnes = 0x0101010101010101ULL;
constexpr std::uint64_t kHighs = 0x8080808080808080ULL;

// The high bit of each byte of `w` that equals the byte of `pattern` (exact for the lowest one).
inline std::uint64_t bytes_equal(std::uint64_t w, std::uint64_t pattern) {
  std::uint64_t x = w ^ pattern;
  return (x - kOnes) & ~x & kHighs;
}

// Index of the first byte in p[i, end) that is one of a, b or c (given as repeated-byte words),
// eight bytes at a time; `end` if none. Portable (also wasm32), little- or big-endian.
inline std::size_t find_any3(const char* p, std::size_t i, std::size_t end, std::uint64_t a, std::uint64_t b,
                             std::uint64_t c) {
#if defined(__SSE2__)
  // Sixteen bytes at a time where SSE2 exists (every x86-64); the same answer as below.
  const __m128i va = _mm_set1_epi8(static_cast<char>(a & 0xFF));
  const __m128i vb = _mm_set1_epi8(static_cast<char>(b & 0xFF));
  const __m128i vc = _mm_set1_epi8(static_cast<char>(c & 0xFF));
  while (i + 16 <= end) {
    __m128i w = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p + i));
    __m128i hit = _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(w, va), _mm_cmpeq_epi8(w, vb)), _mm_cmpeq_epi8(w, vc));
    int mask = _mm_movemask_epi8(hit);
    if (mask) return i + static_cast<std::size_t>(std::countr_zero(static_cast<unsigned>(mask)));
    i += 16;
  }
#endif
  while (i + 8 <= end) {
    std::uint64_t w;
    std::memcpy(&w, p + i, 8);
    std::uint64_t hit = bytes_equal(w, a) | bytes_equal(w, b) | bytes_equal(w, c);
    if (hit) {
      if constexpr (std::endian::native == std::endian::little) return i + static_cast<std::size_t>(std::countr_zero(hit)) / 8;
      else return i + static_cast<std::size_t>(std::countl_zero(hit)) / 8;
    }
    i += 8;
  }
  return i;  // fewer than 8 bytes left: the caller finishes byte by byte
}

constexpr std::uint64_t kQuotes = kOnes * '"';
constexpr std::uint64_t kLfs = kOnes * '\n';
constexpr std::uint64_t kCrs = kOnes * '\r';

// Whether the bytes hold a byte >= 0x80 (then UTF-8 must be checked) and whether they hold a
// NUL, in one pass eight bytes at a time.
struct ByteKinds {
  bool high = false;
  bool nul = false;
};

ByteKinds byte_kinds(const char* p, std::uint64_t n) {
  std::uint64_t high = 0, nul = 0;
  std::uint64_t i = 0;
  for (; i + 8 <= n; i += 8) {
    std::uint64_t w;
    std::memcpy(&w, p + i, 8);
    high |= w & kHighs;
    nul |= (w - kOnes) & ~w & kHighs;  // non-zero exactly when some byte of w is zero
  }
  ByteKinds k{high != 0, nul != 0};
  for (; i < n; ++i) {
    k.high |= (static_cast<unsigned char>(p[i]) & 0x80) != 0;
    k.nul |= p[i] == 0;
  }
  return k;
}

std::string bytes_text(std::uint64_t n) {
  if (n % (1u << 20) == 0) return to_decimal(n >> 20) + " MiB";
  if (n % 1024 == 0) return to_decimal(n >> 10) + " KiB";
  return to_decimal(n) + " bytes";
}

}  // namespace

CsvReader::CsvReader(char delimiter, std::uint64_t max_record_bytes, std::uint32_t max_quoted_lines,
                     CsvHandler& handler)
    : delimiter_(delimiter),
      max_record_bytes_(max_record_bytes < 16 ? 16 : max_record_bytes),
      max_quoted_lines_(max_quoted_lines),
      handler_(handler) {
  std::memset(stop_unquoted_, 0, sizeof stop_unquoted_);
  std::memset(stop_quoted_, 0, sizeof stop_quoted_);
  delimiter_bytes_ = kOnes * static_cast<unsigned char>(delimiter);
  stop_unquoted_[static_cast<unsigned char>(delimiter)] = 1;
  stop_unquoted_[static_cast<unsigned char>('\n')] = 1;
  stop_unquoted_[static_cast<unsigned char>('\r')] = 1;
  stop_quoted_[static_cast<unsigned char>('"')] = 1;
  stop_quoted_[static_cast<unsigned char>('\n')] = 1;
  stop_quoted_[static_cast<unsigned char>('\r')] = 1;
}

void CsvReader::reset_record() {
  state_ = State::FieldStart;
  spans_.clear();
  field_flags_ = 0;
  breaks_in_record_ = 0;
  breaks_in_field_ = 0;
  prev_cr_ = false;
  bad_quote_field_ = -1;
  carry_.clear();
}

void CsvReader::end_field(std::uint64_t end) {
  spans_.push_back(Span{field_begin_, end, field_flags_});
  field_flags_ = 0;
  state_ = State::FieldStart;
}

void CsvReader::emit(const char* record, std::uint64_t length) {
  views_.clear();
  unescaped_.clear();
  unescaped_.reserve(static_cast<std::size_t>(length));  // never reallocates below: views stay valid
  for (const Span& s : spans_) {
    const char* begin = record + s.begin;
    std::uint64_t len = s.end - s.begin;
    if ((s.flags & kQuoted) && !(s.flags & kRaw)) {
      begin += 1;
      len -= 2;
      if (s.flags & kEscaped) {
        std::size_t start = unescaped_.size();
        for (std::uint64_t k = 0; k < len; ++k) {
          unescaped_.push_back(begin[k]);
          if (begin[k] == '"') ++k;  // "" stands for one quote
        }
        views_.emplace_back(unescaped_.data() + start, unescaped_.size() - start);
        continue;
      }
    }
    views_.emplace_back(begin, static_cast<std::size_t>(len));
  }
  CsvRecord rec;
  rec.row = row_;
  rec.line = line_;
  rec.fields = views_.data();
  rec.count = views_.size();
  // Most rows are ASCII; the others are checked whole, and field by field only when that fails.
  ByteKinds kinds = byte_kinds(record, length);
  rec.encoding_ok = !kinds.nul && (!kinds.high || checks::valid_utf8(std::string_view(record, static_cast<std::size_t>(length))));
  rec.bad_quote_field = bad_quote_field_;
  handler_.on_record(rec);
}

CsvReader::Step CsvReader::run(std::string_view seg, std::size_t& i) {
  const char* p = seg.data();
  const std::size_t n = seg.size();
  auto off = [&](std::size_t k) -> std::uint64_t { return carry_.size() + k - seg_start_; };
  auto limit_for = [&]() -> std::size_t {
    std::uint64_t room = max_record_bytes_ - carry_.size();  // carry_ never exceeds the bound
    return (n - seg_start_ > room) ? seg_start_ + static_cast<std::size_t>(room) : n;
  };
  if (!carry_.empty()) seg_start_ = i;  // the record goes on here
  std::size_t limit = limit_for();

  while (i < n) {
    if (skipping_) {
      while (i < n && p[i] != '\n' && p[i] != '\r') ++i;
      if (i == n) break;
      skipping_ = false;
      skip_lf_ = p[i] == '\r';
      ++i;
      continue;
    }
    if (skip_lf_) {
      skip_lf_ = false;
      if (p[i] == '\n') {
        ++i;
        continue;
      }
    }
    if (!in_record()) {
      seg_start_ = i;
      limit = limit_for();
    }
    if (i == limit) {
      // At the bound only the end of the record may come.
      char c = p[i];
      if (state_ == State::Quoted || (c != '\n' && c != '\r')) return Step::Overflow;
    }
    switch (state_) {
      case State::FieldStart: {
        char c = p[i];
        field_begin_ = off(i);
        field_flags_ = 0;
        if (c == '"') {
          field_flags_ = kQuoted;
          state_ = State::Quoted;
          breaks_in_field_ = 0;
          quote_line_ = line_ + breaks_in_record_;
          ++i;
        } else if (c == delimiter_) {
          end_field(off(i));
          ++i;
        } else if (c == '\n' || c == '\r') {
          if (spans_.empty() && off(i) == 0) {  // a blank line: a row, but no record
            ++row_;
            ++line_;
            skip_lf_ = c == '\r';
            ++i;
            break;
          }
          end_field(off(i));
          goto record_end;
        } else {
          state_ = State::Unquoted;
        }
        break;
      }
      case State::Unquoted: {
        i = find_any3(p, i, limit, delimiter_bytes_, kLfs, kCrs);
        while (i < limit && !stop_unquoted_[static_cast<unsigned char>(p[i])]) ++i;
        if (i == n) break;
        char c = p[i];
        if (!stop_unquoted_[static_cast<unsigned char>(c)]) return Step::Overflow;
        end_field(off(i));
        if (c == delimiter_) {
          if (i == limit) return Step::Overflow;
          ++i;
          break;
        }
        goto record_end;
      }
      case State::Quoted: {
        while (i < limit) {
          if (!prev_cr_) i = find_any3(p, i, limit, kQuotes, kLfs, kCrs);
          if (i == limit) break;
          unsigned char c = static_cast<unsigned char>(p[i]);
          if (!stop_quoted_[c]) {
            prev_cr_ = false;
            ++i;
            continue;
          }
          if (c == '"') break;
          if (!(c == '\n' && prev_cr_)) {
            ++breaks_in_record_;
            if (++breaks_in_field_ > max_quoted_lines_) return Step::Overflow;
          }
          prev_cr_ = c == '\r';
          ++i;
        }
        if (i == limit) break;
        prev_cr_ = false;
        state_ = State::QuoteInQuoted;
        ++i;
        break;
      }
      case State::QuoteInQuoted: {
        char c = p[i];
        if (c == '"') {
          field_flags_ |= kEscaped;
          state_ = State::Quoted;
          ++i;
        } else if (c == delimiter_) {
          end_field(off(i));
          ++i;
        } else if (c == '\n' || c == '\r') {
          end_field(off(i));
          goto record_end;
        } else {
          // Text after the closing quote: keep the field's bytes as they are, and say so.
          if (bad_quote_field_ < 0) bad_quote_field_ = static_cast<int>(spans_.size());
          field_flags_ |= kRaw;
          state_ = State::Unquoted;
        }
        break;
      }
    }
    continue;

  record_end : {
    char c = p[i];
    if (!carry_.empty()) {
      carry_.append(p + seg_start_, i - seg_start_);
      emit(carry_.data(), carry_.size());
    } else {
      emit(p + seg_start_, i - seg_start_);
    }
    line_ += 1 + breaks_in_record_;
    ++row_;
    skip_lf_ = c == '\r';
    ++i;
    reset_record();
  }
  }
  if (in_record()) carry_.append(p + seg_start_, n - seg_start_);
  return Step::Exhausted;
}

std::string CsvReader::resync(std::string_view seg, std::size_t i, bool at_eof) {
  std::string_view head = carry_;
  std::string_view tail = seg.substr(seg_start_, i - seg_start_);

  std::string message;
  int field = -1;
  std::string max_text = bytes_text(max_record_bytes_);
  if (state_ == State::Quoted) {
    field = static_cast<int>(spans_.size());
    std::string where = "The quoted field that starts on line " + to_decimal(quote_line_) + " ";
    if (at_eof) message = where + "has no closing quote";
    else if (breaks_in_field_ > max_quoted_lines_)
      message = where + "has no closing quote within " + to_decimal(max_quoted_lines_) + " lines";
    else message = where + "has no closing quote within " + max_text;
  } else {
    message = "This row is longer than " + max_text + ", the most a row may hold";
  }
  message += "; it was skipped and reading went on at line " + to_decimal(line_ + 1) + ".";
  handler_.on_malformed(row_, line_, field, std::move(message));
  ++row_;
  ++line_;

  // Read again from the first line break after the record's start.
  std::string rest;
  bool found = false;
  auto take_after = [&](std::string_view part, std::size_t k) {
    skip_lf_ = part[k] == '\r';
    rest.append(part.substr(k + 1));
    found = true;
  };
  std::size_t k = head.find_first_of("\r\n");
  if (k != std::string_view::npos) {
    take_after(head, k);
    rest.append(tail);
  } else if ((k = tail.find_first_of("\r\n")) != std::string_view::npos) {
    take_after(tail, k);
  }
  reset_record();
  if (!found && !at_eof) skipping_ = true;
  return rest;
}

void CsvReader::feed(std::string_view data) {
  std::size_t pos = 0;
  std::string replay;
  std::size_t replay_pos = 0;
  bool replaying = false;
  for (;;) {
    if (replaying) {
      if (run(replay, replay_pos) == Step::Overflow) {
        std::string rest = resync(replay, replay_pos, false);
        rest.append(replay, replay_pos, std::string::npos);
        replay = std::move(rest);
        replay_pos = 0;
        continue;
      }
      replaying = false;
    }
    if (run(data, pos) == Step::Exhausted) break;
    replay = resync(data, pos, false);
    replay_pos = 0;
    replaying = true;
  }
}

void CsvReader::finish() {
  skipping_ = false;
  while (in_record()) {
    if (state_ == State::Quoted) {
      seg_start_ = 0;  // every byte of the record is in carry_
      std::string rest = resync({}, 0, true);
      if (rest.empty()) break;
      feed(rest);
      continue;
    }
    if (state_ == State::FieldStart) field_begin_ = carry_.size();  // after a final delimiter
    end_field(carry_.size());
    emit(carry_.data(), carry_.size());
    line_ += 1 + breaks_in_record_;
    ++row_;
    reset_record();
  }
}

}  // namespace rowgate::detail

namespace rowgate::detail {

char sniff_delimiter(std::string_view sample, bool at_eof) {
  constexpr char candidates[] = {',', ';', '\t', '|'};
  constexpr int kRecords = 20;
  char best = ',';
  std::uint64_t best_score = 0;
  for (char d : candidates) {
    std::vector<std::uint32_t> counts;
    std::uint32_t fields = 1;
    bool quoted = false, any = false;
    for (std::size_t i = 0; i < sample.size() && counts.size() < kRecords; ++i) {
      char c = sample[i];
      if (c == '"') quoted = !quoted;  // "" toggles twice: no change, as it should
      else if (quoted) continue;
      else if (c == d) fields++, any = true;
      else if (c == '\n' || c == '\r') {
        if (any || fields > 1) counts.push_back(fields);
        fields = 1;
        any = false;
      } else {
        any = true;
      }
    }
    if (at_eof && (any || fields > 1) && counts.size() < kRecords) counts.push_back(fields);
    if (counts.empty() || counts[0] < 2) continue;
    std::uint64_t consistent = 0;
    for (std::size_t k = 1; k < counts.size(); ++k) consistent += counts[k] == counts[0];
    // Consistency first (as a share of the records), then the number of columns.
    std::uint64_t share = counts.size() > 1 ? (1000 * consistent) / (counts.size() - 1) : 1000;
    std::uint64_t score = share * 100000 + counts[0];
    if (score > best_score) {
      best_score = score;
      best = d;
    }
  }
  return best;
}

}  // namespace rowgate::detail
