// The REST server (ARCHITECTURE.md's API v1) on Pistache: it owns its Http::Endpoint and
// Rest::Router and binds routes to member functions. Listens on 127.0.0.1 unless told otherwise.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <map>
#include <mutex>
#include <vector>
#include <optional>
#include <string>
#include <unordered_map>

#include "http/http_util.h"
#include "store/store.h"

namespace Pistache::Http {
class Endpoint;
class ResponseWriter;
}  // namespace Pistache::Http
namespace Pistache::Rest {
class Router;
class Request;
}  // namespace Pistache::Rest

namespace rowgate::server {

class ImportRunner;
class Metrics;
class Spool;
class RateLimiter;

struct ServerSettings {
  std::string address = "127.0.0.1";
  std::uint16_t port = 8080;      ///< 0: any free port (tests)
  std::string web_dir;            ///< static files served from /
  std::string wasm_dir;           ///< the WebAssembly build, served from /wasm/
  int threads = 2;
  std::uint64_t max_part_bytes = 8u << 20;
  /// A client that has not sent its whole header (or body) by then is answered 408 and dropped.
  std::chrono::milliseconds header_timeout{10000};
  std::chrono::milliseconds body_timeout{120000};
  /// The longest a store statement of a request may run; past it the request is answered 503
  /// `query_timeout` and the server goes on serving (store/query_deadline.h).
  std::chrono::milliseconds query_timeout{5000};
  /// Failed authentications per client address: a bucket of `auth_failure_burst` that refills
  /// at `auth_failures_per_minute`; an empty bucket is answered 429. 0 per minute: no limit.
  double auth_failures_per_minute = 12;
  double auth_failure_burst = 20;
};

using http::ApiError;
using http::RouteError;

class ApiServer {
 public:
  ApiServer(Store& store, ImportRunner& runner, Spool& spool, ServerSettings settings);
  ~ApiServer();
  ApiServer(const ApiServer&) = delete;
  ApiServer& operator=(const ApiServer&) = delete;

  /// Binds and serves on background threads; port() is known afterwards.
  void start();
  void stop();
  std::uint16_t port() const;

 private:
  using Request = Pistache::Rest::Request;
  using Response = Pistache::Http::ResponseWriter;
  struct Call {  // one request's tenant and route
    std::int64_t tenant = 0;
    std::string route;
  };

  void routes();
  template <typename Handler>
  void on(const char* method, const char* path, Handler handler, bool authenticated = true);

  /// The tenant of the request's API key into `tenant`; 401 or 429 otherwise.
  RouteError authenticate(const Request& request, std::int64_t* tenant);
  /// Adds Access-Control-Allow-Origin when the request's Origin is one its tenant allows.
  void allow_origin(std::int64_t tenant, const Request& request, Response& response);
  /// A CORS preflight (OPTIONS): 204 for an origin some tenant allows, 403 otherwise.
  void preflight(const Request& request, Response& response);
  /// A JSON 501 for HEAD, TRACE and CONNECT.
  void not_implemented(Response& response);

  RouteError healthz(Call&, const Request&, Response&);
  RouteError metrics(Call&, const Request&, Response&);
  RouteError templates(Call&, const Request&, Response&);
  RouteError template_one(Call&, const Request&, Response&);
  RouteError groups_list(Call&, const Request&, Response&);
  RouteError groups_add(Call&, const Request&, Response&);
  RouteError groups_delete(Call&, const Request&, Response&);
  RouteError context(Call&, const Request&, Response&);
  RouteError notifications_get(Call&, const Request&, Response&);
  RouteError notifications_put(Call&, const Request&, Response&);
  RouteError segments_list(Call&, const Request&, Response&);
  RouteError segments_add(Call&, const Request&, Response&);
  RouteError segments_delete(Call&, const Request&, Response&);
  RouteError mappings_get(Call&, const Request&, Response&);
  RouteError mappings_put(Call&, const Request&, Response&);
  RouteError cors_get(Call&, const Request&, Response&);
  RouteError cors_put(Call&, const Request&, Response&);
  RouteError imports_create(Call&, const Request&, Response&);
  RouteError imports_list(Call&, const Request&, Response&);
  RouteError import_get(Call&, const Request&, Response&);
  RouteError import_part(Call&, const Request&, Response&);
  RouteError import_edits(Call&, const Request&, Response&);
  RouteError import_start(Call&, const Request&, Response&);
  RouteError import_cancel(Call&, const Request&, Response&);
  RouteError import_errors(Call&, const Request&, Response&);
  RouteError import_results(Call&, const Request&, Response&);
  RouteError import_file(Call&, const Request&, Response&, bool errors);
  RouteError partners_list(Call&, const Request&, Response&);
  RouteError partners_export(Call&, const Request&, Response&);
  RouteError partners_export_xlsx(Call&, const Request&, Response&);
  RouteError partners_groups(Call&, const Request&, Response&);
  void static_file(const Request&, Response);

  std::string import_json(const ImportRecord& record);

  Store& store_;
  ImportRunner& runner_;
  Spool& spool_;
  ServerSettings settings_;
  std::unique_ptr<Metrics> metrics_;
  std::unique_ptr<RateLimiter> auth_limiter_;
  std::unique_ptr<Pistache::Rest::Router> router_;
  std::unique_ptr<Pistache::Http::Endpoint> endpoint_;
  std::map<std::string, std::vector<std::string>> allowed_;  // path -> its methods, for 405s
  std::atomic<bool> stopping_{false};  // set by stop(): running store statements end at once
  std::mutex keys_mutex_;
  std::unordered_map<std::string, std::int64_t> key_cache_;  // key hash -> tenant
};

}  // namespace rowgate::server
