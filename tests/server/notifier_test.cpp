// Tests for the notifier (server/notify/: notifier, smtp_client, webhook_client) against real
// peers on loopback started here (an SMTP sink, an HTTP receiver) and a real SQLite store in a
// temporary folder: one outbox item per configured channel (none when none is); a well-formed
// e-mail with the counts, the top codes with example rows and the links; dot-stuffing and line
// ends; EHLO→HELO fallback, refused recipients, a relay that is down; a signed webhook whose
// signature verifies and whose JSON parses; backoff until the third attempt succeeds; giving up
// after max_attempts; timeouts; URL parsing; and the delivery thread's start/stop.
// (tests/server/notifier_test.cpp; the server's CMake globs tests/server/*.cpp.)
#include "notify/notifier.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "notify/smtp_client.h"
#include "notify/tcp_connection.h"
#include "notify/webhook_client.h"
#include "store/sqlite_store.h"
#include "util/crypto.h"

namespace rowgate::server {
namespace {

using namespace std::chrono_literals;
using json = nlohmann::json;

// ---- Loopback peers -----------------------------------------------------------------------------

class Fd {
 public:
  explicit Fd(int fd = -1) : fd_(fd) {}
  ~Fd() {
    if (fd_ >= 0) ::close(fd_);
  }
  Fd(Fd&& other) noexcept : fd_(std::exchange(other.fd_, -1)) {}
  Fd& operator=(Fd&& other) noexcept {
    if (this != &other) {
      if (fd_ >= 0) ::close(fd_);
      fd_ = std::exchange(other.fd_, -1);
    }
    return *this;
  }
  int get() const { return fd_; }

 private:
  int fd_ = -1;
};

Fd listen_on_loopback(std::uint16_t* port) {
  Fd fd(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t size = sizeof address;
  if (fd.get() < 0 || ::bind(fd.get(), reinterpret_cast<sockaddr*>(&address), size) != 0 ||
      ::listen(fd.get(), 16) != 0 || ::getsockname(fd.get(), reinterpret_cast<sockaddr*>(&address), &size) != 0) {
    ADD_FAILURE() << "cannot listen on 127.0.0.1";
    return Fd();
  }
  *port = ntohs(address.sin_port);
  return fd;
}

// A port on 127.0.0.1 where nothing listens (connections are refused).
std::uint16_t closed_port() {
  std::uint16_t port = 0;
  listen_on_loopback(&port);  // the socket closes at once
  return port;
}

// Reads through the next "\n" (kept); false when the peer closes or goes quiet.
bool read_line(int fd, std::string& buffer, std::string* line) {
  for (;;) {
    std::size_t end = buffer.find('\n');
    if (end != std::string::npos) {
      *line = buffer.substr(0, end + 1);
      buffer.erase(0, end + 1);
      return true;
    }
    char chunk[4096];
    ssize_t n = ::recv(fd, chunk, sizeof chunk, 0);
    if (n <= 0) return false;
    buffer.append(chunk, static_cast<std::size_t>(n));
  }
}

void send_text(int fd, std::string_view text) {
  while (!text.empty()) {
    ssize_t n = ::send(fd, text.data(), text.size(), MSG_NOSIGNAL);
    if (n <= 0) return;
    text.remove_prefix(static_cast<std::size_t>(n));
  }
}

// Accepts connections on 127.0.0.1 (a port the kernel picks) on its own thread and hands each,
// in turn, to `session`. Stops (and joins) on destruction.
class LoopbackServer {
 public:
  explicit LoopbackServer(std::function<void(Fd)> session) : listener_(listen_on_loopback(&port_)) {
    thread_ = std::thread([this, session = std::move(session)] { serve(session); });
  }
  ~LoopbackServer() {
    stop_ = true;
    thread_.join();
  }
  std::uint16_t port() const { return port_; }

 private:
  void serve(const std::function<void(Fd)>& session) {
    while (!stop_) {
      pollfd p{listener_.get(), POLLIN, 0};
      if (::poll(&p, 1, 20) <= 0) continue;
      Fd connection(::accept4(listener_.get(), nullptr, nullptr, SOCK_CLOEXEC));
      if (connection.get() < 0) continue;
      timeval tv{2, 0};  // a peer never waits on a silent client for long
      ::setsockopt(connection.get(), SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
      ::setsockopt(connection.get(), SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
      try {
        session(std::move(connection));
      } catch (...) {  // nothing may escape the thread; the test sees what was (not) recorded
      }
    }
  }

  std::uint16_t port_ = 0;
  Fd listener_;
  std::atomic<bool> stop_{false};
  std::thread thread_;
};

// Polls `done` until it holds or `timeout` passes.
bool eventually(const std::function<bool()>& done, std::chrono::milliseconds timeout = 5s) {
  auto until = std::chrono::steady_clock::now() + timeout;
  while (!done()) {
    if (std::chrono::steady_clock::now() > until) return false;
    std::this_thread::sleep_for(5ms);
  }
  return true;
}

struct ReceivedMail {
  std::string hello;      ///< the EHLO or HELO line that was accepted
  std::string mail_from;  ///< the whole MAIL FROM command
  std::string from, to;   ///< the envelope addresses
  std::string raw;        ///< the DATA bytes as sent (dot-stuffed), without the final ".\r\n"
  std::string message;    ///< the message with the dot-stuffing undone
};

struct SmtpSinkOptions {
  bool refuse_ehlo = false;  ///< answer EHLO with 502 (an old relay)
  int rcpt_code = 250;       ///< the answer to RCPT TO
};

// Speaks enough SMTP to take messages and record them.
class SmtpSink {
 public:
  explicit SmtpSink(SmtpSinkOptions options = {}) : options_(options), server_([this](Fd fd) { session(fd.get()); }) {}
  std::uint16_t port() const { return server_.port(); }
  std::vector<ReceivedMail> mails() {
    std::lock_guard<std::mutex> lock(mutex_);
    return mails_;
  }

 private:
  static std::string between_brackets(const std::string& line) {
    std::size_t open = line.find('<'), close = line.find('>');
    return open == std::string::npos || close == std::string::npos ? "" : line.substr(open + 1, close - open - 1);
  }

  void session(int fd) {
    std::string buffer, line;
    ReceivedMail mail;
    send_text(fd, "220 sink.test ESMTP\r\n");
    while (read_line(fd, buffer, &line)) {
      std::string verb = line.substr(0, 4);
      for (char& c : verb) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
      if (verb == "EHLO") {
        if (options_.refuse_ehlo) {
          send_text(fd, "502 5.5.1 EHLO not implemented\r\n");
        } else {
          mail.hello = line;
          send_text(fd, "250-sink.test\r\n250-8BITMIME\r\n250 SIZE 10000000\r\n");
        }
      } else if (verb == "HELO") {
        mail.hello = line;
        send_text(fd, "250 sink.test\r\n");
      } else if (verb == "MAIL") {
        mail.mail_from = line;
        mail.from = between_brackets(line);
        send_text(fd, "250 2.1.0 OK\r\n");
      } else if (verb == "RCPT") {
        mail.to = between_brackets(line);
        bool ok = options_.rcpt_code == 250;
        send_text(fd, std::to_string(options_.rcpt_code) + (ok ? " OK\r\n" : " 5.1.1 no such user\r\n"));
      } else if (verb == "DATA") {
        send_text(fd, "354 go ahead\r\n");
        while (read_line(fd, buffer, &line) && line != ".\r\n") {
          mail.raw += line;
          mail.message += line[0] == '.' ? line.substr(1) : line;
        }
        {
          std::lock_guard<std::mutex> lock(mutex_);
          mails_.push_back(mail);
        }
        send_text(fd, "250 2.0.0 queued\r\n");
      } else if (verb == "QUIT") {
        send_text(fd, "221 bye\r\n");
        return;
      } else {
        send_text(fd, "500 what?\r\n");
      }
    }
  }

  SmtpSinkOptions options_;
  std::mutex mutex_;
  std::vector<ReceivedMail> mails_;
  LoopbackServer server_;  // last: its thread ends before the members above go
};

struct ReceivedRequest {
  std::string method, target, body;
  std::map<std::string, std::string> headers;  ///< names in lower case
};

// Takes HTTP POSTs, records them, and answers 500 to the first `fail_first`, 200 after; a silent
// receiver reads the request and never answers.
class HttpReceiver {
 public:
  explicit HttpReceiver(int fail_first = 0, bool silent = false)
      : fail_first_(fail_first), silent_(silent), server_([this](Fd fd) { session(std::move(fd)); }) {}
  std::uint16_t port() const { return server_.port(); }
  std::vector<ReceivedRequest> requests() {
    std::lock_guard<std::mutex> lock(mutex_);
    return requests_;
  }
  std::string url(const std::string& path = "/hook") const {
    return "http://127.0.0.1:" + std::to_string(port()) + path;
  }

 private:
  void session(Fd fd) {
    std::string buffer, line;
    ReceivedRequest request;
    if (!read_line(fd.get(), buffer, &line)) return;
    std::size_t space = line.find(' ');
    request.method = line.substr(0, space);
    request.target = line.substr(space + 1, line.find(' ', space + 1) - space - 1);
    while (read_line(fd.get(), buffer, &line) && line != "\r\n") {
      std::size_t colon = line.find(':');
      if (colon == std::string::npos) continue;
      std::string name = line.substr(0, colon);
      for (char& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      std::string value = line.substr(colon + 1);
      value.erase(0, value.find_first_not_of(' '));
      value.erase(value.find_last_not_of("\r\n") + 1);
      request.headers[name] = value;
    }
    std::size_t length = std::strtoull(request.headers["content-length"].c_str(), nullptr, 10);
    char chunk[4096];
    while (buffer.size() < length) {
      ssize_t n = ::recv(fd.get(), chunk, sizeof chunk, 0);
      if (n <= 0) break;
      buffer.append(chunk, static_cast<std::size_t>(n));
    }
    request.body = buffer;
    int seen;
    {
      std::lock_guard<std::mutex> lock(mutex_);
      requests_.push_back(request);
      seen = static_cast<int>(requests_.size());
    }
    if (silent_) {
      held_.push_back(std::move(fd));  // open, unanswered, until the receiver goes
      return;
    }
    send_text(fd.get(), seen <= fail_first_
                            ? "HTTP/1.1 500 Internal Server Error\r\nContent-Length: 4\r\nConnection: close\r\n\r\noops"
                            : "HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok");
  }

  int fail_first_;
  bool silent_;
  std::mutex mutex_;
  std::vector<ReceivedRequest> requests_;
  std::vector<Fd> held_;
  LoopbackServer server_;  // last: its thread ends before the members above go
};

// ---- Fixture ------------------------------------------------------------------------------------

constexpr std::int64_t kStart = 1'700'000'000;  // Tue, 14 Nov 2023 22:13:20 +0000
const char* const kBase = "http://127.0.0.1:8080";

class NotifierTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string pattern = (std::filesystem::temp_directory_path() / "rowgate_notify_XXXXXX").string();
    ASSERT_NE(::mkdtemp(pattern.data()), nullptr);
    dir_ = pattern;
    store_ = std::make_unique<SqliteStore>(dir_ + "/store.db");
  }
  void TearDown() override {
    store_.reset();
    std::error_code ignored;
    std::filesystem::remove_all(dir_, ignored);
  }

  NotifySettings settings() {
    NotifySettings s;
    s.base_url = kBase;
    s.max_attempts = 4;
    s.first_retry_seconds = 1;
    s.timeout_milliseconds = 2000;
    s.clock = [this] { return clock_.load(); };
    s.allow_internal_webhooks = true;  // the receivers here listen on loopback
    return s;
  }

  Tenant tenant(const NotifyConfig& config) {
    std::int64_t id = store_->create_tenant("Acme Partners");
    store_->set_notify(id, config);
    std::optional<Tenant> t = store_->tenant(id);
    EXPECT_TRUE(t.has_value());
    return t.value_or(Tenant{});
  }

  static ImportRecord finished_import() {
    ImportRecord r;
    r.id = "3f2a9c0d11e04b7a";
    r.tenant_id = 1;
    r.template_name = "prospects";
    r.status = ImportStatus::Done;
    r.summary_json = R"({"rows":1000,"valid":990,"invalid":10,"create":900,"update":80,"duplicate":10,"warnings":3})";
    r.top_codes_json =
        R"([{"code":"invalid_email","severity":"error","count":7,"rows":[3,8,15]},)"
        R"({"code":"required","severity":"error","count":3,"rows":[22,40,41]},)"
        R"({"code":"unknown_column","severity":"warning","count":1,"rows":[1]}])";
    return r;
  }

  std::string dir_;
  std::unique_ptr<SqliteStore> store_;
  std::atomic<std::int64_t> clock_{kStart};
};

std::string header_block(const std::string& message) { return message.substr(0, message.find("\r\n\r\n") + 2); }
std::string body_of(const std::string& message) { return message.substr(message.find("\r\n\r\n") + 4); }

// ---- Outbox items -------------------------------------------------------------------------------

TEST_F(NotifierTest, NoChannelsConfiguredWritesNoOutboxItems) {
  Notifier notifier(*store_, settings());
  Tenant t = tenant({});
  EXPECT_EQ(notifier.import_finished(t, finished_import()), 0u);
  EXPECT_TRUE(store_->outbox(t.id).empty());
  notifier.deliver_due();
  EXPECT_TRUE(store_->outbox(t.id).empty());
}

TEST_F(NotifierTest, EmailIsSkippedWhileNoRelayIsSet) {
  Notifier notifier(*store_, settings());  // smtp_port 0
  Tenant t = tenant({"ops@example.com", "", ""});
  EXPECT_EQ(notifier.import_finished(t, finished_import()), 0u);
  EXPECT_TRUE(store_->outbox(t.id).empty());
}

TEST_F(NotifierTest, TargetsThatAreNotPlainAddressesOrHttpUrlsAreSkipped) {
  NotifySettings s = settings();
  s.smtp_port = 2525;
  Notifier notifier(*store_, s);
  Tenant t = tenant({"ops@example.com\r\nBcc: everyone@example.com", "https://hooks.example.com/x", "k"});
  EXPECT_EQ(notifier.import_finished(t, finished_import()), 0u);
  EXPECT_TRUE(store_->outbox(t.id).empty());
}

TEST_F(NotifierTest, BothChannelsGiveOneItemEach) {
  NotifySettings s = settings();
  s.smtp_port = 2525;
  Notifier notifier(*store_, s);
  Tenant t = tenant({"ops@example.com", "http://127.0.0.1:9/hook", "k"});
  EXPECT_EQ(notifier.import_finished(t, finished_import()), 2u);
  std::vector<OutboxItem> items = store_->outbox(t.id);
  ASSERT_EQ(items.size(), 2u);
  EXPECT_EQ(items[0].channel, "email");
  EXPECT_EQ(items[0].target, "ops@example.com");
  EXPECT_EQ(items[1].channel, "webhook");
  EXPECT_EQ(items[1].target, "http://127.0.0.1:9/hook");
  for (const OutboxItem& item : items) {
    EXPECT_EQ(item.import_id, "3f2a9c0d11e04b7a");
    EXPECT_EQ(item.attempts, 0u);
    EXPECT_EQ(item.next_attempt_at, kStart);
    EXPECT_EQ(item.delivered_at, 0);
  }
}

// ---- E-mail -------------------------------------------------------------------------------------

TEST_F(NotifierTest, EmailIsDeliveredAsAWellFormedMessage) {
  SmtpSink sink;
  NotifySettings s = settings();
  s.smtp_port = sink.port();
  Notifier notifier(*store_, s);
  Tenant t = tenant({"ops@example.com", "", ""});
  ASSERT_EQ(notifier.import_finished(t, finished_import()), 1u);
  ASSERT_EQ(store_->outbox(t.id).size(), 1u);

  clock_ += 5;
  notifier.deliver_due();
  std::vector<ReceivedMail> mails = sink.mails();
  ASSERT_EQ(mails.size(), 1u);
  const ReceivedMail& mail = mails[0];
  EXPECT_EQ(mail.hello.rfind("EHLO ", 0), 0u);
  EXPECT_EQ(mail.from, "rowgate@localhost");
  EXPECT_EQ(mail.to, "ops@example.com");

  // Every line ends in CRLF; no line is longer than RFC 5322 allows.
  for (std::size_t i = 0; i < mail.raw.size(); ++i) {
    if (mail.raw[i] == '\n') {
      ASSERT_TRUE(i > 0 && mail.raw[i - 1] == '\r') << "bare LF at byte " << i;
    }
  }
  ASSERT_GE(mail.raw.size(), 2u);
  EXPECT_EQ(mail.raw.substr(mail.raw.size() - 2), "\r\n");

  std::string headers = header_block(mail.message);
  EXPECT_NE(headers.find("Date: Tue, 14 Nov 2023 22:13:20 +0000\r\n"), std::string::npos) << headers;
  EXPECT_NE(headers.find("From: Rowgate <rowgate@localhost>\r\n"), std::string::npos) << headers;
  EXPECT_NE(headers.find("To: <ops@example.com>\r\n"), std::string::npos) << headers;
  EXPECT_NE(headers.find("Subject: Rowgate import done: prospects, 990 of 1000 rows valid\r\n"), std::string::npos)
      << headers;
  EXPECT_NE(headers.find("Message-ID: <3f2a9c0d11e04b7a."), std::string::npos) << headers;
  EXPECT_NE(headers.find("@localhost>\r\n"), std::string::npos) << headers;
  EXPECT_NE(headers.find("MIME-Version: 1.0\r\n"), std::string::npos) << headers;
  EXPECT_NE(headers.find("Content-Type: text/plain; charset=UTF-8\r\n"), std::string::npos) << headers;

  std::string body = body_of(mail.message);
  for (const char* expected :
       {"Import 3f2a9c0d11e04b7a (template prospects) has ended: done.\r\n", "Rows:      1000\r\n",
        "Valid:     990\r\n", "Invalid:   10\r\n", "Create:    900\r\n", "Update:    80\r\n", "Duplicate: 10\r\n",
        "Warnings:  3\r\n", "Most frequent problems:\r\n",
        "- invalid_email (error): found 7 times, e.g. rows 3, 8, 15\r\n",
        "- required (error): found 3 times, e.g. rows 22, 40, 41\r\n",
        "- unknown_column (warning): found once, e.g. row 1\r\n",
        "Import:       http://127.0.0.1:8080/api/v1/imports/3f2a9c0d11e04b7a\r\n",
        "Errors file:  http://127.0.0.1:8080/api/v1/imports/3f2a9c0d11e04b7a/errors.csv\r\n",
        "Results file: http://127.0.0.1:8080/api/v1/imports/3f2a9c0d11e04b7a/results.csv\r\n"})
    EXPECT_NE(body.find(expected), std::string::npos) << "missing: " << expected << "\nin:\n" << body;

  std::vector<OutboxItem> items = store_->outbox(t.id);
  ASSERT_EQ(items.size(), 1u);
  EXPECT_EQ(items[0].delivered_at, kStart + 5);
  EXPECT_EQ(items[0].attempts, 1u);
  EXPECT_EQ(items[0].last_error, "");
  notifier.deliver_due();  // delivered items are not sent again
  EXPECT_EQ(sink.mails().size(), 1u);
}

TEST_F(NotifierTest, EmailBodyLinesStartingWithADotAreStuffed) {
  SmtpSink sink;
  NotifySettings s = settings();
  s.smtp_port = sink.port();
  Notifier notifier(*store_, s);
  Tenant t = tenant({"ops@example.com", "", ""});
  ImportRecord failed = finished_import();
  failed.status = ImportStatus::Failed;
  failed.error = "The file ends inside a quoted field.\n.hidden starts with a dot\n.";
  ASSERT_EQ(notifier.import_finished(t, failed), 1u);
  notifier.deliver_due();

  std::vector<ReceivedMail> mails = sink.mails();
  ASSERT_EQ(mails.size(), 1u);
  EXPECT_NE(mails[0].raw.find("\r\n..hidden starts with a dot\r\n..\r\n"), std::string::npos) << mails[0].raw;
  EXPECT_NE(mails[0].message.find("\r\n.hidden starts with a dot\r\n.\r\n"), std::string::npos);
  // The lone "." line did not end the message early: the links after it arrived.
  EXPECT_NE(mails[0].message.find("/results.csv\r\n"), std::string::npos);
  EXPECT_NE(mails[0].message.find("Subject: Rowgate import failed: prospects"), std::string::npos);
}

TEST_F(NotifierTest, NonAsciiSubjectIsEncodedAndTheBodyGoesAs8Bit) {
  SmtpSink sink;
  NotifySettings s = settings();
  s.smtp_port = sink.port();
  Notifier notifier(*store_, s);
  Tenant t = tenant({"ops@example.com", "", ""});
  ImportRecord import = finished_import();
  import.template_name = "pr\xC3\xA9stamos";  // "préstamos"
  import.dry_run = true;
  ASSERT_EQ(notifier.import_finished(t, import), 1u);
  notifier.deliver_due();

  std::vector<ReceivedMail> mails = sink.mails();
  ASSERT_EQ(mails.size(), 1u);
  EXPECT_NE(mails[0].mail_from.find("BODY=8BITMIME"), std::string::npos) << mails[0].mail_from;
  std::string headers = header_block(mails[0].message);
  EXPECT_NE(headers.find("Subject: =?UTF-8?B?"), std::string::npos) << headers;
  for (unsigned char c : headers) EXPECT_LT(c, 0x80u) << headers;
  EXPECT_NE(body_of(mails[0].message).find("This was a dry run: nothing was written."), std::string::npos);
  EXPECT_NE(body_of(mails[0].message).find("template pr\xC3\xA9stamos"), std::string::npos);
}

TEST(SmtpClientTest, StuffsDotsAndNormalisesLineEnds) {
  EXPECT_EQ(smtp_data_block(""), "");
  EXPECT_EQ(smtp_data_block("a"), "a\r\n");
  EXPECT_EQ(smtp_data_block(".a\nb\r\n..c\r.\r\n"), "..a\r\nb\r\n...c\r\n..\r\n");
  EXPECT_EQ(smtp_data_block("x\n\n.\n"), "x\r\n\r\n..\r\n");

  SmtpSink sink;
  SmtpServer relay;
  relay.port = sink.port();
  std::string error;
  ASSERT_TRUE(send_mail(relay, "a@example.com", "b@example.com", "Subject: dots\n\n.one\n..two\nthree.\n.", &error))
      << error;
  std::vector<ReceivedMail> mails = sink.mails();
  ASSERT_EQ(mails.size(), 1u);
  EXPECT_EQ(mails[0].raw, "Subject: dots\r\n\r\n..one\r\n...two\r\nthree.\r\n..\r\n");
  EXPECT_EQ(mails[0].message, "Subject: dots\r\n\r\n.one\r\n..two\r\nthree.\r\n.\r\n");
}

TEST(SmtpClientTest, FallsBackToHeloWhenEhloIsRefused) {
  SmtpSink sink({.refuse_ehlo = true});
  SmtpServer relay;
  relay.port = sink.port();
  std::string error;
  ASSERT_TRUE(send_mail(relay, "a@example.com", "b@example.com", "Subject: hi\r\n\r\nhello\r\n", &error)) << error;
  ASSERT_EQ(sink.mails().size(), 1u);
  EXPECT_EQ(sink.mails()[0].hello, "HELO localhost\r\n");
}

TEST(SmtpClientTest, ARefusedRecipientIsAClearError) {
  SmtpSink sink({.rcpt_code = 550});
  SmtpServer relay;
  relay.port = sink.port();
  std::string error;
  EXPECT_FALSE(send_mail(relay, "a@example.com", "nobody@example.com", "Subject: hi\r\n\r\nhello\r\n", &error));
  EXPECT_NE(error.find("RCPT TO was answered 550"), std::string::npos) << error;
  EXPECT_NE(error.find("no such user"), std::string::npos) << error;
  EXPECT_TRUE(sink.mails().empty());
}

TEST(SmtpClientTest, ARelayThatIsDownIsAClearError) {
  SmtpServer relay;
  relay.port = closed_port();
  std::string error;
  EXPECT_FALSE(send_mail(relay, "a@example.com", "b@example.com", "x", &error));
  EXPECT_NE(error.find("cannot connect to 127.0.0.1:" + std::to_string(relay.port)), std::string::npos) << error;
  EXPECT_NE(error.find("refused"), std::string::npos) << error;
}

TEST(SmtpClientTest, AddressesThatCouldInjectCommandsAreRefused) {
  EXPECT_TRUE(valid_mail_address("ops@example.com"));
  EXPECT_TRUE(valid_mail_address("first.last+tag@sub.example.co.uk"));
  for (const char* bad : {"", "ops", "@example.com", "ops@", "ops@example.com\r\nRCPT TO:<x@y>", "a b@example.com",
                          "<ops@example.com>", "ops@example.com,other@example.com"})
    EXPECT_FALSE(valid_mail_address(bad)) << bad;
  SmtpServer relay;
  relay.port = closed_port();
  std::string error;
  EXPECT_FALSE(send_mail(relay, "a@example.com", "x@example.com>\r\nDATA", "x", &error));
  EXPECT_NE(error.find("invalid recipient address"), std::string::npos) << error;
}

// ---- Webhooks -----------------------------------------------------------------------------------

TEST_F(NotifierTest, WebhookIsSignedAndCarriesTheSummary) {
  HttpReceiver receiver;
  Notifier notifier(*store_, settings());
  Tenant t = tenant({"", receiver.url("/hooks/rowgate?source=test"), "s3cret"});
  ASSERT_EQ(notifier.import_finished(t, finished_import()), 1u);
  std::vector<OutboxItem> items = store_->outbox(t.id);
  ASSERT_EQ(items.size(), 1u);
  notifier.deliver_due();

  std::vector<ReceivedRequest> requests = receiver.requests();
  ASSERT_EQ(requests.size(), 1u);
  const ReceivedRequest& r = requests[0];
  EXPECT_EQ(r.method, "POST");
  EXPECT_EQ(r.target, "/hooks/rowgate?source=test");
  EXPECT_EQ(r.headers.at("host"), "127.0.0.1:" + std::to_string(receiver.port()));
  EXPECT_EQ(r.headers.at("content-type"), "application/json");
  EXPECT_EQ(r.headers.at("x-rowgate-event"), "import.finished");
  EXPECT_EQ(r.headers.at("x-rowgate-delivery"), std::to_string(items[0].id));
  EXPECT_EQ(r.headers.at("content-length"), std::to_string(r.body.size()));
  EXPECT_EQ(r.headers.at("connection"), "close");
  EXPECT_EQ(r.body, items[0].payload);

  // The receiver's check: HMAC-SHA-256 of the exact body under the shared secret.
  EXPECT_EQ(r.headers.at("x-rowgate-signature"), "sha256=" + hmac_sha256_hex("s3cret", r.body));
  EXPECT_NE(r.headers.at("x-rowgate-signature"), "sha256=" + hmac_sha256_hex("other", r.body));

  json body = json::parse(r.body, nullptr, false);
  ASSERT_FALSE(body.is_discarded()) << r.body;
  ASSERT_TRUE(body.is_object());
  EXPECT_EQ(body.value("event", ""), "import.finished");
  ASSERT_TRUE(body["import"].is_object());
  const json& i = body["import"];
  EXPECT_EQ(i.value("id", ""), "3f2a9c0d11e04b7a");
  EXPECT_EQ(i.value("template", ""), "prospects");
  EXPECT_EQ(i.value("status", ""), "done");
  EXPECT_EQ(i.value("dry_run", true), false);
  EXPECT_FALSE(i.contains("error"));
  EXPECT_EQ(i["summary"], json::parse(finished_import().summary_json, nullptr, false));
  EXPECT_EQ(i["top_codes"], json::parse(finished_import().top_codes_json, nullptr, false));
  EXPECT_EQ(i["links"]["self"], std::string(kBase) + "/api/v1/imports/3f2a9c0d11e04b7a");
  EXPECT_EQ(i["links"]["errors"], std::string(kBase) + "/api/v1/imports/3f2a9c0d11e04b7a/errors.csv");
  EXPECT_EQ(i["links"]["results"], std::string(kBase) + "/api/v1/imports/3f2a9c0d11e04b7a/results.csv");
  // Keys in a fixed order, the event first.
  EXPECT_EQ(r.body.rfind("{\"event\":\"import.finished\",\"import\":{\"id\":", 0), 0u) << r.body;

  items = store_->outbox(t.id);
  EXPECT_EQ(items[0].delivered_at, kStart);
}

TEST_F(NotifierTest, AFailedImportWithoutASummaryStillGivesValidJson) {
  HttpReceiver receiver;
  Notifier notifier(*store_, settings());
  Tenant t = tenant({"", receiver.url(), "k"});
  ImportRecord failed = finished_import();
  failed.status = ImportStatus::Failed;
  failed.error = "The file is not UTF-8 \xFF text";
  failed.summary_json = "";
  failed.top_codes_json = "not json";
  ASSERT_EQ(notifier.import_finished(t, failed), 1u);
  notifier.deliver_due();
  ASSERT_EQ(receiver.requests().size(), 1u);
  json body = json::parse(receiver.requests()[0].body, nullptr, false);
  ASSERT_FALSE(body.is_discarded());
  EXPECT_EQ(body["import"]["status"], "failed");
  EXPECT_EQ(body["import"]["error"], "The file is not UTF-8 \xEF\xBF\xBD text");
  EXPECT_EQ(body["import"]["summary"], json::object());
  EXPECT_EQ(body["import"]["top_codes"], json::array());
}

TEST_F(NotifierTest, AReceiverThatFailsTwiceGetsItOnTheThirdAttemptAfterBackoff) {
  HttpReceiver receiver(/*fail_first=*/2);
  Notifier notifier(*store_, settings());  // first_retry_seconds 1, max_attempts 4
  Tenant t = tenant({"", receiver.url(), "k"});
  ASSERT_EQ(notifier.import_finished(t, finished_import()), 1u);

  notifier.deliver_due();  // attempt 1 at kStart: 500
  OutboxItem item = store_->outbox(t.id).at(0);
  EXPECT_EQ(item.attempts, 1u);
  EXPECT_EQ(item.next_attempt_at, kStart + 1);
  EXPECT_NE(item.last_error.find("answered 500 Internal Server Error"), std::string::npos) << item.last_error;

  notifier.deliver_due();  // not due yet
  EXPECT_EQ(receiver.requests().size(), 1u);

  clock_ = kStart + 1;
  notifier.deliver_due();  // attempt 2: 500 again; the wait doubles
  item = store_->outbox(t.id).at(0);
  EXPECT_EQ(item.attempts, 2u);
  EXPECT_EQ(item.next_attempt_at, kStart + 1 + 2);

  clock_ = kStart + 2;
  notifier.deliver_due();
  EXPECT_EQ(receiver.requests().size(), 2u);

  clock_ = kStart + 3;
  notifier.deliver_due();  // attempt 3: 200
  std::vector<ReceivedRequest> requests = receiver.requests();
  ASSERT_EQ(requests.size(), 3u);
  item = store_->outbox(t.id).at(0);
  EXPECT_EQ(item.delivered_at, kStart + 3);
  EXPECT_EQ(item.attempts, 3u);
  // Every attempt carried the same body, signature and delivery id.
  for (const ReceivedRequest& r : requests) {
    EXPECT_EQ(r.body, requests[0].body);
    EXPECT_EQ(r.headers.at("x-rowgate-signature"), "sha256=" + hmac_sha256_hex("k", r.body));
    EXPECT_EQ(r.headers.at("x-rowgate-delivery"), std::to_string(item.id));
  }
}

TEST_F(NotifierTest, AReceiverThatIsDownIsRetriedThenGivenUp) {
  NotifySettings s = settings();
  s.max_attempts = 3;
  s.first_retry_seconds = 10;
  Notifier notifier(*store_, s);
  Tenant t = tenant({"", "http://127.0.0.1:" + std::to_string(closed_port()) + "/hook", "k"});
  ASSERT_EQ(notifier.import_finished(t, finished_import()), 1u);

  notifier.deliver_due();
  OutboxItem item = store_->outbox(t.id).at(0);
  EXPECT_EQ(item.attempts, 1u);
  EXPECT_EQ(item.next_attempt_at, kStart + 10);
  EXPECT_NE(item.last_error.find("refused"), std::string::npos) << item.last_error;

  clock_ = kStart + 10;
  notifier.deliver_due();
  item = store_->outbox(t.id).at(0);
  EXPECT_EQ(item.attempts, 2u);
  EXPECT_EQ(item.next_attempt_at, kStart + 10 + 20);

  clock_ = kStart + 30;
  notifier.deliver_due();
  item = store_->outbox(t.id).at(0);
  EXPECT_EQ(item.attempts, 3u);
  EXPECT_EQ(item.next_attempt_at, kOutboxNever);
  EXPECT_EQ(item.delivered_at, 0);
  const std::string given_up = "given up after 3 attempts; last error: webhook: cannot connect to 127.0.0.1:";
  EXPECT_EQ(item.last_error.rfind(given_up, 0), 0u) << item.last_error;

  clock_ = kStart + 10'000'000;  // never due again
  notifier.deliver_due();
  EXPECT_EQ(store_->outbox(t.id).at(0).attempts, 3u);
}

TEST_F(NotifierTest, AReceiverThatNeverAnswersTimesOut) {
  HttpReceiver receiver(0, /*silent=*/true);
  NotifySettings s = settings();
  s.timeout_milliseconds = 200;
  Notifier notifier(*store_, s);
  Tenant t = tenant({"", receiver.url(), "k"});
  ASSERT_EQ(notifier.import_finished(t, finished_import()), 1u);
  auto started = std::chrono::steady_clock::now();
  notifier.deliver_due();
  EXPECT_LT(std::chrono::steady_clock::now() - started, 2s);
  OutboxItem item = store_->outbox(t.id).at(0);
  EXPECT_EQ(item.attempts, 1u);
  EXPECT_EQ(item.delivered_at, 0);
  EXPECT_NE(item.last_error.find("timed out after 200 ms waiting for the answer"), std::string::npos)
      << item.last_error;
}

TEST(WebhookUrlTest, ParsesHttpUrlsAndRefusesTheRest) {
  struct Case {
    const char* url;
    const char* host;
    std::uint16_t port;
    const char* target;
  };
  for (const Case& c : {Case{"http://127.0.0.1:8080/hook", "127.0.0.1", 8080, "/hook"},
                        Case{"http://hooks.example.com", "hooks.example.com", 80, "/"},
                        Case{"HTTP://Example.com:81?a=1#frag", "Example.com", 81, "/?a=1"},
                        Case{"http://[::1]:9000/a/b?c=d", "::1", 9000, "/a/b?c=d"},
                        Case{"http://localhost/path#only", "localhost", 80, "/path"}}) {
    HttpUrl url;
    std::string error;
    ASSERT_TRUE(parse_http_url(c.url, &url, &error)) << c.url << ": " << error;
    EXPECT_EQ(url.host, c.host) << c.url;
    EXPECT_EQ(url.port, c.port) << c.url;
    EXPECT_EQ(url.target, c.target) << c.url;
  }
  for (const char* bad : {"", "https://example.com/", "ftp://example.com/", "http://", "http://:80/", "http://a:0/",
                          "http://a:65536/", "http://a:/", "http://a:8x/", "http://user:pw@example.com/",
                          "http://example.com/a b", "http://example.com/\r\nX-Injected: 1", "http://[::1/"}) {
    HttpUrl url;
    std::string error;
    EXPECT_FALSE(parse_http_url(bad, &url, &error)) << bad;
    EXPECT_FALSE(error.empty()) << bad;
  }
}

// ---- The delivery thread ------------------------------------------------------------------------

TEST_F(NotifierTest, TheThreadDeliversNewItemsAndStops) {
  HttpReceiver receiver;
  NotifySettings s = settings();
  s.clock = nullptr;  // the thread runs on the real clock
  s.poll_milliseconds = 60'000;  // import_finished wakes it: no waiting for the poll
  Notifier notifier(*store_, s);
  notifier.start();
  notifier.start();  // a second start is a no-op
  Tenant t = tenant({"", receiver.url(), "k"});
  ASSERT_EQ(notifier.import_finished(t, finished_import()), 1u);
  EXPECT_TRUE(eventually([&] { return receiver.requests().size() == 1; }));
  EXPECT_TRUE(eventually([&] { return store_->outbox(t.id).at(0).delivered_at != 0; }));

  auto started = std::chrono::steady_clock::now();
  notifier.stop();
  EXPECT_LT(std::chrono::steady_clock::now() - started, 1s);
  notifier.stop();  // and a second stop too
}

TEST_F(NotifierTest, TheThreadRetriesOnItsPollAndStopsPromptlyWhileWaiting) {
  HttpReceiver receiver(/*fail_first=*/1);
  NotifySettings s = settings();
  s.clock = nullptr;
  s.first_retry_seconds = 0;  // due again at once
  s.poll_milliseconds = 20;
  {
    Notifier notifier(*store_, s);
    Tenant t = tenant({"", receiver.url(), "k"});
    ASSERT_EQ(notifier.import_finished(t, finished_import()), 1u);
    notifier.start();
    EXPECT_TRUE(eventually([&] { return store_->outbox(t.id).at(0).delivered_at != 0; }));
    EXPECT_EQ(receiver.requests().size(), 2u);
    EXPECT_EQ(store_->outbox(t.id).at(0).attempts, 2u);
  }  // the destructor stops the thread

  NotifySettings idle = settings();
  idle.poll_milliseconds = 60'000;
  Notifier notifier(*store_, idle);
  notifier.start();
  std::this_thread::sleep_for(50ms);  // the thread is waiting out its poll now
  auto started = std::chrono::steady_clock::now();
  notifier.stop();
  EXPECT_LT(std::chrono::steady_clock::now() - started, 1s);
}

TEST_F(NotifierTest, StopWithoutStartReturns) {
  Notifier notifier(*store_, settings());
  notifier.stop();
}

TEST_F(NotifierTest, DeliverDueStillDeliversAfterTheThreadStopped) {
  HttpReceiver receiver;
  Notifier notifier(*store_, settings());
  notifier.start();
  notifier.stop();
  Tenant t = tenant({"", receiver.url(), "k"});
  ASSERT_EQ(notifier.import_finished(t, finished_import()), 1u);
  notifier.deliver_due();  // a last round on shutdown, say
  EXPECT_EQ(receiver.requests().size(), 1u);
  EXPECT_EQ(store_->outbox(t.id).at(0).delivered_at, kStart);
}


// ---- Webhooks reach only public addresses unless the operator allows more -----------------------

TEST_F(NotifierTest, AWebhookToAnInternalAddressIsRefusedWithoutConnecting) {
  HttpReceiver receiver;
  NotifySettings s = settings();
  s.allow_internal_webhooks = false;  // the default of `rowgate serve`
  Notifier notifier(*store_, s);
  Tenant t = tenant({"", receiver.url("/hook"), "k"});
  ASSERT_EQ(notifier.import_finished(t, finished_import()), 1u);
  notifier.deliver_due();
  EXPECT_TRUE(receiver.requests().empty());
  OutboxItem item = store_->outbox(t.id).at(0);
  EXPECT_EQ(item.delivered_at, 0);
  EXPECT_NE(item.last_error.find("internal address"), std::string::npos) << item.last_error;
}

TEST(InternalAddressTest, LoopbackPrivateLinkLocalAndMappedAreInternalPublicIsNot) {
  auto internal = [](const char* text) {
    sockaddr_storage storage{};
    auto* v4 = reinterpret_cast<sockaddr_in*>(&storage);
    auto* v6 = reinterpret_cast<sockaddr_in6*>(&storage);
    if (::inet_pton(AF_INET, text, &v4->sin_addr) == 1) v4->sin_family = AF_INET;
    else if (::inet_pton(AF_INET6, text, &v6->sin6_addr) == 1) v6->sin6_family = AF_INET6;
    else ADD_FAILURE() << text;
    return is_internal_address(reinterpret_cast<const sockaddr*>(&storage));
  };
  for (const char* a : {"127.0.0.1", "127.8.9.10", "10.1.2.3", "172.16.0.1", "172.31.255.255", "192.168.1.1",
                        "169.254.169.254", "100.64.0.1", "0.0.0.0", "224.0.0.1", "255.255.255.255", "198.18.0.1",
                        "::1", "::", "fc00::1", "fd12::1", "fe80::1", "ff02::1", "::ffff:127.0.0.1",
                        "::ffff:169.254.169.254", "::127.0.0.1"})
    EXPECT_TRUE(internal(a)) << a;
  for (const char* a : {"93.184.216.34", "8.8.8.8", "172.32.0.1", "100.128.0.1", "192.169.0.1",
                        "2606:2800:220:1::1", "::ffff:8.8.8.8"})
    EXPECT_FALSE(internal(a)) << a;
}

}  // namespace
}  // namespace rowgate::server
