#include "cli/serve_command.h"

#include <signal.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <exception>
#include <sstream>

#include "cli/files.h"
#include "http/api_server.h"
#include "jobs/import_runner.h"
#include "jobs/spool.h"
#include "notify/notifier.h"
#include "rowgate/context.h"
#include "store/store.h"
#include "util/crypto.h"
#include "util/log.h"

namespace rowgate::cli {

using namespace rowgate::server;

namespace {

const char* kServeUsage =
    "usage: rowgate serve [--db sqlite:PATH | --db postgresql://USER@HOST:PORT/DB] [--port N] [--address 127.0.0.1]\n"
    "                     [--web DIR] [--wasm DIR] [--data DIR] [--demo-groups CONTEXT.json] [--smtp HOST:PORT]\n"
    "                     [--mail-from ADDRESS] [--public-url URL] [--lease-seconds N] [--allow-internal-webhooks]\n"
    "                     [--auth-failures-per-minute N] [--auth-failure-burst N] [--query-timeout-ms N]\n"
    "Serves the REST API and the web pages. On an empty database it creates a demo tenant (with the\n"
    "groups of --demo-groups) and prints its API key. With PostgreSQL several servers share the\n"
    "database: each claims imports under a lease of --lease-seconds (default 15), renewed while it\n"
    "runs; when a server dies, another takes its import over once the lease has expired.\n"
    "A request's database statement that runs past --query-timeout-ms (default 5000) is stopped and\n"
    "answered 503 query_timeout.\n"
    "Tenants' webhooks reach only public addresses unless --allow-internal-webhooks is given.\n";

const char* kAdminUsage =
    "usage: rowgate admin create-tenant NAME [--groups 'A,B,...'] [--group NAME]... [--groups-from CONTEXT.json]\n"
    "                                 --db sqlite:PATH|postgresql://...\n"
    "       rowgate admin create-key TENANT_ID --db sqlite:PATH|postgresql://...\n"
    "create-tenant prints the new tenant's API key alone on one line (keys are stored hashed).\n"
    "--group adds one group whose name may hold a comma (\"Coupon, Deal & Cashback Sites\").\n";

std::string new_key(Store& store, std::int64_t tenant) {
  std::string key = "rg_" + random_hex(24);
  store.add_key(tenant, sha256_hex(key));
  return key;
}

std::vector<std::string> split_groups(const std::string& list) {
  std::vector<std::string> out;
  std::string item;
  std::istringstream in(list);
  while (std::getline(in, item, ',')) {
    std::size_t b = item.find_first_not_of(' '), e = item.find_last_not_of(' ');
    if (b != std::string::npos) out.push_back(item.substr(b, e - b + 1));
  }
  return out;
}

// The "groups" set of a context file (examples/prospects_context.json).
std::vector<std::string> groups_of_context(const std::string& path, std::string* error) {
  std::string text;
  if (!read_small_file(path, &text, error)) return {};
  ContextLoad c = parse_context(text);
  if (!c.ok) {
    *error = path + ": " + c.error;
    return {};
  }
  for (const auto& [set, members] : c.value.sets)
    if (set == "groups") return members;
  return {};
}

int usage(const char* text, const std::string& problem) {
  std::fprintf(stderr, "rowgate: %s\n%s", problem.c_str(), text);
  return 2;
}

}  // namespace

int run_admin(const std::vector<std::string>& words) {
  if (words.empty()) return usage(kAdminUsage, "admin needs a command");
  std::string command = words[0], db, name;
  std::vector<std::string> groups;
  for (std::size_t i = 1; i < words.size(); ++i) {
    if (words[i] == "--db" && i + 1 < words.size()) db = words[++i];
    else if (words[i] == "--groups" && i + 1 < words.size())
      for (std::string& g : split_groups(words[++i])) groups.push_back(std::move(g));
    else if (words[i] == "--group" && i + 1 < words.size()) groups.push_back(words[++i]);
    else if (words[i] == "--groups-from" && i + 1 < words.size()) {
      std::string error;
      std::vector<std::string> from = groups_of_context(words[++i], &error);
      if (!error.empty()) return usage(kAdminUsage, error);
      groups.insert(groups.end(), from.begin(), from.end());
    }
    else if (name.empty() && words[i].rfind("--", 0) != 0) name = words[i];
    else return usage(kAdminUsage, "unexpected " + words[i]);
  }
  if (db.empty()) return usage(kAdminUsage, "--db is required");
  try {
    std::unique_ptr<Store> store = open_store(db);
    if (command == "create-tenant") {
      if (name.empty()) return usage(kAdminUsage, "create-tenant needs a NAME");
      std::int64_t tenant = store->create_tenant(name);
      for (const std::string& g : groups) store->add_group(tenant, g);
      std::printf("%s\n", new_key(*store, tenant).c_str());
      return 0;
    }
    if (command == "create-key") {
      std::int64_t tenant = std::atoll(name.c_str());
      if (!store->tenant(tenant)) return usage(kAdminUsage, "there is no tenant " + name);
      std::printf("%s\n", new_key(*store, tenant).c_str());
      return 0;
    }
    return usage(kAdminUsage, "unknown admin command " + command);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "rowgate admin: %s\n", e.what());
    return 2;
  }
}

int run_serve(const std::vector<std::string>& words) {
  std::string db = "sqlite:rowgate.db", data = "rowgate-data", demo_groups, smtp, public_url, mail_from;
  bool allow_internal_webhooks = false;
  std::int64_t lease_seconds = 15;
  ServerSettings settings;
  settings.web_dir = "web";
  for (std::size_t i = 0; i < words.size(); ++i) {
    auto value = [&](std::string* into) {
      if (i + 1 >= words.size()) return false;
      *into = words[++i];
      return true;
    };
    std::string port;
    if (words[i] == "--db" && value(&db)) continue;
    if (words[i] == "--data" && value(&data)) continue;
    if (words[i] == "--web" && value(&settings.web_dir)) continue;
    if (words[i] == "--wasm" && value(&settings.wasm_dir)) continue;
    if (words[i] == "--address" && value(&settings.address)) continue;
    if (words[i] == "--demo-groups" && value(&demo_groups)) continue;
    if (words[i] == "--smtp" && value(&smtp)) continue;
    if (words[i] == "--public-url" && value(&public_url)) continue;
    if (words[i] == "--mail-from" && value(&mail_from)) continue;
    if (words[i] == "--allow-internal-webhooks") {
      allow_internal_webhooks = true;
      continue;
    }
    std::string timeout;
    if (words[i] == "--query-timeout-ms" && value(&timeout)) {
      char* end = nullptr;
      long n = std::strtol(timeout.c_str(), &end, 10);
      if (timeout.empty() || *end != '\0' || n < 1 || n > 600000)
        return usage(kServeUsage, "--query-timeout-ms must be 1 to 600000");
      settings.query_timeout = std::chrono::milliseconds(n);
      continue;
    }
    std::string lease;
    if (words[i] == "--lease-seconds" && value(&lease)) {
      char* end = nullptr;
      long n = std::strtol(lease.c_str(), &end, 10);
      if (lease.empty() || *end != '\0' || n < 1 || n > 3600) return usage(kServeUsage, "--lease-seconds must be 1 to 3600");
      lease_seconds = n;
      continue;
    }
    std::string number;
    if ((words[i] == "--auth-failures-per-minute" || words[i] == "--auth-failure-burst") && value(&number)) {
      char* end = nullptr;
      double n = std::strtod(number.c_str(), &end);
      if (number.empty() || *end != '\0' || n < 0) return usage(kServeUsage, words[i - 1] + " must be a number, 0 or more");
      (words[i - 1] == "--auth-failure-burst" ? settings.auth_failure_burst : settings.auth_failures_per_minute) = n;
      continue;
    }
    if (words[i] == "--port" && value(&port)) {
      char* end = nullptr;
      long p = std::strtol(port.c_str(), &end, 10);
      if (port.empty() || *end != '\0' || p < 0 || p > 65535) return usage(kServeUsage, "--port must be 0 to 65535");
      settings.port = static_cast<std::uint16_t>(p);
      continue;
    }
    if (words[i] == "--help") {
      std::fputs(kServeUsage, stdout);
      return 0;
    }
    return usage(kServeUsage, "unexpected " + words[i]);
  }

  // SIGTERM and SIGINT are taken by sigwait below, on this thread, after everything started.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  signal(SIGPIPE, SIG_IGN);

  NotifySettings notify;
  if (!smtp.empty()) {
    std::size_t colon = smtp.rfind(':');
    char* end = nullptr;
    long port = colon == std::string::npos ? 0 : std::strtol(smtp.c_str() + colon + 1, &end, 10);
    if (colon == 0 || port < 1 || port > 65535 || *end != '\0') return usage(kServeUsage, "--smtp must be HOST:PORT");
    notify.smtp_host = smtp.substr(0, colon);
    notify.smtp_port = static_cast<std::uint16_t>(port);
  }
  // Read before the demo tenant exists: a bad file must not leave a tenant whose key was never shown.
  std::vector<std::string> groups;
  if (!demo_groups.empty()) {
    std::string error;
    groups = groups_of_context(demo_groups, &error);
    if (!error.empty()) {
      std::fprintf(stderr, "rowgate serve: --demo-groups %s\n", error.c_str());
      return 2;
    }
  }

  try {
    std::unique_ptr<Store> store = open_store(db);
    if (!store->has_tenants()) {
      std::int64_t tenant = store->create_tenant("Demo program");
      for (const std::string& g : groups) store->add_group(tenant, g);
      std::printf("Created the demo tenant. Its API key (shown once): %s\n", new_key(*store, tenant).c_str());
    }
    if (!mail_from.empty()) notify.mail_from = mail_from;
    notify.allow_internal_webhooks = allow_internal_webhooks;
    notify.base_url = public_url.empty() ? "http://" + settings.address + ":" + std::to_string(settings.port) : public_url;
    Notifier notifier(*store, notify);
    // Parts and report files on this server's disk, or in a store that several servers share.
    std::unique_ptr<Spool> spool = make_spool(*store, data);
    RunnerSettings runner_settings;
    runner_settings.lease_seconds = lease_seconds;
    runner_settings.poll_ms = std::min<std::int64_t>(1000, lease_seconds * 250);
    ImportRunner runner(*store, *spool, runner_settings, &notifier);
    ApiServer server(*store, runner, *spool, settings);
    server.start();
    notifier.start();
    runner.start();
    spool->remove_expired(static_cast<std::int64_t>(std::time(nullptr)));
    store->expire_idempotency(static_cast<std::int64_t>(std::time(nullptr)) - 24 * 3600);
    std::string url = public_url.empty() ? "http://" + settings.address + ":" + std::to_string(server.port()) : public_url;
    std::printf("Rowgate is serving on %s\n", url.c_str());
    std::fflush(stdout);
    log_info("serving", {{"url", url}, {"db", db}});

    // Wait for SIGTERM/SIGINT; once a minute, remove expired report files and idempotency keys.
    int signal_number = 0;
    for (;;) {
      timespec minute{60, 0};
      signal_number = sigtimedwait(&signals, nullptr, &minute);
      if (signal_number > 0) break;
      std::int64_t now = static_cast<std::int64_t>(std::time(nullptr));
      try {
        spool->remove_expired(now);
        store->expire_idempotency(now - 24 * 3600);
      } catch (const std::exception& e) {
        log_error("maintenance failed", {{"error", e.what()}});
      }
    }
    log_info("shutting down", {{"signal", std::to_string(signal_number)}});
    server.stop();    // no new requests
    runner.stop();    // commits the batch in hand; the import resumes at the next start
    notifier.stop();
    log_info("stopped");
    return 0;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "rowgate serve: %s\n", e.what());
    return 2;
  }
}

}  // namespace rowgate::cli
