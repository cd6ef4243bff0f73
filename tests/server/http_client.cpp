#include "http_client.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <cctype>
#include <cstring>

namespace rowgate::testing {

HttpResponse http(std::uint16_t port, const std::string& method, const std::string& target, const HttpHeaders& headers,
                  const std::string& body) {
  HttpResponse out;
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  timeval tv{30, 0};
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  ::setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    ::close(fd);
    out.body = "connect failed";
    return out;
  }
  std::string request = method + " " + target + " HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n";
  for (const auto& [k, v] : headers) request += k + ": " + v + "\r\n";
  if (!body.empty() || method == "POST" || method == "PUT") request += "Content-Length: " + std::to_string(body.size()) + "\r\n";
  request += "\r\n";
  request += body;
  std::size_t sent = 0;
  while (sent < request.size()) {
    ssize_t n = ::send(fd, request.data() + sent, request.size() - sent, MSG_NOSIGNAL);
    if (n <= 0) break;
    sent += static_cast<std::size_t>(n);
  }
  std::string raw;
  char buf[65536];
  for (;;) {
    ssize_t n = ::recv(fd, buf, sizeof buf, 0);
    if (n <= 0) break;
    raw.append(buf, static_cast<std::size_t>(n));
    // Stop once a Content-Length body is complete (the server may keep the socket open).
    std::size_t end = raw.find("\r\n\r\n");
    if (end != std::string::npos) {
      std::string head = raw.substr(0, end);
      for (char& c : head) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      std::size_t cl = head.find("content-length:");
      if (cl != std::string::npos && raw.size() >= end + 4 + std::stoul(head.substr(cl + 15))) break;
      if (head.find("transfer-encoding: chunked") != std::string::npos && raw.size() >= 5 &&
          raw.compare(raw.size() - 5, 5, "0\r\n\r\n") == 0)
        break;
    }
  }
  ::close(fd);
  std::size_t end = raw.find("\r\n\r\n");
  if (end == std::string::npos || raw.size() < 12) {
    out.body = "no response";
    return out;
  }
  out.status = std::atoi(raw.substr(9, 3).c_str());
  std::size_t line = raw.find("\r\n") + 2;
  while (line < end) {
    std::size_t next = raw.find("\r\n", line);
    std::string h = raw.substr(line, next - line);
    std::size_t colon = h.find(':');
    if (colon != std::string::npos) {
      std::string name = h.substr(0, colon);
      for (char& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      std::size_t v = h.find_first_not_of(' ', colon + 1);
      out.headers[name] = v == std::string::npos ? "" : h.substr(v);
    }
    line = next + 2;
  }
  std::string rest = raw.substr(end + 4);
  if (out.headers["transfer-encoding"] == "chunked") {
    std::size_t at = 0;
    while (at < rest.size()) {
      std::size_t eol = rest.find("\r\n", at);
      if (eol == std::string::npos) break;
      std::size_t size = std::stoul(rest.substr(at, eol - at), nullptr, 16);
      if (size == 0) break;
      out.body += rest.substr(eol + 2, size);
      at = eol + 2 + size + 2;
    }
  } else {
    out.body = rest;
  }
  return out;
}

}  // namespace rowgate::testing
