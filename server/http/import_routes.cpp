// The import routes: create, parts, start, status, history, cancel, and the report files.
#include <pistache/http.h>
#include <pistache/peer.h>
#include <pistache/router.h>
#include <sys/socket.h>

#include <nlohmann/json.hpp>

#include "http/api_server.h"
#include "http/http_util.h"

#include <algorithm>

#include "jobs/import_runner.h"
#include "jobs/spool.h"
#include "rowgate/report.h"
#include "rowgate/session.h"
#include "util/clock.h"
#include "util/crypto.h"
#include "util/log.h"

namespace rowgate::server {

using namespace Pistache;
using namespace rowgate::server::http;
using nlohmann::json;

namespace {
constexpr std::uint32_t kMaxParts = 10000;
}  // namespace

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
  append_json_string(out, status_name(r.status));
  out += ",\"progress\":{\"rows\":" + std::to_string(p.rows_done) + ",\"bytes\":" + std::to_string(p.bytes_done) +
         ",\"bytes_total\":" + std::to_string(r.bytes_total) + ",\"parts\":" + std::to_string(r.parts) +
         ",\"committed_row\":" + std::to_string(r.last_committed_row) + "}";
  out += ",\"summary\":" + (r.summary_json.empty() ? std::string("null") : r.summary_json);
  // The outcomes as the pages show them, counted by the core (errors = invalid - duplicate).
  Summary summary;
  out += ",\"counts\":" + (parse_summary_json(r.summary_json, &summary) ? outcome_counts_json(summary) : std::string("null"));
  out += ",\"top_codes\":" + (r.top_codes_json.empty() ? std::string("[]") : r.top_codes_json);
  out += ",\"error\":";
  append_json_string(out, r.error);
  out += ",\"created_at\":" + std::to_string(r.created_at) + ",\"updated_at\":" + std::to_string(r.updated_at);
  bool files = has_ended(r.status) && r.files_expire_at > 0;
  if (files) {
    out += ",\"files\":{\"errors\":\"/api/v1/imports/" + r.id + "/errors.csv\",\"results\":\"/api/v1/imports/" + r.id +
           "/results.csv\",\"expire_at\":" + std::to_string(r.files_expire_at) + "}";
  }
  out += "}";
  return out;
}

// Checks an edits document ({"edits": {...}, "skip": [...], "columns": [...]}) and puts it into
// the options in place of any edits they held.
static RouteError take_edits(std::string_view text, json* options) {
  Edits edits;
  Status parsed = parse_edits_json(text, &edits);
  if (!parsed.ok) return refuse(Http::Code::Unprocessable_Entity, std::string(parsed.code), parsed.message);
  json doc = json::parse(text, nullptr, false);
  for (const char* part : {"edits", "skip", "columns"}) {
    options->erase(part);
    if (doc.contains(part)) (*options)[part] = doc[part];
  }
  return {};
}

RouteError ApiServer::imports_create(Call& call, const Request& request, Response& response) {
  json body;
  if (RouteError e = parse_body(request, &body)) return e;
  std::string idem;
  if (auto h = request.headers().tryGetRaw("Idempotency-Key")) idem = h->value();
  if (idem.size() > 255) return refuse(Http::Code::Bad_Request, "bad_idempotency_key", "An Idempotency-Key is at most 255 characters.");

  ImportRecord r;
  r.tenant_id = call.tenant;
  // The template: a built-in's name, or a template object of the caller's own.
  if (!body.contains("template")) return refuse(Http::Code::Bad_Request, "missing_field", "\"template\" is required.");
  if (body["template"].is_string()) {
    r.template_name = body["template"].get<std::string>();
    for (const auto& b : builtin_templates())
      if (b.name == r.template_name) r.template_json = std::string(b.json);
    if (r.template_json.empty())
      return refuse(Http::Code::Unprocessable_Entity, "unknown_template", "There is no template \"" + r.template_name + "\".");
  } else if (body["template"].is_object()) {
    r.template_json = body["template"].dump();  // the caller's own, even if named like a built-in
  } else {
    return refuse(Http::Code::Bad_Request, "bad_field", "\"template\" must be a template name or object.");
  }
  // What the core cannot use is a 422 with the core's own code (rowgate/status.h), the code the
  // WebAssembly module gives for the same input (tests/setup_errors).
  auto unusable = [](const Status& s) { return refuse(Http::Code::Unprocessable_Entity, std::string(s.code), s.message); };
  TemplateLoad t = parse_template(r.template_json);
  if (!t.ok) return unusable(t.status());
  if (r.template_name.empty()) r.template_name = t.value.name;
  if (body.contains("dry_run") && !body["dry_run"].is_boolean())
    return refuse(Http::Code::Bad_Request, "bad_field", "\"dry_run\" must be true or false.");
  r.dry_run = body.value("dry_run", false);
  // Options and mapping, checked by the core as a session would use them.
  json options = body.contains("options") ? body["options"] : json::object();
  if (!options.is_object()) return refuse(Http::Code::Bad_Request, "bad_field", "\"options\" must be an object.");
  if (body.contains("mapping")) {
    if (!body["mapping"].is_object()) return refuse(Http::Code::Bad_Request, "bad_field", "\"mapping\" must be an object of header: field.");
    options["map"] = body["mapping"];
  }
  // A person's edits of the file, as rowgate check --edits reads them; larger ones go in a
  // request of their own (PUT .../edits) before the import starts.
  if (body.contains("edits")) {
    if (RouteError e = take_edits(body["edits"].dump(), &options)) return e;
  }
  r.options_json = options.dump();
  Options parsed;
  Status ok = parse_options_json(r.options_json, &parsed);
  if (!ok.ok) return unusable(ok);
  json fixed = body.contains("fixed") ? body["fixed"] : json::object();
  if (!fixed.is_object()) return refuse(Http::Code::Bad_Request, "bad_field", "\"fixed\" must be an object of field: value.");
  r.fixed_json = fixed.dump();
  ContextLoad ctx = parse_context("{\"fixed\": " + r.fixed_json + "}");
  if (!ctx.ok) return unusable(ctx.status());
  {
    CollectingSink probe;
    Session check(t.value, ctx.value, parsed, probe);
    if (!check.status().ok) return unusable(check.status());
  }

  r.request_hash = sha256_hex(body.dump());
  r.idempotency_key = idem;
  if (!idem.empty()) {
    std::optional<IdempotentReply> prior = store_.reserve_idempotency(call.tenant, idem, r.request_hash, now_seconds());
    if (prior) {
      if (prior->request_hash != r.request_hash)
        return refuse(Http::Code::Unprocessable_Entity, "idempotency_mismatch",
             "This Idempotency-Key was used for a different request; use a new key.");
      if (!prior->finished)
        return refuse(Http::Code::Conflict, "idempotency_in_progress", "The first request with this Idempotency-Key is still running.");
      add_header(response, "Idempotent-Replayed", "true");
      send_json(response, static_cast<Http::Code>(prior->status), prior->body);
      return {};
    }
  }
  try {
    r.id = random_hex(12);
    r.status = ImportStatus::Uploading;
    r.created_at = now_seconds();
    spool_.prepare(r.id);
    store_.create_import(r);
  } catch (...) {
    if (!idem.empty()) store_.release_idempotency(call.tenant, idem);
    throw;
  }
  std::string reply = json({{"id", r.id}, {"status", status_name(r.status)}}).dump();
  if (!idem.empty()) store_.finish_idempotency(call.tenant, idem, r.id, 201, reply);
  send_json(response, Http::Code::Created, reply);
  return {};
}

RouteError ApiServer::imports_list(Call& call, const Request& request, Response& response) {
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
  return {};
}

/// The tenant's import named by the path into `out`; 404 when there is none.
static RouteError find_import(Store& store, std::int64_t tenant, const Rest::Request& request, ImportRecord* out) {
  std::string id = request.param(":id").as<std::string>();
  std::optional<ImportRecord> r = store.import(tenant, id);
  if (!r) return refuse(Http::Code::Not_Found, "not_found", "There is no import \"" + id + "\".");
  *out = std::move(*r);
  return {};
}

RouteError ApiServer::import_get(Call& call, const Request& request, Response& response) {
  ImportRecord r;
  if (RouteError e = find_import(store_, call.tenant, request, &r)) return e;
  send_json(response, Http::Code::Ok, import_json(r));
  return {};
}

RouteError ApiServer::import_part(Call& call, const Request& request, Response& response) {
  ImportRecord r;
  if (RouteError e = find_import(store_, call.tenant, request, &r)) return e;
  std::string n_text = request.param(":n").as<std::string>();
  char* end = nullptr;
  unsigned long n = std::strtoul(n_text.c_str(), &end, 10);
  bool digits = !n_text.empty() && n_text.find_first_not_of("0123456789") == std::string::npos;
  if (!digits || *end != '\0' || n < 1 || n > kMaxParts)
    return refuse(Http::Code::Bad_Request, "bad_part_number", "Parts are numbered 1 to " + std::to_string(kMaxParts) + ".");
  const std::string& body = request.body();
  if (body.size() > settings_.max_part_bytes)
    return refuse(Http::Code::Request_Entity_Too_Large, "part_too_large", "A part is at most 8 MiB; split the file into more parts.");
  if (r.status == ImportStatus::Cancelled) return refuse(Http::Code::Conflict, "cancelled", "The import was cancelled; create a new one.");
  if (r.status != ImportStatus::Uploading)
    return refuse(Http::Code::Conflict, "already_started", "The import has started; its parts cannot change.");
  PartInfo part{static_cast<std::uint32_t>(n), body.size(), sha256_hex(body)};
  try {
    spool_.put_part(r.tenant_id, r.id, part, body);
  } catch (const SpoolFull&) {
    return refuse(Http::Code::Insufficient_Storage, "storage_full",
         "The server has no room for this part now; nothing of it was kept. Try again later, or tell the operator.");
  }
  send_json(response, Http::Code::Ok, json({{"n", part.n}, {"size", part.size}, {"sha256", part.sha256}}).dump());
  return {};
}

// The edits of an import not started yet, as a request of their own (at most as large as a
// part): they replace any the import had.
RouteError ApiServer::import_edits(Call& call, const Request& request, Response& response) {
  ImportRecord r;
  if (RouteError e = find_import(store_, call.tenant, request, &r)) return e;
  const std::string& body = request.body();
  if (body.size() > settings_.max_part_bytes)
    return refuse(Http::Code::Request_Entity_Too_Large, "edits_too_large",
                  "The edits are at most 8 MiB; skip rows with \"skip\" rather than editing each, or correct the file.");
  if (r.status == ImportStatus::Cancelled) return refuse(Http::Code::Conflict, "cancelled", "The import was cancelled; create a new one.");
  if (r.status != ImportStatus::Uploading)
    return refuse(Http::Code::Conflict, "already_started", "The import has started; its edits cannot change.");
  json options = json::parse(r.options_json.empty() ? std::string("{}") : r.options_json, nullptr, false);
  if (!options.is_object()) options = json::object();
  if (RouteError e = take_edits(body, &options)) return e;
  Options parsed;
  Status ok = parse_options_json(options.dump(), &parsed);
  if (!ok.ok) return refuse(Http::Code::Unprocessable_Entity, std::string(ok.code), ok.message);
  if (!store_.set_options(r.tenant_id, r.id, options.dump()))
    return refuse(Http::Code::Conflict, "already_started", "The import has started; its edits cannot change.");
  std::size_t cells = 0;
  if (parsed.edits)
    for (const auto& row : parsed.edits->rows) cells += row.second.size();
  send_json(response, Http::Code::Ok,
            json({{"rows", parsed.edits ? parsed.edits->rows.size() : 0}, {"cells", cells},
                  {"skip", parsed.edits ? parsed.edits->skip.size() : 0},
                  {"columns", parsed.edits ? parsed.edits->columns.size() : 0}}).dump());
  return {};
}

RouteError ApiServer::import_start(Call& call, const Request& request, Response& response) {
  ImportRecord r;
  if (RouteError e = find_import(store_, call.tenant, request, &r)) return e;
  if (r.status == ImportStatus::Cancelled) return refuse(Http::Code::Conflict, "cancelled", "The import was cancelled; create a new one.");
  if (r.status != ImportStatus::Uploading) return refuse(Http::Code::Conflict, "already_started", "The import was started already.");
  std::vector<PartInfo> parts = store_.parts(r.tenant_id, r.id);
  if (parts.empty()) return refuse(Http::Code::Unprocessable_Entity, "no_parts", "Upload the file (PUT .../parts/1 and on) before starting.");
  std::uint64_t total = 0;
  for (std::size_t i = 0; i < parts.size(); ++i) {
    if (parts[i].n != i + 1)
      return refuse(Http::Code::Unprocessable_Entity, "missing_part", "Part " + std::to_string(i + 1) + " is missing.");
    total += parts[i].size;
  }
  store_.set_start(r.tenant_id, r.id, parts.size(), total);
  if (!store_.set_status(r.tenant_id, r.id, ImportStatus::Queued, sources_of(ImportStatus::Queued)))
    return refuse(Http::Code::Conflict, "already_started", "The import was started already.");
  runner_.enqueue(r.id, r.tenant_id);
  r.status = ImportStatus::Queued;
  r.parts = parts.size();
  r.bytes_total = total;
  send_json(response, Http::Code::Accepted, import_json(r));
  return {};
}

RouteError ApiServer::import_cancel(Call& call, const Request& request, Response& response) {
  ImportRecord r;
  if (RouteError e = find_import(store_, call.tenant, request, &r)) return e;
  if (store_.set_status(r.tenant_id, r.id, ImportStatus::Cancelled, statuses_where(cancels_at_once))) {
    r.status = ImportStatus::Cancelled;
    spool_.remove_parts(r.tenant_id, r.id);
  } else if (is_running(r.status)) {
    store_.request_cancel(r.tenant_id, r.id);  // the runner stops after the chunk in hand
  } else {
    return refuse(Http::Code::Conflict, "finished",
         "The import has ended (" + std::string(status_name(r.status)) + "); there is nothing to cancel.");
  }
  std::optional<ImportRecord> now = store_.import(call.tenant, r.id);
  send_json(response, Http::Code::Accepted, import_json(now ? *now : r));
  return {};
}

RouteError ApiServer::import_errors(Call& call, const Request& request, Response& response) {
  return import_file(call, request, response, true);
}
RouteError ApiServer::import_results(Call& call, const Request& request, Response& response) {
  return import_file(call, request, response, false);
}

RouteError ApiServer::import_file(Call& call, const Request& request, Response& response, bool errors) {
  ImportRecord r;
  if (RouteError e = find_import(store_, call.tenant, request, &r)) return e;
  if (!has_ended(r.status))
    return refuse(Http::Code::Conflict, "not_finished", "The import has not ended; its files come when it does.");
  if (r.files_expire_at == 0 && r.status == ImportStatus::Cancelled && r.bytes_total == 0)
    return refuse(Http::Code::Conflict, "never_ran", "The import was cancelled before it ran; it has no files.");
  if (r.files_expire_at == 0 || r.files_expire_at < now_seconds())
    return refuse(Http::Code::Gone, "expired", "This import's files were removed after 30 days.");
  // From this server's disk or from the shared store; the answer starts with the first chunk, so
  // that a file no longer kept is still a 410.
  std::optional<Http::ResponseStream> stream;
  try {
    spool_.read_report(r.tenant_id, r.id, errors ? ReportFile::Errors : ReportFile::Results, [&](std::string_view chunk) {
      if (!stream) {
        response.headers().add<Http::Header::ContentType>(Http::Mime::MediaType::fromString("text/csv; charset=utf-8"));
        add_header(response, "Content-Disposition",
                   "attachment; filename=\"" + r.id + (errors ? "-errors.csv\"" : "-results.csv\""));
        stream.emplace(response.stream(Http::Code::Ok));
      }
      stream->write(chunk.data(), static_cast<std::streamsize>(chunk.size()));
      stream->flush();
    });
  } catch (const std::exception& e) {
    if (!stream) throw;  // nothing sent yet: the usual JSON error
    // Part of the file is sent, so an error answer now would read as more of the file. The
    // connection ends without the last chunk instead: the client sees the download cut short.
    log_error("report download cut short", {{"import", r.id}, {"error", e.what()}});
    if (std::shared_ptr<Tcp::Peer> peer = response.peer()) ::shutdown(peer->fd(), SHUT_RDWR);
    return {};
  }
  if (!stream) return refuse(Http::Code::Gone, "expired", "This import's files are no longer kept.");
  stream->ends();
  return {};
}

}  // namespace rowgate::server
