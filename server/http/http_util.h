// What the REST routes share: error answers, JSON bodies, query strings, headers.
#pragma once

#include <pistache/http.h>
#include <pistache/router.h>

#include <nlohmann/json.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace rowgate::server::http {

/// An answer other than success: what a route returns instead of answering, written by
/// ApiServer::on as {"error": {"code", "message"}} with its status. Routes return errors; no
/// exception carries them.
struct ApiError {
  Pistache::Http::Code status;
  std::string code;
  std::string message;
  std::int64_t retry_after = 0;  ///< seconds, sent as Retry-After when not 0 (429)
};

/// What a route (or a step of one) returns: nothing when it went on or answered, else the error
/// to answer.
using RouteError = std::optional<ApiError>;

/// The error answer `status` with its stable `code` and a sentence.
inline ApiError refuse(Pistache::Http::Code status, std::string code, std::string message) {
  return ApiError{status, std::move(code), std::move(message)};
}

std::string error_body(const std::string& code, const std::string& message);
void send_json(Pistache::Http::ResponseWriter& response, Pistache::Http::Code status, const std::string& body);
/// Adds a response header of any name (Pistache 0.0.5 does not write "raw" response headers).
void add_header(Pistache::Http::ResponseWriter& response, std::string name, std::string value);

/// True when the text starts or ends with white space.
bool padded(const std::string& s);
/// A query parameter, percent-decoded; empty when absent.
std::string query(const Pistache::Rest::Request& request, const std::string& name);
/// The request's JSON object body into `out` ({} when empty); 400 or 413 otherwise.
RouteError parse_body(const Pistache::Rest::Request& request, nlohmann::json* out);
/// A string member into `out` ("" when absent); 400 when it has another type, or is required
/// and absent.
RouteError string_field(const nlohmann::json& doc, const char* key, std::string* out, bool required = false);
/// A member that is a list of strings into `out` (empty when absent); 400 otherwise.
RouteError string_list(const nlohmann::json& doc, const char* key, std::vector<std::string>* out);
/// The Content-Type for a static file, by its name.
std::string content_type_for(const std::string& path);

}  // namespace rowgate::server::http
