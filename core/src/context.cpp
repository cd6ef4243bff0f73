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
constexpr char kBase64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

int base64_value(char c) {
  if (c >= 'A' && c <= 'Z') return c - 'A';
  if (c >= 'a' && c <= 'z') return c - 'a' + 26;
  if (c >= '0' && c <= '9') return c - '0' + 52;
  if (c == '+') return 62;
  if (c == '/') return 63;
  return -1;
}

bool decode_key_hashes(const std::string& text, std::vector<std::uint64_t>* out) {
  if (text.size() % 4 != 0) return false;
  std::string bytes;
  bytes.reserve(text.size() / 4 * 3);
  for (std::size_t i = 0; i < text.size(); i += 4) {
    int v[4];
    int pad = 0;
    for (int k = 0; k < 4; ++k) {
      char c = text[i + static_cast<std::size_t>(k)];
      if (c == '=' && i + 4 == text.size() && k >= 2) {
        v[k] = 0;
        ++pad;
      } else if (pad || (v[k] = base64_value(c)) < 0) {
        return false;
      }
    }
    std::uint32_t n = (static_cast<std::uint32_t>(v[0]) << 18) | (static_cast<std::uint32_t>(v[1]) << 12) |
                      (static_cast<std::uint32_t>(v[2]) << 6) | static_cast<std::uint32_t>(v[3]);
    bytes.push_back(static_cast<char>(n >> 16));
    if (pad < 2) bytes.push_back(static_cast<char>((n >> 8) & 0xFF));
    if (pad < 1) bytes.push_back(static_cast<char>(n & 0xFF));
  }
  if (bytes.size() % 8 != 0) return false;
  out->reserve(out->size() + bytes.size() / 8);
  for (std::size_t i = 0; i < bytes.size(); i += 8) {
    std::uint64_t h = 0;
    for (int k = 7; k >= 0; --k) h = (h << 8) | static_cast<unsigned char>(bytes[i + static_cast<std::size_t>(k)]);
    out->push_back(h);
  }
  return true;
}

}  // namespace

std::string encode_key_hashes(const std::vector<std::uint64_t>& hashes) {
  std::string out;
  out.reserve((hashes.size() * 8 + 2) / 3 * 4);
  std::uint32_t acc = 0;
  int bits = 0;
  auto put = [&](unsigned char byte) {
    acc = (acc << 8) | byte;
    bits += 8;
    while (bits >= 6) {
      bits -= 6;
      out.push_back(kBase64[(acc >> bits) & 63]);
    }
  };
  for (std::uint64_t h : hashes)
    for (int k = 0; k < 8; ++k) put(static_cast<unsigned char>(h >> (8 * k)));
  if (bits > 0) out.push_back(kBase64[(acc << (6 - bits)) & 63]);
  while (out.size() % 4) out.push_back('=');
  return out;
}

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
    } else if (name == "existing_hash64") {
      if (!value.is_string() || !decode_key_hashes(value.get_ref<const std::string&>(), &load.value.existing_hashes)) {
        load.error = "\"existing_hash64\" must be base64 of 8-byte key hashes";
        return load;
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
