#include "rowgate/context.h"

#include <nlohmann/json.hpp>

namespace rowgate {

namespace {
using nlohmann::json;

bool scalar_text(const json& v, std::string& out) {
  if (v.is_string()) out = v.get_ref<const std::string&>();
  else if (v.is_number_integer() || v.is_number_unsigned()) out = v.dump();
  else return false;
  return true;
}
}  // namespace

ContextLoad parse_context(std::string_view json_text) {
  ContextLoad load;
  std::size_t first = json_text.find_first_not_of(" \t\r\n");
  if (first == std::string_view::npos) {
    load.ok = true;
    return load;
  }
  json doc = json::parse(json_text.begin(), json_text.end(), nullptr, false);
  if (doc.is_discarded() || !doc.is_object()) {
    load.error = "the context is not a JSON object";
    return load;
  }
  for (const auto& [name, value] : doc.items()) {
    if (name == "sets") {
      if (!value.is_object()) {
        load.error = "\"sets\" must be an object of arrays of strings";
        return load;
      }
      for (const auto& [set_name, members] : value.items()) {
        if (!members.is_array()) {
          load.error = "\"sets." + set_name + "\" must be an array of strings";
          return load;
        }
        std::vector<std::string> items;
        items.reserve(members.size());
        for (const auto& m : members) {
          if (!m.is_string()) {
            load.error = "\"sets." + set_name + "\" must be an array of strings";
            return load;
          }
          items.push_back(m.get<std::string>());
        }
        load.value.sets.emplace_back(set_name, std::move(items));
      }
    } else if (name == "existing") {
      if (!value.is_array()) {
        load.error = "\"existing\" must be an array of keys";
        return load;
      }
      load.value.existing.reserve(value.size());
      for (const auto& k : value) {
        std::vector<std::string> parts;
        std::string text;
        if (k.is_array()) {
          for (const auto& p : k) {
            if (!scalar_text(p, text)) {
              load.error = "\"existing\" keys must be strings or arrays of strings";
              return load;
            }
            parts.push_back(text);
          }
        } else if (scalar_text(k, text)) {
          parts.push_back(std::move(text));
        } else {
          load.error = "\"existing\" keys must be strings or arrays of strings";
          return load;
        }
        load.value.existing.push_back(std::move(parts));
      }
    } else if (name == "fixed") {
      if (!value.is_object()) {
        load.error = "\"fixed\" must be an object of field values";
        return load;
      }
      for (const auto& [field, v] : value.items()) {
        std::string text;
        if (v.is_boolean()) text = v.get<bool>() ? "true" : "false";
        else if (!scalar_text(v, text)) {
          load.error = "\"fixed." + field + "\" must be a string";
          return load;
        }
        load.value.fixed.emplace_back(field, std::move(text));
      }
    } else {
      load.error = "\"" + name + "\" is not a context property (sets, existing, fixed)";
      return load;
    }
  }
  load.ok = true;
  return load;
}

}  // namespace rowgate
