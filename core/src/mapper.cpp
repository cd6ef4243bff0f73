#include "mapper.h"

#include <algorithm>

#include "text.h"

namespace rowgate::detail {
namespace {

constexpr std::uint32_t kFuzzyThreshold = 80;
constexpr std::uint32_t kPositionConfidence = 50;  // a column of a file without a header, by its place
constexpr std::size_t kFuzzyMaxLength = 64;
constexpr std::size_t kFuzzyMaxColumns = 1000;

}  // namespace

std::uint32_t similarity(std::string_view a, std::string_view b) {
  std::size_t longest = std::max(a.size(), b.size());
  if (longest == 0) return 100;
  std::vector<std::size_t> row(b.size() + 1);
  for (std::size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (std::size_t i = 1; i <= a.size(); ++i) {
    std::size_t diag = row[0];
    row[0] = i;
    for (std::size_t j = 1; j <= b.size(); ++j) {
      std::size_t up = row[j];
      std::size_t cost = a[i - 1] == b[j - 1] ? 0 : 1;
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diag + cost});
      diag = up;
    }
  }
  std::size_t distance = row[b.size()];
  return static_cast<std::uint32_t>((100 * (longest - distance)) / longest);
}

Mapper::Mapper(const Template& tmpl, const std::vector<std::pair<std::string, std::string>>& overrides)
    : tmpl_(tmpl), overrides_(overrides) {
  for (std::size_t i = 0; i < tmpl.fields.size(); ++i) {
    const Field& f = tmpl.fields[i];
    int idx = static_cast<int>(i);
    names_.push_back({f.key, fold_header(f.key), idx, false});
    if (f.label != f.key) names_.push_back({f.label, fold_header(f.label), idx, false});
    for (const auto& a : f.aliases) names_.push_back({a, fold_header(a), idx, true});
  }
}

int Mapper::find_target(std::string_view target) const {
  int idx = tmpl_.find_field(target);
  if (idx >= 0) return idx;
  for (std::size_t i = 0; i < tmpl_.fields.size(); ++i)
    if (tmpl_.fields[i].label == target) return static_cast<int>(i);
  return -1;
}

int Mapper::match_pattern(std::string_view header, std::string* dynamic) const {
  for (std::size_t p = 0; p < tmpl_.patterns.size(); ++p) {
    const std::string& prefix = tmpl_.patterns[p].prefix;
    if (header.size() <= prefix.size()) continue;
    std::string_view head = header.substr(0, prefix.size());
    bool same = tmpl_.header_case_sensitive ? head == prefix : iequals(head, prefix);
    if (!same) continue;
    *dynamic = prefix + std::string(header.substr(prefix.size()));
    return static_cast<int>(p);
  }
  return -1;
}

std::string Mapper::check_overrides() const {
  for (const auto& [header, target] : overrides_) {
    if (target.empty()) continue;
    std::string dynamic;
    if (find_target(target) < 0 && match_pattern(target, &dynamic) < 0)
      return "the column \"" + header + "\" is mapped to \"" + target + "\", which is not a field of the template \"" +
             tmpl_.name + "\"";
  }
  return {};
}

// "#N", N from 1 without leading zeros: the column at that position, 0-based; -1 otherwise.
static long position_key(std::string_view key) {
  if (key.size() < 2 || key.size() > 7 || key[0] != '#' || key[1] == '0') return -1;
  long n = 0;
  for (char c : key.substr(1)) {
    if (c < '0' || c > '9') return -1;
    n = n * 10 + (c - '0');
  }
  return n - 1;
}

int Mapper::override_for(std::string_view header, std::size_t position, const std::vector<std::string>& names,
                         bool* ignore, int* pattern, std::string* dynamic) const {
  // A key "#N" names the Nth column (for a header that is empty, repeated or not readable text)
  // unless some column is headed "#N"; it comes before a key naming the header.
  auto names_a_column = [&](const std::string& key) { return std::find(names.begin(), names.end(), key) != names.end(); };
  const std::pair<std::string, std::string>* chosen = nullptr;
  for (const auto& o : overrides_)
    if (position_key(o.first) == static_cast<long>(position) && !names_a_column(o.first)) {
      chosen = &o;
      break;
    }
  if (!chosen)
    for (const auto& o : overrides_)
      if (o.first == header) {
        chosen = &o;
        break;
      }
  if (!chosen) return -1;
  const std::string& target = chosen->second;
  if (target.empty()) {
    *ignore = true;
    return -1;
  }
  int idx = find_target(target);
  if (idx >= 0) return idx;
  *pattern = match_pattern(target, dynamic);
  return -1;
}

// The matches of a header row as they are made: which column holds each field.
struct Mapper::Claims {
  std::vector<ColumnMatch> out;
  std::vector<int> owner;  // column that holds each field

  Claims(std::size_t columns, std::size_t fields) : out(columns), owner(fields, -1) {}

  void claim(std::size_t col, int field, std::string_view how, std::uint32_t confidence) {
    ColumnMatch& m = out[col];
    int& held = owner[static_cast<std::size_t>(field)];
    if (held >= 0) m.duplicate_of = held;
    else held = static_cast<int>(col);
    m.field = field;
    m.how = how;
    m.confidence = confidence;
  }
  bool open(std::size_t col) const { return out[col].field < 0 && out[col].pattern < 0 && !out[col].ignored; }
};

void Mapper::apply_overrides(const std::vector<std::string>& names, Claims& claims) const {
  for (std::size_t c = 0; c < names.size(); ++c) {
    bool ignore = false;
    int pattern = -1;
    std::string dynamic;
    int f = override_for(names[c], c, names, &ignore, &pattern, &dynamic);
    ColumnMatch& m = claims.out[c];
    if (ignore) {
      m.ignored = true;
      m.how = "override";
      m.confidence = 100;
    } else if (f >= 0) {
      claims.claim(c, f, "override", 100);
    } else if (pattern >= 0) {
      m.pattern = pattern;
      m.dynamic_key = std::move(dynamic);
      m.how = "override";
      m.confidence = 100;
    }
  }
}

std::vector<ColumnMatch> Mapper::map_positions(const std::vector<std::string>& letters) const {
  Claims claims(letters.size(), tmpl_.fields.size());
  apply_overrides(letters, claims);
  for (std::size_t c = 0; c < letters.size() && c < tmpl_.fields.size(); ++c)
    // A guess: nothing but the order says that this column holds this field.
    if (claims.open(c) && claims.owner[c] < 0) claims.claim(c, static_cast<int>(c), "position", kPositionConfidence);
  return std::move(claims.out);
}

std::vector<ColumnMatch> Mapper::map_header(const std::vector<std::string>& headers) const {
  Claims claims(headers.size(), tmpl_.fields.size());

  std::vector<std::string> folded(headers.size());
  if (!tmpl_.header_case_sensitive)
    for (std::size_t c = 0; c < headers.size(); ++c) folded[c] = fold_header(headers[c]);

  // 1. Overrides.
  apply_overrides(headers, claims);
  // 2. Exact key or label; 3. the same ignoring case, spaces and punctuation; 4. aliases.
  struct Pass {
    bool alias;
    bool folded;
    std::string_view how;
    std::uint32_t confidence;
  };
  const Pass passes[] = {{false, false, "exact", 100}, {false, true, "normalized", 95}, {true, false, "alias", 90},
                         {true, true, "alias", 90}};
  for (const Pass& pass : passes) {
    if (pass.folded && tmpl_.header_case_sensitive) continue;
    for (std::size_t c = 0; c < headers.size(); ++c) {
      if (!claims.open(c)) continue;
      for (const Name& n : names_) {
        if (n.alias != pass.alias) continue;
        bool same = pass.folded ? (!folded[c].empty() && folded[c] == n.folded) : headers[c] == n.text;
        if (same) {
          claims.claim(c, n.field, pass.how, pass.confidence);
          break;
        }
      }
    }
  }
  // 5. Dynamic patterns such as customFields.{name}.
  for (std::size_t c = 0; c < headers.size(); ++c) {
    if (!claims.open(c)) continue;
    std::string dynamic;
    int p = match_pattern(headers[c], &dynamic);
    if (p >= 0) {
      ColumnMatch& m = claims.out[c];
      m.pattern = p;
      m.dynamic_key = std::move(dynamic);
      m.how = "pattern";
      m.confidence = 100;
    }
  }
  // 6. Fuzzy: the closest name of a field that no column holds yet.
  if (!tmpl_.header_case_sensitive && headers.size() <= kFuzzyMaxColumns) {
    for (std::size_t c = 0; c < headers.size(); ++c) {
      if (!claims.open(c) || folded[c].empty() || folded[c].size() > kFuzzyMaxLength) continue;
      std::uint32_t best = 0;
      int best_field = -1;
      for (const Name& n : names_) {
        if (claims.owner[static_cast<std::size_t>(n.field)] >= 0) continue;
        std::size_t la = folded[c].size(), lb = n.folded.size();
        if (std::max(la, lb) * (100 - kFuzzyThreshold) < 100 * (std::max(la, lb) - std::min(la, lb))) continue;
        std::uint32_t s = similarity(folded[c], n.folded);
        if (s > best) {
          best = s;
          best_field = n.field;
        }
      }
      if (best >= kFuzzyThreshold && best_field >= 0) claims.claim(c, best_field, "fuzzy", best);
    }
  }
  return std::move(claims.out);
}

}  // namespace rowgate::detail
