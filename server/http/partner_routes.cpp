// The My Partners routes: a filtered page, the streamed exports (CSV, Excel), bulk group changes.
#include <pistache/http.h>
#include <pistache/peer.h>
#include <pistache/router.h>
#include <sys/socket.h>

#include <nlohmann/json.hpp>

#include "http/api_server.h"
#include "http/http_util.h"

#include <algorithm>
#include <array>
#include <optional>
#include <span>
#include <string_view>

#include "rowgate/report.h"
#include "store/query_deadline.h"
#include "util/log.h"
#include "util/xlsx_writer.h"

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

// The columns of the exports, in order.
constexpr std::array<std::string_view, 10> kExportColumns = {
    "Partner ID", "Partner Name", "Contact Email", "Media Property", "Groups", "Contact First Name",
    "Contact Last Name", "Description", "Country", "Status"};

// A partner's cells in kExportColumns' order; `groups` keeps the joined groups they point into.
std::array<std::string_view, 10> export_cells(const Partner& p, std::string& groups) {
  groups.clear();
  for (std::size_t i = 0; i < p.groups.size(); ++i) groups += (i ? "|" : "") + p.groups[i];
  return {p.partner_id, p.name, p.email, p.url, groups, p.first_name, p.last_name, p.description, p.country, p.status};
}

// An export's answer, sent as its bytes come. The status and headers go with the first bytes,
// so that a failure before them is still the usual JSON error answer.
class ExportStream {
 public:
  ExportStream(Http::ResponseWriter& response, const char* type, const char* file_name)
      : response_(response), type_(type), file_name_(file_name) {}

  bool started() const { return stream_.has_value(); }

  void send(std::string_view bytes) {
    start();
    stream_->write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
    stream_->flush();
  }

  void end() {
    start();
    stream_->ends();
  }

  // Part of the file is sent, so an error answer now would read as more of the file. The
  // connection ends without the last chunk instead: the client sees the download cut short.
  void cut(const std::exception& e) {
    log_error("partner export cut short", {{"error", e.what()}, {"file", file_name_}});
    if (std::shared_ptr<Tcp::Peer> peer = response_.peer()) ::shutdown(peer->fd(), SHUT_RDWR);
  }

 private:
  void start() {
    if (stream_) return;
    response_.headers().add<Http::Header::ContentType>(Http::Mime::MediaType::fromString(type_));
    add_header(response_, "Content-Disposition", std::string("attachment; filename=\"") + file_name_ + "\"");
    stream_.emplace(response_.stream(Http::Code::Ok));
  }

  Http::ResponseWriter& response_;
  const char* type_;
  const char* file_name_;
  std::optional<Http::ResponseStream> stream_;
};

// The CSV export's rows, sent about 64 KiB at a time, after a UTF-8 byte-order mark: without it
// Excel reads the file as the machine's legacy code page and shows Lefèvre as LefÃ¨vre.
class CsvFile {
 public:
  explicit CsvFile(ExportStream& out) : out_(out) { chunk_ = "\xEF\xBB\xBF"; }

  void row(std::span<const std::string_view> cells) {
    for (std::size_t i = 0; i < cells.size(); ++i) {
      if (i) chunk_.push_back(',');
      append_csv_cell(chunk_, cells[i]);
    }
    chunk_ += "\r\n";
    if (chunk_.size() >= (1 << 16)) {
      out_.send(chunk_);
      chunk_.clear();
    }
  }

  void finish() {
    if (!chunk_.empty()) out_.send(chunk_);
    chunk_.clear();
  }

 private:
  ExportStream& out_;
  std::string chunk_;
};

// Streams every partner matching `f` through `file` (row(cells) and finish()) to `out`, as the
// store walks them in keyset pages, each page's statement under the request's time limit
// (store/partner_scan.h). A file writer sends nothing before its first 64 KiB, so the first page
// is read before anything is sent and a failure there is still an error answer (thrown); after
// the first bytes, a failure cuts the connection.
template <typename File>
void export_partners(Store& store, std::int64_t tenant, const PartnerFilter& f, ExportStream& out, File& file) {
  try {
    std::string groups;
    store.each_partner(tenant, f, [&](const Partner& p) {
      file.row(export_cells(p, groups));
      return true;
    });
    file.finish();
  } catch (const std::exception& e) {
    if (!out.started()) throw;
    out.cut(e);
    return;
  }
  out.end();
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
  ExportStream out(response, "text/csv; charset=utf-8", "partners.csv");
  CsvFile csv(out);
  csv.row(kExportColumns);
  export_partners(store_, call.tenant, filter_from(request), out, csv);
  return {};
}

RouteError ApiServer::partners_export_xlsx(Call& call, const Request& request, Response& response) {
  PartnerFilter f = filter_from(request);
  // A sheet holds 1,048,576 rows: refused before the first byte rather than cut short after.
  if (store_.partners(call.tenant, f, std::nullopt, 1).total >= XlsxWriter::kMaxRows)
    return refuse(Http::Code::Unprocessable_Entity, "too_many_rows",
                  "An Excel sheet holds at most 1,048,575 partners; narrow the filter or export CSV.");
  ExportStream out(response, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "partners.xlsx");
  XlsxWriter xlsx([&out](std::string_view bytes) { out.send(bytes); }, "Partners");
  xlsx.row(kExportColumns);
  export_partners(store_, call.tenant, f, out, xlsx);
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
