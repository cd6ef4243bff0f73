#include "http/http_util.h"

#include <cctype>
#include <cerrno>
#include <cstring>
#include <stdexcept>

#include "rowgate/report.h"

namespace rowgate::server::http {

using namespace Pistache;
using nlohmann::json;

namespace {

constexpr std::size_t kMaxJsonBody = 1 << 20;

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

}  // namespace


void add_header(Http::ResponseWriter& response, std::string name, std::string value) {
  response.headers().add(std::make_shared<NamedHeader>(std::move(name), std::move(value)));
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

static std::string url_decode(const std::string& in) {
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

RouteError parse_body(const Rest::Request& r, json* out) {
  const std::string& body = r.body();
  if (body.size() > kMaxJsonBody) return refuse(Http::Code::Request_Entity_Too_Large, "too_large", "The JSON body is over 1 MiB.");
  if (body.find_first_not_of(" \t\r\n") == std::string::npos) {
    *out = json::object();
    return {};
  }
  *out = json::parse(body, nullptr, false);
  if (out->is_discarded() || !out->is_object()) return refuse(Http::Code::Bad_Request, "malformed_json", "The body is not a JSON object.");
  return {};
}

RouteError string_field(const json& doc, const char* key, std::string* out, bool required) {
  out->clear();
  if (!doc.contains(key) || doc[key].is_null()) {
    if (required) return refuse(Http::Code::Bad_Request, "missing_field", std::string("\"") + key + "\" is required.");
    return {};
  }
  if (!doc[key].is_string()) return refuse(Http::Code::Bad_Request, "bad_field", std::string("\"") + key + "\" must be a string.");
  *out = doc[key].get<std::string>();
  return {};
}

RouteError string_list(const json& doc, const char* key, std::vector<std::string>* out) {
  out->clear();
  if (!doc.contains(key) || doc[key].is_null()) return {};
  auto wrong = [&] { return refuse(Http::Code::Bad_Request, "bad_field", std::string("\"") + key + "\" must be a list of strings."); };
  if (!doc[key].is_array()) return wrong();
  for (const json& v : doc[key]) {
    if (!v.is_string()) return wrong();
    out->push_back(v.get<std::string>());
  }
  return {};
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

}  // namespace rowgate::server::http
