#include "notify/tcp_connection.h"
#include "notify/smtp_client.h"

#include <sys/socket.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <vector>

namespace rowgate::server {
namespace {

using Clock = std::chrono::steady_clock;

// A whole session may take this many single-operation timeouts: a relay that answers one byte at
// a time just under the timeout cannot hold the delivery thread for ever.
constexpr int kSessionTimeouts = 6;
constexpr std::size_t kMaxReplyLine = 4096;
constexpr std::size_t kMaxReplyLines = 100;

// One SMTP conversation: commands out, (multi-line) replies in.
class Session {
 public:
  Session(const SmtpServer& server, int fd)
      : server_(server),
        fd_(fd),
        deadline_(Clock::now() + std::chrono::milliseconds(server.timeout_milliseconds) * kSessionTimeouts) {}

  /// Reads one reply; false (with error_) when it is missing or malformed.
  bool read_reply(int* code, std::vector<std::string>* lines) {
    lines->clear();
    for (;;) {
      std::string line;
      if (!read_line(&line)) return false;
      if (line.size() < 3 || !is_digit(line[0]) || !is_digit(line[1]) || !is_digit(line[2]) ||
          (line.size() > 3 && line[3] != ' ' && line[3] != '-')) {
        error_ = "the relay sent a malformed reply: \"" + printable(line) + "\"";
        return false;
      }
      *code = (line[0] - '0') * 100 + (line[1] - '0') * 10 + (line[2] - '0');
      lines->push_back(line.size() > 4 ? line.substr(4) : std::string());
      if (line.size() == 3 || line[3] == ' ') return true;
      if (lines->size() > kMaxReplyLines) {
        error_ = "the relay sent a reply of more than " + std::to_string(kMaxReplyLines) + " lines";
        return false;
      }
    }
  }

  /// Expects a reply whose code is one of `accepted`, after `what` (for the error message).
  bool expect(std::initializer_list<int> accepted, std::string_view what, std::vector<std::string>* lines = nullptr) {
    int code = 0;
    std::vector<std::string> local;
    std::vector<std::string>& text = lines ? *lines : local;
    if (!read_reply(&code, &text)) {
      error_ = "no valid reply to " + std::string(what) + ": " + error_;
      return false;
    }
    for (int ok : accepted)
      if (code == ok) return true;
    error_ = std::string(what) + " was answered " + std::to_string(code);
    if (!text.empty()) error_ += " " + printable(text.back());
    last_code_ = code;
    return false;
  }

  bool send(std::string_view data) {
    std::size_t done = 0;
    while (done < data.size()) {
      if (Clock::now() > deadline_) {
        error_ = "the session took too long";
        return false;
      }
      ssize_t n = ::send(fd_, data.data() + done, data.size() - done, MSG_NOSIGNAL);
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) {
        error_ = (errno == EAGAIN || errno == EWOULDBLOCK) ? "timed out writing to the relay"
                                                           : "writing to the relay failed: " + errno_text(errno);
        return false;
      }
      done += static_cast<std::size_t>(n);
    }
    return true;
  }

  /// Sends a command line (CRLF added) and checks its reply.
  bool command(const std::string& line, std::initializer_list<int> accepted, std::string_view what,
               std::vector<std::string>* lines = nullptr) {
    return send(line + "\r\n") && expect(accepted, what, lines);
  }

  const std::string& error() const { return error_; }
  int last_code() const { return last_code_; }

 private:
  static bool is_digit(char c) { return c >= '0' && c <= '9'; }

  bool read_line(std::string* line) {
    for (;;) {
      std::size_t end = buffer_.find('\n');
      if (end != std::string::npos) {
        *line = buffer_.substr(0, end > 0 && buffer_[end - 1] == '\r' ? end - 1 : end);
        buffer_.erase(0, end + 1);
        return true;
      }
      if (buffer_.size() > kMaxReplyLine) {
        error_ = "a reply line longer than " + std::to_string(kMaxReplyLine) + " bytes";
        return false;
      }
      if (Clock::now() > deadline_) {
        error_ = "the session took too long";
        return false;
      }
      char chunk[1024];
      ssize_t n = ::recv(fd_, chunk, sizeof chunk, 0);
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) {
        error_ = (errno == EAGAIN || errno == EWOULDBLOCK)
                     ? "timed out after " + std::to_string(server_.timeout_milliseconds) + " ms"
                     : "reading failed: " + errno_text(errno);
        return false;
      }
      if (n == 0) {
        error_ = "the relay closed the connection";
        return false;
      }
      buffer_.append(chunk, static_cast<std::size_t>(n));
    }
  }

  const SmtpServer& server_;
  int fd_;
  Clock::time_point deadline_;
  std::string buffer_;
  std::string error_;
  int last_code_ = 0;
};

bool has_8bit(std::string_view text) {
  for (char c : text)
    if (static_cast<unsigned char>(c) >= 0x80) return true;
  return false;
}

bool advertises(const std::vector<std::string>& ehlo_lines, std::string_view keyword) {
  // The first line is the greeting name; the others are extensions ("8BITMIME", "SIZE 1000").
  for (std::size_t i = 1; i < ehlo_lines.size(); ++i) {
    std::string_view line = ehlo_lines[i];
    std::string_view word = line.substr(0, line.find(' '));
    if (word.size() != keyword.size()) continue;
    bool same = true;
    for (std::size_t k = 0; k < word.size() && same; ++k)
      same = (word[k] >= 'a' && word[k] <= 'z' ? word[k] - 32 : word[k]) == keyword[k];
    if (same) return true;
  }
  return false;
}

}  // namespace

bool valid_mail_address(std::string_view address) {
  if (address.empty() || address.size() > 254) return false;
  std::size_t at = address.rfind('@');
  if (at == std::string_view::npos || at == 0 || at + 1 == address.size()) return false;
  for (unsigned char c : address) {
    if (c <= 0x20 || c >= 0x7f) return false;  // controls (CR, LF: header injection), spaces, 8-bit
    if (std::strchr("<>()[],;:\\\"", c)) return false;
  }
  return true;
}

std::string smtp_data_block(std::string_view message) {
  std::string out;
  out.reserve(message.size() + message.size() / 32 + 2);
  bool line_start = true;
  for (std::size_t i = 0; i < message.size(); ++i) {
    char c = message[i];
    if (c == '\r' || c == '\n') {
      if (c == '\r' && i + 1 < message.size() && message[i + 1] == '\n') ++i;
      out += "\r\n";
      line_start = true;
      continue;
    }
    if (line_start && c == '.') out.push_back('.');  // RFC 5321 4.5.2: a leading dot is doubled
    out.push_back(c);
    line_start = false;
  }
  if (!line_start) out += "\r\n";
  return out;
}

bool send_mail(const SmtpServer& server, std::string_view from, std::string_view to, std::string_view message,
               std::string* error) {
  const std::string where = "SMTP relay " + server.host + ":" + std::to_string(server.port) + ": ";
  if (!valid_mail_address(from)) {
    *error = where + "invalid sender address \"" + std::string(from.substr(0, 64)) + "\"";
    return false;
  }
  if (!valid_mail_address(to)) {
    *error = where + "invalid recipient address \"" + std::string(to.substr(0, 64)) + "\"";
    return false;
  }
  Socket socket;
  std::string why;
  if (!connect_tcp(server.host, server.port, server.timeout_milliseconds, &socket, &why)) {
    *error = "SMTP relay: " + why;
    return false;
  }
  Session s(server, socket.fd());
  std::vector<std::string> ehlo;
  bool ok = s.expect({220}, "the connection (greeting)");
  if (ok && !s.command("EHLO " + server.helo_name, {250}, "EHLO", &ehlo)) {
    // A relay without ESMTP answers EHLO with 5xx; anything else (a closed connection) is final.
    ok = s.last_code() >= 500 && s.command("HELO " + server.helo_name, {250}, "HELO");
    ehlo.clear();
  }
  std::string mail_from = "MAIL FROM:<" + std::string(from) + ">";
  if (has_8bit(message) && advertises(ehlo, "8BITMIME")) mail_from += " BODY=8BITMIME";
  ok = ok && s.command(mail_from, {250}, "MAIL FROM");
  ok = ok && s.command("RCPT TO:<" + std::string(to) + ">", {250, 251}, "RCPT TO");
  ok = ok && s.command("DATA", {354}, "DATA");
  ok = ok && s.send(smtp_data_block(message)) && s.send(".\r\n") && s.expect({250}, "the message (end of DATA)");
  if (!ok) {
    *error = where + s.error();
    s.send("QUIT\r\n");  // best effort: the relay may have closed already
    return false;
  }
  // The relay has taken the message: a failed QUIT must not make us send it twice.
  s.command("QUIT", {221}, "QUIT");
  return true;
}

}  // namespace rowgate::server
