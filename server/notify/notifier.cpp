#include "notify/notifier.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <ctime>
#include <exception>
#include <optional>
#include <vector>

#include "notify/smtp_client.h"
#include "notify/webhook_client.h"
#include "util/crypto.h"
#include "util/log.h"

namespace rowgate::server {
namespace {

using json = nlohmann::json;
using ordered_json = nlohmann::ordered_json;

constexpr const char* kEvent = "import.finished";
constexpr std::size_t kBatch = 50;                 // items per deliver_due()
constexpr std::int64_t kMaxRetryDelay = 24 * 3600;  // the backoff stops doubling at a day
constexpr std::size_t kMaxBodyLine = 900;           // RFC 5322 allows 998 octets a line
constexpr std::size_t kMaxExampleRows = 10;         // example rows per code in an e-mail

// The core's summary keys, in the core's order.
constexpr const char* kSummaryKeys[] = {"rows", "valid", "invalid", "create", "update", "duplicate", "warnings"};

struct TopCode {
  std::string code;
  std::string severity;
  std::uint64_t count = 0;
  std::vector<std::uint64_t> rows;
};

// What a notification says, taken from the import record (whose JSON columns are checked here:
// JSON_NOEXCEPTION is on, so nothing is read before its type is known).
struct ImportSummary {
  std::vector<std::pair<std::string, std::uint64_t>> counts;  // the summary keys present, in order
  std::vector<TopCode> top_codes;
  std::string self_link, errors_link, results_link;
};

std::optional<std::uint64_t> unsigned_at(const json& object, const char* key) {
  auto it = object.find(key);
  if (it == object.end() || !it->is_number_unsigned()) return std::nullopt;
  return it->get<std::uint64_t>();
}

std::string string_at(const json& object, const char* key) {
  auto it = object.find(key);
  return it != object.end() && it->is_string() ? it->get<std::string>() : std::string();
}

std::string percent_encode(std::string_view text) {
  static const char* hex = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : text) {
    bool unreserved = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
                      c == '.' || c == '_' || c == '~';
    if (unreserved) {
      out.push_back(static_cast<char>(c));
    } else {
      out.push_back('%');
      out.push_back(hex[c >> 4]);
      out.push_back(hex[c & 15]);
    }
  }
  return out;
}

ImportSummary summarize(const ImportRecord& import, std::string_view base_url) {
  ImportSummary s;
  json summary = json::parse(import.summary_json, nullptr, false);
  if (!summary.is_discarded() && summary.is_object()) {
    for (const char* key : kSummaryKeys)
      if (auto value = unsigned_at(summary, key)) s.counts.emplace_back(key, *value);
  }
  json codes = json::parse(import.top_codes_json, nullptr, false);
  if (!codes.is_discarded() && codes.is_array()) {
    for (const json& entry : codes) {
      if (!entry.is_object()) continue;
      TopCode code;
      code.code = string_at(entry, "code");
      if (code.code.empty()) continue;
      code.severity = string_at(entry, "severity");
      code.count = unsigned_at(entry, "count").value_or(0);
      auto rows = entry.find("rows");
      if (rows != entry.end() && rows->is_array())
        for (const json& row : *rows)
          if (row.is_number_unsigned()) code.rows.push_back(row.get<std::uint64_t>());
      s.top_codes.push_back(std::move(code));
    }
  }
  while (!base_url.empty() && base_url.back() == '/') base_url.remove_suffix(1);
  s.self_link = std::string(base_url) + "/api/v1/imports/" + percent_encode(import.id);
  s.errors_link = s.self_link + "/errors.csv";
  s.results_link = s.self_link + "/results.csv";
  return s;
}

// ---- The webhook's JSON -------------------------------------------------------------------------

std::string webhook_payload(const ImportRecord& import, const ImportSummary& s) {
  ordered_json summary = ordered_json::object();
  for (const auto& [key, value] : s.counts) summary[key] = value;
  ordered_json top_codes = ordered_json::array();
  for (const TopCode& code : s.top_codes) {
    ordered_json entry = ordered_json::object();
    entry["code"] = code.code;
    entry["severity"] = code.severity;
    entry["count"] = code.count;
    entry["rows"] = code.rows;
    top_codes.push_back(std::move(entry));
  }
  ordered_json body = ordered_json::object();
  body["event"] = kEvent;
  ordered_json& i = body["import"];
  i["id"] = import.id;
  i["template"] = import.template_name;
  i["status"] = status_name(import.status);
  i["dry_run"] = import.dry_run;
  if (!import.error.empty()) i["error"] = import.error;
  i["summary"] = std::move(summary);
  i["top_codes"] = std::move(top_codes);
  i["links"] = {{"self", s.self_link}, {"errors", s.errors_link}, {"results", s.results_link}};
  // "replace": bytes that are not UTF-8 become U+FFFD (the strict default would abort under
  // JSON_NOEXCEPTION).
  return body.dump(-1, ' ', false, ordered_json::error_handler_t::replace);
}

// ---- The e-mail ---------------------------------------------------------------------------------

// Length of the UTF-8 sequence at text[i], or 0 when it is not valid UTF-8.
std::size_t utf8_length(std::string_view text, std::size_t i) {
  auto byte = [&](std::size_t k) { return static_cast<unsigned char>(text[k]); };
  unsigned char c = byte(i);
  if (c < 0x80) return 1;
  std::size_t n = c >= 0xC2 && c <= 0xDF ? 2 : c >= 0xE0 && c <= 0xEF ? 3 : c >= 0xF0 && c <= 0xF4 ? 4 : 0;
  if (n == 0 || i + n > text.size()) return 0;
  for (std::size_t k = 1; k < n; ++k)
    if ((byte(i + k) & 0xC0) != 0x80) return 0;
  unsigned char second = byte(i + 1);
  if (c == 0xE0 && second < 0xA0) return 0;  // overlong
  if (c == 0xED && second > 0x9F) return 0;  // surrogates
  if (c == 0xF0 && second < 0x90) return 0;  // overlong
  if (c == 0xF4 && second > 0x8F) return 0;  // above U+10FFFF
  return n;
}

// `text` as valid UTF-8 on one line: invalid bytes become U+FFFD, control characters a space.
std::string clean_line(std::string_view text) {
  std::string out;
  for (std::size_t i = 0; i < text.size();) {
    std::size_t n = utf8_length(text, i);
    if (n == 0) {
      out += "\xEF\xBF\xBD";
      ++i;
    } else if (n == 1 && (static_cast<unsigned char>(text[i]) < 0x20 || text[i] == 0x7f)) {
      out.push_back(' ');
      ++i;
    } else {
      out.append(text, i, n);
      i += n;
    }
  }
  return out;
}

// Cuts `text` to at most `limit` bytes without splitting a UTF-8 sequence (text is valid UTF-8).
std::size_t cut_point(std::string_view text, std::size_t limit) {
  if (text.size() <= limit) return text.size();
  std::size_t cut = limit;
  while (cut > 0 && (static_cast<unsigned char>(text[cut]) & 0xC0) == 0x80) --cut;
  return cut;
}

// Appends a body line (cleaned, split where longer than kMaxBodyLine) with CRLF.
void add_line(std::string& body, std::string_view line = {}) {
  std::string clean = clean_line(line);
  std::string_view rest = clean;
  do {
    std::size_t cut = cut_point(rest, kMaxBodyLine);
    body.append(rest.substr(0, cut));
    body += "\r\n";
    rest.remove_prefix(cut);
  } while (!rest.empty());
}

// Appends multi-line text (an error message) line by line.
void add_lines(std::string& body, std::string_view text) {
  std::size_t start = 0;
  for (std::size_t i = 0; i <= text.size(); ++i) {
    if (i == text.size() || text[i] == '\n' || text[i] == '\r') {
      add_line(body, text.substr(start, i - start));
      if (i + 1 < text.size() && text[i] == '\r' && text[i + 1] == '\n') ++i;
      start = i + 1;
    }
  }
}

std::string base64(std::string_view data) {
  static const char* alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  for (std::size_t i = 0; i < data.size(); i += 3) {
    std::uint32_t n = static_cast<unsigned char>(data[i]) << 16;
    if (i + 1 < data.size()) n |= static_cast<unsigned char>(data[i + 1]) << 8;
    if (i + 2 < data.size()) n |= static_cast<unsigned char>(data[i + 2]);
    out.push_back(alphabet[(n >> 18) & 63]);
    out.push_back(alphabet[(n >> 12) & 63]);
    out.push_back(i + 1 < data.size() ? alphabet[(n >> 6) & 63] : '=');
    out.push_back(i + 2 < data.size() ? alphabet[n & 63] : '=');
  }
  return out;
}

// A header value: ASCII as is; anything else as RFC 2047 encoded words (each under 76 chars),
// folded onto continuation lines.
std::string header_text(std::string_view text) {
  std::string clean = clean_line(text);
  bool ascii = std::all_of(clean.begin(), clean.end(), [](char c) { return static_cast<unsigned char>(c) < 0x80; });
  if (ascii) return clean;
  std::string out;
  std::string_view rest = clean;
  while (!rest.empty()) {
    std::size_t cut = cut_point(rest, 45);  // 45 bytes: 60 base64 characters
    if (!out.empty()) out += "\r\n ";
    out += "=?UTF-8?B?" + base64(rest.substr(0, cut)) + "?=";
    rest.remove_prefix(cut);
  }
  return out;
}

std::string rfc5322_date(std::int64_t unix_seconds) {
  static const char* days[] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
  static const char* months[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  std::time_t t = static_cast<std::time_t>(unix_seconds);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char text[64];
  std::snprintf(text, sizeof text, "%s, %02d %s %04d %02d:%02d:%02d +0000", days[tm.tm_wday % 7], tm.tm_mday,
                months[tm.tm_mon % 12], tm.tm_year + 1900, tm.tm_hour, tm.tm_min, tm.tm_sec);
  return text;
}

// Letters, digits and '-' only: safe in a Message-ID whatever an import id holds.
std::string id_part(std::string_view text) {
  std::string out;
  for (char c : text.substr(0, 64))
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-') out.push_back(c);
  return out.empty() ? "import" : out;
}

std::string count_phrase(std::uint64_t n, const char* one, const char* many) {
  return std::to_string(n) + " " + (n == 1 ? one : many);
}

std::string email_message(const ImportRecord& import, const ImportSummary& s, const std::string& from,
                          const std::string& to, std::int64_t now) {
  std::string template_name = clean_line(import.template_name);
  template_name.resize(cut_point(template_name, 64));

  std::optional<std::uint64_t> rows, valid;
  for (const auto& [key, value] : s.counts) {
    if (key == "rows") rows = value;
    if (key == "valid") valid = value;
  }
  std::string subject = std::string(import.dry_run ? "Rowgate dry run " : "Rowgate import ") +
                        clean_line(status_name(import.status)) + ": " + template_name;
  if (rows && valid) subject += ", " + std::to_string(*valid) + " of " + count_phrase(*rows, "row", "rows") + " valid";

  std::string domain = from.substr(from.rfind('@') + 1);
  std::string headers;
  headers += "Date: " + rfc5322_date(now) + "\r\n";
  headers += "From: Rowgate <" + from + ">\r\n";
  headers += "To: <" + to + ">\r\n";
  headers += "Subject: " + header_text(subject) + "\r\n";
  if (domain.empty()) domain = "localhost";
  headers += "Message-ID: <" + id_part(import.id) + "." + random_hex(8) + "@" + domain + ">\r\n";
  headers += "MIME-Version: 1.0\r\n";
  headers += "Content-Type: text/plain; charset=UTF-8\r\n";
  headers += "Content-Transfer-Encoding: 8bit\r\n";
  headers += "Auto-Submitted: auto-generated\r\n";

  std::string body;
  add_line(body, std::string(import.dry_run ? "The dry run of import " : "Import ") + import.id + " (template " +
                     template_name + ") has ended: " + std::string(status_name(import.status)) + ".");
  if (import.dry_run) add_line(body, "This was a dry run: nothing was written.");
  if (!import.error.empty()) {
    add_line(body);
    add_line(body, "What went wrong:");
    add_lines(body, import.error);
  }
  if (!s.counts.empty()) {
    add_line(body);
    for (const auto& [key, value] : s.counts) {
      std::string label = key;
      label[0] = static_cast<char>(label[0] - 32);
      label += ":";
      label.resize(std::max<std::size_t>(label.size(), 11), ' ');
      add_line(body, label + std::to_string(value));
    }
  }
  if (!s.top_codes.empty()) {
    add_line(body);
    add_line(body, "Most frequent problems:");
    for (const TopCode& code : s.top_codes) {
      // A count is of findings (a row can have several), as in `rowgate check`'s summary.
      std::string line = "- " + code.code + " (" + code.severity + "): found " +
                         (code.count == 1 ? std::string("once") : std::to_string(code.count) + " times");
      if (!code.rows.empty()) {
        line += code.rows.size() == 1 ? ", e.g. row " : ", e.g. rows ";
        for (std::size_t i = 0; i < code.rows.size() && i < kMaxExampleRows; ++i)
          line += (i ? ", " : "") + std::to_string(code.rows[i]);
      }
      add_line(body, line);
    }
  }
  add_line(body);
  add_line(body, "Import:       " + s.self_link);
  add_line(body, "Errors file:  " + s.errors_link);
  add_line(body, "Results file: " + s.results_link);
  return headers + "\r\n" + body;
}

// first * 2^failed_before seconds, no more than a day.
std::int64_t retry_delay(std::int64_t first, std::uint32_t failed_before) {
  if (first <= 0) return 0;
  std::int64_t delay = std::min(first, kMaxRetryDelay);
  for (std::uint32_t i = 0; i < failed_before && delay < kMaxRetryDelay; ++i) delay *= 2;
  return std::min(delay, kMaxRetryDelay);
}

OutboxItem new_item(const Tenant& tenant, const ImportRecord& import, const char* channel, const std::string& target,
                    std::string payload, std::int64_t now) {
  OutboxItem item;
  item.tenant_id = tenant.id;
  item.import_id = import.id;
  item.channel = channel;
  item.target = target;
  item.payload = std::move(payload);
  item.next_attempt_at = now;
  return item;
}

}  // namespace

std::string webhook_signature(const std::string& secret, const std::string& body) {
  return "sha256=" + hmac_sha256_hex(secret, body);
}

Notifier::Notifier(Store& store, NotifySettings settings) : store_(store), settings_(std::move(settings)) {
  settings_.max_attempts = std::max<std::uint32_t>(settings_.max_attempts, 1);
  settings_.poll_milliseconds = std::max<std::int64_t>(settings_.poll_milliseconds, 10);
  settings_.timeout_milliseconds = std::max(settings_.timeout_milliseconds, 1);
}

Notifier::~Notifier() { stop(); }

std::int64_t Notifier::now() const {
  if (settings_.clock) return settings_.clock();
  return std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count();
}

std::size_t Notifier::import_finished(const Tenant& tenant, const ImportRecord& import) {
  const NotifyConfig& config = tenant.notify;
  const std::int64_t at = now();
  ImportSummary summary = summarize(import, settings_.base_url);
  std::vector<OutboxItem> items;
  if (!config.email.empty()) {
    if (settings_.smtp_port == 0) {
      log_info("e-mail notification skipped: no SMTP relay is set", {{"import", import.id}});
    } else if (!valid_mail_address(config.email)) {
      log_error("e-mail notification skipped: not a plain address",
                {{"import", import.id}, {"tenant", std::to_string(tenant.id)}});
    } else {
      items.push_back(new_item(tenant, import, "email", config.email,
                               email_message(import, summary, settings_.mail_from, config.email, at), at));
    }
  }
  if (!config.webhook_url.empty()) {
    HttpUrl url;
    std::string why;
    if (!parse_http_url(config.webhook_url, &url, &why)) {
      log_error("webhook notification skipped",
                {{"import", import.id}, {"tenant", std::to_string(tenant.id)}, {"why", why}});
    } else {
      items.push_back(new_item(tenant, import, "webhook", config.webhook_url, webhook_payload(import, summary), at));
    }
  }
  for (const OutboxItem& item : items) store_.enqueue(item);
  if (!items.empty()) {
    std::lock_guard<std::mutex> lock(mutex_);
    kicked_ = true;
    wake_.notify_all();
  }
  return items.size();
}

void Notifier::deliver_due() { deliver_batch(false); }

void Notifier::deliver_batch(bool stoppable) {
  std::lock_guard<std::mutex> one_at_a_time(delivering_);
  for (const OutboxItem& item : store_.due(now(), kBatch)) {
    if (stoppable && stopping_) return;  // the rest stays due for the next start
    std::string error;
    bool ok = false;
    try {
      ok = deliver(item, &error);
    } catch (const std::exception& e) {  // a store error while looking up the tenant, say
      error = e.what();
    }
    const std::int64_t at = now();
    if (ok) {
      store_.delivered(item.id, at);
      continue;
    }
    const std::uint32_t attempts = item.attempts + 1;
    if (attempts >= settings_.max_attempts) {
      std::string given_up = "given up after " + std::to_string(attempts) + " attempts; last error: " + error;
      store_.retry_later(item.id, attempts, kOutboxNever, given_up);
      log_error("notification given up", {{"outbox", std::to_string(item.id)},
                                          {"import", item.import_id},
                                          {"channel", item.channel},
                                          {"error", error}});
    } else {
      store_.retry_later(item.id, attempts, at + retry_delay(settings_.first_retry_seconds, item.attempts), error);
    }
  }
}

bool Notifier::deliver(const OutboxItem& item, std::string* error) {
  if (item.channel == "email") {
    if (settings_.smtp_port == 0) {
      *error = "e-mail is off: no SMTP relay is set";
      return false;
    }
    SmtpServer relay;
    relay.host = settings_.smtp_host;
    relay.port = settings_.smtp_port;
    relay.timeout_milliseconds = settings_.timeout_milliseconds;
    return send_mail(relay, settings_.mail_from, item.target, item.payload, error);
  }
  if (item.channel == "webhook") {
    // The secret is read at delivery time, so a rotated secret signs the retries too.
    std::optional<Tenant> tenant = store_.tenant(item.tenant_id);
    if (!tenant) {
      *error = "tenant " + std::to_string(item.tenant_id) + " no longer exists";
      return false;
    }
    WebhookRequest request;
    request.url = item.target;
    request.body = item.payload;
    request.event = kEvent;
    request.signature = webhook_signature(tenant->notify.webhook_secret, item.payload);
    request.delivery_id = std::to_string(item.id);
    request.timeout_milliseconds = settings_.timeout_milliseconds;
    request.allow_internal = settings_.allow_internal_webhooks;
    return post_webhook(request, error);
  }
  *error = "unknown channel \"" + item.channel + "\"";
  return false;
}

void Notifier::start() {
  if (thread_.joinable()) return;
  stopping_ = false;
  thread_ = std::thread([this] { run(); });
}

void Notifier::stop() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void Notifier::run() {
  for (;;) {
    // Nothing may escape the thread: a store error ends this round only, and is logged.
    std::string failure;
    try {
      deliver_batch(true);
    } catch (const std::exception& e) {
      failure = e.what();
    } catch (...) {
      failure = "unknown exception";
    }
    if (!failure.empty()) {
      try {
        log_error("notification delivery stopped for this round", {{"error", failure}});
      } catch (...) {
      }
    }
    std::unique_lock<std::mutex> lock(mutex_);
    wake_.wait_for(lock, std::chrono::milliseconds(settings_.poll_milliseconds),
                   [this] { return stopping_.load() || kicked_; });
    if (stopping_) return;
    kicked_ = false;
  }
}

}  // namespace rowgate::server
