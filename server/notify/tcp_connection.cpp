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

bool connect_tcp(const std::string& host, std::uint16_t port, int timeout_ms, Socket* out, std::string* error) {
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
  for (addrinfo* ai = found; ai && !ok; ai = ai->ai_next) ok = connect_one(*ai, timeout_ms, out, &why);
  ::freeaddrinfo(found);
  if (!ok) *error = "cannot connect to " + host + ":" + port_text + ": " + why;
  return ok;
}

}  // namespace rowgate::server
