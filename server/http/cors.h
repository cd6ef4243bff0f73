// Cross-origin requests (CORS): each tenant names the browser origins allowed to call the API
// with its key; only those get Access-Control-Allow-Origin. See docs/api.md, "CORS".
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace rowgate::server::http {

/// The origin as browsers send it ("https://shop.example", "http://localhost:8080"), scheme and
/// host lower-cased; nothing when it is not an http(s) origin (a path, "*", "null", spaces...).
std::optional<std::string> canonical_origin(std::string_view origin);

/// The methods and request headers a preflight allows, and how long a browser may cache it.
inline constexpr const char* kCorsMethods = "GET, POST, PUT, DELETE";
inline constexpr const char* kCorsHeaders = "Authorization, Content-Type, Idempotency-Key";
inline constexpr const char* kCorsExposed = "Retry-After, Idempotent-Replayed, Content-Disposition";
inline constexpr const char* kCorsMaxAge = "600";
/// At most this many origins per tenant.
inline constexpr std::size_t kMaxOrigins = 50;

}  // namespace rowgate::server::http
