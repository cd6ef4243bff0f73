#include "notify/tcp_connection.h"

#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <cstring>

namespace rowgate::server {

Socket::~Socket() {
  if (fd_ >= 0) ::close(fd_);
}

void Socket::reset(int fd) {
  if (fd_ >= 0) ::close(fd_);
  fd_ = fd;
}

std::string errno_text(int err) { return std::strerror(err); }

std::string printable(std::string_view text) {
  std::string out;
  for (char c : text.substr(0, 200)) out.push_back(static_cast<unsigned char>(c) < 0x20 ? ' ' : c);
  return out;
}

static void set_timeouts(int fd, int milliseconds) {
  timeval tv{};
  tv.tv_sec = milliseconds / 1000;
  tv.tv_usec = (milliseconds % 1000) * 1000;
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  ::setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
}

// Connects without blocking longer than the timeout (a plain connect() can hang for minutes on a
// host that drops packets), then returns the socket to blocking mode with read/write timeouts.
static bool connect_one(const addrinfo& ai, int timeout_ms, Socket* out, std::string* error) {
  Socket s;
  s.reset(::socket(ai.ai_family, ai.ai_socktype | SOCK_CLOEXEC | SOCK_NONBLOCK, ai.ai_protocol));
  if (s.fd() < 0) {
    *error = errno_text(errno);
    return false;
  }
  if (::connect(s.fd(), ai.ai_addr, ai.ai_addrlen) != 0) {
    if (errno != EINPROGRESS) {
      *error = errno_text(errno);
      return false;
    }
    pollfd p{s.fd(), POLLOUT, 0};
    int ready;
    do ready = ::poll(&p, 1, timeout_ms);
    while (ready < 0 && errno == EINTR);
    if (ready == 0) {
      *error = "timed out after " + std::to_string(timeout_ms) + " ms";
      return false;
    }
    int so_error = 0;
    socklen_t len = sizeof so_error;
    if (ready < 0 || ::getsockopt(s.fd(), SOL_SOCKET, SO_ERROR, &so_error, &len) != 0) so_error = errno;
    if (so_error != 0) {
      *error = errno_text(so_error);
      return false;
    }
  }
  int flags = ::fcntl(s.fd(), F_GETFL);
  ::fcntl(s.fd(), F_SETFL, flags & ~O_NONBLOCK);
  set_timeouts(s.fd(), timeout_ms);
  int one = 1;
  ::setsockopt(s.fd(), IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  out->reset(s.release());
  return true;
}

bool is_internal_address(const sockaddr* address) {
  auto v4_internal = [](std::uint32_t a) {  // host byte order
    auto in = [a](std::uint32_t net, int bits) { return (a >> (32 - bits)) == (net >> (32 - bits)); };
    return in(0x00000000, 8) || in(0x0A000000, 8) || in(0x64400000, 10) || in(0x7F000000, 8) ||
           in(0xA9FE0000, 16) || in(0xAC100000, 12) || in(0xC0000000, 24) || in(0xC0A80000, 16) ||
           in(0xC6120000, 15) || a >= 0xE0000000;  // multicast, reserved, broadcast
  };
  if (address->sa_family == AF_INET) {
    const auto* v4 = reinterpret_cast<const sockaddr_in*>(address);
    return v4_internal(ntohl(v4->sin_addr.s_addr));
  }
  if (address->sa_family != AF_INET6) return true;
  const auto* v6 = reinterpret_cast<const sockaddr_in6*>(address);
  const unsigned char* b = v6->sin6_addr.s6_addr;
  static const unsigned char kMapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
  if (std::memcmp(b, kMapped, 12) == 0)
    return v4_internal((std::uint32_t{b[12]} << 24) | (std::uint32_t{b[13]} << 16) | (std::uint32_t{b[14]} << 8) | b[15]);
  bool zero_prefix = true;  // ::, ::1 and the old IPv4-compatible ::a.b.c.d
  for (int i = 0; i < 12; ++i) zero_prefix &= b[i] == 0;
  return zero_prefix || (b[0] & 0xfe) == 0xfc || (b[0] == 0xfe && (b[1] & 0xc0) == 0x80) || b[0] == 0xff;
}

bool connect_tcp(const std::string& host, std::uint16_t port, int timeout_ms, Socket* out, std::string* error,
                 Reach reach) {
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_NUMERICSERV;
  addrinfo* found = nullptr;
  std::string port_text = std::to_string(port);
  int rc = ::getaddrinfo(host.c_str(), port_text.c_str(), &hints, &found);
  if (rc != 0) {
    *error = "cannot resolve " + host + ": " + ::gai_strerror(rc);
    return false;
  }
  std::string why;
  bool ok = false;
  for (addrinfo* ai = found; ai && !ok; ai = ai->ai_next) {
    if (reach == Reach::PublicOnly && is_internal_address(ai->ai_addr)) {
      why = "it is an internal address (loopback, private or link-local), which a tenant's URL may not reach";
      continue;
    }
    ok = connect_one(*ai, timeout_ms, out, &why);
  }
  ::freeaddrinfo(found);
  if (!ok) *error = "cannot connect to " + host + ":" + port_text + ": " + why;
  return ok;
}

}  // namespace rowgate::server
