#include <nlohmann/json.hpp>

#include "rowgate/session.h"

namespace rowgate {

Status parse_options_json(std::string_view json_text, Options* out) {
  using nlohmann::json;
  if (json_text.find_first_not_of(" \t\r\n") == std::string_view::npos) return {};
  json doc = json::parse(json_text.begin(), json_text.end(), nullptr, false);
  if (doc.is_discarded() || !doc.is_object()) return Status::failure(code::invalid_options, "the options are not a JSON object");
  Options& o = *out;
  for (const auto& item : doc.items()) {
    // Not a structured binding: clang 14 (Debian's Emscripten) cannot capture one in a lambda.
    const std::string& name = item.key();
    const json& value = item.value();
    auto text = [&]() -> const std::string* { return value.is_string() ? &value.get_ref<const std::string&>() : nullptr; };
    if (name == "format") {
      if (!text() || !parse_format(*text(), &o.format)) return Status::failure(code::invalid_options, "\"format\" must be auto, csv, jsonl or xlsx");
    } else if (name == "encoding") {
      if (!text() || !parse_encoding(*text(), &o.encoding))
        return Status::failure(code::invalid_options, "\"encoding\" must be auto, utf-8, utf-16le, utf-16be or windows-1252");
    } else if (name == "delimiter") {
      const std::string* d = text();
      if (!d || !(d->empty() || *d == "," || *d == ";" || *d == "|" || *d == "\t" || *d == "tab"))
        return Status::failure(code::invalid_options, "\"delimiter\" must be one of , ; tab | (or empty to sniff)");
      o.delimiter = d->empty() ? 0 : (*d == "tab" ? '\t' : (*d)[0]);
    } else if (name == "no_header") {
      if (!value.is_boolean()) return Status::failure(code::invalid_options, "\"no_header\" must be true or false");
      o.no_header = value.get<bool>();
    } else if (name == "map") {
      if (!value.is_object()) return Status::failure(code::invalid_mapping, "\"map\" must be an object of header: field");
      o.map.clear();
      for (const auto& [header, field] : value.items()) {
        if (!field.is_string()) return Status::failure(code::invalid_mapping, "\"map\" values must be field keys (or \"\" to ignore)");
        o.map.emplace_back(header, field.get<std::string>());
      }
    } else if (name == "sheet") {
      // A name, or a 1-based position (as a number or as text).
      if (value.is_number_unsigned() && value.get<std::uint64_t>() >= 1) o.sheet = std::to_string(value.get<std::uint64_t>());
      else if (text()) o.sheet = *text();
      else return Status::failure(code::invalid_options, "\"sheet\" must be a sheet's name or its position from 1");
    } else {
      return Status::failure(code::invalid_options,
                             "\"" + name + "\" is not an option (format, encoding, delimiter, no_header, map, sheet)");
    }
  }
  return {};
}

}  // namespace rowgate
