#include "http/cors.h"

#include <cctype>

namespace rowgate::server::http {

std::optional<std::string> canonical_origin(std::string_view origin) {
  if (origin.size() > 255) return std::nullopt;
  std::string out;
  for (char c : origin) out.push_back(static_cast<char>(std::tolower(static_cast<unsigned char>(c))));
  std::size_t host = 0;
  if (out.rfind("https://", 0) == 0) host = 8;
  else if (out.rfind("http://", 0) == 0) host = 7;
  else return std::nullopt;
  std::string_view rest = std::string_view(out).substr(host);
  std::size_t colon = rest.rfind(':');
  bool bracketed = !rest.empty() && rest.front() == '[';
  if (bracketed) colon = rest.find("]:") == std::string_view::npos ? std::string_view::npos : rest.find("]:") + 1;
  std::string_view name = rest.substr(0, colon);
  if (name.empty()) return std::nullopt;
  if (bracketed) {
    if (name.back() != ']' || name.size() < 3) return std::nullopt;
    for (char c : name.substr(1, name.size() - 2))
      if (!std::isxdigit(static_cast<unsigned char>(c)) && c != ':' && c != '.') return std::nullopt;
  } else {
    for (char c : name)
      if (!std::isalnum(static_cast<unsigned char>(c)) && c != '-' && c != '.') return std::nullopt;
    if (name.front() == '.' || name.front() == '-' || name.back() == '.' || name.back() == '-') return std::nullopt;
  }
  if (colon != std::string_view::npos) {
    std::string_view port = rest.substr(colon + 1);
    if (port.empty() || port.size() > 5) return std::nullopt;
    for (char c : port)
      if (!std::isdigit(static_cast<unsigned char>(c))) return std::nullopt;
    if (std::stoi(std::string(port)) > 65535 || port.front() == '0') return std::nullopt;
  }
  return out;
}

}  // namespace rowgate::server::http
