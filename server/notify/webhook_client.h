// A small blocking HTTP/1.1 client for webhooks: one signed JSON POST per connection to an
// http:// URL (no TLS, no redirects), with timeouts; a 2xx answer is a delivery.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace rowgate::server {

/// An http:// URL taken apart.
struct HttpUrl {
  std::string host;  ///< a name or an address; an IPv6 address without its brackets
  std::uint16_t port = 80;
  std::string target = "/";  ///< path and query, as the request line carries it
};

/// Parses "http://host[:port][/path][?query]"; false with the reason in `error` otherwise.
bool parse_http_url(std::string_view url, HttpUrl* out, std::string* error);

/// One webhook call.
struct WebhookRequest {
  std::string url;
  std::string body;                    ///< the JSON document, sent as is
  std::string event;                   ///< X-Rowgate-Event
  std::string signature;               ///< X-Rowgate-Signature: "sha256=" + hex HMAC of `body`
  std::string delivery_id;             ///< X-Rowgate-Delivery: the outbox item's id
  int timeout_milliseconds = 10000;    ///< for connecting and for each read or write
  bool allow_internal = false;         ///< may the URL reach loopback and private addresses?
};

/// POSTs `request`; true when the receiver answers 2xx, else false with the reason in `error`.
bool post_webhook(const WebhookRequest& request, std::string* error);

}  // namespace rowgate::server
