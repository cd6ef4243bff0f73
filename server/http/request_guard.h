// A guard in front of Pistache's request handling, for bodies over the endpoint's limit.
//
// Pistache 0.0.5 buffers a whole request before a route sees it, and a request larger than the
// endpoint's maxRequestSize gets no answer at all: its worker thread spins on the unread socket
// for as long as the client stays connected. The guard reads each request's headers as Pistache
// parses them; once they declare a body over the limit, it answers 413 at once, discards what else
// the client sends and closes the connection after the answer. Every other byte goes unchanged to
// the handler it guards (the router's).
#pragma once

#include <pistache/http.h>

#include <cstddef>
#include <memory>
#include <string>

namespace rowgate::server::http {

class RequestGuard : public Pistache::Http::Handler, public std::enable_shared_from_this<RequestGuard> {
 public:
  HTTP_PROTOTYPE(RequestGuard)

  /// The longest header block accepted (431 beyond).
  static constexpr std::size_t kMaxHead = 64u << 10;
  /// The endpoint's maxRequestSize for a guard of `max_body`: room for the longest headers and
  /// body together, so that Pistache's buffer is never what limits a request.
  static constexpr std::size_t parser_limit(std::size_t max_body) { return max_body + kMaxHead + 4096; }

  /// `inner` handles every request within the limits; `max_body` is the largest body accepted.
  RequestGuard(std::shared_ptr<Pistache::Http::Handler> inner, std::size_t max_body);
  RequestGuard(const RequestGuard& other);  ///< a clone guards a clone of the inner handler

  /// Never called: requests go to the inner handler, which parses them.
  void onRequest(const Pistache::Http::Request& request, Pistache::Http::ResponseWriter response) override;

 private:
  void onConnection(const std::shared_ptr<Pistache::Tcp::Peer>& peer) override;
  void onDisconnection(const std::shared_ptr<Pistache::Tcp::Peer>& peer) override;
  void onInput(const char* buffer, std::size_t len, const std::shared_ptr<Pistache::Tcp::Peer>& peer) override;

  /// The inner handler through its public TCP face (its HTTP overrides are private).
  Pistache::Tcp::Handler& inner() { return *inner_; }
  /// Ends the connection after the answer already given; discards what else arrives.
  void close(const std::shared_ptr<Pistache::Tcp::Peer>& peer);
  /// Answers `status` with `body`, then closes the connection and discards what else arrives.
  void refuse(const std::shared_ptr<Pistache::Tcp::Peer>& peer, Pistache::Http::Code status, const std::string& body);

  std::shared_ptr<Pistache::Http::Handler> inner_;
  std::size_t max_body_;
  Pistache::Tcp::Transport* bound_ = nullptr;  // the transport the inner handler writes answers to
};

}  // namespace rowgate::server::http
