// Import templates: which fields a file may carry and the rules each must satisfy.
// The format is documented in docs/templates.md; built-ins live in core/templates/.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "rowgate/status.h"

namespace rowgate {

enum class FieldType {
  String, Email, Url, Boolean, Integer, Number, Date, Locale, Country, Phone, Enum, Reference, Scalar
};

/// The template name of a type ("email"), as templates spell it.
std::string_view field_type_name(FieldType type);

enum class UnknownColumns { Ignore, Warn, Error };

/// Whether rows create records, or only update records that exist already.
enum class MatchMode { CreateOrUpdate, UpdateOnly };

struct Field {
  std::string key;                   ///< stable identifier, e.g. "Contact Email" or "accountId"
  std::string label;                 ///< what a person sees; defaults to the key
  std::vector<std::string> aliases;  ///< other headers that mean this field
  FieldType type = FieldType::String;
  bool required = false;
  bool unique = false;
  bool fixed = false;                ///< importers offer to give it once for the whole file (context "fixed")
  bool strict = false;               ///< value must already be canonical: no trimming or case-folding
  std::uint64_t max_length = 0;      ///< in characters; 0 means no limit
  std::vector<std::string> values;   ///< the allowed values of an enum
  std::string ref;                   ///< the context set a reference must name a member of
  /// A reference that may name several members, joined by this text ("|": "Podcasts|Mass Media",
  /// as My Partners' export writes groups); empty: one member. Each is checked; the value is
  /// stored with each once, in the order given.
  std::string separator;
  std::string required_message;      ///< replaces the default sentence of a `required` finding
};

/// Dynamic columns such as "customFields.{name}": any column whose name has the prefix
/// becomes a field of the pattern's type, keyed by the full column name.
struct Pattern {
  std::string pattern;   ///< as written, e.g. "customFields.{name}"
  std::string prefix;    ///< the text before the placeholder, e.g. "customFields."
  FieldType type = FieldType::Scalar;
  std::uint64_t max_length = 0;
};

/// How a template's records are stored (its `store` section). The core only reads it; the
/// server's store follows it, so that the store knows no template by name.
struct StoreBinding {
  std::string family;  ///< the record family, such as "partners"; empty: the template's name
  std::string key;     ///< the column that holds and finds the record's key; empty: the family's own
  /// Field key -> column.
  std::vector<std::pair<std::string, std::string>> columns;
  /// Segments (Advocate's): the field naming a segment the record joins, or leaves when the
  /// action field says "remove"; empty when the family has none.
  std::string segment_field;
  std::string segment_action_field;
};

struct Template {
  std::string name;
  std::string title;
  std::vector<std::uint32_t> key;  ///< indices into fields, in key order
  bool header_case_sensitive = false;
  UnknownColumns unknown_columns = UnknownColumns::Warn;
  MatchMode match = MatchMode::CreateOrUpdate;
  std::vector<Field> fields;
  std::vector<Pattern> patterns;
  StoreBinding store;

  /// Index of the field with this key, or -1.
  int find_field(std::string_view key) const;
};

/// A key field's normalised value as record keys hold it (the form of RecordResult::key, and
/// what key_hash() hashes): an e-mail address lower-cased, any other type as it is.
std::string stored_key_part(FieldType type, std::string_view normalised_value);

/// Result of loading a template: either `ok` with the template, or a message that names the
/// bad key (reported as an `invalid_template` finding).
struct TemplateLoad {
  bool ok = false;
  Template value;
  std::string error;
  /// The Status of the load: code::invalid_template with `error` when not ok.
  Status status() const { return ok ? Status{} : Status::failure(code::invalid_template, error); }
};

/// Parses a template from JSON text. A template may say `"extends": "NAME"` to start from a
/// built-in and add fields or tighten existing ones (acceptance criteria). Never throws.
TemplateLoad parse_template(std::string_view json_text);

/// Loads a built-in template by name ("prospects", "participants", "leads", "partners_update").
TemplateLoad builtin_template(std::string_view name);

struct BuiltinTemplate {
  std::string_view name;
  std::string_view json;
};

/// The built-in templates' JSON text, compiled in from core/templates/.
const std::vector<BuiltinTemplate>& builtin_templates();

}  // namespace rowgate
