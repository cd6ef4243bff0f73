#include "notify/tcp_connection.h"
#include "notify/webhook_client.h"

#include <sys/socket.h>

#include <cerrno>
#include <charconv>
#include <chrono>

namespace rowgate::server {
namespace {

using Clock = std::chrono::steady_clock;

// A whole call may take this many single-operation timeouts: a receiver that answers one byte
// at a time just under the timeout cannot hold the delivery thread for ever.
constexpr int kCallTimeouts = 6;
constexpr std::size_t kMaxResponseHead = 16 * 1024;

bool starts_with_ci(std::string_view text, std::string_view prefix) {
  if (text.size() < prefix.size()) return false;
  for (std::size_t i = 0; i < prefix.size(); ++i) {
    char c = text[i];
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c + 32);
    if (c != prefix[i]) return false;
  }
  return true;
}

bool host_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '.' ||
         c == '_';
}

}  // namespace

bool parse_http_url(std::string_view url, HttpUrl* out, std::string* error) {
  for (unsigned char c : url) {
    if (c <= 0x20 || c == 0x7f) {  // would break (or inject into) the request line
      *error = "the URL contains a space or a control character";
      return false;
    }
  }
  if (starts_with_ci(url, "https://")) {
    *error = "https:// URLs are not supported (plain http:// only)";
    return false;
  }
  if (!starts_with_ci(url, "http://")) {
    *error = "the URL does not start with http://";
    return false;
  }
  std::string_view rest = url.substr(7);
  std::size_t authority_end = rest.find_first_of("/?#");
  std::string_view authority = rest.substr(0, authority_end);
  std::string_view after = authority_end == std::string_view::npos ? std::string_view() : rest.substr(authority_end);
  if (authority.find('@') != std::string_view::npos) {
    *error = "the URL carries credentials (user@host), which are not supported";
    return false;
  }
  HttpUrl parsed;
  std::string_view port_text;
  if (!authority.empty() && authority.front() == '[') {
    std::size_t close = authority.find(']');
    if (close == std::string_view::npos) {
      *error = "the URL's IPv6 address lacks its closing ']'";
      return false;
    }
    parsed.host = std::string(authority.substr(1, close - 1));
    std::string_view tail = authority.substr(close + 1);
    if (!tail.empty() && tail.front() != ':') {
      *error = "the URL has text after its IPv6 address";
      return false;
    }
    if (!tail.empty()) port_text = tail.substr(1);
    for (char c : parsed.host) {
      if (!host_char(c) && c != ':') {
        *error = "the URL's IPv6 address is malformed";
        return false;
      }
    }
  } else {
    std::size_t colon = authority.find(':');
    parsed.host = std::string(authority.substr(0, colon));
    if (colon != std::string_view::npos) port_text = authority.substr(colon + 1);
    for (char c : parsed.host) {
      if (!host_char(c)) {
        *error = "the URL's host name is malformed";
        return false;
      }
    }
  }
  if (parsed.host.empty()) {
    *error = "the URL has no host";
    return false;
  }
  if (!port_text.empty() || authority.back() == ':') {
    unsigned port = 0;
    auto [end, ec] = std::from_chars(port_text.data(), port_text.data() + port_text.size(), port);
    if (port_text.empty() || ec != std::errc() || end != port_text.data() + port_text.size() || port == 0 ||
        port > 65535) {
      *error = "the URL's port is not a number from 1 to 65535";
      return false;
    }
    parsed.port = static_cast<std::uint16_t>(port);
  }
  after = after.substr(0, after.find('#'));  // a fragment never goes to the server
  parsed.target = after.empty() || after.front() == '?' ? "/" + std::string(after) : std::string(after);
  *out = std::move(parsed);
  return true;
}

bool post_webhook(const WebhookRequest& request, std::string* error) {
  HttpUrl url;
  std::string why;
  if (!parse_http_url(request.url, &url, &why)) {
    *error = "webhook: " + why;
    return false;
  }
  const bool v6 = url.host.find(':') != std::string::npos;
  std::string host_header = v6 ? "[" + url.host + "]" : url.host;
  if (url.port != 80) host_header += ":" + std::to_string(url.port);
  const std::string where = "webhook " + host_header + ": ";

  Socket socket;
  if (!connect_tcp(url.host, url.port, request.timeout_milliseconds, &socket, &why,
                   request.allow_internal ? Reach::Any : Reach::PublicOnly)) {
    *error = "webhook: " + why;
    return false;
  }
  std::string message = "POST " + url.target + " HTTP/1.1\r\n";
  message += "Host: " + host_header + "\r\n";
  message += "User-Agent: Rowgate-Notifier/1\r\n";
  message += "Content-Type: application/json\r\n";
  message += "X-Rowgate-Event: " + request.event + "\r\n";
  message += "X-Rowgate-Signature: " + request.signature + "\r\n";
  message += "X-Rowgate-Delivery: " + request.delivery_id + "\r\n";
  message += "Content-Length: " + std::to_string(request.body.size()) + "\r\n";
  message += "Connection: close\r\n\r\n";
  message += request.body;

  const auto deadline = Clock::now() + std::chrono::milliseconds(request.timeout_milliseconds) * kCallTimeouts;
  const std::string timed_out = "timed out after " + std::to_string(request.timeout_milliseconds) + " ms";
  std::size_t sent = 0;
  while (sent < message.size()) {
    if (Clock::now() > deadline) {
      *error = where + "the call took too long";
      return false;
    }
    ssize_t n = ::send(socket.fd(), message.data() + sent, message.size() - sent, MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      *error = where + (errno == EAGAIN || errno == EWOULDBLOCK ? timed_out + " sending"
                                                                : "sending failed: " + errno_text(errno));
      return false;
    }
    sent += static_cast<std::size_t>(n);
  }

  // Only the status line matters; the head is read up to its end (or the first 16 KiB).
  std::string head;
  while (head.find("\r\n") == std::string::npos) {
    if (head.size() > kMaxResponseHead) break;
    if (Clock::now() > deadline) {
      *error = where + "the call took too long";
      return false;
    }
    char chunk[2048];
    ssize_t n = ::recv(socket.fd(), chunk, sizeof chunk, 0);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      *error = where + (errno == EAGAIN || errno == EWOULDBLOCK ? timed_out + " waiting for the answer"
                                                                : "reading the answer failed: " + errno_text(errno));
      return false;
    }
    if (n == 0) break;
    head.append(chunk, static_cast<std::size_t>(n));
  }
  std::string_view status_line(head);
  status_line = status_line.substr(0, status_line.find("\r\n"));
  if (head.empty()) {
    *error = where + "the connection closed without an answer";
    return false;
  }
  // "HTTP/1.1 204 No Content"
  if (!starts_with_ci(status_line, "http/1.") || status_line.size() < 12 || status_line[8] != ' ') {
    *error = where + "not an HTTP answer: \"" + printable(status_line) + "\"";
    return false;
  }
  int status = 0;
  auto [end, ec] = std::from_chars(status_line.data() + 9, status_line.data() + 12, status);
  if (ec != std::errc() || end != status_line.data() + 12) {
    *error = where + "not an HTTP status: \"" + printable(status_line) + "\"";
    return false;
  }
  if (status < 200 || status > 299) {
    *error = where + "answered " + printable(status_line.substr(9));
    return false;
  }
  return true;
}

}  // namespace rowgate::server
