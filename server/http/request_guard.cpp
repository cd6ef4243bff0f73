#include "http/request_guard.h"

#include <pistache/peer.h>
#include <pistache/transport.h>
#include <sys/socket.h>

#include "http/http_util.h"
#include "util/log.h"

namespace rowgate::server::http {

using namespace Pistache;

namespace {

// Set on a connection whose request was refused: what it sends after that is discarded, up to
// kDiscardLimit bytes, after which the connection is closed both ways.
constexpr const char* kRefused = "rowgate.refused";
constexpr std::size_t kDiscardLimit = 64u << 20;

struct Refused {
  std::size_t discarded = 0;
};

}  // namespace

RequestGuard::RequestGuard(std::shared_ptr<Http::Handler> inner, std::size_t max_body)
    : inner_(std::move(inner)), max_body_(max_body) {}

RequestGuard::RequestGuard(const RequestGuard& other)
    : Http::Handler(other),
      std::enable_shared_from_this<RequestGuard>(),
      inner_(std::static_pointer_cast<Http::Handler>(other.inner_->clone())),
      max_body_(other.max_body_) {}

void RequestGuard::onRequest(const Http::Request&, Http::ResponseWriter response) {
  response.send(Http::Code::Internal_Server_Error);
}

void RequestGuard::onConnection(const std::shared_ptr<Tcp::Peer>& peer) {
  Tcp::Transport* transport = this->transport();
  if (bound_ != transport) {
    // The inner handler answers through this worker's transport, which only knows the guard:
    // introduce it (Transport::init associates a handler), then put the guard back. Both calls
    // run on the worker's own thread, the only one that uses its handler.
    transport->init(inner_);
    transport->init(shared_from_this());
    bound_ = transport;
  }
  // The endpoint set its limits on the guard; the inner handler's parser and timers use them.
  inner_->setMaxRequestSize(getMaxRequestSize());
  inner_->setMaxResponseSize(getMaxResponseSize());
  inner_->setHeaderTimeout(getHeaderTimeout());
  inner_->setBodyTimeout(getBodyTimeout());
  inner().onConnection(peer);
}

void RequestGuard::onDisconnection(const std::shared_ptr<Tcp::Peer>& peer) { inner().onDisconnection(peer); }

void RequestGuard::onInput(const char* buffer, std::size_t len, const std::shared_ptr<Tcp::Peer>& peer) {
  if (auto refused = std::static_pointer_cast<Refused>(peer->tryGetData(kRefused))) {
    refused->discarded += len;
    if (refused->discarded > kDiscardLimit) ::shutdown(peer->fd(), SHUT_RDWR);
    return;
  }
  inner().onInput(buffer, len, peer);
  // A request still being read whose headers are in: refuse it now if its body cannot fit.
  std::shared_ptr<Http::RequestParser> parser = getParser(peer);
  if (!parser) return;
  const Http::Header::Collection& headers = parser->request.headers();
  if (auto length = headers.tryGet<Http::Header::ContentLength>()) {
    if (length->value() > max_body_)
      refuse(peer, Http::Code::Request_Entity_Too_Large,
             error_body("too_large", "The request body is " + std::to_string(length->value()) + " bytes; at most " +
                                         std::to_string(max_body_) +
                                         " are accepted (upload a file in parts of at most 8 MiB)."));
  } else if (headers.tryGet<Http::Header::TransferEncoding>()) {
    // A chunked body's size is known only once it is all in, and Pistache buffers it until then.
    refuse(peer, Http::Code::Length_Required,
           error_body("length_required", "Send the request body with a Content-Length, not in chunks."));
  }
}

void RequestGuard::refuse(const std::shared_ptr<Tcp::Peer>& peer, Http::Code status, const std::string& body) {
  peer->putData(kRefused, std::make_shared<Refused>());
  log_info("request refused before its body", {{"client", peer->address().host()}, {"answer", body}});
  Http::ResponseWriter response(Http::Version::Http11, transport(), inner_.get(), peer);
  response.headers().add<Http::Header::Connection>(Http::ConnectionControl::Close);
  response.headers().add<Http::Header::ContentType>(MIME(Application, Json));
  // Once the answer is written the connection ends this side: the client reads the 413, then
  // the end of the stream. What it still sends is read and discarded (above), so that its
  // kernel does not reset the connection before it has read the answer.
  const int fd = peer->fd();
  response
      .send(status, body)
      .then([fd](ssize_t) { ::shutdown(fd, SHUT_WR); }, Async::IgnoreException);
}

}  // namespace rowgate::server::http
