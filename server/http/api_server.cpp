#include "http/api_server.h"

#include <pistache/endpoint.h>
#include <pistache/http.h>
#include <pistache/router.h>

#include <nlohmann/json.hpp>

#include <algorithm>
#include <chrono>
#include <ctime>
#include <filesystem>
#include <fstream>

#include "http/cors.h"
#include "util/clock.h"
#include "http/http_util.h"
#include "http/metrics.h"
#include "http/rate_limiter.h"
#include "http/request_guard.h"
#include "jobs/import_runner.h"
#include "store/query_deadline.h"
#include "notify/smtp_client.h"
#include "notify/webhook_client.h"
#include "rowgate/checks.h"
#include "rowgate/report.h"
#include "rowgate/session.h"
#include "util/crypto.h"
#include "util/log.h"

namespace rowgate::server {

using namespace Pistache;
using namespace rowgate::server::http;
using nlohmann::json;

namespace {

// A method the routes are declared with, by the name that route labels and Allow headers use.
Http::Method method_named(const std::string& name) {
  if (name == "GET") return Http::Method::Get;
  if (name == "POST") return Http::Method::Post;
  if (name == "PUT") return Http::Method::Put;
  if (name == "DELETE") return Http::Method::Delete;
  return Http::Method::Patch;
}

}  // namespace

ApiServer::ApiServer(Store& store, ImportRunner& runner, Spool& spool, ServerSettings settings)
    : store_(store), runner_(runner), spool_(spool), settings_(std::move(settings)), metrics_(std::make_unique<Metrics>()),
      auth_limiter_(std::make_unique<RateLimiter>(settings_.auth_failures_per_minute / 60, settings_.auth_failure_burst)),
      router_(std::make_unique<Rest::Router>()) {
  routes();
}

ApiServer::~ApiServer() { stop(); }

template <typename Handler>
void ApiServer::on(const char* method, const char* path, Handler handler, bool authenticated) {
  std::string route = std::string(method) + " " + path;
  auto bound = [this, handler, route, authenticated](const Rest::Request& request, Http::ResponseWriter response) {
    auto started = std::chrono::steady_clock::now();
    Call call;
    call.route = route;
    int status = 200;
    try {
      QueryDeadline deadline(settings_.query_timeout, &stopping_);
      RouteError refused;
      if (authenticated) {
        refused = authenticate(request, &call.tenant);
        if (!refused) allow_origin(call.tenant, request, response);
      }
      if (!refused) refused = (this->*handler)(call, request, response);
      if (refused) {
        status = static_cast<int>(refused->status);
        if (refused->retry_after > 0) add_header(response, "Retry-After", std::to_string(refused->retry_after));
        send_json(response, refused->status, error_body(refused->code, refused->message));
      } else {
        status = static_cast<int>(response.getResponseCode());
      }
    } catch (const StoreUnavailable& e) {
      // Locked by another process or restarting: nothing of the request was kept; try again.
      status = 503;
      log_error("store unavailable", {{"route", route}, {"error", e.what()}});
      add_header(response, "Retry-After", "5");
      send_json(response, Http::Code::Service_Unavailable,
                error_body("store_unavailable", "The server's database is busy or restarting; nothing was changed. Try again shortly."));
    } catch (const QueryTimeout& e) {
      // A statement ran past the request's time limit (or the server is stopping): it was
      // interrupted, nothing of the request was kept, and the server goes on serving.
      status = 503;
      log_error("query timed out", {{"route", route}, {"error", e.what()}});
      add_header(response, "Retry-After", "5");
      send_json(response, Http::Code::Service_Unavailable,
                error_body("query_timeout", stopping_ ? "The server is shutting down; nothing was changed. Try again shortly."
                                                      : "The request took too long and was stopped; nothing was changed. "
                                                        "Narrow the filter or try again shortly."));
    } catch (const std::exception& e) {
      status = 500;
      log_error("request failed", {{"route", route}, {"error", e.what()}});
      send_json(response, Http::Code::Internal_Server_Error, error_body("internal", "The server failed to answer; try again."));
    }
    double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    metrics_->observe(route, status, seconds);
    return Rest::Route::Result::Ok;
  };
  allowed_[path].push_back(method);
  router_->addRoute(method_named(method), path, bound);
}

void ApiServer::routes() {
  on("GET", "/healthz", &ApiServer::healthz, false);
  on("GET", "/metrics", &ApiServer::metrics, false);
  on("GET", "/api/v1/templates", &ApiServer::templates);
  on("GET", "/api/v1/templates/:name", &ApiServer::template_one);
  on("GET", "/api/v1/groups", &ApiServer::groups_list);
  on("POST", "/api/v1/groups", &ApiServer::groups_add);
  on("DELETE", "/api/v1/groups", &ApiServer::groups_delete);
  on("GET", "/api/v1/segments", &ApiServer::segments_list);
  on("POST", "/api/v1/segments", &ApiServer::segments_add);
  on("DELETE", "/api/v1/segments", &ApiServer::segments_delete);
  on("GET", "/api/v1/context", &ApiServer::context);
  on("GET", "/api/v1/notifications", &ApiServer::notifications_get);
  on("PUT", "/api/v1/notifications", &ApiServer::notifications_put);
  on("GET", "/api/v1/mappings", &ApiServer::mappings_get);
  on("PUT", "/api/v1/mappings", &ApiServer::mappings_put);
  on("GET", "/api/v1/cors", &ApiServer::cors_get);
  on("PUT", "/api/v1/cors", &ApiServer::cors_put);
  on("POST", "/api/v1/imports", &ApiServer::imports_create);
  on("GET", "/api/v1/imports", &ApiServer::imports_list);
  on("GET", "/api/v1/imports/:id", &ApiServer::import_get);
  on("PUT", "/api/v1/imports/:id/parts/:n", &ApiServer::import_part);
  on("PUT", "/api/v1/imports/:id/edits", &ApiServer::import_edits);
  on("POST", "/api/v1/imports/:id/start", &ApiServer::import_start);
  on("DELETE", "/api/v1/imports/:id", &ApiServer::import_cancel);
  on("GET", "/api/v1/imports/:id/errors.csv", &ApiServer::import_errors);
  on("GET", "/api/v1/imports/:id/results.csv", &ApiServer::import_results);
  on("GET", "/api/v1/partners", &ApiServer::partners_list);
  on("GET", "/api/v1/partners/export.csv", &ApiServer::partners_export);
  on("GET", "/api/v1/partners/export.xlsx", &ApiServer::partners_export_xlsx);
  on("POST", "/api/v1/partners/groups", &ApiServer::partners_groups);
  // A known path with another method: a JSON 405 with Allow (Pistache's own is plain text).
  for (const auto& [path, methods] : allowed_) {
    std::string allow;
    for (const std::string& m : methods) allow += (allow.empty() ? "" : ", ") + m;
    auto refuse = [this, allow, route = std::string(path)](const Rest::Request&, Http::ResponseWriter response) {
      add_header(response, "Allow", allow);
      send_json(response, Http::Code::Method_Not_Allowed,
                error_body("method_not_allowed", route + " answers " + allow + "."));
      metrics_->observe("other " + route, 405, 0);
      return Rest::Route::Result::Ok;
    };
    // Preflights on every known path; HEAD, TRACE and CONNECT as JSON 501s (Pistache would
    // answer them with its own plain-text 405).
    router_->options(path, [this](const Rest::Request& request, Http::ResponseWriter response) {
      preflight(request, response);
      return Rest::Route::Result::Ok;
    });
    for (Http::Method m : {Http::Method::Head, Http::Method::Trace, Http::Method::Connect})
      router_->addRoute(m, path, [this](const Rest::Request&, Http::ResponseWriter response) {
        not_implemented(response);
        return Rest::Route::Result::Ok;
      });
    for (const char* m : {"GET", "POST", "PUT", "DELETE", "PATCH"}) {
      if (std::find(methods.begin(), methods.end(), m) == methods.end())
        router_->addRoute(method_named(m), path, refuse);
    }
  }
  // No route: a preflight on any path; a method this server never answers (HEAD, TRACE,
  // CONNECT) as a JSON 501; otherwise a static file. Methods Pistache does not know are
  // refused by its parser (400) before they get here.
  router_->addNotFoundHandler([this](const Rest::Request& request, Http::ResponseWriter response) {
    Http::Method method = request.method();
    if (method == Http::Method::Options) {
      preflight(request, response);
    } else if (method == Http::Method::Head || method == Http::Method::Trace || method == Http::Method::Connect) {
      not_implemented(response);
    } else {
      static_file(request, std::move(response));
    }
    return Rest::Route::Result::Ok;
  });
}

void ApiServer::start() {
  stopping_ = false;
  Address address(settings_.address, Port(settings_.port));
  endpoint_ = std::make_unique<Http::Endpoint>(address);
  auto options = Http::Endpoint::options()
                     .threads(settings_.threads)
                     .flags(Tcp::Options::ReuseAddr)
                     .backlog(1024)  // a burst of connections waits in the kernel, not refused
                     // Pistache buffers whole requests: room for the guard's largest (a part of
                     // 8 MiB, JSON bodies are smaller) and the longest headers.
                     .maxRequestSize(http::RequestGuard::parser_limit(settings_.max_part_bytes + (64 << 10)))
                     .headerTimeout(settings_.header_timeout)
                     .bodyTimeout(settings_.body_timeout);
  endpoint_->init(options);
  // Pistache gives no answer to a body over maxRequestSize: the guard refuses it first.
  endpoint_->setHandler(std::make_shared<http::RequestGuard>(router_->handler(), settings_.max_part_bytes + (64 << 10)));
  endpoint_->serveThreaded();
}

void ApiServer::stop() {
  stopping_ = true;  // requests inside a store statement are interrupted, not waited for
  if (endpoint_) {
    endpoint_->shutdown();
    endpoint_.reset();
  }
}

std::uint16_t ApiServer::port() const { return endpoint_ ? static_cast<std::uint16_t>(endpoint_->getPort()) : 0; }

RouteError ApiServer::authenticate(const Rest::Request& request, std::int64_t* tenant_out) {
  // A client that failed too often is refused before its key is looked at, so guessing keys
  // gets one try per refilled token whatever it sends.
  std::string client = request.address().host();
  if (std::int64_t wait = auth_limiter_->retry_after(client)) {
    ApiError limited = refuse(Http::Code::Too_Many_Requests, "rate_limited",
                              "Too many requests with a missing or wrong API key from this address; retry in " +
                                  std::to_string(wait) + " s.");
    limited.retry_after = wait;
    return limited;
  }
  auto unauthorized = [&](const char* message) {
    auth_limiter_->spend(client);
    return refuse(Http::Code::Unauthorized, "unauthorized", message);
  };
  auto header = request.headers().tryGetRaw("Authorization");
  if (!header) return unauthorized("Send the API key as \"Authorization: Bearer KEY\".");
  std::string value = header->value();
  const std::string prefix = "Bearer ";
  if (value.size() <= prefix.size() || value.compare(0, prefix.size(), prefix) != 0)
    return unauthorized("Send the API key as \"Authorization: Bearer KEY\".");
  std::string hash = sha256_hex(value.substr(prefix.size()));
  {
    std::lock_guard<std::mutex> lock(keys_mutex_);
    auto it = key_cache_.find(hash);
    if (it != key_cache_.end()) {
      *tenant_out = it->second;
      return {};
    }
  }
  std::optional<std::int64_t> tenant = store_.tenant_for_key(hash);
  if (!tenant) return unauthorized("The API key is not valid.");
  std::lock_guard<std::mutex> lock(keys_mutex_);
  key_cache_[hash] = *tenant;
  *tenant_out = *tenant;
  return {};
}

// ---- Service routes -----------------------------------------------------------------------------

RouteError ApiServer::healthz(Call&, const Request&, Response& response) {
  send_json(response, Http::Code::Ok, "{\"status\":\"ok\"}");
  return {};
}

RouteError ApiServer::metrics(Call&, const Request&, Response& response) {
  response.headers().add<Http::Header::ContentType>(Http::Mime::MediaType::fromString("text/plain; version=0.0.4"));
  response.send(Http::Code::Ok, metrics_->render(store_, runner_.counters()));
  return {};
}

RouteError ApiServer::templates(Call&, const Request&, Response& response) {
  json items = json::array();
  for (const auto& b : builtin_templates()) {
    TemplateLoad t = parse_template(b.json);
    items.push_back({{"name", std::string(b.name)}, {"title", t.value.title}});
  }
  send_json(response, Http::Code::Ok, json({{"items", items}}).dump());
  return {};
}

RouteError ApiServer::template_one(Call&, const Request& request, Response& response) {
  std::string name = request.param(":name").as<std::string>();
  for (const auto& b : builtin_templates()) {
    if (b.name == name) {
      send_json(response, Http::Code::Ok, std::string(b.json));
      return {};
    }
  }
  return refuse(Http::Code::Not_Found, "not_found", "There is no template \"" + name + "\".");
}

RouteError ApiServer::groups_list(Call& call, const Request&, Response& response) {
  send_json(response, Http::Code::Ok, json({{"items", store_.groups(call.tenant)}}).dump());
  return {};
}

RouteError ApiServer::groups_add(Call& call, const Request& request, Response& response) {
  json body;
  std::string name;
  if (RouteError e = parse_body(request, &body)) return e;
  if (RouteError e = string_field(body, "name", &name, true)) return e;
  if (name.empty() || name.size() > 255 || padded(name))
    return refuse(Http::Code::Unprocessable_Entity, "bad_name", "A group name is 1 to 255 characters, without spaces at either end.");
  if (!store_.add_group(call.tenant, name)) return refuse(Http::Code::Conflict, "exists", "The group \"" + name + "\" exists already.");
  send_json(response, Http::Code::Created, json({{"name", name}}).dump());
  return {};
}

RouteError ApiServer::groups_delete(Call& call, const Request& request, Response& response) {
  std::string name = query(request, "name");
  if (name.empty()) {
    json body;
    if (RouteError e = parse_body(request, &body)) return e;
    if (RouteError e = string_field(body, "name", &name, true)) return e;
  }
  if (!store_.delete_group(call.tenant, name)) return refuse(Http::Code::Not_Found, "not_found", "There is no group \"" + name + "\".");
  send_json(response, Http::Code::Ok, json({{"deleted", name}}).dump());
  return {};
}

// Whether a field of `tmpl` names the reference set `set`.
static bool references(const Template& tmpl, std::string_view set) {
  for (const Field& f : tmpl.fields)
    if (f.type == FieldType::Reference && f.ref == set) return true;
  return false;
}

// Segments: like groups, they exist before an import names them.
RouteError ApiServer::segments_list(Call& call, const Request&, Response& response) {
  send_json(response, Http::Code::Ok, json({{"items", store_.segments(call.tenant)}}).dump());
  return {};
}

RouteError ApiServer::segments_add(Call& call, const Request& request, Response& response) {
  json body;
  std::string name;
  if (RouteError e = parse_body(request, &body)) return e;
  if (RouteError e = string_field(body, "name", &name, true)) return e;
  if (name.empty() || name.size() > 255 || padded(name))
    return refuse(Http::Code::Unprocessable_Entity, "bad_name", "A segment name is 1 to 255 characters, without spaces at either end.");
  if (!store_.add_segment(call.tenant, name)) return refuse(Http::Code::Conflict, "exists", "The segment \"" + name + "\" exists already.");
  send_json(response, Http::Code::Created, json({{"name", name}}).dump());
  return {};
}

RouteError ApiServer::segments_delete(Call& call, const Request& request, Response& response) {
  std::string name = query(request, "name");
  if (name.empty()) {
    json body;
    if (RouteError e = parse_body(request, &body)) return e;
    if (RouteError e = string_field(body, "name", &name, true)) return e;
  }
  if (!store_.delete_segment(call.tenant, name)) return refuse(Http::Code::Not_Found, "not_found", "There is no segment \"" + name + "\".");
  send_json(response, Http::Code::Ok, json({{"deleted", name}}).dump());
  return {};
}

RouteError ApiServer::context(Call& call, const Request& request, Response& response) {
  std::string name = query(request, "template");
  TemplateLoad t = builtin_template(name);
  if (!t.ok) return refuse(Http::Code::Not_Found, "unknown_template", "There is no template \"" + name + "\".");
  std::vector<std::uint64_t> hashes;
  store_.for_each_key(call.tenant, t.value, "", [&](const std::vector<std::string_view>& parts) {
    hashes.push_back(key_hash(t.value, parts));
  });
  std::string out = "{\"template\":";
  append_json_string(out, name);
  out += ",\"sets\":{\"groups\":" + json(store_.groups(call.tenant)).dump();
  if (references(t.value, "segments")) out += ",\"segments\":" + json(store_.segments(call.tenant)).dump();
  out += "}";
  out += ",\"existing_count\":" + std::to_string(hashes.size());
  out += ",\"existing_hash64\":\"" + encode_key_hashes(hashes) + "\"}";
  send_json(response, Http::Code::Ok, out);
  return {};
}

RouteError ApiServer::notifications_get(Call& call, const Request&, Response& response) {
  std::optional<Tenant> t = store_.tenant(call.tenant);
  if (!t) return refuse(Http::Code::Not_Found, "not_found", "The tenant is gone.");
  send_json(response, Http::Code::Ok,
            json({{"email", t->notify.email}, {"webhook_url", t->notify.webhook_url},
                  {"webhook_secret_set", !t->notify.webhook_secret.empty()}})
                .dump());
  return {};
}

RouteError ApiServer::notifications_put(Call& call, const Request& request, Response& response) {
  json body;
  if (RouteError e = parse_body(request, &body)) return e;
  NotifyConfig c;
  for (auto [key, out] : {std::pair{"email", &c.email}, std::pair{"webhook_url", &c.webhook_url},
                          std::pair{"webhook_secret", &c.webhook_secret}})
    if (RouteError e = string_field(body, key, out)) return e;
  // The same checks the notifier makes before it sends, so nothing saved here is skipped later.
  if (!c.email.empty() && (checks::email(c.email) != nullptr || !valid_mail_address(c.email)))
    return refuse(Http::Code::Unprocessable_Entity, "bad_email", "\"email\" is not a plain ASCII e-mail address.");
  HttpUrl url;
  std::string why;
  if (!c.webhook_url.empty() && !parse_http_url(c.webhook_url, &url, &why))
    return refuse(Http::Code::Unprocessable_Entity, "bad_url", "\"webhook_url\" cannot be used: " + why);
  if (!c.webhook_url.empty() && c.webhook_secret.empty())
    return refuse(Http::Code::Unprocessable_Entity, "missing_secret", "A webhook needs a \"webhook_secret\" to sign its calls.");
  store_.set_notify(call.tenant, c);
  send_json(response, Http::Code::Ok, json({{"email", c.email}, {"webhook_url", c.webhook_url}}).dump());
  return {};
}

void ApiServer::not_implemented(Http::ResponseWriter& response) {
  add_header(response, "Allow", "GET, POST, PUT, DELETE, PATCH, OPTIONS");
  send_json(response, Http::Code::Not_Implemented,
            error_body("not_implemented", "This server answers GET, POST, PUT, DELETE, PATCH and OPTIONS only."));
  metrics_->observe("other", 501, 0);
}

// ---- CORS ---------------------------------------------------------------------------------------

void ApiServer::allow_origin(std::int64_t tenant, const Rest::Request& request, Http::ResponseWriter& response) {
  auto header = request.headers().tryGetRaw("Origin");
  if (!header) return;
  add_header(response, "Vary", "Origin");
  std::optional<std::string> origin = canonical_origin(header->value());
  if (!origin) return;
  std::vector<std::string> allowed = store_.allowed_origins(tenant);
  if (std::find(allowed.begin(), allowed.end(), *origin) == allowed.end()) return;
  add_header(response, "Access-Control-Allow-Origin", header->value());
  add_header(response, "Access-Control-Expose-Headers", kCorsExposed);
}

// A preflight carries no key, so it cannot know the tenant: it passes for an origin that some
// tenant allows, and the request itself then gets Access-Control-Allow-Origin only from its own.
void ApiServer::preflight(const Rest::Request& request, Http::ResponseWriter& response) {
  auto header = request.headers().tryGetRaw("Origin");
  std::optional<std::string> origin = header ? canonical_origin(header->value()) : std::nullopt;
  int status = 204;
  add_header(response, "Vary", "Origin");
  if (!header) {
    add_header(response, "Allow", "GET, POST, PUT, DELETE, PATCH, OPTIONS");
    response.send(Http::Code::No_Content);
  } else if (origin && store_.origin_allowed(*origin)) {
    add_header(response, "Access-Control-Allow-Origin", header->value());
    add_header(response, "Access-Control-Allow-Methods", kCorsMethods);
    add_header(response, "Access-Control-Allow-Headers", kCorsHeaders);
    add_header(response, "Access-Control-Max-Age", kCorsMaxAge);
    response.send(Http::Code::No_Content);
  } else {
    status = 403;
    send_json(response, Http::Code::Forbidden,
              error_body("origin_not_allowed", "This origin is not allowed to call the API; a tenant adds it with PUT /api/v1/cors."));
  }
  metrics_->observe("OPTIONS preflight", status, 0);
}

// ---- Mappings remembered for the team -----------------------------------------------------------

constexpr std::size_t kMappingsKept = 100;       // per tenant and template
constexpr std::size_t kMaxMappingColumns = 2000;  // a header's columns
constexpr std::size_t kMaxMappingName = 1000;     // characters of a column name or field key

RouteError ApiServer::mappings_get(Call& call, const Request& request, Response& response) {
  std::string template_name = query(request, "template");
  if (template_name.empty()) return refuse(Http::Code::Bad_Request, "missing_field", "\"template\" is required (?template=NAME).");
  json items = json::array();
  for (const Store::SavedMapping& m : store_.mappings(call.tenant, template_name)) {
    json choice = json::parse(m.choice_json, nullptr, false);
    json columns = json::parse(m.columns_json, nullptr, false);
    if (!choice.is_object() || !columns.is_array()) continue;
    items.push_back({{"columns", columns}, {"map", choice.value("map", json::object())},
                     {"no_header", choice.value("no_header", false)}, {"updated_at", m.updated_at}});
  }
  send_json(response, Http::Code::Ok, json({{"template", template_name}, {"mappings", items}}).dump());
  return {};
}

RouteError ApiServer::mappings_put(Call& call, const Request& request, Response& response) {
  json body;
  if (RouteError e = parse_body(request, &body)) return e;
  std::string template_name;
  if (RouteError e = string_field(body, "template", &template_name, true)) return e;
  if (template_name.empty() || template_name.size() > 200)
    return refuse(Http::Code::Unprocessable_Entity, "bad_field", "\"template\" is a template's name (1 to 200 characters).");
  if (!body.contains("columns") || !body["columns"].is_array())
    return refuse(Http::Code::Bad_Request, "bad_field", "\"columns\" must be the file's column names, as a list.");
  const json& columns = body["columns"];
  if (columns.size() > kMaxMappingColumns)
    return refuse(Http::Code::Unprocessable_Entity, "too_many_columns", "A header has at most " + std::to_string(kMaxMappingColumns) + " columns.");
  for (const json& c : columns)
    if (!c.is_string() || c.get_ref<const std::string&>().size() > kMaxMappingName)
      return refuse(Http::Code::Bad_Request, "bad_field", "\"columns\" must be a list of column names (text).");
  json map = body.contains("map") ? body["map"] : json::object();
  if (!map.is_object()) return refuse(Http::Code::Bad_Request, "bad_field", "\"map\" must be an object of column: field key (\"\" ignores it).");
  for (const auto& item : map.items())
    if (!item.value().is_string() || item.key().size() > kMaxMappingName || item.value().get_ref<const std::string&>().size() > kMaxMappingName)
      return refuse(Http::Code::Bad_Request, "bad_field", "\"map\" must be an object of column: field key (\"\" ignores it).");
  if (body.contains("no_header") && !body["no_header"].is_boolean())
    return refuse(Http::Code::Bad_Request, "bad_field", "\"no_header\" must be true or false.");
  Store::SavedMapping m;
  m.columns_json = columns.dump();
  m.choice_json = json({{"map", map}, {"no_header", body.value("no_header", false)}}).dump();
  m.updated_at = now_seconds();
  store_.put_mapping(call.tenant, template_name, m, kMappingsKept);
  send_json(response, Http::Code::Ok,
            json({{"template", template_name}, {"columns", columns}, {"map", map}, {"no_header", body.value("no_header", false)},
                  {"updated_at", m.updated_at}}).dump());
  return {};
}

RouteError ApiServer::cors_get(Call& call, const Request&, Response& response) {
  send_json(response, Http::Code::Ok, json({{"allowed_origins", store_.allowed_origins(call.tenant)}}).dump());
  return {};
}

RouteError ApiServer::cors_put(Call& call, const Request& request, Response& response) {
  json body;
  if (RouteError e = parse_body(request, &body)) return e;
  if (!body.contains("allowed_origins"))
    return refuse(Http::Code::Bad_Request, "missing_field", "\"allowed_origins\" is required (a list, [] for none).");
  std::vector<std::string> given_origins;
  if (RouteError e = string_list(body, "allowed_origins", &given_origins)) return e;
  std::vector<std::string> origins;
  for (const std::string& given : given_origins) {
    std::optional<std::string> origin = canonical_origin(given);
    if (!origin)
      return refuse(Http::Code::Unprocessable_Entity, "bad_origin",
           "\"" + given.substr(0, 64) + "\" is not an origin such as https://shop.example or http://localhost:8080 "
           "(a scheme and a host, an optional port, no path).");
    if (std::find(origins.begin(), origins.end(), *origin) == origins.end()) origins.push_back(*origin);
  }
  if (origins.size() > kMaxOrigins)
    return refuse(Http::Code::Unprocessable_Entity, "too_many_origins", "A tenant may allow at most " + std::to_string(kMaxOrigins) + " origins.");
  store_.set_allowed_origins(call.tenant, origins);
  send_json(response, Http::Code::Ok, json({{"allowed_origins", origins}}).dump());
  return {};
}

// ---- Static files -------------------------------------------------------------------------------

void ApiServer::static_file(const Rest::Request& request, Http::ResponseWriter response) {
  auto started = std::chrono::steady_clock::now();
  int status = 200;
  std::string resource = request.resource();
  std::string root = settings_.web_dir;
  std::string relative;
  if (resource == "/" || resource.empty()) relative = "index.html";
  else if (resource == "/partners") relative = "partners.html";
  else if (resource.rfind("/wasm/", 0) == 0 && !settings_.wasm_dir.empty()) {
    root = settings_.wasm_dir;
    relative = resource.substr(6);
  } else relative = resource.substr(1);
  namespace fs = std::filesystem;
  std::error_code ec;
  bool found = false;
  if (request.method() == Http::Method::Get && !root.empty() && relative.find("..") == std::string::npos &&
      relative.find('\0') == std::string::npos) {
    fs::path base = fs::weakly_canonical(root, ec);
    fs::path target = fs::weakly_canonical(base / relative, ec);
    // Only files under the root: no "..", no links out of it.
    auto [b, t] = std::mismatch(base.begin(), base.end(), target.begin(), target.end());
    if (!ec && b == base.end() && fs::is_regular_file(target, ec)) {
      std::ifstream in(target, std::ios::binary);
      std::string body((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
      response.headers().add<Http::Header::ContentType>(Http::Mime::MediaType::fromString(content_type_for(target.string())));
      response.send(Http::Code::Ok, body);
      found = true;
    }
  }
  if (!found) {
    status = 404;
    send_json(response, Http::Code::Not_Found, error_body("not_found", "There is nothing at " + resource + "."));
  }
  metrics_->observe("GET static", status,
                    std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count());
}

}  // namespace rowgate::server
