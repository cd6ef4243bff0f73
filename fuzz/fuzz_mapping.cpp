// Header cells from the input through Mapper::map_header for each built-in template, as it is
// and with header_case flipped. Properties: no crash; mapping twice gives the same answer; a
// field is held by at most one column (the others name that column in duplicate_of);
// confidences are 0..100; each match kind says what it claims (an exact match is the text of
// the field's key or label, a pattern match carries a key with the pattern's prefix, ...).
//
// Input: [separator] cells. Cells are split at line breaks and at the separator chosen (none,
// ",", ";" or tab). A cell that starts with \x01 is an override instead: header \x02 target.
#include <string>
#include <string_view>
#include <vector>

#include "fuzz_target.h"
#include "mapper.h"
#include "rowgate/template.h"
#include "text.h"

namespace rowgate::fuzz {

using namespace std::string_view_literals;

// A vector's input read as comma-separated cells (its header row and its values).
const std::vector<std::string_view> kSeedPrefixes = {"\x01"sv};
const std::string_view kSeedFilePrefix = "input";

namespace {

std::string describe(const std::vector<std::string>& headers, const std::vector<detail::ColumnMatch>& m, std::size_t c) {
  return "column " + std::to_string(c) + " [" + headers[c] + "] field " + std::to_string(m[c].field) + " pattern " +
         std::to_string(m[c].pattern) + " how " + std::string(m[c].how) + " confidence " +
         std::to_string(m[c].confidence) + " duplicate_of " + std::to_string(m[c].duplicate_of) + " dynamic [" +
         m[c].dynamic_key + "]";
}

bool same(const detail::ColumnMatch& a, const detail::ColumnMatch& b) {
  return a.field == b.field && a.pattern == b.pattern && a.dynamic_key == b.dynamic_key && a.how == b.how &&
         a.confidence == b.confidence && a.ignored == b.ignored && a.duplicate_of == b.duplicate_of;
}

void check(const Template& t, const std::vector<std::pair<std::string, std::string>>& overrides,
           const std::vector<std::string>& headers) {
  detail::Mapper mapper(t, overrides);
  std::string problem = mapper.check_overrides();
  (void)problem;  // any text; the session refuses to start when it is not empty
  const std::vector<detail::ColumnMatch> m = mapper.map_header(headers);
  const std::vector<detail::ColumnMatch> again = mapper.map_header(headers);
  ROWGATE_FUZZ_CHECK(m.size() == headers.size());
  ROWGATE_FUZZ_CHECK(again.size() == m.size());
  const int fields = static_cast<int>(t.fields.size());
  const int patterns = static_cast<int>(t.patterns.size());
  std::vector<int> holder(t.fields.size(), -1);
  for (std::size_t c = 0; c < m.size(); ++c) {
    const detail::ColumnMatch& x = m[c];
    const std::string what = t.name + (t.header_case_sensitive ? " (case-sensitive): " : ": ") + describe(headers, m, c);
    ROWGATE_FUZZ_CHECK(same(x, again[c]), "mapping twice differs: " + what);
    ROWGATE_FUZZ_CHECK(x.confidence <= 100, what);
    ROWGATE_FUZZ_CHECK(x.field >= -1 && x.field < fields, what);
    ROWGATE_FUZZ_CHECK(x.pattern >= -1 && x.pattern < patterns, what);
    ROWGATE_FUZZ_CHECK(x.field < 0 || x.pattern < 0, "both a field and a pattern: " + what);
    ROWGATE_FUZZ_CHECK(!x.ignored || (x.field < 0 && x.pattern < 0), "ignored but mapped: " + what);
    const bool matched = x.field >= 0 || x.pattern >= 0 || x.ignored;
    ROWGATE_FUZZ_CHECK((x.how == "none") == !matched, what);
    ROWGATE_FUZZ_CHECK(matched || x.confidence == 0, what);
    ROWGATE_FUZZ_CHECK(x.how == "none" || x.how == "exact" || x.how == "normalized" || x.how == "alias" ||
                           x.how == "fuzzy" || x.how == "override" || x.how == "pattern",
                       what);
    if (x.duplicate_of >= 0) {
      // The column whose match is stronger holds the field, wherever it stands: duplicate_of may
      // name a later column (mapper.h says "an earlier column").
      ROWGATE_FUZZ_CHECK(x.duplicate_of < static_cast<int>(m.size()) && x.duplicate_of != static_cast<int>(c) &&
                             x.field >= 0,
                         what);
      const detail::ColumnMatch& first = m[static_cast<std::size_t>(x.duplicate_of)];
      ROWGATE_FUZZ_CHECK(first.field == x.field && first.duplicate_of < 0,
                         "duplicate_of names a column that does not hold the field: " + what + "\n" +
                             describe(headers, m, static_cast<std::size_t>(x.duplicate_of)));
    } else {
      ROWGATE_FUZZ_CHECK(x.duplicate_of == -1, what);
      if (x.field >= 0) {
        int& h = holder[static_cast<std::size_t>(x.field)];
        ROWGATE_FUZZ_CHECK(h < 0, "two columns hold one field: " + what + "\n" +
                                      describe(headers, m, static_cast<std::size_t>(h < 0 ? 0 : h)));
        h = static_cast<int>(c);
      }
    }
    if (x.pattern >= 0) {
      const std::string& prefix = t.patterns[static_cast<std::size_t>(x.pattern)].prefix;
      ROWGATE_FUZZ_CHECK(x.dynamic_key.size() > prefix.size() && x.dynamic_key.compare(0, prefix.size(), prefix) == 0,
                         "a pattern's key lacks its prefix: " + what);
      ROWGATE_FUZZ_CHECK(x.how == "pattern" || x.how == "override", what);
    }
    if (x.how == "exact") {
      const Field& f = t.fields[static_cast<std::size_t>(x.field)];
      ROWGATE_FUZZ_CHECK(headers[c] == f.key || headers[c] == f.label, "an exact match that is not: " + what);
      ROWGATE_FUZZ_CHECK(x.confidence == 100, what);
    }
    if (x.how == "normalized" || x.how == "alias") ROWGATE_FUZZ_CHECK(x.field >= 0, what);
    if (x.how == "normalized") {
      const Field& f = t.fields[static_cast<std::size_t>(x.field)];
      std::string folded = detail::fold_header(headers[c]);
      ROWGATE_FUZZ_CHECK(!folded.empty() && (folded == detail::fold_header(f.key) || folded == detail::fold_header(f.label)),
                         "a normalized match that is not: " + what);
    }
    if (x.how == "fuzzy") {
      ROWGATE_FUZZ_CHECK(!t.header_case_sensitive && x.field >= 0 && x.confidence >= 80 && x.confidence <= 100, what);
    }
  }
}

}  // namespace
}  // namespace rowgate::fuzz

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace rowgate;
  using namespace rowgate::fuzz;
  Input in(data, size);
  static constexpr char kSeparators[] = {'\n', ',', ';', '\t'};
  const char separator = kSeparators[in.byte() % 4];
  const std::string_view text = in.rest();

  std::vector<std::string> headers;
  std::vector<std::pair<std::string, std::string>> overrides;
  std::size_t at = 0;
  while (at <= text.size()) {
    std::size_t end = at;
    while (end < text.size() && text[end] != '\n' && text[end] != '\r' && text[end] != separator) ++end;
    std::string_view cell = text.substr(at, end - at);
    if (!cell.empty() && cell[0] == '\x01') {
      std::size_t split = cell.find('\x02');
      if (split == std::string_view::npos) overrides.emplace_back(std::string(cell.substr(1)), std::string());
      else overrides.emplace_back(std::string(cell.substr(1, split - 1)), std::string(cell.substr(split + 1)));
    } else {
      headers.emplace_back(cell);
    }
    at = end + 1;
  }

  static const std::vector<Template> templates = [] {
    std::vector<Template> all;
    for (const BuiltinTemplate& b : builtin_templates()) {
      TemplateLoad load = parse_template(b.json);
      if (!load.ok) fail("a built-in template does not load", load.error);
      all.push_back(load.value);
      all.push_back(std::move(load.value));
      all.back().header_case_sensitive = !all.back().header_case_sensitive;
    }
    return all;
  }();
  for (const Template& t : templates) check(t, overrides, headers);
  return 0;
}
