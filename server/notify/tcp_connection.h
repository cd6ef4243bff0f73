// TCP client connections for the notifiers: connect with a timeout (a plain connect() can hang
// for minutes on a host that drops packets), then blocking reads and writes with timeouts.
#pragma once

#include <cstdint>
#include <string>

namespace rowgate::server {

/// Owns a socket descriptor.
class Socket {
 public:
  Socket() = default;
  ~Socket();
  Socket(const Socket&) = delete;
  Socket& operator=(const Socket&) = delete;
  void reset(int fd);
  int fd() const { return fd_; }
  int release() {
    int fd = fd_;
    fd_ = -1;
    return fd;
  }

 private:
  int fd_ = -1;
};

/// strerror() of an errno value.
std::string errno_text(int err);

/// Connects to host:port (any address it resolves to), within timeout_ms; the socket is left in
/// blocking mode with read and write timeouts of timeout_ms. False with the reason otherwise.
bool connect_tcp(const std::string& host, std::uint16_t port, int timeout_ms, Socket* out, std::string* error);

}  // namespace rowgate::server
