// Notifications on an import's end: a summary (counts per outcome, the most frequent codes with
// example rows, links to the errors and results files) written to the outbox in the store, then
// delivered by e-mail through an SMTP relay and/or by an HMAC-signed webhook, as the tenant
// configured, retried with exponential backoff until delivered (or given up after max_attempts).
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <limits>
#include <mutex>
#include <string>
#include <thread>

#include "store/store.h"

namespace rowgate::server {

struct NotifySettings {
  std::string smtp_host = "127.0.0.1";  ///< the relay; e-mail is off when smtp_port is 0
  std::uint16_t smtp_port = 0;
  std::string mail_from = "rowgate@localhost";
  std::string base_url;                  ///< e.g. http://127.0.0.1:8080, for the links in a summary
  std::uint32_t max_attempts = 8;
  std::int64_t first_retry_seconds = 1;  ///< doubled after each failed attempt (at most a day)
  std::int64_t poll_milliseconds = 500;  ///< how often the outbox is looked at
  int timeout_milliseconds = 10000;      ///< per connect, read or write, for SMTP and webhooks
  /// Tenants' webhooks may reach loopback and private addresses (a server in a closed network;
  /// tests). Off by default: a tenant must not make the server call its own neighbours.
  bool allow_internal_webhooks = false;
  std::function<std::int64_t()> clock;   ///< Unix seconds now; empty: the system clock (tests set it)
};

/// An item's next_attempt_at once given up: it is never due again.
inline constexpr std::int64_t kOutboxNever = std::numeric_limits<std::int64_t>::max();

class Notifier {
 public:
  Notifier(Store& store, NotifySettings settings);
  ~Notifier();  ///< stops the thread
  Notifier(const Notifier&) = delete;
  Notifier& operator=(const Notifier&) = delete;

  /// Writes one outbox item per channel the tenant configured and wakes the thread; returns how
  /// many. E-mail is skipped while no relay is set, and a target that is not a plain address or
  /// an http:// URL is skipped (and logged). Store errors propagate as the store throws them.
  std::size_t import_finished(const Tenant& tenant, const ImportRecord& import);

  /// Starts and stops the delivery thread (call both from one thread). stop() returns once the
  /// thread has ended, after at most the delivery in progress.
  void start();
  void stop();
  /// Delivers what is due now, on the caller's thread (the thread calls this in a loop). Store
  /// errors propagate; delivery errors are recorded on the item.
  void deliver_due();

 private:
  void run();
  void deliver_batch(bool stoppable);  // stoppable: returns early once stop() is called
  bool deliver(const OutboxItem& item, std::string* error);
  std::int64_t now() const;

  Store& store_;
  NotifySettings settings_;
  std::thread thread_;
  std::mutex mutex_;             // guards kicked_ and the wake-up
  std::condition_variable wake_;
  bool kicked_ = false;          // new items: deliver before the poll interval ends
  std::mutex delivering_;        // one deliver_due at a time, so an item is never sent twice at once
  std::atomic<bool> stopping_{false};
};

/// The webhook's signature header value: "sha256=" + HMAC-SHA-256(secret, body) in hex.
std::string webhook_signature(const std::string& secret, const std::string& body);

}  // namespace rowgate::server
