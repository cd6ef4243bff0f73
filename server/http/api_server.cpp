#include "http/api_server.h"

#include <fcntl.h>
#include <unistd.h>

#include <pistache/endpoint.h>
#include <pistache/http.h>
#include <pistache/router.h>

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <cstring>
#include <cstdio>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <stdexcept>

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
using nlohmann::json;

namespace {

constexpr std::uint32_t kMaxParts = 10000;
constexpr std::size_t kMaxJsonBody = 1 << 20;

std::int64_t now_seconds() { return static_cast<std::int64_t>(std::time(nullptr)); }

// A response header of any name. Pistache 0.0.5 does not write the "raw" headers of a
// response, only typed ones, so each extra header is one of these.
class NamedHeader : public Http::Header::Header {
 public:
  NamedHeader(std::string name, std::string value) : name_(std::move(name)), value_(std::move(value)) {}
  const char* name() const override { return name_.c_str(); }
  void write(std::ostream& stream) const override { stream << value_; }
#ifdef SAFE_HEADER_CAST
  uint64_t hash() const override { return 0; }
#endif

 private:
  std::string name_;
  std::string value_;
};

void add_header(Http::ResponseWriter& response, std::string name, std::string value) {
  response.headers().add(std::make_shared<NamedHeader>(std::move(name), std::move(value)));
}

// An answer other than success, carried to the one place that writes error responses.
struct HttpError {
  Http::Code status;
  std::string code;
  std::string message;
};

[[noreturn]] void fail(Http::Code status, std::string code, std::string message) {
  throw HttpError{status, std::move(code), std::move(message)};
}

std::string error_body(const std::string& code, const std::string& message) {
  std::string out = "{\"error\":{\"code\":";
  append_json_string(out, code);
  out += ",\"message\":";
  append_json_string(out, message);
  out += "}}";
  return out;
}

void send_json(Http::ResponseWriter& response, Http::Code status, const std::string& body) {
  response.headers().add<Http::Header::ContentType>(MIME(Application, Json));
  response.send(status, body);
}

bool padded(const std::string& s) {
  return !s.empty() && (std::isspace(static_cast<unsigned char>(s.front())) || std::isspace(static_cast<unsigned char>(s.back())));
}

std::string url_decode(const std::string& in) {
  std::string out;
  out.reserve(in.size());
  for (std::size_t i = 0; i < in.size(); ++i) {
    char c = in[i];
    if (c == '+') {
      out.push_back(' ');
    } else if (c == '%' && i + 2 < in.size() && std::isxdigit(static_cast<unsigned char>(in[i + 1])) &&
               std::isxdigit(static_cast<unsigned char>(in[i + 2]))) {
      out.push_back(static_cast<char>(std::stoi(in.substr(i + 1, 2), nullptr, 16)));
      i += 2;
    } else {
      out.push_back(c);
    }
  }
  return out;
}

std::string query(const Rest::Request& r, const std::string& name) {
  auto v = r.query().get(name);
  return v ? url_decode(*v) : std::string();
}

json parse_body(const Rest::Request& r) {
  const std::string& body = r.body();
  if (body.size() > kMaxJsonBody) fail(Http::Code::Request_Entity_Too_Large, "too_large", "The JSON body is over 1 MiB.");
  if (body.find_first_not_of(" \t\r\n") == std::string::npos) return json::object();
  json doc = json::parse(body, nullptr, false);
  if (doc.is_discarded() || !doc.is_object()) fail(Http::Code::Bad_Request, "malformed_json", "The body is not a JSON object.");
  return doc;
}

std::string string_field(const json& doc, const char* key, bool required = false) {
  if (!doc.contains(key) || doc[key].is_null()) {
    if (required) fail(Http::Code::Bad_Request, "missing_field", std::string("\"") + key + "\" is required.");
    return {};
  }
  if (!doc[key].is_string()) fail(Http::Code::Bad_Request, "bad_field", std::string("\"") + key + "\" must be a string.");
  return doc[key].get<std::string>();
}

std::vector<std::string> string_list(const json& doc, const char* key) {
  std::vector<std::string> out;
  if (!doc.contains(key) || doc[key].is_null()) return out;
  if (!doc[key].is_array()) fail(Http::Code::Bad_Request, "bad_field", std::string("\"") + key + "\" must be a list of strings.");
  for (const json& v : doc[key]) {
    if (!v.is_string()) fail(Http::Code::Bad_Request, "bad_field", std::string("\"") + key + "\" must be a list of strings.");
    out.push_back(v.get<std::string>());
  }
  return out;
}

PartnerFilter filter_from(const Rest::Request& r) {
  PartnerFilter f;
  f.q = query(r, "q");
  f.group = query(r, "group");
  f.country = query(r, "country");
  f.status = query(r, "status");
  return f;
}

std::string partner_json(const Partner& p) {
  json j = {{"id", p.id},
            {"partner_id", p.partner_id},
            {"name", p.name},
            {"email", p.email},
            {"url", p.url},
            {"first_name", p.first_name},
            {"last_name", p.last_name},
            {"description", p.description},
            {"country", p.country},
            {"status", p.status},
            {"groups", p.groups},
            {"created_at", p.created_at},
            {"updated_at", p.updated_at}};
  return j.dump(-1, ' ', false, json::error_handler_t::replace);
}

// Fsyncs a file or folder, so that what was written survives a crash.
void sync_path(const std::string& path, bool directory) {
  int fd = ::open(path.c_str(), directory ? O_RDONLY | O_DIRECTORY : O_RDONLY);
  if (fd < 0) throw std::runtime_error("cannot open " + path + " to sync it");
  ::fsync(fd);
  ::close(fd);
}

std::string content_type_for(const std::string& path) {
  auto ends = [&](const char* ext) {
    std::size_t n = std::strlen(ext);
    return path.size() >= n && path.compare(path.size() - n, n, ext) == 0;
  };
  if (ends(".html")) return "text/html; charset=utf-8";
  if (ends(".js") || ends(".mjs")) return "text/javascript; charset=utf-8";
  if (ends(".css")) return "text/css; charset=utf-8";
  if (ends(".json")) return "application/json";
  if (ends(".wasm")) return "application/wasm";
  if (ends(".svg")) return "image/svg+xml";
  if (ends(".png")) return "image/png";
  if (ends(".csv")) return "text/csv; charset=utf-8";
  return "application/octet-stream";
}

}  // namespace

struct ApiServer::Call {
  std::int64_t tenant = 0;
  std::string route;
};

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

// ---- Imports ------------------------------------------------------------------------------------

std::string ApiServer::import_json(const ImportRecord& r) {
  Progress p{r.rows_done, r.bytes_done};
  // A resumed import reads its file again from the start: progress never goes backwards.
  if (std::optional<Progress> live = runner_.progress_of(r.id))
    p = Progress{std::max(p.rows_done, live->rows_done), std::max(p.bytes_done, live->bytes_done)};
  std::string out = "{\"id\":";
  append_json_string(out, r.id);
  out += ",\"template\":";
  append_json_string(out, r.template_name);
  out += ",\"dry_run\":";
  out += r.dry_run ? "true" : "false";
  out += ",\"status\":";
  append_json_string(out, r.status);
  out += ",\"progress\":{\"rows\":" + std::to_string(p.rows_done) + ",\"bytes\":" + std::to_string(p.bytes_done) +
         ",\"bytes_total\":" + std::to_string(r.bytes_total) + ",\"parts\":" + std::to_string(r.parts) +
         ",\"committed_row\":" + std::to_string(r.last_committed_row) + "}";
  out += ",\"summary\":" + (r.summary_json.empty() ? std::string("null") : r.summary_json);
  out += ",\"top_codes\":" + (r.top_codes_json.empty() ? std::string("[]") : r.top_codes_json);
  out += ",\"error\":";
  append_json_string(out, r.error);
  out += ",\"created_at\":" + std::to_string(r.created_at) + ",\"updated_at\":" + std::to_string(r.updated_at);
  bool files = (r.status == "done" || r.status == "failed" || r.status == "cancelled") && r.files_expire_at > 0;
  if (files) {
    out += ",\"files\":{\"errors\":\"/api/v1/imports/" + r.id + "/errors.csv\",\"results\":\"/api/v1/imports/" + r.id +
           "/results.csv\",\"expire_at\":" + std::to_string(r.files_expire_at) + "}";
  }
  out += "}";
  return out;
}

void ApiServer::imports_create(Call& call, const Request& request, Response& response) {
  json body = parse_body(request);
  std::string idem;
  if (auto h = request.headers().tryGetRaw("Idempotency-Key")) idem = h->value();
  if (idem.size() > 255) fail(Http::Code::Bad_Request, "bad_idempotency_key", "An Idempotency-Key is at most 255 characters.");

  ImportRecord r;
  r.tenant_id = call.tenant;
  // The template: a built-in's name, or a template object of the caller's own.
  if (!body.contains("template")) fail(Http::Code::Bad_Request, "missing_field", "\"template\" is required.");
  TemplateLoad t;
  if (body["template"].is_string()) {
    r.template_name = body["template"].get<std::string>();
    t = builtin_template(r.template_name);
    if (!t.ok) fail(Http::Code::Unprocessable_Entity, "unknown_template", "There is no template \"" + r.template_name + "\".");
  } else if (body["template"].is_object()) {
    t = parse_template(body["template"].dump());
    if (!t.ok) fail(Http::Code::Unprocessable_Entity, "invalid_template", t.error);
    r.template_name = t.value.name;
  } else {
    fail(Http::Code::Bad_Request, "bad_field", "\"template\" must be a template name or object.");
  }
  if (body["template"].is_string()) {
    for (const auto& b : builtin_templates())
      if (b.name == r.template_name) r.template_json = std::string(b.json);
  } else {
    r.template_json = body["template"].dump();  // the caller's own, even if named like a built-in
  }
  if (body.contains("dry_run") && !body["dry_run"].is_boolean())
    fail(Http::Code::Bad_Request, "bad_field", "\"dry_run\" must be true or false.");
  r.dry_run = body.value("dry_run", false);
  // Options and mapping, checked by the core as a session would use them.
  json options = body.contains("options") ? body["options"] : json::object();
  if (!options.is_object()) fail(Http::Code::Bad_Request, "bad_field", "\"options\" must be an object.");
  if (body.contains("mapping")) {
    if (!body["mapping"].is_object()) fail(Http::Code::Bad_Request, "bad_field", "\"mapping\" must be an object of header: field.");
    options["map"] = body["mapping"];
  }
  r.options_json = options.dump();
  Options parsed;
  Status ok = parse_options_json(r.options_json, &parsed);
  if (!ok.ok) fail(Http::Code::Unprocessable_Entity, "bad_options", ok.message);
  json fixed = body.contains("fixed") ? body["fixed"] : json::object();
  if (!fixed.is_object()) fail(Http::Code::Bad_Request, "bad_field", "\"fixed\" must be an object of field: value.");
  r.fixed_json = fixed.dump();
  ContextLoad ctx = parse_context("{\"fixed\": " + r.fixed_json + "}");
  if (!ctx.ok) fail(Http::Code::Unprocessable_Entity, "bad_fixed", ctx.error);
  {
    CollectingSink probe;
    Session check(t.value, ctx.value, parsed, probe);
    if (!check.status().ok) fail(Http::Code::Unprocessable_Entity, "bad_mapping", check.status().message);
  }

  r.request_hash = sha256_hex(body.dump());
  r.idempotency_key = idem;
  if (!idem.empty()) {
    std::optional<IdempotentReply> prior = store_.reserve_idempotency(call.tenant, idem, r.request_hash, now_seconds());
    if (prior) {
      if (prior->request_hash != r.request_hash)
        fail(Http::Code::Unprocessable_Entity, "idempotency_mismatch",
             "This Idempotency-Key was used for a different request; use a new key.");
      if (!prior->finished)
        fail(Http::Code::Conflict, "idempotency_in_progress", "The first request with this Idempotency-Key is still running.");
      add_header(response, "Idempotent-Replayed", "true");
      return send_json(response, static_cast<Http::Code>(prior->status), prior->body);
    }
  }
  try {
    r.id = random_hex(12);
    r.status = "uploading";
    r.created_at = now_seconds();
    std::filesystem::create_directories(runner_.import_dir(r.id));
    store_.create_import(r);
  } catch (...) {
    if (!idem.empty()) store_.release_idempotency(call.tenant, idem);
    throw;
  }
  std::string reply = json({{"id", r.id}, {"status", r.status}}).dump();
  if (!idem.empty()) store_.finish_idempotency(call.tenant, idem, r.id, 201, reply);
  send_json(response, Http::Code::Created, reply);
}

void ApiServer::imports_list(Call& call, const Request& request, Response& response) {
  std::size_t limit = 50;
  std::string l = query(request, "limit");
  if (!l.empty()) limit = std::clamp<std::size_t>(std::strtoul(l.c_str(), nullptr, 10), 1, 500);
  std::string out = "{\"items\":[";
  bool first = true;
  for (const ImportRecord& r : store_.imports(call.tenant, limit)) {
    if (!first) out.push_back(',');
    first = false;
    out += import_json(r);
  }
  out += "]}";
  send_json(response, Http::Code::Ok, out);
}

static ImportRecord find_import(Store& store, std::int64_t tenant, const Rest::Request& request) {
  std::string id = request.param(":id").as<std::string>();
  std::optional<ImportRecord> r = store.import(tenant, id);
  if (!r) fail(Http::Code::Not_Found, "not_found", "There is no import \"" + id + "\".");
  return *r;
}

void ApiServer::import_get(Call& call, const Request& request, Response& response) {
  send_json(response, Http::Code::Ok, import_json(find_import(store_, call.tenant, request)));
}

void ApiServer::import_part(Call& call, const Request& request, Response& response) {
  ImportRecord r = find_import(store_, call.tenant, request);
  std::string n_text = request.param(":n").as<std::string>();
  char* end = nullptr;
  unsigned long n = std::strtoul(n_text.c_str(), &end, 10);
  bool digits = !n_text.empty() && n_text.find_first_not_of("0123456789") == std::string::npos;
  if (!digits || *end != '\0' || n < 1 || n > kMaxParts)
    fail(Http::Code::Bad_Request, "bad_part_number", "Parts are numbered 1 to " + std::to_string(kMaxParts) + ".");
  const std::string& body = request.body();
  if (body.size() > settings_.max_part_bytes)
    fail(Http::Code::Request_Entity_Too_Large, "part_too_large", "A part is at most 8 MiB; split the file into more parts.");
  if (r.status == "cancelled") fail(Http::Code::Conflict, "cancelled", "The import was cancelled; create a new one.");
  if (r.status != "uploading")
    fail(Http::Code::Conflict, "already_started", "The import has started; its parts cannot change.");
  // Spool: write, fsync, rename, fsync the folder; only then record the part.
  std::string path = runner_.part_path(r.id, static_cast<std::uint32_t>(n));
  std::string tmp = path + ".tmp";
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    out.write(body.data(), static_cast<std::streamsize>(body.size()));
    if (!out) throw std::runtime_error("cannot spool " + tmp);
  }
  sync_path(tmp, false);
  std::filesystem::rename(tmp, path);
  sync_path(runner_.import_dir(r.id), true);
  PartInfo part{static_cast<std::uint32_t>(n), body.size(), sha256_hex(body)};
  store_.put_part(r.id, part);
  send_json(response, Http::Code::Ok, json({{"n", part.n}, {"size", part.size}, {"sha256", part.sha256}}).dump());
}

void ApiServer::import_start(Call& call, const Request& request, Response& response) {
  ImportRecord r = find_import(store_, call.tenant, request);
  if (r.status == "cancelled") fail(Http::Code::Conflict, "cancelled", "The import was cancelled; create a new one.");
  if (r.status != "uploading") fail(Http::Code::Conflict, "already_started", "The import was started already.");
  std::vector<PartInfo> parts = store_.parts(r.id);
  if (parts.empty()) fail(Http::Code::Unprocessable_Entity, "no_parts", "Upload the file (PUT .../parts/1 and on) before starting.");
  std::uint64_t total = 0;
  for (std::size_t i = 0; i < parts.size(); ++i) {
    if (parts[i].n != i + 1)
      fail(Http::Code::Unprocessable_Entity, "missing_part", "Part " + std::to_string(i + 1) + " is missing.");
    total += parts[i].size;
  }
  store_.set_start(r.id, parts.size(), total);
  if (!store_.set_status(r.id, "queued", {"uploading"}))
    fail(Http::Code::Conflict, "already_started", "The import was started already.");
  runner_.enqueue(r.id, r.tenant_id);
  r.status = "queued";
  r.parts = parts.size();
  r.bytes_total = total;
  send_json(response, Http::Code::Accepted, import_json(r));
}

void ApiServer::import_cancel(Call& call, const Request& request, Response& response) {
  ImportRecord r = find_import(store_, call.tenant, request);
  if (store_.set_status(r.id, "cancelled", {"uploading", "queued"})) {
    r.status = "cancelled";
    runner_.remove_parts(r.id);
  } else if (r.status == "validating" || r.status == "committing") {
    store_.request_cancel(r.id);  // the runner stops after the chunk in hand
  } else {
    fail(Http::Code::Conflict, "finished", "The import has ended (" + r.status + "); there is nothing to cancel.");
  }
  std::optional<ImportRecord> now = store_.import(call.tenant, r.id);
  send_json(response, Http::Code::Accepted, import_json(now ? *now : r));
}

void ApiServer::import_errors(Call& call, const Request& request, Response& response) {
  import_file(call, request, response, true);
}
void ApiServer::import_results(Call& call, const Request& request, Response& response) {
  import_file(call, request, response, false);
}

void ApiServer::import_file(Call& call, const Request& request, Response& response, bool errors) {
  ImportRecord r = find_import(store_, call.tenant, request);
  if (r.status != "done" && r.status != "failed" && r.status != "cancelled")
    fail(Http::Code::Conflict, "not_finished", "The import has not ended; its files come when it does.");
  if (r.files_expire_at == 0 && r.status == "cancelled" && r.bytes_total == 0)
    fail(Http::Code::Conflict, "never_ran", "The import was cancelled before it ran; it has no files.");
  if (r.files_expire_at == 0 || r.files_expire_at < now_seconds())
    fail(Http::Code::Gone, "expired", "This import's files were removed after 30 days.");
  std::string path = errors ? runner_.errors_path(r.id) : runner_.results_path(r.id);
  std::ifstream in(path, std::ios::binary);
  if (!in) fail(Http::Code::Gone, "expired", "This import's files are no longer kept.");
  response.headers().add<Http::Header::ContentType>(Http::Mime::MediaType::fromString("text/csv; charset=utf-8"));
  add_header(response, "Content-Disposition",
             "attachment; filename=\"" + r.id + (errors ? "-errors.csv\"" : "-results.csv\""));
  auto stream = response.stream(Http::Code::Ok);
  std::vector<char> buffer(1 << 16);
  while (in) {
    in.read(buffer.data(), static_cast<std::streamsize>(buffer.size()));
    std::streamsize got = in.gcount();
    if (got <= 0) break;
    stream.write(buffer.data(), got);
    stream.flush();
  }
  stream.ends();
}

// ---- My Partners --------------------------------------------------------------------------------

void ApiServer::partners_list(Call& call, const Request& request, Response& response) {
  PartnerFilter f = filter_from(request);
  std::size_t limit = 50;
  std::string l = query(request, "limit");
  if (!l.empty()) limit = std::clamp<std::size_t>(std::strtoul(l.c_str(), nullptr, 10), 1, 500);
  std::optional<std::int64_t> cursor;
  std::string c = query(request, "cursor");
  if (!c.empty()) {
    char* end = nullptr;
    long long v = std::strtoll(c.c_str(), &end, 10);
    if (*end != '\0' || v < 0) fail(Http::Code::Bad_Request, "bad_cursor", "\"cursor\" must be a next_cursor from a previous page.");
    cursor = v;
  }
  PartnerPage page = store_.partners(call.tenant, f, cursor, limit);
  std::string out = "{\"items\":[";
  for (std::size_t i = 0; i < page.items.size(); ++i) out += (i ? "," : "") + partner_json(page.items[i]);
  out += "],\"total\":" + std::to_string(page.total) + ",\"next_cursor\":" +
         (page.next_cursor ? "\"" + std::to_string(*page.next_cursor) + "\"" : std::string("null")) + "}";
  send_json(response, Http::Code::Ok, out);
}

void ApiServer::partners_export(Call& call, const Request& request, Response& response) {
  PartnerFilter f = filter_from(request);
  response.headers().add<Http::Header::ContentType>(Http::Mime::MediaType::fromString("text/csv; charset=utf-8"));
  add_header(response, "Content-Disposition", "attachment; filename=\"partners.csv\"");
  auto stream = response.stream(Http::Code::Ok);
  std::string chunk = "Partner ID,Partner Name,Contact Email,Media Property,Groups,Contact First Name,Contact Last Name,"
                      "Description,Country,Status\r\n";
  store_.each_partner(call.tenant, f, [&](const Partner& p) {
    std::string groups;
    for (std::size_t i = 0; i < p.groups.size(); ++i) groups += (i ? "|" : "") + p.groups[i];
    const std::string* cells[] = {&p.partner_id, &p.name, &p.email, &p.url, &groups, &p.first_name,
                                  &p.last_name, &p.description, &p.country, &p.status};
    for (std::size_t i = 0; i < std::size(cells); ++i) {
      if (i) chunk.push_back(',');
      append_csv_cell(chunk, *cells[i]);
    }
    chunk += "\r\n";
    if (chunk.size() >= (1 << 16)) {
      stream.write(chunk.data(), static_cast<std::streamsize>(chunk.size()));
      stream.flush();
      chunk.clear();
    }
    return true;
  });
  if (!chunk.empty()) stream.write(chunk.data(), static_cast<std::streamsize>(chunk.size()));
  stream.ends();
}

void ApiServer::partners_groups(Call& call, const Request& request, Response& response) {
  json body = parse_body(request);
  std::vector<std::string> add = string_list(body, "add");
  std::vector<std::string> remove = string_list(body, "remove");
  if (add.empty() && remove.empty()) fail(Http::Code::Bad_Request, "nothing_to_do", "Give groups to \"add\" or \"remove\".");
  std::vector<std::string> known = store_.groups(call.tenant);
  for (const auto* list : {&add, &remove})
    for (const std::string& g : *list)
      if (std::find(known.begin(), known.end(), g) == known.end())
        fail(Http::Code::Unprocessable_Entity, "unknown_group", "There is no group \"" + g + "\"; create it first.");
  std::vector<std::int64_t> ids;
  std::optional<PartnerFilter> filter;
  if (body.contains("ids")) {
    if (!body["ids"].is_array()) fail(Http::Code::Bad_Request, "bad_field", "\"ids\" must be a list of partner ids.");
    for (const json& v : body["ids"]) {
      if (!v.is_number_integer()) fail(Http::Code::Bad_Request, "bad_field", "\"ids\" must be a list of partner ids.");
      ids.push_back(v.get<std::int64_t>());
    }
  } else if (body.contains("filter")) {
    const json& f = body["filter"];
    if (!f.is_object()) fail(Http::Code::Bad_Request, "bad_field", "\"filter\" must be an object (q, group, country, status).");
    filter = PartnerFilter{string_field(f, "q"), string_field(f, "group"), string_field(f, "country"), string_field(f, "status")};
  } else {
    fail(Http::Code::Bad_Request, "missing_field", "Give \"ids\" or a \"filter\" (an empty filter means every partner).");
  }
  std::uint64_t changed = store_.change_groups(call.tenant, ids, filter ? &*filter : nullptr, add, remove);
  send_json(response, Http::Code::Ok, json({{"changed", changed}}).dump());
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
