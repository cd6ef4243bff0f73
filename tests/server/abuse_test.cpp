// HTTP abuse (issue #7): slow clients, oversized bodies, floods of bad keys, pipelining, a
// thousand connections at once, methods the server does not answer, path traversal in every
// name the server takes from a request, and CORS for the origins a tenant allowed. The server
// runs in-process on port 0 with short timeouts; raw sockets play the hostile clients.
#include <gtest/gtest.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <nlohmann/json.hpp>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <thread>

#include "server_fixture.h"

namespace rowgate::testing {
namespace {

using nlohmann::json;
using namespace rowgate::server;
using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

// A raw client socket: it sends what it is told, byte by byte if need be, and reads with a deadline.
class Raw {
 public:
  /// Connects to 127.0.0.1:port from `source` (any 127.x.y.z address is this machine).
  Raw(std::uint16_t port, const char* source = "127.0.0.1") {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in from{};
    from.sin_family = AF_INET;
    ::inet_pton(AF_INET, source, &from.sin_addr);
    ::bind(fd_, reinterpret_cast<sockaddr*>(&from), sizeof from);
    sockaddr_in to{};
    to.sin_family = AF_INET;
    to.sin_port = htons(port);
    to.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    connected_ = ::connect(fd_, reinterpret_cast<sockaddr*>(&to), sizeof to) == 0;
  }
  ~Raw() { close(); }
  Raw(const Raw&) = delete;
  Raw& operator=(const Raw&) = delete;

  bool connected() const { return connected_; }
  void close() {
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
  }

  /// False once the peer is gone.
  bool send(const std::string& bytes) {
    std::size_t at = 0;
    while (at < bytes.size()) {
      ssize_t n = ::send(fd_, bytes.data() + at, bytes.size() - at, MSG_NOSIGNAL);
      if (n <= 0) return false;
      at += static_cast<std::size_t>(n);
    }
    return true;
  }

  /// Reads until `done(received)` holds, the peer closes, or the deadline passes.
  template <typename Done>
  std::string read_until(Clock::duration limit, Done done) {
    auto deadline = Clock::now() + limit;
    while (!done(in_) && !eof_) {
      auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
      if (left <= 0) break;
      pollfd p{fd_, POLLIN, 0};
      if (::poll(&p, 1, static_cast<int>(left)) <= 0) continue;
      char buf[65536];
      ssize_t n = ::recv(fd_, buf, sizeof buf, 0);
      if (n <= 0) eof_ = true;
      else in_.append(buf, static_cast<std::size_t>(n));
    }
    return in_;
  }
  std::string read_all(Clock::duration limit) {
    return read_until(limit, [](const std::string&) { return false; });
  }
  /// Whether the server closed the connection (EOF or reset) within `limit`.
  bool closed_within(Clock::duration limit) {
    read_all(limit);
    return eof_;
  }
  const std::string& received() const { return in_; }

 private:
  int fd_ = -1;
  bool connected_ = false;
  bool eof_ = false;
  std::string in_;
};

/// The status codes of the responses in `raw`, in order.
std::vector<int> statuses(const std::string& raw) {
  std::vector<int> out;
  for (std::size_t at = raw.find("HTTP/1."); at != std::string::npos; at = raw.find("HTTP/1.", at + 1))
    if (at + 12 <= raw.size()) out.push_back(std::atoi(raw.substr(at + 9, 3).c_str()));
  return out;
}

class Abuse : public ServerTest {
 protected:
  void configure(NotifySettings&, RunnerSettings&) override {
    settings_.wasm_dir = settings_.web_dir;
    settings_.auth_failure_burst = 5;
    settings_.auth_failures_per_minute = 60;
  }

  // Serves again with shorter timeouts than the default 10 s and 120 s.
  void restart_with_timeouts(std::chrono::milliseconds header, std::chrono::milliseconds body) {
    server_->stop();
    settings_.header_timeout = header;
    settings_.body_timeout = body;
    server_ = std::make_unique<ApiServer>(*store_, *runner_, *spool_, settings_);
    server_->start();
    port_ = server_->port();
  }

  std::string get(const std::string& target, const std::string& key) {
    return "GET " + target + " HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: keep-alive\r\nAuthorization: Bearer " + key +
           "\r\n\r\n";
  }
};

TEST_F(Abuse, SlowHeadersAreDroppedAtTheHeaderTimeoutWithoutBlockingOthers) {
  restart_with_timeouts(1s, 2s);
  // Twenty clients send their headers a byte every 50 ms: they would need about 5 s.
  const std::string slow = "GET /api/v1/templates HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer " + key_a_ +
                           "\r\nX-Padding: " + std::string(20, 'p') + "\r\n\r\n";
  std::vector<std::unique_ptr<Raw>> clients;
  for (int i = 0; i < 20; ++i) clients.push_back(std::make_unique<Raw>(port_));
  auto started = Clock::now();
  std::atomic<bool> stop{false};
  std::vector<Clock::duration> dropped(clients.size(), Clock::duration::max());
  std::thread trickle([&] {
    for (std::size_t at = 0; at < slow.size() && !stop; ++at) {
      for (std::size_t c = 0; c < clients.size(); ++c)
        if (dropped[c] == Clock::duration::max() && !clients[c]->send(slow.substr(at, 1))) dropped[c] = Clock::now() - started;
      std::this_thread::sleep_for(50ms);
    }
  });
  // Meanwhile other clients are answered at once.
  for (int i = 0; i < 20; ++i) {
    auto t0 = Clock::now();
    EXPECT_EQ(call("GET", "/api/v1/templates").status, 200);
    EXPECT_LT(Clock::now() - t0, 500ms);
    std::this_thread::sleep_for(20ms);
  }
  // Each slow client is answered 408 or closed by the header timeout (1 s), long before its
  // headers would have been complete.
  for (auto& c : clients) {
    EXPECT_TRUE(c->closed_within(3s)) << "still open after " << (Clock::now() - started) / 1ms << " ms";
    std::vector<int> s = statuses(c->received());
    EXPECT_TRUE(s.empty() || s == std::vector<int>{408}) << c->received();
  }
  EXPECT_LT(Clock::now() - started, 4s);
  stop = true;
  trickle.join();
  EXPECT_EQ(call("GET", "/healthz", "", "").status, 200);
}

TEST_F(Abuse, SlowBodyIsDroppedAtTheBodyTimeout) {
  restart_with_timeouts(1s, 2s);
  std::string id = json::parse(call("POST", "/api/v1/imports", R"({"template": "prospects"})").body)["id"];
  Raw c(port_);
  ASSERT_TRUE(c.send("PUT /api/v1/imports/" + id + "/parts/1 HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer " +
                     key_a_ + "\r\nContent-Length: 1000\r\n\r\nPartner Name"));
  auto t0 = Clock::now();
  EXPECT_TRUE(c.closed_within(5s));
  EXPECT_LT(Clock::now() - t0, 5s);
  EXPECT_EQ(call("GET", "/healthz", "", "").status, 200);
}

// A part over 8 MiB is answered 413 by its route as soon as its body is in, and the server goes
// on; a JSON body over 1 MiB likewise.
TEST_F(Abuse, OversizedBodyIs413Fast) {
  std::string id = json::parse(call("POST", "/api/v1/imports", R"({"template": "prospects"})").body)["id"];
  auto t0 = Clock::now();
  HttpResponse part = call("PUT", "/api/v1/imports/" + id + "/parts/1", std::string((8u << 20) + 60000, 'x'));
  EXPECT_EQ(part.status, 413) << part.body.substr(0, 200);
  EXPECT_EQ(json::parse(part.body)["error"]["code"], "part_too_large");
  EXPECT_LT(Clock::now() - t0, 5s);
  HttpResponse big = call("POST", "/api/v1/groups", "{\"name\": \"" + std::string(2 << 20, 'g') + "\"}");
  EXPECT_EQ(big.status, 413);
  EXPECT_EQ(json::parse(big.body)["error"]["code"], "too_large");
  EXPECT_EQ(call("GET", "/healthz", "", "").status, 200);
}

// Pistache 0.0.5 alone gives a request larger than the endpoint's maxRequestSize (8 MiB + 64 KiB)
// no answer, and its worker spins on the unread socket; the RequestGuard answers 413 as soon as
// the headers are in, and the server goes on serving.
TEST_F(Abuse, BodyOverTheEndpointLimitIs413BeforeItIsAllSent) {
  std::string id = json::parse(call("POST", "/api/v1/imports", R"({"template": "prospects"})").body)["id"];
  Raw c(port_);
  auto t0 = Clock::now();
  ASSERT_TRUE(c.send("PUT /api/v1/imports/" + id + "/parts/1 HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer " +
                     key_a_ + "\r\nContent-Length: 1073741824\r\n\r\n"));
  std::string block(1 << 20, 'x');
  for (int i = 0; i < 16 && c.send(block); ++i) {
  }
  std::string answer = c.read_until(5s, [](const std::string& s) {
    std::size_t head = s.find("\r\n\r\n");
    return head != std::string::npos && s.find('}', head) != std::string::npos && s.back() == '}';
  });
  EXPECT_LT(Clock::now() - t0, 5s);
  EXPECT_EQ(statuses(answer), std::vector<int>{413}) << answer.substr(0, 200);
  ASSERT_NE(answer.find("\r\n\r\n"), std::string::npos);
  EXPECT_EQ(json::parse(answer.substr(answer.find("\r\n\r\n") + 4))["error"]["code"], "too_large");

  // The client lingers, connected, without sending: the server burns no CPU on it.
  auto cpu = [] {
    rusage u{};
    ::getrusage(RUSAGE_SELF, &u);
    return u.ru_utime.tv_sec + u.ru_stime.tv_sec + (u.ru_utime.tv_usec + u.ru_stime.tv_usec) / 1e6;
  };
  double before = cpu();
  std::this_thread::sleep_for(1s);
  EXPECT_LT(cpu() - before, 0.3);
  // The server ended the connection after its answer, and goes on serving others.
  EXPECT_TRUE(c.closed_within(2s));
  EXPECT_EQ(call("GET", "/healthz", "", "").status, 200);
  EXPECT_EQ(call("GET", "/api/v1/imports/" + id).status, 200);
}

TEST_F(Abuse, ChunkedBodiesAreRefusedWithLengthRequired) {
  // Without a Content-Length the size of a body is unknown until it is all in: refused at once.
  Raw c(port_);
  ASSERT_TRUE(c.send("POST /api/v1/groups HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer " + key_a_ +
                     "\r\nTransfer-Encoding: chunked\r\n\r\n5\r\n{\"a\":\r\n"));
  std::string answer = c.read_until(5s, [](const std::string& s) { return s.find("\r\n\r\n") != std::string::npos; });
  EXPECT_EQ(statuses(answer), std::vector<int>{411}) << answer.substr(0, 200);
  EXPECT_TRUE(c.closed_within(2s));
  EXPECT_EQ(call("GET", "/healthz", "", "").status, 200);
}

TEST_F(Abuse, AFloodOfBadKeysIsRateLimitedPerClient) {
  // The bucket holds 5 failures and refills one a second (settings above).
  for (int i = 0; i < 5; ++i) EXPECT_EQ(call("GET", "/api/v1/groups", "", "wrong-" + std::to_string(i)).status, 401);
  HttpResponse limited = call("GET", "/api/v1/groups", "", "wrong-6");
  EXPECT_EQ(limited.status, 429);
  EXPECT_EQ(json::parse(limited.body)["error"]["code"], "rate_limited");
  ASSERT_FALSE(limited.headers["retry-after"].empty());
  EXPECT_GE(std::stoi(limited.headers["retry-after"]), 1);
  // Once limited, even a good key waits: guessing gets no answer either way.
  EXPECT_EQ(call("GET", "/api/v1/groups", "", "A").status, 429);
  EXPECT_EQ(call("GET", "/api/v1/groups", "", "").status, 429);
  // Routes without a key are not limited.
  EXPECT_EQ(call("GET", "/healthz", "", "").status, 200);
  // Another client address is not affected.
  Raw other(port_, "127.0.0.2");
  ASSERT_TRUE(other.connected());
  other.send(get("/api/v1/groups", key_a_));
  EXPECT_EQ(statuses(other.read_until(5s, [](const std::string& s) { return s.find("\r\n\r\n") != std::string::npos; })),
            std::vector<int>{200});
  // A second later one token is back: one more try, then 429 again.
  std::this_thread::sleep_for(1100ms);
  EXPECT_EQ(call("GET", "/api/v1/groups", "", "A").status, 200);  // a success spends nothing
  EXPECT_EQ(call("GET", "/api/v1/groups", "", "wrong-7").status, 401);
  EXPECT_EQ(call("GET", "/api/v1/groups", "", "wrong-8").status, 429);
}

// Pistache 0.0.5 alone answers only the first of the requests that arrive together; the
// RequestGuard hands them to its parser one at a time.
TEST_F(Abuse, PipelinedRequestsAreAllAnsweredInOrder) {
  auto answered = [](Raw& c, std::size_t n) {
    return statuses(c.read_until(5s, [n](const std::string& in) { return statuses(in).size() >= n && in.back() == '}'; }));
  };
  Raw c(port_);
  ASSERT_TRUE(c.send(get("/healthz", key_a_) + get("/api/v1/templates", key_a_) + get("/api/v1/imports/nope", key_a_)));
  EXPECT_EQ(answered(c, 3), (std::vector<int>{200, 200, 404})) << c.received().substr(0, 400);

  // A request with a body, then others, all in one write: each body ends where its length says.
  Raw b(port_);
  std::string group = R"({"name": "Pipelined"})";
  ASSERT_TRUE(b.send("POST /api/v1/groups HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer " + key_a_ +
                     "\r\nContent-Type: application/json\r\nContent-Length: " + std::to_string(group.size()) + "\r\n\r\n" +
                     group + get("/api/v1/groups", key_a_) + get("/api/v1/imports/nope", key_a_)));
  EXPECT_EQ(answered(b, 3), (std::vector<int>{201, 200, 404})) << b.received().substr(0, 400);
  EXPECT_NE(b.received().find("\"Pipelined\""), std::string::npos);

  // Sent a byte at a time, the same requests are answered the same.
  Raw d(port_);
  std::string three = get("/healthz", key_a_) + get("/api/v1/imports/nope", key_a_) + get("/healthz", key_a_);
  for (char ch : three) ASSERT_TRUE(d.send(std::string(1, ch)));
  EXPECT_EQ(answered(d, 3), (std::vector<int>{200, 404, 200})) << d.received().substr(0, 400);
  EXPECT_EQ(call("GET", "/healthz", "", "").status, 200);
}

TEST_F(Abuse, HeadersOver64KiBAre431AndAContentLengthThatIsNotANumberIs400) {
  Raw big(port_);
  ASSERT_TRUE(big.send("GET /api/v1/groups HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Padding: " + std::string(70000, 'p')));
  EXPECT_EQ(statuses(big.read_until(5s, [](const std::string& s) { return s.find("\r\n\r\n") != std::string::npos; })),
            std::vector<int>{431});
  EXPECT_TRUE(big.closed_within(2s));
  Raw bad(port_);
  ASSERT_TRUE(bad.send("POST /api/v1/groups HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 12x\r\n\r\n{}"));
  EXPECT_EQ(statuses(bad.read_until(5s, [](const std::string& s) { return s.find("\r\n\r\n") != std::string::npos; })),
            std::vector<int>{400});
  Raw twice(port_);
  ASSERT_TRUE(twice.send("POST /api/v1/groups HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 2\r\ncontent-length: 3\r\n\r\n{}"));
  EXPECT_EQ(statuses(twice.read_until(5s, [](const std::string& s) { return s.find("\r\n\r\n") != std::string::npos; })),
            std::vector<int>{400});
  EXPECT_EQ(call("GET", "/healthz", "", "").status, 200);
}

// A body must never be read as a request of its own (request smuggling): where the parser
// refuses a request's headers, or headers could be read two ways, the connection ends after one
// answer, whatever the body holds.
TEST_F(Abuse, ABodyIsNeverAnsweredAsARequest) {
  std::string smuggled = get("/healthz", key_a_);
  auto with_body = [&](const std::string& request_line, const std::string& headers) {
    return request_line + "\r\nHost: 127.0.0.1\r\nAuthorization: Bearer " + key_a_ + "\r\n" + headers +
           "Content-Length: " + std::to_string(smuggled.size()) + "\r\n\r\n" + smuggled;
  };
  struct Case {
    const char* what;
    std::string bytes;
  };
  std::vector<Case> cases = {
      {"a method Pistache does not know", with_body("FOO /api/v1/groups HTTP/1.1", "")},
      {"a Content-Type Pistache cannot parse", with_body("POST /api/v1/groups HTTP/1.1", "Content-Type: ///\r\n")},
      {"an Accept Pistache cannot parse", with_body("POST /api/v1/groups HTTP/1.1", "Accept: a/b;q=zz\r\n")},
      {"white space before a colon", "POST /api/v1/groups HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length : " +
                                         std::to_string(smuggled.size()) + "\r\n\r\n" + smuggled},
      {"a header line without a colon", with_body("POST /api/v1/groups HTTP/1.1", "Foo\r\n")},
      {"a folded header line", with_body("POST /api/v1/groups HTTP/1.1", "X-A: 1\r\n  2\r\n")},
  };
  for (const Case& c : cases) {
    Raw r(port_);
    ASSERT_TRUE(r.send(c.bytes)) << c.what;
    std::vector<int> s = statuses(r.read_all(1500ms));
    ASSERT_EQ(s.size(), 1u) << c.what << ": " << r.received().substr(0, 400);
    EXPECT_GE(s[0], 400) << c.what;
    EXPECT_TRUE(r.closed_within(2s)) << c.what;
  }
  // Empty lines before a request are ignored.
  Raw blank(port_);
  ASSERT_TRUE(blank.send("\r\n\r\n" + get("/healthz", key_a_)));
  EXPECT_EQ(statuses(blank.read_until(5s, [](const std::string& in) { return in.back() == '}'; })), std::vector<int>{200});
  EXPECT_EQ(call("GET", "/healthz", "", "").status, 200);
}

TEST_F(Abuse, TheLargestBodyWithLongHeadersStillReachesTheRouteAndNothingAfterItIsLost) {
  // A body of exactly the guard's limit with 40 KiB of headers: Pistache's own buffer (headers
  // and body together) must not be the limit, or it answers in the middle and reads the rest of
  // the body as requests.
  std::string id = json::parse(call("POST", "/api/v1/imports", R"({"template": "prospects"})").body)["id"];
  const std::size_t limit = (8u << 20) + (64u << 10);
  Raw c(port_);
  std::string body(limit, 'x');
  std::string tail = get("/healthz", key_a_);
  body.replace(body.size() - tail.size(), tail.size(), tail);  // what a confused parser would answer
  ASSERT_TRUE(c.send("PUT /api/v1/imports/" + id + "/parts/1 HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer " +
                     key_a_ + "\r\nX-Padding: " + std::string(40 << 10, 'p') + "\r\nContent-Length: " +
                     std::to_string(limit) + "\r\n\r\n" + body + get("/api/v1/imports/nope", key_a_)));
  std::string in = c.read_until(10s, [](const std::string& s) { return statuses(s).size() >= 2 && s.back() == '}'; });
  EXPECT_EQ(statuses(in), (std::vector<int>{413, 404})) << in.substr(0, 400);
  EXPECT_NE(in.find("part_too_large"), std::string::npos) << in.substr(0, 400);  // the route's answer
}

TEST_F(Abuse, AThousandConcurrentConnections) {
  // Each connection costs a descriptor here and one in the server: raise the soft limit.
  rlimit files{};
  getrlimit(RLIMIT_NOFILE, &files);
  if (files.rlim_cur < 4096) {
    files.rlim_cur = std::min<rlim_t>(files.rlim_max, 4096);
    setrlimit(RLIMIT_NOFILE, &files);
  }
  ASSERT_GE(files.rlim_cur, 2200u) << "cannot raise RLIMIT_NOFILE";
  const int n = 1000;
  std::vector<std::unique_ptr<Raw>> clients;
  for (int i = 0; i < n; ++i) {
    clients.push_back(std::make_unique<Raw>(port_));
    ASSERT_TRUE(clients.back()->connected()) << i;
  }
  // All of them open at once; then each asks, and each is answered.
  for (auto& c : clients) ASSERT_TRUE(c->send(get("/api/v1/groups", key_a_)));
  int ok = 0, shown = 0;
  auto t0 = Clock::now();
  for (auto& c : clients) {
    std::string raw = c->read_until(10s, [](const std::string& s) {
      std::size_t end = s.find("\r\n\r\n");
      return end != std::string::npos && s.find("\"items\"", end) != std::string::npos;
    });
    bool good = statuses(raw) == std::vector<int>{200};
    ok += good;
    if (!good && ++shown <= 3) ADD_FAILURE() << "[" << raw.substr(0, 300) << "]";
  }
  EXPECT_EQ(ok, n);
  EXPECT_LT(Clock::now() - t0, 20s);
}

TEST_F(Abuse, MethodsTheServerDoesNotAnswer) {
  for (const char* method : {"HEAD", "TRACE", "CONNECT"}) {
    Raw c(port_);
    c.send(std::string(method) + " /api/v1/groups HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n");
    std::string raw = c.read_until(3s, [](const std::string& in) { return in.find("}}") != std::string::npos; });
    EXPECT_EQ(statuses(raw), std::vector<int>{501}) << method << ": " << raw;
    EXPECT_NE(raw.find("\"not_implemented\""), std::string::npos) << raw;
  }
  // A known path with a method it does not take: JSON 405 with Allow.
  HttpResponse patch = call("PATCH", "/api/v1/imports");
  EXPECT_EQ(patch.status, 405);
  EXPECT_EQ(patch.headers["allow"], "POST, GET");
  // A method HTTP does not define is refused by the parser, and the server goes on.
  Raw c(port_);
  c.send("BREW /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n");
  std::vector<int> s = statuses(c.read_until(3s, [](const std::string& in) { return in.find("\r\n\r\n") != std::string::npos; }));
  ASSERT_EQ(s.size(), 1u) << c.received();
  EXPECT_GE(s[0], 400);
  EXPECT_LT(s[0], 500);
  EXPECT_EQ(call("GET", "/healthz", "", "").status, 200);
}

TEST_F(Abuse, PathTraversalInEveryNameTheServerTakes) {
  std::string id = json::parse(call("POST", "/api/v1/imports", R"({"template": "prospects"})").body)["id"];
  // Static files, from / and from /wasm/.
  for (const char* target : {"/../secret.txt", "/%2e%2e/secret.txt", "/..%2fsecret.txt", "/wasm/../../secret.txt",
                             "/wasm/%2e%2e/%2e%2e/secret.txt", "/wasm/..%2f..%2fsecret.txt", "//etc/passwd",
                             "/%2fetc%2fpasswd", "/.%00./secret.txt", "/..\\secret.txt", "/web/../../secret.txt"}) {
    HttpResponse r = call("GET", target, "", "");
    EXPECT_TRUE(r.status == 404 || r.status == 400) << target << " -> " << r.status;
    EXPECT_EQ(r.body.find("not for the web"), std::string::npos) << target;
  }
  // Import ids: only ids of the tenant's own imports name anything.
  for (const std::string& bad : std::vector<std::string>{"..", "..%2f..%2fsecret.txt", "%2e%2e", id + "%2f..", id + "%00"}) {
    for (const std::string& suffix : {std::string(""), std::string("/errors.csv"), std::string("/results.csv")})
      EXPECT_EQ(call("GET", "/api/v1/imports/" + bad + suffix).status, 404) << bad << suffix;
    EXPECT_EQ(call("PUT", "/api/v1/imports/" + bad + "/parts/1", "x").status, 404) << bad;
  }
  // Part numbers: digits only, 1 to 10000.
  for (const char* n : {"..", "..%2f..%2fx", "1%2f..", "-1", "+1", "1e3", "0x1", "%201", "01.", "99999999999999999999"})
    EXPECT_EQ(call("PUT", "/api/v1/imports/" + id + "/parts/" + n, "x").status, 400) << n;
  // Nothing was written outside the data folder.
  std::vector<std::string> top;
  for (const auto& e : std::filesystem::directory_iterator(dir_)) top.push_back(e.path().filename().string());
  std::sort(top.begin(), top.end());
  for (const std::string& name : top)
    EXPECT_TRUE(name == "data" || name == "web" || name == "secret.txt" || name.rfind("store.db", 0) == 0) << name;
}

TEST_F(Abuse, CorsOnlyForTheOriginsATenantAllowed) {
  EXPECT_EQ(json::parse(call("GET", "/api/v1/cors").body)["allowed_origins"], json::array());
  HttpResponse put = call("PUT", "/api/v1/cors", R"({"allowed_origins": ["https://Shop.Example", "http://localhost:8080"]})");
  ASSERT_EQ(put.status, 200) << put.body;
  EXPECT_EQ(json::parse(put.body)["allowed_origins"], json({"https://shop.example", "http://localhost:8080"}));
  for (const char* bad : {"*", "null", "https://shop.example/", "https://shop.example/path", "ftp://shop.example",
                          "https://", "https://shop example", "https://shop.example:99999", "javascript:alert(1)"})
    EXPECT_EQ(call("PUT", "/api/v1/cors", json({{"allowed_origins", {bad}}}).dump()).status, 422) << bad;
  EXPECT_EQ(call("PUT", "/api/v1/cors", R"({"allowed_origins": "https://a.example"})").status, 400);
  EXPECT_EQ(call("PUT", "/api/v1/cors", R"({})").status, 400);
  EXPECT_EQ(json::parse(call("GET", "/api/v1/cors").body)["allowed_origins"].size(), 2u);

  // Requests: Access-Control-Allow-Origin only for A's key from A's origin.
  HttpResponse a = call("GET", "/api/v1/groups", "", "A", {{"Origin", "https://shop.example"}});
  EXPECT_EQ(a.status, 200);
  EXPECT_EQ(a.headers["access-control-allow-origin"], "https://shop.example");
  EXPECT_EQ(a.headers["vary"], "Origin");
  HttpResponse a_error = call("GET", "/api/v1/imports/nope", "", "A", {{"Origin", "https://shop.example"}});
  EXPECT_EQ(a_error.status, 404);
  EXPECT_EQ(a_error.headers["access-control-allow-origin"], "https://shop.example");  // the widget may read why
  HttpResponse b = call("GET", "/api/v1/groups", "", "B", {{"Origin", "https://shop.example"}});
  EXPECT_EQ(b.status, 200);
  EXPECT_EQ(b.headers.count("access-control-allow-origin"), 0u);
  HttpResponse evil = call("GET", "/api/v1/groups", "", "A", {{"Origin", "https://evil.example"}});
  EXPECT_EQ(evil.headers.count("access-control-allow-origin"), 0u);
  HttpResponse none = call("GET", "/api/v1/groups", "", "A");
  EXPECT_EQ(none.headers.count("access-control-allow-origin"), 0u);

  // Preflights: 204 with the CORS headers for an allowed origin, 403 otherwise.
  HttpHeaders ask = {{"Origin", "http://localhost:8080"}, {"Access-Control-Request-Method", "PUT"},
                     {"Access-Control-Request-Headers", "authorization, content-type"}};
  HttpResponse pre = http(port_, "OPTIONS", "/api/v1/imports/x/parts/1", ask);
  EXPECT_EQ(pre.status, 204);
  EXPECT_EQ(pre.headers["access-control-allow-origin"], "http://localhost:8080");
  EXPECT_NE(pre.headers["access-control-allow-methods"].find("PUT"), std::string::npos);
  EXPECT_NE(pre.headers["access-control-allow-headers"].find("Authorization"), std::string::npos);
  HttpResponse denied = http(port_, "OPTIONS", "/api/v1/groups", {{"Origin", "https://evil.example"},
                                                                   {"Access-Control-Request-Method", "GET"}});
  EXPECT_EQ(denied.status, 403);
  EXPECT_EQ(denied.headers.count("access-control-allow-origin"), 0u);
  EXPECT_EQ(json::parse(denied.body)["error"]["code"], "origin_not_allowed");

  // Clearing the list withdraws the origin.
  EXPECT_EQ(call("PUT", "/api/v1/cors", R"({"allowed_origins": []})").status, 200);
  EXPECT_EQ(http(port_, "OPTIONS", "/api/v1/groups", ask).status, 403);
  EXPECT_EQ(call("GET", "/api/v1/groups", "", "A", {{"Origin", "https://shop.example"}})
                .headers.count("access-control-allow-origin"),
            0u);
}

TEST_F(Abuse, ADamagedWorkbookEndsAsAFailedImportThatSaysSo) {
  std::string id = json::parse(call("POST", "/api/v1/imports", R"({"template": "prospects"})").body)["id"];
  std::string xlsx = std::string("PK\x03\x04\x14\x00\x06\x00\x08\x00", 10) + std::string(16, '\0') + "[Content_Types].xml" +
                     std::string(4000, '\x01');
  EXPECT_EQ(call("PUT", "/api/v1/imports/" + id + "/parts/1", xlsx).status, 200);
  EXPECT_EQ(call("POST", "/api/v1/imports/" + id + "/start").status, 202);
  json status;
  for (int i = 0; i < 250; ++i) {
    status = json::parse(call("GET", "/api/v1/imports/" + id).body);
    if (status["status"] == "failed" || status["status"] == "done") break;
    std::this_thread::sleep_for(20ms);
  }
  EXPECT_EQ(status["status"], "failed") << status.dump();
  EXPECT_NE(status["error"].get<std::string>().find("workbook's ZIP container is damaged"), std::string::npos)
      << status.dump();
}

}  // namespace
}  // namespace rowgate::testing
