#include "http/request_guard.h"

#include <pistache/peer.h>
#include <pistache/transport.h>
#include <sys/socket.h>

#include <algorithm>
#include <cctype>
#include <cstdint>
#include <string_view>

#include "http/http_util.h"
#include "util/log.h"

namespace rowgate::server::http {

using namespace Pistache;

namespace {

// What the guard knows of a connection: where the request being read ends.
constexpr const char* kFraming = "rowgate.framing";
// After a refusal what the client still sends is discarded, up to this many bytes; then the
// connection is closed both ways.
constexpr std::size_t kDiscardLimit = 64u << 20;

struct Framing {
  std::string head;             // the current request's bytes until the end of its headers
  std::uint64_t body_left = 0;  // bytes of the current request's body still to come
  bool closing = false;         // answered for the last time: what comes is discarded
  std::size_t discarded = 0;
};

// Where Pistache's parser of a connection is: its request line, headers or body.
Http::Private::StepId parser_step(const std::shared_ptr<Tcp::Peer>& peer) {
  std::shared_ptr<Http::RequestParser> parser = Http::Handler::getParser(peer);
  return parser && parser->step() ? parser->step()->id() : Http::Private::RequestLineStep::Id;
}

// How a request's header block frames its body: its Content-Length, or why it is refused.
struct Head {
  std::uint64_t length = 0;
  Http::Code refuse = Http::Code::Ok;
  std::string code, message;
};

bool named(std::string_view line, std::size_t colon, std::string_view name) {
  std::string_view n = line.substr(0, colon);
  if (n.size() != name.size()) return false;
  for (std::size_t i = 0; i < n.size(); ++i)
    if (std::tolower(static_cast<unsigned char>(n[i])) != name[i]) return false;
  return true;
}

Head read_head(std::string_view block, std::size_t max_body) {
  Head h;
  bool have_length = false;
  auto malformed = [&h](const char* why) {
    h.refuse = Http::Code::Bad_Request;
    h.code = "bad_request";
    h.message = why;
    return h;
  };
  std::size_t at = block.find("\r\n");  // past the request line
  while (at != std::string_view::npos && at + 2 < block.size()) {
    std::size_t next = block.find("\r\n", at + 2);
    std::string_view line = block.substr(at + 2, next == std::string_view::npos ? std::string_view::npos : next - at - 2);
    at = next;
    if (line.empty()) break;  // the blank line that ends the headers
    // What RFC 9112 (section 5) says a server must reject, so that no reader of these headers
    // (Pistache's parser, a proxy) can take them differently from this one.
    if (line.front() == ' ' || line.front() == '\t') return malformed("A header line starts with white space (line folding).");
    std::size_t colon = line.find(':');
    if (colon == std::string_view::npos || colon == 0) return malformed("A header line has no name and colon.");
    if (line[colon - 1] == ' ' || line[colon - 1] == '\t') return malformed("A header name is followed by white space.");
    std::string_view value = line.substr(colon + 1);
    while (!value.empty() && (value.front() == ' ' || value.front() == '\t')) value.remove_prefix(1);
    while (!value.empty() && (value.back() == ' ' || value.back() == '\t')) value.remove_suffix(1);
    if (named(line, colon, "transfer-encoding")) {
      // A chunked body's size is known only once it is all in, and Pistache buffers it until then.
      h.refuse = Http::Code::Length_Required;
      h.code = "length_required";
      h.message = "Send the request body with a Content-Length, not in chunks.";
      return h;
    }
    if (!named(line, colon, "content-length")) continue;
    std::uint64_t n = 0;
    bool digits = !value.empty() && value.size() <= 18;
    for (char c : value) digits = digits && c >= '0' && c <= '9';
    if (digits)
      for (char c : value) n = n * 10 + static_cast<std::uint64_t>(c - '0');
    if (!digits || (have_length && n != h.length)) return malformed("The request's Content-Length is not one whole number.");
    have_length = true;
    h.length = n;
  }
  if (h.length > max_body) {
    h.refuse = Http::Code::Request_Entity_Too_Large;
    h.code = "too_large";
    h.message = "The request body is " + std::to_string(h.length) + " bytes; at most " + std::to_string(max_body) +
                " are accepted (upload a file in parts of at most 8 MiB).";
  }
  return h;
}

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
  // The endpoint set its limits on the guard; the inner handler's parser is made with them. (The
  // header and body timeouts are the transport's; they are copied for completeness.)
  inner_->setMaxRequestSize(getMaxRequestSize());
  inner_->setMaxResponseSize(getMaxResponseSize());
  inner_->setHeaderTimeout(getHeaderTimeout());
  inner_->setBodyTimeout(getBodyTimeout());
  peer->putData(kFraming, std::make_shared<Framing>());
  inner().onConnection(peer);
}

void RequestGuard::onDisconnection(const std::shared_ptr<Tcp::Peer>& peer) { inner().onDisconnection(peer); }

// Each request's bytes go to the parser alone: Pistache resets its parser after a request and
// would drop the bytes of the next one if they came in the same read (pipelining). After each
// step the guard checks that the parser agrees where the request is; where it does not (it
// refused something and answered already), nothing more is read from the connection, so that no
// body is ever taken for a request.
void RequestGuard::onInput(const char* buffer, std::size_t len, const std::shared_ptr<Tcp::Peer>& peer) {
  using Http::Private::BodyStep;
  using Http::Private::RequestLineStep;
  auto framing = std::static_pointer_cast<Framing>(peer->tryGetData(kFraming));
  std::string_view in(buffer, len);
  while (!in.empty()) {
    if (framing->closing) {
      framing->discarded += in.size();
      if (framing->discarded > kDiscardLimit) ::shutdown(peer->fd(), SHUT_RDWR);
      return;
    }
    if (framing->body_left > 0) {
      std::size_t n = static_cast<std::size_t>(std::min<std::uint64_t>(in.size(), framing->body_left));
      inner().onInput(in.data(), n, peer);
      framing->body_left -= n;
      in.remove_prefix(n);
      continue;
    }
    if (framing->head.empty()) {
      // Empty lines before a request line are ignored (RFC 9112, section 2.2).
      std::size_t start = in.find_first_not_of("\r\n");
      if (start == std::string_view::npos) return;
      in.remove_prefix(start);
    }
    // Headers: they go to the parser as they come, and are kept until their end is seen.
    std::size_t before = framing->head.size();
    framing->head.append(in);
    std::size_t end = framing->head.find("\r\n\r\n", before >= 3 ? before - 3 : 0);
    if (end == std::string::npos) {
      if (framing->head.size() > kMaxHead) {
        refuse(peer, Http::Code::Request_Header_Fields_Too_Large,
               error_body("headers_too_large", "The request's headers are over " + std::to_string(kMaxHead) + " bytes."));
        return;
      }
      inner().onInput(in.data(), in.size(), peer);
      // Past its request line the parser reads headers; back at a request line, it refused one.
      if (framing->head.find("\r\n") != std::string::npos && parser_step(peer) == RequestLineStep::Id) close(peer);
      return;
    }
    std::size_t used = end + 4 - before;
    framing->head.resize(end + 4);
    Head head = read_head(framing->head, max_body_);
    if (head.refuse != Http::Code::Ok) {
      refuse(peer, head.refuse, error_body(head.code, head.message));
      return;
    }
    if (framing->head.capacity() > (8u << 10)) std::string().swap(framing->head);  // no 64 KiB kept per connection
    framing->head.clear();
    inner().onInput(in.data(), used, peer);
    in.remove_prefix(used);
    // With a body to come the parser must wait for it; without, it has answered and waits for
    // the next request.
    if (parser_step(peer) != (head.length > 0 ? BodyStep::Id : RequestLineStep::Id)) {
      close(peer);
      return;
    }
    framing->body_left = head.length;
  }
}

void RequestGuard::close(const std::shared_ptr<Tcp::Peer>& peer) {
  std::static_pointer_cast<Framing>(peer->getData(kFraming))->closing = true;
  transport()->flush();  // the parser's answer goes out before the connection ends this side
  ::shutdown(peer->fd(), SHUT_WR);
}

void RequestGuard::refuse(const std::shared_ptr<Tcp::Peer>& peer, Http::Code status, const std::string& body) {
  std::static_pointer_cast<Framing>(peer->getData(kFraming))->closing = true;
  log_info("request refused before its body", {{"client", peer->address().host()}, {"answer", body}});
  Http::ResponseWriter response(Http::Version::Http11, transport(), inner_.get(), peer);
  response.headers().add<Http::Header::Connection>(Http::ConnectionControl::Close);
  response.headers().add<Http::Header::ContentType>(MIME(Application, Json));
  // Once the answer is written the connection ends this side: the client reads the answer, then
  // the end of the stream. What it still sends is read and discarded (above), so that its
  // kernel does not reset the connection before it has read the answer. (The peer, not its
  // descriptor number, is held: a closed descriptor's number may be another client's by then.)
  std::weak_ptr<Tcp::Peer> weak = peer;
  response.send(status, body).then(
      [weak](ssize_t) {
        if (std::shared_ptr<Tcp::Peer> alive = weak.lock()) ::shutdown(alive->fd(), SHUT_WR);
      },
      Async::IgnoreException);
}

}  // namespace rowgate::server::http
