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

#include "http/http_util.h"
#include "http/metrics.h"
#include "jobs/import_runner.h"
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

ApiServer::ApiServer(Store& store, ImportRunner& runner, ServerSettings settings)
    : store_(store), runner_(runner), settings_(std::move(settings)), metrics_(std::make_unique<Metrics>()),
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
      if (authenticated) call.tenant = authenticate(request);
      (this->*handler)(call, request, response);
      status = static_cast<int>(response.getResponseCode());
    } catch (const HttpError& e) {
      status = static_cast<int>(e.status);
      send_json(response, e.status, error_body(e.code, e.message));
    } catch (const std::exception& e) {
      status = 500;
      log_error("request failed", {{"route", route}, {"error", e.what()}});
      send_json(response, Http::Code::Internal_Server_Error, error_body("internal", "The server failed to answer; try again."));
    }
    double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    metrics_->observe(route, status, seconds);
    return Rest::Route::Result::Ok;
  };
  std::string m = method;
  allowed_[path].push_back(m);
  if (m == "GET") Rest::Routes::Get(*router_, path, bound);
  else if (m == "POST") Rest::Routes::Post(*router_, path, bound);
  else if (m == "PUT") Rest::Routes::Put(*router_, path, bound);
  else if (m == "DELETE") Rest::Routes::Delete(*router_, path, bound);
}

void ApiServer::routes() {
  on("GET", "/healthz", &ApiServer::healthz, false);
  on("GET", "/metrics", &ApiServer::metrics, false);
  on("GET", "/api/v1/templates", &ApiServer::templates);
  on("GET", "/api/v1/templates/:name", &ApiServer::template_one);
  on("GET", "/api/v1/groups", &ApiServer::groups_list);
  on("POST", "/api/v1/groups", &ApiServer::groups_add);
  on("DELETE", "/api/v1/groups", &ApiServer::groups_delete);
  on("GET", "/api/v1/context", &ApiServer::context);
  on("GET", "/api/v1/notifications", &ApiServer::notifications_get);
  on("PUT", "/api/v1/notifications", &ApiServer::notifications_put);
  on("POST", "/api/v1/imports", &ApiServer::imports_create);
  on("GET", "/api/v1/imports", &ApiServer::imports_list);
  on("GET", "/api/v1/imports/:id", &ApiServer::import_get);
  on("PUT", "/api/v1/imports/:id/parts/:n", &ApiServer::import_part);
  on("POST", "/api/v1/imports/:id/start", &ApiServer::import_start);
  on("DELETE", "/api/v1/imports/:id", &ApiServer::import_cancel);
  on("GET", "/api/v1/imports/:id/errors.csv", &ApiServer::import_errors);
  on("GET", "/api/v1/imports/:id/results.csv", &ApiServer::import_results);
  on("GET", "/api/v1/partners", &ApiServer::partners_list);
  on("GET", "/api/v1/partners/export.csv", &ApiServer::partners_export);
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
    for (const char* m : {"GET", "POST", "PUT", "DELETE", "PATCH"}) {
      if (std::find(methods.begin(), methods.end(), m) != methods.end()) continue;
      std::string method = m;
      if (method == "GET") Rest::Routes::Get(*router_, path, refuse);
      else if (method == "POST") Rest::Routes::Post(*router_, path, refuse);
      else if (method == "PUT") Rest::Routes::Put(*router_, path, refuse);
      else if (method == "DELETE") Rest::Routes::Delete(*router_, path, refuse);
      else router_->patch(path, refuse);
    }
  }
  router_->addNotFoundHandler([this](const Rest::Request& request, Http::ResponseWriter response) {
    static_file(request, std::move(response));
    return Rest::Route::Result::Ok;
  });
}

void ApiServer::start() {
  Address address(settings_.address, Port(settings_.port));
  endpoint_ = std::make_unique<Http::Endpoint>(address);
  auto options = Http::Endpoint::options()
                     .threads(settings_.threads)
                     .flags(Tcp::Options::ReuseAddr)
                     // Pistache buffers whole bodies: a part may be 8 MiB, plus room for headers.
                     .maxRequestSize(settings_.max_part_bytes + (64 << 10))
                     .headerTimeout(std::chrono::seconds(10))
                     .bodyTimeout(std::chrono::seconds(120));
  endpoint_->init(options);
  endpoint_->setHandler(router_->handler());
  endpoint_->serveThreaded();
}

void ApiServer::stop() {
  if (endpoint_) {
    endpoint_->shutdown();
    endpoint_.reset();
  }
}

std::uint16_t ApiServer::port() const { return endpoint_ ? static_cast<std::uint16_t>(endpoint_->getPort()) : 0; }

std::int64_t ApiServer::authenticate(const Rest::Request& request) {
  auto header = request.headers().tryGetRaw("Authorization");
  if (!header) fail(Http::Code::Unauthorized, "unauthorized", "Send the API key as \"Authorization: Bearer KEY\".");
  std::string value = header->value();
  const std::string prefix = "Bearer ";
  if (value.size() <= prefix.size() || value.compare(0, prefix.size(), prefix) != 0)
    fail(Http::Code::Unauthorized, "unauthorized", "Send the API key as \"Authorization: Bearer KEY\".");
  std::string hash = sha256_hex(value.substr(prefix.size()));
  {
    std::lock_guard<std::mutex> lock(keys_mutex_);
    auto it = key_cache_.find(hash);
    if (it != key_cache_.end()) return it->second;
  }
  std::optional<std::int64_t> tenant = store_.tenant_for_key(hash);
  if (!tenant) fail(Http::Code::Unauthorized, "unauthorized", "The API key is not valid.");
  std::lock_guard<std::mutex> lock(keys_mutex_);
  key_cache_[hash] = *tenant;
  return *tenant;
}

// ---- Service routes -----------------------------------------------------------------------------

void ApiServer::healthz(Call&, const Request&, Response& response) {
  send_json(response, Http::Code::Ok, "{\"status\":\"ok\"}");
}

void ApiServer::metrics(Call&, const Request&, Response& response) {
  response.headers().add<Http::Header::ContentType>(Http::Mime::MediaType::fromString("text/plain; version=0.0.4"));
  response.send(Http::Code::Ok, metrics_->render(store_, runner_.counters()));
}

void ApiServer::templates(Call&, const Request&, Response& response) {
  json items = json::array();
  for (const auto& b : builtin_templates()) {
    TemplateLoad t = parse_template(b.json);
    items.push_back({{"name", std::string(b.name)}, {"title", t.value.title}});
  }
  send_json(response, Http::Code::Ok, json({{"items", items}}).dump());
}

void ApiServer::template_one(Call&, const Request& request, Response& response) {
  std::string name = request.param(":name").as<std::string>();
  for (const auto& b : builtin_templates())
    if (b.name == name) return send_json(response, Http::Code::Ok, std::string(b.json));
  fail(Http::Code::Not_Found, "not_found", "There is no template \"" + name + "\".");
}

void ApiServer::groups_list(Call& call, const Request&, Response& response) {
  send_json(response, Http::Code::Ok, json({{"items", store_.groups(call.tenant)}}).dump());
}

void ApiServer::groups_add(Call& call, const Request& request, Response& response) {
  json body = parse_body(request);
  std::string name = string_field(body, "name", true);
  if (name.empty() || name.size() > 255 || padded(name))
    fail(Http::Code::Unprocessable_Entity, "bad_name", "A group name is 1 to 255 characters, without spaces at either end.");
  if (!store_.add_group(call.tenant, name)) fail(Http::Code::Conflict, "exists", "The group \"" + name + "\" exists already.");
  send_json(response, Http::Code::Created, json({{"name", name}}).dump());
}

void ApiServer::groups_delete(Call& call, const Request& request, Response& response) {
  std::string name = query(request, "name");
  if (name.empty()) name = string_field(parse_body(request), "name", true);
  if (!store_.delete_group(call.tenant, name)) fail(Http::Code::Not_Found, "not_found", "There is no group \"" + name + "\".");
  send_json(response, Http::Code::Ok, json({{"deleted", name}}).dump());
}

void ApiServer::context(Call& call, const Request& request, Response& response) {
  std::string name = query(request, "template");
  TemplateLoad t = builtin_template(name);
  if (!t.ok) fail(Http::Code::Not_Found, "unknown_template", "There is no template \"" + name + "\".");
  std::vector<std::uint64_t> hashes;
  store_.for_each_key(call.tenant, name, "", [&](const std::vector<std::string_view>& parts) {
    hashes.push_back(key_hash(t.value, parts));
  });
  std::string out = "{\"template\":";
  append_json_string(out, name);
  out += ",\"sets\":{\"groups\":" + json(store_.groups(call.tenant)).dump() + "}";
  out += ",\"existing_count\":" + std::to_string(hashes.size());
  out += ",\"existing_hash64\":\"" + encode_key_hashes(hashes) + "\"}";
  send_json(response, Http::Code::Ok, out);
}

void ApiServer::notifications_get(Call& call, const Request&, Response& response) {
  std::optional<Tenant> t = store_.tenant(call.tenant);
  if (!t) fail(Http::Code::Not_Found, "not_found", "The tenant is gone.");
  send_json(response, Http::Code::Ok,
            json({{"email", t->notify.email}, {"webhook_url", t->notify.webhook_url},
                  {"webhook_secret_set", !t->notify.webhook_secret.empty()}})
                .dump());
}

void ApiServer::notifications_put(Call& call, const Request& request, Response& response) {
  json body = parse_body(request);
  NotifyConfig c;
  c.email = string_field(body, "email");
  c.webhook_url = string_field(body, "webhook_url");
  c.webhook_secret = string_field(body, "webhook_secret");
  // The same checks the notifier makes before it sends, so nothing saved here is skipped later.
  if (!c.email.empty() && (checks::email(c.email) != nullptr || !valid_mail_address(c.email)))
    fail(Http::Code::Unprocessable_Entity, "bad_email", "\"email\" is not a plain ASCII e-mail address.");
  HttpUrl url;
  std::string why;
  if (!c.webhook_url.empty() && !parse_http_url(c.webhook_url, &url, &why))
    fail(Http::Code::Unprocessable_Entity, "bad_url", "\"webhook_url\" cannot be used: " + why);
  if (!c.webhook_url.empty() && c.webhook_secret.empty())
    fail(Http::Code::Unprocessable_Entity, "missing_secret", "A webhook needs a \"webhook_secret\" to sign its calls.");
  store_.set_notify(call.tenant, c);
  send_json(response, Http::Code::Ok, json({{"email", c.email}, {"webhook_url", c.webhook_url}}).dump());
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
