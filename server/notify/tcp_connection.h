// TCP client connections for the notifiers: connect with a timeout (a plain connect() can hang
// for minutes on a host that drops packets), then blocking reads and writes with timeouts.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

struct sockaddr;

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

/// What a peer sent, fit for an error message: control characters as spaces, at most 200 bytes.
std::string printable(std::string_view text);

/// Which addresses a connection may go to.
enum class Reach {
  Any,         ///< the operator's own relay, say
  PublicOnly,  ///< a tenant's URL: never loopback, private, link-local (cloud metadata) and the like
};

/// True for an address a tenant's URL must not reach (loopback, RFC 1918, link-local,
/// carrier-grade NAT, unspecified, multicast, IPv6 unique-local, and IPv4 mapped into IPv6).
bool is_internal_address(const struct sockaddr* address);

/// Connects to host:port (any address it resolves to that `reach` allows: the check is made on
/// the address connected to, so a name that resolves differently later cannot slip past), within
/// timeout_ms; the socket is left in blocking mode with read and write timeouts of timeout_ms.
/// False with the reason otherwise.
bool connect_tcp(const std::string& host, std::uint16_t port, int timeout_ms, Socket* out, std::string* error,
                 Reach reach = Reach::Any);

}  // namespace rowgate::server
