// The REST server in-process on port 0, over a real SQLite file in a temporary folder, with two
// tenants (A and B) and their keys, and a web folder holding index.html (and, beside it, a file
// the web must not reach). The fixture of the API and abuse suites; each sets its own options.
#pragma once

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <memory>
#include <string>

#include "http/api_server.h"
#include "http_client.h"
#include "jobs/import_runner.h"
#include "jobs/spool.h"
#include "notify/notifier.h"
#include "store/sqlite_store.h"
#include "util/crypto.h"

namespace rowgate::testing {

class ServerTest : public ::testing::Test {
 protected:
  /// A suite's own settings, and settings_, before the server starts (folders and port 0 are set).
  virtual void configure(server::NotifySettings&, server::RunnerSettings&) {}

  /// The store the server runs on (a suite may give one that fails on cue).
  virtual std::unique_ptr<server::SqliteStore> make_store(const std::string& path) {
    return std::make_unique<server::SqliteStore>(path);
  }

  void SetUp() override {
    using namespace rowgate::server;
    dir_ = std::filesystem::temp_directory_path() / ("rowgate_server_" + random_hex(6));
    std::filesystem::create_directories(dir_ / "web");
    std::ofstream(dir_ / "web" / "index.html") << "<!doctype html><title>Rowgate</title>";
    std::ofstream(dir_ / "secret.txt") << "not for the web";
    store_ = make_store((dir_ / "store.db").string());
    tenant_a_ = store_->create_tenant("A");
    tenant_b_ = store_->create_tenant("B");
    key_a_ = "key-a-" + random_hex(8);
    key_b_ = "key-b-" + random_hex(8);
    store_->add_key(tenant_a_, sha256_hex(key_a_));
    store_->add_key(tenant_b_, sha256_hex(key_b_));
    NotifySettings ns;
    RunnerSettings rs;
    settings_.port = 0;
    settings_.web_dir = (dir_ / "web").string();
    configure(ns, rs);
    notifier_ = std::make_unique<Notifier>(*store_, ns);  // its delivery thread is not started
    spool_ = std::make_unique<LocalSpool>(*store_, (dir_ / "data").string());
    runner_ = std::make_unique<ImportRunner>(*store_, *spool_, rs, notifier_.get());
    server_ = std::make_unique<ApiServer>(*store_, *runner_, *spool_, settings_);
    server_->start();
    runner_->start();
    port_ = server_->port();
  }

  void TearDown() override {
    server_->stop();
    runner_->stop();
    server_.reset();
    runner_.reset();
    spool_.reset();
    notifier_.reset();
    store_.reset();
    std::filesystem::remove_all(dir_);
  }

  /// A request with tenant A's key, B's ("B"), another key, or none ("").
  HttpResponse call(const std::string& method, const std::string& target, const std::string& body = "",
                    const std::string& key = "A", HttpHeaders extra = {}) {
    if (key == "A") extra.emplace_back("Authorization", "Bearer " + key_a_);
    else if (key == "B") extra.emplace_back("Authorization", "Bearer " + key_b_);
    else if (!key.empty()) extra.emplace_back("Authorization", "Bearer " + key);
    return http(port_, method, target, extra, body);
  }

  std::filesystem::path dir_;
  std::unique_ptr<server::SqliteStore> store_;
  std::unique_ptr<server::Notifier> notifier_;
  std::unique_ptr<server::LocalSpool> spool_;
  std::unique_ptr<server::ImportRunner> runner_;
  std::unique_ptr<server::ApiServer> server_;
  server::ServerSettings settings_;
  std::int64_t tenant_a_ = 0, tenant_b_ = 0;
  std::string key_a_, key_b_;
  std::uint16_t port_ = 0;
};

}  // namespace rowgate::testing
