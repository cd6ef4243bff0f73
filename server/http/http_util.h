// What the REST routes share: error answers, JSON bodies, query strings, headers.
#pragma once

#include <pistache/http.h>
#include <pistache/router.h>

#include <nlohmann/json.hpp>

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace rowgate::server::http {

/// An answer other than success, thrown by a route and written by ApiServer::on as
/// {"error": {"code", "message"}} with its status.
struct HttpError {
  Pistache::Http::Code status;
  std::string code;
  std::string message;
  std::int64_t retry_after = 0;  ///< seconds, sent as Retry-After when not 0 (429)
};

[[noreturn]] void fail(Pistache::Http::Code status, std::string code, std::string message);
std::string error_body(const std::string& code, const std::string& message);
void send_json(Pistache::Http::ResponseWriter& response, Pistache::Http::Code status, const std::string& body);
/// Adds a response header of any name (Pistache 0.0.5 does not write "raw" response headers).
void add_header(Pistache::Http::ResponseWriter& response, std::string name, std::string value);

/// True when the text starts or ends with white space.
bool padded(const std::string& s);
/// A query parameter, percent-decoded; empty when absent.
std::string query(const Pistache::Rest::Request& request, const std::string& name);
/// The request's JSON object body ({} when empty); 400 or 413 otherwise.
nlohmann::json parse_body(const Pistache::Rest::Request& request);
/// A string member ("" when absent); 400 when it has another type, or is required and absent.
std::string string_field(const nlohmann::json& doc, const char* key, bool required = false);
/// A member that is a list of strings (empty when absent); 400 otherwise.
std::vector<std::string> string_list(const nlohmann::json& doc, const char* key);
/// The Content-Type for a static file, by its name.
std::string content_type_for(const std::string& path);

}  // namespace rowgate::server::http
