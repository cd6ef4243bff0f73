#include "rowgate/template.h"

#include <nlohmann/json.hpp>

#include <set>

#include "text.h"

namespace rowgate {
namespace {

using nlohmann::json;

struct TypeName {
  std::string_view name;
  FieldType type;
};
constexpr TypeName kTypes[] = {
    {"string", FieldType::String},   {"email", FieldType::Email},     {"url", FieldType::Url},
    {"boolean", FieldType::Boolean}, {"integer", FieldType::Integer}, {"number", FieldType::Number},
    {"date", FieldType::Date},       {"locale", FieldType::Locale},   {"country", FieldType::Country},
    {"phone", FieldType::Phone},     {"enum", FieldType::Enum},       {"reference", FieldType::Reference},
    {"scalar", FieldType::Scalar},
};

bool parse_type(std::string_view name, FieldType* out) {
  for (const auto& t : kTypes)
    if (t.name == name) {
      *out = t.type;
      return true;
    }
  return false;
}

// Reads a template JSON object into `t`. Every error names the key it is about, as a path
// such as `fields[2].type`. With `overlay`, fields whose key exists already are amended.
class Reader {
 public:
  std::string error;

  bool read(const json& doc, Template& t, bool overlay) {
    if (!doc.is_object()) return fail("", "the template must be a JSON object");
    for (const auto& [name, value] : doc.items()) {
      if (name == "name") {
        if (!string_of(value, "name", t.name)) return false;
      } else if (name == "title") {
        if (!string_of(value, "title", t.title)) return false;
      } else if (name == "extends") {
        // handled by parse_template
      } else if (name == "key") {
        // resolved after the fields are known
      } else if (name == "header_case") {
        std::string v;
        if (!string_of(value, "header_case", v)) return false;
        if (v == "sensitive") t.header_case_sensitive = true;
        else if (v == "insensitive") t.header_case_sensitive = false;
        else return fail("header_case", "must be \"sensitive\" or \"insensitive\"");
      } else if (name == "unknown_columns") {
        std::string v;
        if (!string_of(value, "unknown_columns", v)) return false;
        if (v == "ignore") t.unknown_columns = UnknownColumns::Ignore;
        else if (v == "warn") t.unknown_columns = UnknownColumns::Warn;
        else if (v == "error") t.unknown_columns = UnknownColumns::Error;
        else return fail("unknown_columns", "must be \"ignore\", \"warn\" or \"error\"");
      } else if (name == "match") {
        std::string v;
        if (!string_of(value, "match", v)) return false;
        if (v == "create_or_update") t.match = MatchMode::CreateOrUpdate;
        else if (v == "update_only") t.match = MatchMode::UpdateOnly;
        else return fail("match", "must be \"create_or_update\" or \"update_only\"");
      } else if (name == "fields") {
        if (!value.is_array()) return fail("fields", "must be an array of field objects");
        for (std::size_t i = 0; i < value.size(); ++i)
          if (!read_field(value[i], "fields[" + std::to_string(i) + "]", t, overlay)) return false;
      } else if (name == "patterns") {
        if (!value.is_array()) return fail("patterns", "must be an array of pattern objects");
        for (std::size_t i = 0; i < value.size(); ++i)
          if (!read_pattern(value[i], "patterns[" + std::to_string(i) + "]", t)) return false;
      } else if (name == "store") {
        if (!read_store(value, t)) return false;
      } else if (name == "description" || name == "$comment") {
        // free text for people
      } else {
        return fail(name, "is not a template property");
      }
    }
    if (doc.contains("key")) {
      const json& key = doc["key"];
      t.key.clear();
      if (key.is_string()) {
        if (!key_part(key.get_ref<const std::string&>(), "key", t)) return false;
      } else if (key.is_array() && !key.empty()) {
        for (std::size_t i = 0; i < key.size(); ++i) {
          std::string path = "key[" + std::to_string(i) + "]";
          if (!key[i].is_string()) return fail(path, "must be a field key");
          if (!key_part(key[i].get_ref<const std::string&>(), path, t)) return false;
        }
      } else {
        return fail("key", "must be a field key or a non-empty array of field keys");
      }
    }
    return true;
  }

  bool check_complete(const Template& t) {
    if (t.name.empty()) return fail("name", "is required");
    if (t.fields.empty() && t.patterns.empty()) return fail("fields", "must name at least one field");
    if (t.match == MatchMode::UpdateOnly && t.key.empty())
      return fail("key", "is required when match is \"update_only\"");
    for (const auto& [field, column] : t.store.columns)
      if (t.find_field(field) < 0)
        return fail("store.columns", "names \"" + field + "\", which is not a field of the template");
    for (const std::string* field : {&t.store.segment_field, &t.store.segment_action_field})
      if (!field->empty() && t.find_field(*field) < 0)
        return fail("store.segment", "names \"" + *field + "\", which is not a field of the template");
    return true;
  }

 private:
  std::set<std::string> listed_;  // field keys this document lists, to catch one listed twice

  bool fail(std::string_view path, std::string_view what) {
    error = path.empty() ? std::string(what) : "\"" + std::string(path) + "\" " + std::string(what);
    return false;
  }

  bool string_of(const json& v, std::string_view path, std::string& out) {
    if (!v.is_string()) return fail(path, "must be a string");
    out = v.get_ref<const std::string&>();
    return true;
  }

  bool key_part(const std::string& name, std::string_view path, Template& t) {
    int idx = t.find_field(name);
    if (idx < 0) return fail(path, "names \"" + name + "\", which is not a field of the template");
    t.key.push_back(static_cast<std::uint32_t>(idx));
    return true;
  }

  // {"family": "partners", "key": "email_key", "columns": {"Contact Email": "email", ...}}
  bool read_store(const json& v, Template& t) {
    if (!v.is_object()) return fail("store", "must be an object (family, key, columns, segment)");
    StoreBinding b;
    for (const auto& [name, value] : v.items()) {
      std::string p = "store." + name;
      if (name == "family") {
        if (!string_of(value, p, b.family)) return false;
      } else if (name == "key") {
        if (!string_of(value, p, b.key)) return false;
      } else if (name == "columns") {
        if (!value.is_object()) return fail(p, "must be an object of field: column");
        for (const auto& [field, column] : value.items()) {
          if (!column.is_string() || column.get_ref<const std::string&>().empty())
            return fail(p + "." + field, "must be a column name");
          b.columns.emplace_back(field, column.get<std::string>());
        }
      } else if (name == "segment") {
        // {"field": "segment", "action": "segment_action"}
        if (!value.is_object()) return fail(p, "must be an object (field, action)");
        for (const auto& [part, text] : value.items()) {
          std::string* into = part == "field" ? &b.segment_field : part == "action" ? &b.segment_action_field : nullptr;
          if (!into) return fail(p + "." + part, "is not a segment property (field, action)");
          if (!string_of(text, p + "." + part, *into)) return false;
        }
        if (b.segment_field.empty()) return fail(p + ".field", "is required");
      } else {
        return fail(p, "is not a store property");
      }
    }
    if (b.family.empty()) return fail("store.family", "is required");
    t.store = std::move(b);
    return true;
  }

  bool read_length(const json& v, std::string_view path, std::uint64_t& out) {
    if (!v.is_number_integer() || v.get<std::int64_t>() < 1)
      return fail(path, "must be a positive integer");
    out = v.get<std::uint64_t>();
    return true;
  }

  bool read_field(const json& f, const std::string& path, Template& t, bool overlay) {
    if (!f.is_object()) return fail(path, "must be a field object");
    if (!f.contains("key") || !f["key"].is_string() || f["key"].get_ref<const std::string&>().empty())
      return fail(path + ".key", "is required and must be a non-empty string");
    const std::string& key = f["key"].get_ref<const std::string&>();
    int existing = t.find_field(key);
    if ((existing >= 0 && !overlay) || !listed_.insert(key).second)
      return fail(path + ".key", "repeats the field \"" + key + "\"");
    Field fresh;
    fresh.key = key;
    Field& field = existing >= 0 ? t.fields[static_cast<std::size_t>(existing)] : fresh;
    for (const auto& [name, value] : f.items()) {
      std::string p = path + "." + name;
      if (name == "key") continue;
      if (name == "label") {
        if (!string_of(value, p, field.label)) return false;
      } else if (name == "aliases") {
        if (!value.is_array()) return fail(p, "must be an array of strings");
        field.aliases.clear();
        for (const auto& a : value) {
          if (!a.is_string()) return fail(p, "must be an array of strings");
          field.aliases.push_back(a.get<std::string>());
        }
      } else if (name == "type") {
        std::string type;
        if (!string_of(value, p, type)) return false;
        if (!parse_type(type, &field.type)) return fail(p, "is \"" + type + "\", which is not a type");
      } else if (name == "required" || name == "unique" || name == "strict" || name == "fixed") {
        if (!value.is_boolean()) return fail(p, "must be true or false");
        bool b = value.get<bool>();
        if (name == "required") field.required = b;
        else if (name == "unique") field.unique = b;
        else if (name == "strict") field.strict = b;
        else field.fixed = b;
      } else if (name == "max_length") {
        if (!read_length(value, p, field.max_length)) return false;
      } else if (name == "values") {
        if (!value.is_array() || value.empty()) return fail(p, "must be a non-empty array of strings");
        field.values.clear();
        for (const auto& a : value) {
          if (!a.is_string()) return fail(p, "must be a non-empty array of strings");
          field.values.push_back(a.get<std::string>());
        }
      } else if (name == "ref") {
        if (!string_of(value, p, field.ref)) return false;
      } else if (name == "separator") {
        if (!string_of(value, p, field.separator)) return false;
        if (field.separator.empty() || field.separator.size() > 4) return fail(p, "must be 1 to 4 characters");
      } else if (name == "required_message") {
        if (!string_of(value, p, field.required_message)) return false;
      } else if (name == "description") {
        // free text for people
      } else {
        return fail(p, "is not a field property");
      }
    }
    if (field.label.empty()) field.label = field.key;
    if (field.type == FieldType::Enum && field.values.empty())
      return fail(path + ".values", "is required for an enum field");
    if (field.type == FieldType::Reference && field.ref.empty())
      return fail(path + ".ref", "is required for a reference field");
    if (!field.separator.empty() && field.type != FieldType::Reference)
      return fail(path + ".separator", "is for a reference field (one that names members of a set)");
    if (existing < 0) t.fields.push_back(std::move(fresh));
    return true;
  }

  bool read_pattern(const json& p, const std::string& path, Template& t) {
    if (!p.is_object()) return fail(path, "must be a pattern object");
    Pattern pat;
    for (const auto& [name, value] : p.items()) {
      std::string at = path + "." + name;
      if (name == "pattern") {
        if (!string_of(value, at, pat.pattern)) return false;
      } else if (name == "type") {
        std::string type;
        if (!string_of(value, at, type)) return false;
        if (!parse_type(type, &pat.type)) return fail(at, "is \"" + type + "\", which is not a type");
        if (pat.type == FieldType::Enum || pat.type == FieldType::Reference)
          return fail(at, "cannot be enum or reference in a pattern");
      } else if (name == "max_length") {
        if (!read_length(value, at, pat.max_length)) return false;
      } else if (name == "description") {
      } else {
        return fail(at, "is not a pattern property");
      }
    }
    std::size_t open = pat.pattern.find('{');
    if (open == std::string::npos || open == 0 || pat.pattern.back() != '}' ||
        pat.pattern.find('{', open + 1) != std::string::npos)
      return fail(path + ".pattern", "must be a prefix followed by one {placeholder}, like \"customFields.{name}\"");
    pat.prefix = pat.pattern.substr(0, open);
    t.patterns.push_back(std::move(pat));
    return true;
  }
};

}  // namespace

std::string_view field_type_name(FieldType type) {
  for (const auto& t : kTypes)
    if (t.type == type) return t.name;
  return "string";
}

int Template::find_field(std::string_view key) const {
  for (std::size_t i = 0; i < fields.size(); ++i)
    if (fields[i].key == key) return static_cast<int>(i);
  return -1;
}

TemplateLoad parse_template(std::string_view json_text) {
  TemplateLoad load;
  json doc = json::parse(json_text.begin(), json_text.end(), nullptr, false);
  if (doc.is_discarded()) {
    load.error = "the template is not valid JSON";
    return load;
  }
  Reader reader;
  bool overlay = false;
  if (doc.is_object() && doc.contains("extends")) {
    if (!doc["extends"].is_string()) {
      load.error = "\"extends\" must name a built-in template";
      return load;
    }
    const std::string& base = doc["extends"].get_ref<const std::string&>();
    TemplateLoad parent = builtin_template(base);
    if (!parent.ok) {
      load.error = "\"extends\" names \"" + base + "\", which is not a built-in template";
      return load;
    }
    load.value = std::move(parent.value);
    overlay = true;
  }
  if (!reader.read(doc, load.value, overlay) || !reader.check_complete(load.value)) {
    load.error = reader.error;
    return load;
  }
  load.ok = true;
  return load;
}

TemplateLoad builtin_template(std::string_view name) {
  for (const auto& b : builtin_templates())
    if (b.name == name) return parse_template(b.json);
  TemplateLoad load;
  load.error = "there is no built-in template \"" + std::string(name) + "\"";
  return load;
}

}  // namespace rowgate
