// The My Partners routes: a filtered page, the streamed export, bulk group changes.
#include <pistache/http.h>
#include <pistache/peer.h>
#include <pistache/router.h>
#include <sys/socket.h>

#include <nlohmann/json.hpp>

#include "http/api_server.h"
#include "http/http_util.h"

#include <algorithm>

#include "rowgate/report.h"
#include "store/query_deadline.h"
#include "util/log.h"

namespace rowgate::server {

using namespace Pistache;
using namespace rowgate::server::http;
using nlohmann::json;

namespace {

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

}  // namespace

// ---- My Partners --------------------------------------------------------------------------------

RouteError ApiServer::partners_list(Call& call, const Request& request, Response& response) {
  PartnerFilter f = filter_from(request);
  std::size_t limit = 50;
  std::string l = query(request, "limit");
  if (!l.empty()) limit = std::clamp<std::size_t>(std::strtoul(l.c_str(), nullptr, 10), 1, 500);
  std::optional<std::int64_t> cursor;
  std::string c = query(request, "cursor");
  if (!c.empty()) {
    char* end = nullptr;
    long long v = std::strtoll(c.c_str(), &end, 10);
    if (*end != '\0' || v < 0) return refuse(Http::Code::Bad_Request, "bad_cursor", "\"cursor\" must be a next_cursor from a previous page.");
    cursor = v;
  }
  PartnerPage page = store_.partners(call.tenant, f, cursor, limit);
  std::string out = "{\"items\":[";
  for (std::size_t i = 0; i < page.items.size(); ++i) out += (i ? "," : "") + partner_json(page.items[i]);
  out += "],\"total\":" + std::to_string(page.total) + ",\"next_cursor\":" +
         (page.next_cursor ? "\"" + std::to_string(*page.next_cursor) + "\"" : std::string("null")) + "}";
  send_json(response, Http::Code::Ok, out);
  return {};
}

RouteError ApiServer::partners_export(Call& call, const Request& request, Response& response) {
  PartnerFilter f = filter_from(request);
  // Streamed as the store walks the partners in keyset pages, each page's statement under the
  // request's time limit (store/partner_scan.h); the first page is read before anything is sent,
  // so that a failure there is still an error answer.
  std::optional<Http::ResponseStream> stream;
  std::string chunk = "Partner ID,Partner Name,Contact Email,Media Property,Groups,Contact First Name,Contact Last Name,"
                      "Description,Country,Status\r\n";
  auto send = [&](bool last) {
    if (!stream) {
      response.headers().add<Http::Header::ContentType>(Http::Mime::MediaType::fromString("text/csv; charset=utf-8"));
      add_header(response, "Content-Disposition", "attachment; filename=\"partners.csv\"");
      stream.emplace(response.stream(Http::Code::Ok));
    }
    stream->write(chunk.data(), static_cast<std::streamsize>(chunk.size()));
    if (!last) stream->flush();
    chunk.clear();
  };
  try {
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
      if (chunk.size() >= (1 << 16)) send(false);
      return true;
    });
  } catch (const std::exception& e) {
    if (!stream) throw;  // nothing sent yet: the usual JSON error
    // Part of the file is sent, so an error answer now would read as more of the file. The
    // connection ends without the last chunk instead: the client sees the download cut short.
    log_error("partner export cut short", {{"error", e.what()}});
    if (std::shared_ptr<Tcp::Peer> peer = response.peer()) ::shutdown(peer->fd(), SHUT_RDWR);
    return {};
  }
  send(true);
  stream->ends();
  return {};
}

RouteError ApiServer::partners_groups(Call& call, const Request& request, Response& response) {
  json body;
  std::vector<std::string> add, remove;
  if (RouteError e = parse_body(request, &body)) return e;
  if (RouteError e = string_list(body, "add", &add)) return e;
  if (RouteError e = string_list(body, "remove", &remove)) return e;
  if (add.empty() && remove.empty()) return refuse(Http::Code::Bad_Request, "nothing_to_do", "Give groups to \"add\" or \"remove\".");
  std::vector<std::string> known = store_.groups(call.tenant);
  for (const auto* list : {&add, &remove})
    for (const std::string& g : *list)
      if (std::find(known.begin(), known.end(), g) == known.end())
        return refuse(Http::Code::Unprocessable_Entity, "unknown_group", "There is no group \"" + g + "\"; create it first.");
  std::vector<std::int64_t> ids;
  std::optional<PartnerFilter> filter;
  if (body.contains("ids")) {
    if (!body["ids"].is_array()) return refuse(Http::Code::Bad_Request, "bad_field", "\"ids\" must be a list of partner ids.");
    for (const json& v : body["ids"]) {
      if (!v.is_number_integer()) return refuse(Http::Code::Bad_Request, "bad_field", "\"ids\" must be a list of partner ids.");
      ids.push_back(v.get<std::int64_t>());
    }
  } else if (body.contains("filter")) {
    const json& f = body["filter"];
    if (!f.is_object()) return refuse(Http::Code::Bad_Request, "bad_field", "\"filter\" must be an object (q, group, country, status).");
    filter.emplace();
    for (auto [key, out] : {std::pair{"q", &filter->q}, std::pair{"group", &filter->group},
                            std::pair{"country", &filter->country}, std::pair{"status", &filter->status}})
      if (RouteError e = string_field(f, key, out)) return e;
  } else {
    return refuse(Http::Code::Bad_Request, "missing_field", "Give \"ids\" or a \"filter\" (an empty filter means every partner).");
  }
  // Over a filter this may touch every partner of the tenant: a longer limit than a page's.
  QueryDeadline bulk(std::chrono::minutes(2), &stopping_);
  std::uint64_t changed = store_.change_groups(call.tenant, ids, filter ? &*filter : nullptr, add, remove);
  send_json(response, Http::Code::Ok, json({{"changed", changed}}).dump());
  return {};
}

}  // namespace rowgate::server
