#include "row_validator.h"

#include <algorithm>

#include "rowgate/checks.h"
#include "text.h"

namespace rowgate::detail {
namespace {

std::string_view type_code(FieldType type) {
  switch (type) {
    case FieldType::Email: return code::invalid_email;
    case FieldType::Url: return code::invalid_url;
    case FieldType::Boolean: return code::invalid_boolean;
    case FieldType::Integer: return code::invalid_integer;
    case FieldType::Number: return code::invalid_number;
    case FieldType::Date: return code::invalid_date;
    case FieldType::Locale: return code::invalid_locale;
    case FieldType::Country: return code::invalid_country;
    case FieldType::Phone: return code::invalid_phone;
    case FieldType::Enum: return code::invalid_enum;
    case FieldType::Reference: return code::unknown_reference;
    default: return code::not_scalar;
  }
}

std::string_view type_phrase(FieldType type) {
  switch (type) {
    case FieldType::Email: return "a valid e-mail address";
    case FieldType::Url: return "a valid web address (an http or https URL)";
    case FieldType::Boolean: return "true or false";
    case FieldType::Integer: return "a whole number";
    case FieldType::Number: return "a number";
    case FieldType::Date: return "a valid date (YYYY-MM-DD, or an ISO 8601 date and time)";
    case FieldType::Locale: return "a valid locale (a language such as en, or en_US)";
    case FieldType::Country: return "a two-letter ISO 3166-1 country code in capitals (such as US)";
    case FieldType::Phone: return "a valid phone number";
    default: return "a valid value";
  }
}

// A key's part as the key tables hash it: e-mail addresses compare case-insensitively, other
// keys as normalised.
void append_key_part(std::string& out, FieldType type, std::string_view value) {
  if (type == FieldType::Email) append_lower(out, value);
  else out.append(value);
}

std::string_view kind_phrase(JsonKind kind) {
  switch (kind) {
    case JsonKind::String: return "a string";
    case JsonKind::Number: return "a number";
    case JsonKind::Boolean: return "a boolean";
    case JsonKind::Null: return "null";
    case JsonKind::Array: return "a list";
    default: return "an object";
  }
}

}  // namespace

RowValidator::RowValidator(const Template& tmpl, const Context& context, const Options& options, FindingOut& out)
    : tmpl_(tmpl), out_(out), want_values_(options.want_values), want_error_values_(options.want_error_values) {
  for (const Field& f : tmpl.fields) {
    Slot s;
    s.key = f.key;
    s.label = f.label;
    s.type = f.type;
    s.required = f.required;
    s.strict = f.strict;
    s.max_length = f.max_length;
    s.field = &f;
    if (f.type == FieldType::Reference) {
      auto it = std::find_if(context.sets.begin(), context.sets.end(), [&](const auto& set) { return set.first == f.ref; });
      ref_sets_.emplace_back();
      RefSet& rs = ref_sets_.back();
      if (it != context.sets.end()) rs.members = it->second;
      s.ref_set = static_cast<int>(ref_sets_.size() - 1);
    }
    slots_.push_back(std::move(s));
  }
  // Views into members are taken once the vector no longer moves.
  for (RefSet& rs : ref_sets_) {
    rs.build();
    for (std::size_t i = 0; i < rs.members.size(); ++i) {
      std::string lower;
      append_lower(lower, rs.members[i]);
      rs.folded.emplace(std::move(lower), i);
    }
  }
  for (std::size_t k = 0; k < tmpl.key.size(); ++k) {
    slots_[tmpl.key[k]].key_part = static_cast<int>(k);
    key_slots_.push_back(static_cast<int>(tmpl.key[k]));
    last_key_field_ = std::max(last_key_field_, static_cast<int>(tmpl.key[k]));
  }
  key_parts_.resize(tmpl.key.size());
  for (std::size_t i = 0; i < tmpl.fields.size(); ++i) {
    bool whole_key = tmpl.key.size() == 1 && tmpl.key[0] == i;
    if (tmpl.fields[i].unique && !whole_key) {
      slots_[i].unique_table = static_cast<int>(unique_tables_.size());
      unique_tables_.emplace_back();
    }
  }
  for (const auto& [field, value] : context.fixed) {
    int idx = tmpl.find_field(field);
    if (idx < 0) {
      status_ = Status::failure(code::invalid_context, "the context fixes \"" + field + "\", which is not a field of the template \"" + tmpl.name + "\"");
      return;
    }
    slots_[static_cast<std::size_t>(idx)].has_fixed = true;
    slots_[static_cast<std::size_t>(idx)].fixed = value;
  }
  for (const auto& parts : context.existing) {
    if (parts.size() != key_slots_.size()) continue;
    existing_.insert(key_hash(tmpl, std::vector<std::string_view>(parts.begin(), parts.end())), 0);
  }
  if (!key_slots_.empty())
    for (std::uint64_t h : context.existing_hashes) existing_.insert(h == 0 ? 1 : h, 0);
}

void RowValidator::RefSet::build() {
  std::size_t size = 8;
  while (size < members.size() * 2) size *= 2;
  table.assign(size, 0);
  for (std::size_t m = 0; m < members.size(); ++m) {
    std::size_t i = static_cast<std::size_t>(hash64(members[m])) & (size - 1);
    while (table[i] != 0 && members[table[i] - 1] != members[m]) i = (i + 1) & (size - 1);
    table[i] = static_cast<std::uint32_t>(m + 1);
  }
}

namespace {

// Levenshtein distance of two short strings, giving up (returning limit + 1) past `limit`.
std::size_t edit_distance(std::string_view a, std::string_view b, std::size_t limit) {
  if (a.size() > b.size()) std::swap(a, b);
  if (b.size() - a.size() > limit) return limit + 1;
  std::vector<std::size_t> row(a.size() + 1);
  for (std::size_t i = 0; i <= a.size(); ++i) row[i] = i;
  for (std::size_t j = 1; j <= b.size(); ++j) {
    std::size_t diagonal = row[0], best = row[0] = j;
    for (std::size_t i = 1; i <= a.size(); ++i) {
      std::size_t up = row[i];
      row[i] = std::min({row[i] + 1, row[i - 1] + 1, diagonal + (a[i - 1] == b[j - 1] ? 0 : 1)});
      diagonal = up;
      best = std::min(best, row[i]);
    }
    if (best > limit) return limit + 1;
  }
  return row[a.size()];
}

}  // namespace

int RowValidator::RefSet::nearest(const std::string& lower) {
  auto cached = nearest_cache.find(lower);
  if (cached != nearest_cache.end()) return cached->second;
  // Short names are too close to each other for a guess: "Ads" is one letter from "Apps".
  const std::size_t limit = lower.size() >= 8 ? 2 : lower.size() >= 4 ? 1 : 0;
  int best = -1;
  std::size_t best_distance = limit + 1;
  bool tie = false;
  if (limit > 0 && lower.size() <= 256) {
    for (const auto& [member_lower, index] : folded) {
      std::size_t d = edit_distance(lower, member_lower, limit);
      if (d < best_distance) {
        best = static_cast<int>(index);
        best_distance = d;
        tie = false;
      } else if (d == best_distance && d <= limit) {
        tie = true;
      }
    }
  }
  if (tie) best = -1;
  if (nearest_cache.size() < 4096) nearest_cache.emplace(lower, best);
  return best;
}

bool RowValidator::RefSet::contains(std::string_view value) const {
  const std::size_t mask = table.size() - 1;
  for (std::size_t i = static_cast<std::size_t>(hash64(value)) & mask; table[i] != 0; i = (i + 1) & mask)
    if (members[table[i] - 1] == value) return true;
  return false;
}

int RowValidator::dynamic_slot(const std::string& key, int pattern) {
  for (std::size_t i = tmpl_.fields.size(); i < slots_.size(); ++i)
    if (slots_[i].key == key) return static_cast<int>(i);
  const Pattern& p = tmpl_.patterns[static_cast<std::size_t>(pattern)];
  Slot s;
  s.key = key;
  s.label = key;
  s.type = p.type;
  s.max_length = p.max_length;
  slots_.push_back(std::move(s));
  return static_cast<int>(slots_.size() - 1);
}

void RowValidator::begin_row() {
  // Nothing of the previous row survives: its views point into bytes that are gone.
  auto clear = [](Slot& s) {
    s.present = s.bad_encoding = s.repeated = false;
    s.problem_code = {};
    s.raw = {};
    s.value = {};
    s.kind = JsonKind::String;
  };
  for (std::size_t i = 0; i < tmpl_.fields.size(); ++i) clear(slots_[i]);
  for (int d : touched_dynamic_) clear(slots_[static_cast<std::size_t>(d)]);
  touched_dynamic_.clear();
}

bool RowValidator::set(int index, int column, std::string_view value, JsonKind kind) {
  Slot& s = slots_[static_cast<std::size_t>(index)];
  if (s.present || s.bad_encoding) return false;
  s.present = true;
  s.raw = value;
  s.kind = kind;
  s.row_column = column;
  if (static_cast<std::size_t>(index) >= tmpl_.fields.size()) touched_dynamic_.push_back(index);
  return true;
}

void RowValidator::set_bad_encoding(int index, int column, std::size_t offset, bool nul) {
  Slot& s = slots_[static_cast<std::size_t>(index)];
  s.bad_encoding = true;
  s.raw = {};
  s.bad_offset = offset;
  s.nul = nul;
  s.row_column = column;
  if (static_cast<std::size_t>(index) >= tmpl_.fields.size()) touched_dynamic_.push_back(index);
}

void RowValidator::set_cell_problem(int index, int column, std::string_view code, std::string message) {
  Slot& s = slots_[static_cast<std::size_t>(index)];
  s.problem_code = code;
  s.problem_message = std::move(message);
  s.raw = {};
  s.row_column = column;
  if (static_cast<std::size_t>(index) >= tmpl_.fields.size()) touched_dynamic_.push_back(index);
}

// RFC 8259's number: -?(0|[1-9][0-9]*)(.[0-9]+)?([eE][+-]?[0-9]+)?
static bool is_json_number(std::string_view v) {
  std::size_t i = 0;
  auto digits = [&] {
    std::size_t from = i;
    while (i < v.size() && v[i] >= '0' && v[i] <= '9') ++i;
    return i > from;
  };
  if (i < v.size() && v[i] == '-') ++i;
  if (i < v.size() && v[i] == '0') ++i;
  else if (!digits()) return false;
  if (i < v.size() && v[i] == '.') {
    ++i;
    if (!digits()) return false;
  }
  if (i < v.size() && (v[i] == 'e' || v[i] == 'E')) {
    ++i;
    if (i < v.size() && (v[i] == '+' || v[i] == '-')) ++i;
    if (!digits()) return false;
  }
  return i == v.size();
}

void RowValidator::edit(int index, int column, std::string_view value) {
  Slot& s = slots_[static_cast<std::size_t>(index)];
  const bool dynamic = static_cast<std::size_t>(index) >= tmpl_.fields.size();
  if (dynamic && std::find(touched_dynamic_.begin(), touched_dynamic_.end(), index) == touched_dynamic_.end())
    touched_dynamic_.push_back(index);
  // The edited value replaces whatever the file gave, a cell's problem included.
  s.bad_encoding = s.repeated = s.nul = false;
  s.problem_code = {};
  s.present = !value.empty();
  s.raw = value;
  s.row_column = column;
  s.kind = JsonKind::String;
  if (json_types_ && s.present) {
    // JSONL: a person types text; a number or boolean typed into a field of that type is one.
    if (s.type == FieldType::Boolean && (value == "true" || value == "false")) s.kind = JsonKind::Boolean;
    else if ((s.type == FieldType::Integer || s.type == FieldType::Number) && is_json_number(value))
      s.kind = JsonKind::Number;
  }
}

int RowValidator::find_slot(std::string_view key) const {
  for (std::size_t i = 0; i < slots_.size(); ++i)
    if (slots_[i].key == key) return static_cast<int>(i);
  return -1;
}

void RowValidator::duplicate_key(int index) { slots_[static_cast<std::size_t>(index)].repeated = true; }

void RowValidator::report(const Slot& s, std::uint64_t row, std::uint64_t line, const std::vector<MappingEntry>& mapping,
                          std::string_view code, std::string message, Severity severity, std::string_view hint) {
  Finding f;
  f.row = row;
  f.line = line;
  int column = s.row_column >= 0 ? s.row_column : s.column;
  if (column >= 0 && static_cast<std::size_t>(column) < mapping.size()) f.column = mapping[static_cast<std::size_t>(column)].column;
  f.field = s.key;
  f.code = code;
  f.severity = severity;
  f.message = std::move(message);
  f.hint = hint;
  f.suggestion = std::move(suggestion_);
  suggestion_.clear();
  out_.emit(std::move(f));
}

bool RowValidator::check(Slot& s, std::uint64_t row, std::uint64_t line, const std::vector<MappingEntry>& mapping) {
  s.valid = true;
  s.value = {};
  auto fail = [&](std::string_view code, std::string message) {
    report(s, row, line, mapping, code, std::move(message));
    s.valid = false;
    return false;
  };
  if (s.repeated) return fail(code::invalid_json, "The key " + quote_value(s.key) + " appears more than once in this record.");
  if (!s.problem_code.empty()) return fail(s.problem_code, s.problem_message);
  if (s.bad_encoding) {
    if (s.nul) return fail(code::invalid_encoding, s.label + " contains a NUL byte, which text never holds; remove it.");
    report(s, row, line, mapping, code::invalid_encoding,
           s.label + " is not valid UTF-8 (the bad byte is byte " + to_decimal(s.bad_offset + 1) +
               " of the value); save the file as UTF-8, or give its encoding.",
           Severity::Error, hint::encoding);
    s.valid = false;
    return false;
  }
  std::string_view text = s.present ? s.raw : std::string_view();
  JsonKind kind = s.present ? s.kind : JsonKind::String;
  bool typed = s.type == FieldType::Boolean || s.type == FieldType::Integer || s.type == FieldType::Number;
  if (kind == JsonKind::Array || kind == JsonKind::Object)
    return fail(code::not_scalar, s.label + " must be a single value, not " + std::string(kind_phrase(kind)) + ".");
  // In JSONL a key that is there must hold a value of its type: null or "" means "no value"
  // only for text fields. (A CSV cell cannot tell empty from absent: there, empty is absent.)
  const bool text_like = s.type == FieldType::String || s.type == FieldType::Scalar;
  if (json_types_ && s.present && !text_like && !s.has_fixed &&
      (kind == JsonKind::Null || (kind == JsonKind::String && trim(text).empty())))
    return fail(type_code(s.type), s.label + " must be " + std::string(type_phrase(s.type)) + ", not " +
                                       (kind == JsonKind::Null ? "null" : "an empty string") +
                                       "; leave the key out when there is no value.");
  if (kind == JsonKind::Null) text = {};
  if (s.present && json_types_ && typed) {
    JsonKind want = s.type == FieldType::Boolean ? JsonKind::Boolean : JsonKind::Number;
    if (kind != want)
      return fail(type_code(s.type), s.label + " must be " + std::string(type_phrase(s.type)) + " (a JSON " +
                                         (want == JsonKind::Boolean ? "boolean" : "number") + "), not " +
                                         std::string(kind_phrase(kind)) + " " + quote_value(text) + ".");
  }
  if (!s.strict) text = trim(text);
  if (text.empty() && s.has_fixed) text = s.fixed;
  s.value = text;
  if (text.empty()) {
    if (!s.required) return true;
    return fail(code::required, s.field && !s.field->required_message.empty()
                                    ? s.field->required_message
                                    : s.label + " is required; this row leaves it empty.");
  }

  const bool need_norm = want_values_ || s.key_part >= 0;
  std::string* norm = need_norm ? &s.norm : nullptr;
  const char* reason = nullptr;
  switch (s.type) {
    case FieldType::String:
      break;
    case FieldType::Scalar:
      break;
    case FieldType::Email:
      reason = checks::email(text, norm);
      if (!reason && norm) s.value = s.norm;
      break;
    case FieldType::Url:
      reason = checks::url(text, norm);
      if (!reason && norm) s.value = s.norm;
      break;
    case FieldType::Boolean: {
      bool b = false;
      reason = checks::boolean(text, &b);
      if (!reason) s.value = b ? "true" : "false";
      break;
    }
    case FieldType::Integer:
      reason = checks::integer(text, nullptr);
      break;
    case FieldType::Number:
      reason = checks::number(text);
      break;
    case FieldType::Date:
      reason = checks::date(text);
      break;
    case FieldType::Locale:
      reason = checks::locale(text);
      break;
    case FieldType::Country:
      if (s.strict || text.size() != 2) {
        reason = checks::country(text);
      } else {
        s.norm.assign({ascii_upper(text[0]), ascii_upper(text[1])});
        reason = checks::country(s.norm);
        if (!reason) s.value = s.norm;
      }
      break;
    case FieldType::Phone:
      reason = checks::phone(text, norm);
      if (!reason && norm) s.value = s.norm;
      break;
    case FieldType::Enum: {
      const auto& values = s.field->values;
      auto exact = std::find(values.begin(), values.end(), text);
      if (exact != values.end()) break;
      if (!s.strict) {
        auto folded = std::find_if(values.begin(), values.end(), [&](const std::string& v) { return iequals(v, text); });
        if (folded != values.end()) {
          s.value = *folded;
          break;
        }
      }
      std::string list;
      for (std::size_t i = 0; i < values.size(); ++i) list += (i ? ", " : "") + values[i];
      return fail(code::invalid_enum, s.label + " " + quote_value(text) + " is not one of: " + list + ".");
    }
    case FieldType::Reference: {
      RefSet& rs = ref_sets_[static_cast<std::size_t>(s.ref_set)];
      // A name that is no member: the finding, with the member it most likely meant.
      auto unknown = [&](std::string_view name) {
        std::string lower;
        append_lower(lower, name);
        auto near = rs.folded.find(lower);
        if (near != rs.folded.end()) {
          suggestion_ = rs.members[near->second];
          return fail(code::unknown_reference, s.label + " " + quote_value(name) + " matches no existing " + s.field->ref +
                                                   " exactly; did you mean " + quote_value(rs.members[near->second]) +
                                                   "? Letter case must match.");
        }
        if (int guess = rs.nearest(lower); guess >= 0) {
          suggestion_ = rs.members[static_cast<std::size_t>(guess)];
          return fail(code::unknown_reference, s.label + " " + quote_value(name) + " matches none of the " +
                                                   to_decimal(rs.members.size()) + " existing " + s.field->ref +
                                                   "; did you mean " + quote_value(suggestion_) + "?");
        }
        return fail(code::unknown_reference, s.label + " " + quote_value(name) + " matches none of the " +
                                                 to_decimal(rs.members.size()) + " existing " + s.field->ref +
                                                 "; create it first, or correct the name.");
      };
      const std::string& separator = s.field->separator;
      if (separator.empty()) {
        if (!rs.contains(text)) return unknown(text);
        break;
      }
      // Several members ("Podcasts|Mass Media"): each checked, each kept once, in their order.
      s.norm.clear();
      for (std::size_t from = 0; from <= text.size();) {
        std::size_t to = text.find(separator, from);
        if (to == std::string_view::npos) to = text.size();
        std::string_view name = s.strict ? text.substr(from, to - from) : trim(text.substr(from, to - from));
        from = to + separator.size();
        if (name.empty()) continue;
        if (!rs.contains(name)) {
          // A single name that contains the separator may be a member itself.
          if (rs.contains(text)) {
            s.norm.assign(text);
            break;
          }
          return unknown(name);
        }
        bool again = false;
        for (std::size_t at = 0; at < s.norm.size() && !again;) {
          std::size_t end = s.norm.find(separator, at);
          if (end == std::string::npos) end = s.norm.size();
          again = std::string_view(s.norm).substr(at, end - at) == name;
          at = end + separator.size();
        }
        if (again) continue;
        if (!s.norm.empty()) s.norm += separator;
        s.norm += name;
      }
      s.value = s.norm;
      if (s.value.empty() && s.required)
        return fail(code::required, s.label + " is required; this row leaves it empty.");
      break;
    }
  }
  if (reason)
    return fail(type_code(s.type),
                s.label + " " + quote_value(text) + " is not " + std::string(type_phrase(s.type)) + ": " + reason + ".");
  if (s.max_length) {
    std::uint64_t length = text.size() <= s.max_length ? text.size() : checks::utf8_length(text);
    if (length > s.max_length)
      return fail(code::too_long, s.label + " is " + to_decimal(length) + " characters long; at most " +
                                      to_decimal(s.max_length) + " are allowed.");
  }
  return true;
}

bool RowValidator::build_key() {
  result_.key.clear();
  for (int k : key_slots_) {
    const Slot& s = slots_[static_cast<std::size_t>(k)];
    if (!s.valid || s.value.empty()) return false;
  }
  key_text_.clear();
  if (key_slots_.size() == 1) {
    const Slot& s = slots_[static_cast<std::size_t>(key_slots_[0])];
    append_key_part(key_text_, s.type, s.value);
    result_.key.push_back(key_text_);
  } else {
    for (std::size_t k = 0; k < key_slots_.size(); ++k) {
      const Slot& s = slots_[static_cast<std::size_t>(key_slots_[k])];
      if (k) key_text_.push_back('\x1f');
      key_parts_[k].clear();
      append_key_part(key_parts_[k], s.type, s.value);
      key_text_.append(key_parts_[k]);
    }
    for (const std::string& part : key_parts_) result_.key.push_back(part);
  }
  key_hash_ = hash64(key_text_);
  // The tables outgrow the cache on big files: start both loads now, use them at the row's end.
  seen_.prefetch(key_hash_);
  existing_.prefetch(key_hash_);
  return true;
}

void RowValidator::finish_row(std::uint64_t row, std::uint64_t line, const std::vector<MappingEntry>& mapping) {
  std::uint64_t errors = 0;
  bool key_ok = false;
  result_.key.clear();
  for (std::size_t i = 0; i < tmpl_.fields.size(); ++i) {
    if (!check(slots_[i], row, line, mapping)) ++errors;
    if (static_cast<int>(i) == last_key_field_) key_ok = build_key();
  }
  std::sort(touched_dynamic_.begin(), touched_dynamic_.end());
  for (int d : touched_dynamic_)
    if (!check(slots_[static_cast<std::size_t>(d)], row, line, mapping)) ++errors;

  result_.row = row;
  result_.line = line;
  bool duplicate = false, exists = false;
  if (key_ok) {
    exists = existing_.contains(key_hash_);
    std::uint64_t first = seen_.insert(key_hash_, row);
    if (first != row) {
      duplicate = true;
      const Slot& s0 = slots_[static_cast<std::size_t>(key_slots_[0])];
      std::string names, values;
      for (std::size_t k = 0; k < key_slots_.size(); ++k) {
        const Slot& s = slots_[static_cast<std::size_t>(key_slots_[k])];
        names += (k ? (k + 1 == key_slots_.size() ? " and " : ", ") : "") + s.label;
        values += (k ? " / " : "") + quote_value(s.value);
      }
      report(s0, row, line, mapping, code::duplicate_in_file,
             names + " " + values + (key_slots_.size() > 1 ? " already appear" : " already appears") + " on row " +
                 to_decimal(first) + "; each may appear only once in a file.");
    }
  }
  for (std::size_t i = 0; i < tmpl_.fields.size(); ++i) {
    Slot& s = slots_[i];
    if (s.unique_table < 0 || !s.valid || s.value.empty()) continue;
    std::string folded;
    append_key_part(folded, s.type, s.value);
    std::uint64_t first = unique_tables_[static_cast<std::size_t>(s.unique_table)].insert(hash64(folded), row);
    if (first != row) {
      report(s, row, line, mapping, code::duplicate_in_file,
             s.label + " " + quote_value(s.value) + " already appears on row " + to_decimal(first) + "; it must be unique.");
      ++errors;
    }
  }

  if (errors) result_.outcome = Outcome::Error;
  else if (duplicate) result_.outcome = Outcome::Duplicate;
  else if (exists) result_.outcome = Outcome::Update;
  else if (tmpl_.match == MatchMode::UpdateOnly && !key_slots_.empty()) {
    const Slot& s0 = slots_[static_cast<std::size_t>(key_slots_[0])];
    report(s0, row, line, mapping, code::not_found,
           s0.label + " " + quote_value(s0.value) + " matches no existing record; this import only changes records that exist.");
    result_.outcome = Outcome::Error;
  } else {
    result_.outcome = Outcome::Create;
  }

  result_.values.clear();
  bool failed = result_.outcome == Outcome::Error || result_.outcome == Outcome::Duplicate;
  if (want_values_ || (want_error_values_ && failed)) {
    auto add = [&](const Slot& s) {
      ResultValue v;
      v.field = s.key;
      v.type = s.type;
      v.present = s.present || (s.has_fixed && !s.value.empty());
      v.valid = s.valid;
      v.value = s.valid ? s.value : trim(s.raw);
      v.json_literal = s.valid && s.present && (s.kind == JsonKind::Number || s.kind == JsonKind::Boolean) &&
                       (s.type == FieldType::Scalar || s.type == FieldType::Number || s.type == FieldType::Integer ||
                        s.type == FieldType::Boolean);
      if (s.bad_encoding || s.kind == JsonKind::Array || s.kind == JsonKind::Object || s.kind == JsonKind::Null) v.value = {};
      result_.values.push_back(v);
    };
    for (std::size_t i = 0; i < tmpl_.fields.size(); ++i) add(slots_[i]);
    for (int d : touched_dynamic_) add(slots_[static_cast<std::size_t>(d)]);
  }
  if (on_outcome) on_outcome(result_);
}

RecordResult& RowValidator::bare_result(std::uint64_t row, std::uint64_t line) {
  result_.row = row;
  result_.line = line;
  result_.outcome = Outcome::Error;
  result_.key.clear();
  result_.values.clear();
  return result_;
}

}  // namespace rowgate::detail

namespace rowgate {

std::string stored_key_part(FieldType type, std::string_view normalised_value) {
  std::string out;
  detail::append_key_part(out, type, normalised_value);
  return out;
}

std::uint64_t key_hash(const Template& tmpl, const std::vector<std::string_view>& parts) {
  std::string text;
  for (std::size_t k = 0; k < parts.size() && k < tmpl.key.size(); ++k) {
    if (k) text.push_back('\x1f');
    detail::append_key_part(text, tmpl.fields[tmpl.key[k]].type, detail::trim(parts[k]));
  }
  return detail::hash64(text);
}

}  // namespace rowgate
