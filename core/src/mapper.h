// Header -> field mapping: exact label or key, then ignoring case, spaces and punctuation
// (unless the template is case-sensitive), then aliases, then dynamic patterns, then a fuzzy
// match with a confidence. Overrides (--map) come first of all.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "rowgate/template.h"

namespace rowgate::detail {

struct ColumnMatch {
  int field = -1;           ///< index of a template field, or -1
  int pattern = -1;         ///< index of a template pattern, or -1
  std::string dynamic_key;  ///< for a pattern: the field key this column becomes
  std::string_view how = "none";
  std::uint32_t confidence = 0;
  bool ignored = false;     ///< an override said to ignore this column
  int duplicate_of = -1;    ///< the column that holds the same field (the stronger match, anywhere)
};

class Mapper {
 public:
  Mapper(const Template& tmpl, const std::vector<std::pair<std::string, std::string>>& overrides);

  /// Empty when every override names a field (or pattern) of the template; else the problem.
  std::string check_overrides() const;

  /// Maps a whole header row, resolving conflicts by the strength of each match.
  std::vector<ColumnMatch> map_header(const std::vector<std::string>& headers) const;

  /// Maps a file without a header: overrides name columns by letter ("A", "B", ... "AA"); the
  /// other columns hold the template's fields by position, each field no override took.
  std::vector<ColumnMatch> map_positions(const std::vector<std::string>& letters) const;

 private:
  struct Claims;
  void apply_overrides(const std::vector<std::string>& names, Claims& claims) const;
  struct Name {
    std::string text;
    std::string folded;
    int field;
    bool alias;
  };
  /// The override of the column at `position` (0-based) named `header` among `names`: one
  /// naming its position ("#3": the third column), or else one naming the header.
  int override_for(std::string_view header, std::size_t position, const std::vector<std::string>& names, bool* ignore,
                   int* pattern, std::string* dynamic) const;
  int match_pattern(std::string_view header, std::string* dynamic) const;
  int find_target(std::string_view target) const;

  const Template& tmpl_;
  const std::vector<std::pair<std::string, std::string>>& overrides_;
  std::vector<Name> names_;
};

/// Similarity of two strings as 0..100 (100 - edit distance as a percentage of the longer).
std::uint32_t similarity(std::string_view a, std::string_view b);

}  // namespace rowgate::detail
