// A small blocking SMTP client for the local relay: one message per connection, plain SMTP
// (no TLS, no AUTH), every reply code checked, timeouts on every socket operation.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace rowgate::server {

/// Where the relay listens and how long to wait for it.
struct SmtpServer {
  std::string host = "127.0.0.1";
  std::uint16_t port = 25;
  std::string helo_name = "localhost";  ///< the name this client gives in EHLO/HELO
  int timeout_milliseconds = 10000;     ///< for connecting and for each read or write
};

/// Sends `message` (RFC 5322 text) from `from` to `to`; false with the reason in `error`.
bool send_mail(const SmtpServer& server, std::string_view from, std::string_view to, std::string_view message,
               std::string* error);

/// `message` with CRLF line ends and dot-stuffing, ending in CRLF: what goes between DATA and ".".
std::string smtp_data_block(std::string_view message);

/// True for a plain address (local@domain) that is safe in an SMTP command and a mail header.
bool valid_mail_address(std::string_view address);

}  // namespace rowgate::server
