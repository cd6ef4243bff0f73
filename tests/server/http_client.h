// A small blocking HTTP/1.1 client for the server tests: one request per connection, bodies
// read by Content-Length or chunked transfer encoding. Loopback only.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <utility>
#include <vector>

namespace rowgate::testing {

struct HttpResponse {
  int status = 0;
  std::map<std::string, std::string> headers;  ///< names in lower case
  std::string body;
};

using HttpHeaders = std::vector<std::pair<std::string, std::string>>;

/// Sends one request to 127.0.0.1:port; status 0 with the reason in body if the connection failed.
HttpResponse http(std::uint16_t port, const std::string& method, const std::string& target, const HttpHeaders& headers = {},
                  const std::string& body = "");

}  // namespace rowgate::testing
