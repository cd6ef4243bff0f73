// The REST server in-process on port 0, against a real SQLite file in a temporary folder, talked
// to over HTTP: every route, its error statuses, tenant isolation and idempotency.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <future>
#include <optional>
#include <sstream>
#include <thread>

#include "rowgate/report.h"
#include "server_fixture.h"
#include "zip_check.h"

namespace rowgate::testing {
namespace {

using nlohmann::json;
using namespace rowgate::server;

const char* kGroups[] = {"Mass Media", "Podcasts", "Content Creators"};

std::string prospects_csv(int rows, int first = 1, const std::string& group = "Podcasts") {
  std::string csv = "Partner Name,Contact Email,Media Property,Group Name,Partner ID\n";
  for (int i = first; i < first + rows; ++i)
    csv += "Partner " + std::to_string(i) + ",p" + std::to_string(i) + "@example.com,https://p" + std::to_string(i) +
           ".example.com/," + group + "," + std::to_string(1000 + i) + "\n";
  return csv;
}

class Api : public ServerTest {
 protected:
  void configure(NotifySettings& ns, RunnerSettings& rs) override {
    ns.smtp_port = 1;  // e-mail is "configured"; the delivery thread is not started here
    rs.batch_rows = 100;
  }

  void SetUp() override {
    ServerTest::SetUp();
    for (const char* g : kGroups) {
      store_->add_group(tenant_a_, g);
      store_->add_group(tenant_b_, g);
    }
  }

  static json body_of(const HttpResponse& r) {
    json j = json::parse(r.body, nullptr, false);
    return j;
  }

  // Creates an import, uploads `data` in parts of `part` bytes, starts it and waits for its end.
  json run_import(const std::string& data, bool dry_run, const std::string& key = "A", std::size_t part = 1 << 20,
                  const std::string& template_name = "prospects") {
    return wait_for(start_import(data, dry_run, key, part, template_name), key);
  }

  // Creates an import, uploads `data` in parts of `part` bytes and starts it; returns its id.
  std::string start_import(const std::string& data, bool dry_run, const std::string& key = "A",
                           std::size_t part = 1 << 20, const std::string& template_name = "prospects") {
    HttpResponse created = call("POST", "/api/v1/imports",
                                json({{"template", template_name}, {"dry_run", dry_run}}).dump(), key);
    EXPECT_EQ(created.status, 201) << created.body;
    std::string id = body_of(created)["id"];
    int n = 1;
    for (std::size_t at = 0; at < data.size(); at += part, ++n) {
      HttpResponse put = call("PUT", "/api/v1/imports/" + id + "/parts/" + std::to_string(n), data.substr(at, part), key);
      EXPECT_EQ(put.status, 200) << put.body;
    }
    HttpResponse started = call("POST", "/api/v1/imports/" + id + "/start", "", key);
    EXPECT_EQ(started.status, 202) << started.body;
    return id;
  }

  json wait_for(const std::string& id, const std::string& key = "A") {
    for (int i = 0; i < 600; ++i) {
      json status = body_of(call("GET", "/api/v1/imports/" + id, "", key));
      std::string s = status.value("status", "");
      if (s == "done" || s == "failed" || s == "cancelled") return status;
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    ADD_FAILURE() << "import " << id << " did not end";
    return json();
  }

};

TEST_F(Api, HealthzAndMetricsNeedNoKey) {
  HttpResponse h = call("GET", "/healthz", "", "");
  EXPECT_EQ(h.status, 200);
  EXPECT_EQ(body_of(h)["status"], "ok");
  call("GET", "/api/v1/groups");
  HttpResponse m = call("GET", "/metrics", "", "");
  EXPECT_EQ(m.status, 200);
  EXPECT_NE(m.body.find("rowgate_http_request_seconds_bucket{route=\"GET /api/v1/groups\""), std::string::npos) << m.body;
  EXPECT_NE(m.body.find("rowgate_rows_total{outcome=\"create\"}"), std::string::npos);
}

TEST_F(Api, MissingOrWrongKeyIs401WithAJsonError) {
  for (const std::string& key : {std::string(), std::string("nope")}) {
    HttpResponse r = call("GET", "/api/v1/groups", "", key);
    EXPECT_EQ(r.status, 401);
    json j = body_of(r);
    ASSERT_TRUE(j.is_object()) << r.body;
    EXPECT_EQ(j["error"]["code"], "unauthorized");
    EXPECT_FALSE(j["error"]["message"].get<std::string>().empty());
  }
  HttpResponse basic = call("GET", "/api/v1/groups", "", "", {{"Authorization", "Basic abc"}});
  EXPECT_EQ(basic.status, 401);
}

TEST_F(Api, Templates) {
  json list = body_of(call("GET", "/api/v1/templates"));
  ASSERT_EQ(list["items"].size(), 4u);
  HttpResponse one = call("GET", "/api/v1/templates/participants");
  EXPECT_EQ(one.status, 200);
  EXPECT_EQ(body_of(one)["name"], "participants");
  EXPECT_EQ(call("GET", "/api/v1/templates/nope").status, 404);
}

TEST_F(Api, Groups) {
  json list = body_of(call("GET", "/api/v1/groups"));
  EXPECT_EQ(list["items"].size(), 3u);
  EXPECT_EQ(call("POST", "/api/v1/groups", R"({"name": "Bloggers"})").status, 201);
  EXPECT_EQ(call("POST", "/api/v1/groups", R"({"name": "Bloggers"})").status, 409);
  EXPECT_EQ(call("POST", "/api/v1/groups", R"({"name": " padded"})").status, 422);
  EXPECT_EQ(call("POST", "/api/v1/groups", R"({"name": 5})").status, 400);
  EXPECT_EQ(call("POST", "/api/v1/groups", R"({not json)").status, 400);
  EXPECT_EQ(body_of(call("GET", "/api/v1/groups"))["items"].size(), 4u);
  EXPECT_EQ(body_of(call("GET", "/api/v1/groups", "", "B"))["items"].size(), 3u);  // B's are its own
  EXPECT_EQ(call("DELETE", "/api/v1/groups?name=Bloggers").status, 200);
  EXPECT_EQ(call("DELETE", "/api/v1/groups?name=Bloggers").status, 404);
  EXPECT_EQ(call("DELETE", "/api/v1/groups?name=Mass%20Media", "", "B").status, 200);
  EXPECT_EQ(body_of(call("GET", "/api/v1/groups"))["items"].size(), 3u);  // A still has Mass Media
}

TEST_F(Api, DryRunGivesTheSameFindingsAsTheCore) {
  std::string csv = prospects_csv(300);
  csv += "Bad,not-an-email,https://x.example.com/,Podcasts,1\n";
  csv += "Dup,p1@example.com,https://y.example.com/,Nope,2\n";
  json status = run_import(csv, true, "A", 1000);  // many small parts
  EXPECT_EQ(status["status"], "done");
  EXPECT_EQ(status["summary"]["rows"], 302);
  EXPECT_EQ(status["summary"]["create"], 300);
  EXPECT_EQ(status["progress"]["bytes"], csv.size());
  HttpResponse errors = call("GET", "/api/v1/imports/" + status["id"].get<std::string>() + "/errors.csv");
  ASSERT_EQ(errors.status, 200);
  // The core on the same bytes and context writes the same errors file.
  Context ctx;
  ctx.sets.emplace_back("groups", std::vector<std::string>{"Content Creators", "Mass Media", "Podcasts"});
  CollectingSink sink;
  Session s(builtin_template("prospects").value, ctx, Options{}, sink);
  s.feed(csv);
  s.finish();
  std::string expected(errors_csv_header());
  for (const Finding& f : sink.findings) expected += errors_csv_line(f);
  EXPECT_EQ(errors.body, expected);
  // A dry run writes nothing.
  EXPECT_EQ(body_of(call("GET", "/api/v1/partners"))["total"], 0);
}

// The server's files are the core's, in the REST API's words: a finding that a mapping fixes
// names the import's "mapping", never rowgate check's --map.
TEST_F(Api, TheErrorsFileNamesTheRequestsMappingNotACommandLineFlag) {
  json status = run_import("Partner Name,Media Property\nAcme,https://acme.example.com/\n", true);
  EXPECT_EQ(status["status"], "failed");
  std::string errors = call("GET", "/api/v1/imports/" + status["id"].get<std::string>() + "/errors.csv").body;
  EXPECT_NE(errors.find("or map one to it with the import's \"\"mapping\"\"."), std::string::npos) << errors;
  EXPECT_EQ(errors.find("--map"), std::string::npos) << errors;
  EXPECT_NE(status["error"].get<std::string>().find("with the import's \"mapping\""), std::string::npos) << status.dump();
}

TEST_F(Api, CommitWritesValidRowsAndUpdatesByKey) {
  json first = run_import(prospects_csv(250), false);
  EXPECT_EQ(first["status"], "done");
  EXPECT_EQ(first["summary"]["create"], 250);
  EXPECT_EQ(first["counts"], json({{"create", 250}, {"update", 0}, {"duplicate", 0}, {"error", 0}, {"warnings", 0}}));
  EXPECT_EQ(body_of(call("GET", "/api/v1/partners"))["total"], 250);
  // The context now lists their keys, compactly.
  json ctx = body_of(call("GET", "/api/v1/context?template=prospects"));
  EXPECT_EQ(ctx["existing_count"], 250);
  EXPECT_EQ(ctx["existing_hash64"].get<std::string>().size(), (250 * 8 + 2) / 3 * 4);
  EXPECT_EQ(ctx["sets"]["groups"].size(), 3u);
  // Again with 50 new rows: 200 updates, 50 creates, nothing doubled.
  json second = run_import(prospects_csv(250, 51, "Mass Media"), false);
  EXPECT_EQ(second["summary"]["update"], 200);
  EXPECT_EQ(second["summary"]["create"], 50);
  json page = body_of(call("GET", "/api/v1/partners?q=Partner%20100"));
  ASSERT_EQ(page["total"], 1);
  EXPECT_EQ(page["items"][0]["groups"], json({"Mass Media", "Podcasts"}));
  EXPECT_EQ(body_of(call("GET", "/api/v1/partners"))["total"], 300);
  // The results file lists every row with its outcome.
  HttpResponse results = call("GET", "/api/v1/imports/" + second["id"].get<std::string>() + "/results.csv");
  EXPECT_EQ(results.status, 200);
  EXPECT_NE(results.body.find("\r\n2,2,update,p51@example.com,"), std::string::npos) << results.body.substr(0, 400);
}

TEST_F(Api, TenantsSeeOnlyTheirOwn) {
  // Overlapping Partner IDs and e-mails in two tenants.
  json a = run_import(prospects_csv(20), false, "A");
  json b = run_import(prospects_csv(5), false, "B");
  EXPECT_EQ(body_of(call("GET", "/api/v1/partners", "", "A"))["total"], 20);
  EXPECT_EQ(body_of(call("GET", "/api/v1/partners", "", "B"))["total"], 5);
  std::string a_id = a["id"];
  EXPECT_EQ(call("GET", "/api/v1/imports/" + a_id, "", "B").status, 404);
  EXPECT_EQ(call("GET", "/api/v1/imports/" + a_id + "/errors.csv", "", "B").status, 404);
  EXPECT_EQ(call("DELETE", "/api/v1/imports/" + a_id, "", "B").status, 404);
  EXPECT_EQ(call("PUT", "/api/v1/imports/" + a_id + "/parts/1", "x", "B").status, 404);
  EXPECT_EQ(body_of(call("GET", "/api/v1/imports", "", "B"))["items"].size(), 1u);
  // B cannot move A's partners into groups by id.
  json a_page = body_of(call("GET", "/api/v1/partners?limit=1", "", "A"));
  std::int64_t a_partner = a_page["items"][0]["id"];
  json changed = body_of(call("POST", "/api/v1/partners/groups",
                              json({{"ids", {a_partner}}, {"add", {"Mass Media"}}}).dump(), "B"));
  EXPECT_EQ(changed["changed"], 0);
  // B's context does not see A's keys.
  EXPECT_EQ(body_of(call("GET", "/api/v1/context?template=prospects", "", "B"))["existing_count"], 5);
}

// The setup errors of tests/setup_errors/cases.json: 422 with the core's code, the code the
// WebAssembly module gives for the same input (tests/wasm/dry_run.mjs runs the same table).
// A person's edits go with the import (in the create request, or PUT .../edits before the start):
// the server checks the file again with them and commits the edited values.
TEST_F(Api, EditsGoWithTheImportAndTheCommitWritesTheEditedValues) {
  ASSERT_EQ(run_import(prospects_csv(3), false)["status"], "done");  // p1..p3 exist
  const std::string csv =
      "Partner Name,Contact Email,Media Property,Group Name,Partner ID\n"
      "Ten,p10(at)example.com,https://ten.example.com/,Podcasts,10\n"      // row 2: fixed
      "Eleven,p11@example.com,https://eleven.example.com/,Podcasts,11\n"   // row 3: into p1's, an update
      "Twelve,p12@example.com,https://twelve.example.com/,Podcasts,12\n"   // row 4: into row 2's, a duplicate
      "Thirteen,bad,https://thirteen.example.com/,Podcasts,13\n"           // row 5: skipped
      "Fourteen,p14@example.com,https://fourteen.example.com/,Podcast,14\n"  // row 6: group fixed
      "Fifteen,P15@Example.com,https://fifteen.example.com/,Podcasts,15\n";  // row 7: e-mail lower-cased
  const json edits = {{"edits", {{"2", {{"Contact Email", "p10@example.com"}}},
                                 {"3", {{"Contact Email", "P1@example.com"}}},
                                 {"4", {{"Contact Email", "p10@example.com"}}}}},
                      {"skip", {5}},
                      {"columns", {{{"column", "Group Name"}, {"replace", {{"Podcast", "Podcasts"}}}},
                                   {{"column", "Contact Email"}, {"lower", true}}}}};
  auto upload_and_start = [&](const std::string& id) {
    EXPECT_EQ(call("PUT", "/api/v1/imports/" + id + "/parts/1", csv).status, 200);
    EXPECT_EQ(call("POST", "/api/v1/imports/" + id + "/start", "").status, 202);
    return wait_for(id);
  };
  // Six rows, one skipped: five checked, one of them a duplicate.
  const json expected = {{"rows", 5}, {"valid", 4}, {"invalid", 1}, {"create", 3}, {"update", 1},
                         {"duplicate", 1}, {"warnings", 0}, {"edited", 5}, {"skipped", 1}};

  // The dry run, with the edits in the create request.
  HttpResponse dry = call("POST", "/api/v1/imports", json({{"template", "prospects"}, {"dry_run", true}, {"edits", edits}}).dump());
  ASSERT_EQ(dry.status, 201) << dry.body;
  json dry_ended = upload_and_start(body_of(dry)["id"]);
  EXPECT_EQ(dry_ended["summary"], expected) << dry_ended.dump();

  // The commit, with the edits in a request of their own.
  HttpResponse created = call("POST", "/api/v1/imports", json({{"template", "prospects"}}).dump());
  ASSERT_EQ(created.status, 201) << created.body;
  const std::string id = body_of(created)["id"];
  HttpResponse bad = call("PUT", "/api/v1/imports/" + id + "/edits", R"({"edits": {"0": {"A": "x"}}})");
  EXPECT_EQ(bad.status, 422) << bad.body;
  EXPECT_EQ(body_of(bad)["error"]["code"], "invalid_edits") << bad.body;
  HttpResponse huge = call("PUT", "/api/v1/imports/" + id + "/edits", std::string((8u << 20) + 1, ' '));
  EXPECT_EQ(huge.status, 413) << huge.body;
  EXPECT_EQ(body_of(huge)["error"]["code"], "edits_too_large") << huge.body;
  HttpResponse put = call("PUT", "/api/v1/imports/" + id + "/edits", edits.dump());
  ASSERT_EQ(put.status, 200) << put.body;
  EXPECT_EQ(body_of(put), json({{"rows", 3}, {"cells", 3}, {"skip", 1}, {"columns", 2}}));
  json ended = upload_and_start(id);
  EXPECT_EQ(ended["status"], "done") << ended.dump();
  EXPECT_EQ(ended["summary"], expected) << ended.dump();
  HttpResponse late = call("PUT", "/api/v1/imports/" + id + "/edits", edits.dump());
  EXPECT_EQ(late.status, 409) << late.body;

  // What was written is what the edits made: p10 created, p1 renamed by row 3, the skipped and
  // duplicate rows nowhere, row 6 in its group.
  EXPECT_EQ(body_of(call("GET", "/api/v1/partners"))["total"], 3 + 3);
  json p1 = body_of(call("GET", "/api/v1/partners?q=Eleven"));
  ASSERT_EQ(p1["total"], 1) << p1.dump();
  EXPECT_EQ(p1["items"][0]["partner_id"], "11") << p1.dump();  // p1's record (6 in all, not 7), as row 3 left it
  EXPECT_EQ(body_of(call("GET", "/api/v1/partners?q=Partner%201"))["total"], 0);
  EXPECT_EQ(body_of(call("GET", "/api/v1/partners?q=Twelve"))["total"], 0);
  EXPECT_EQ(body_of(call("GET", "/api/v1/partners?q=Thirteen"))["total"], 0);
  json fourteen = body_of(call("GET", "/api/v1/partners?q=Fourteen"));
  ASSERT_EQ(fourteen["total"], 1);
  EXPECT_EQ(fourteen["items"][0]["groups"], json({"Podcasts"}));  // by the column's replace
  json fifteen = body_of(call("GET", "/api/v1/partners?q=Fifteen"));
  ASSERT_EQ(fifteen["total"], 1);
  EXPECT_EQ(fifteen["items"][0]["email"], "p15@example.com");  // a valid row's value, lower-cased too
  HttpResponse results = call("GET", "/api/v1/imports/" + id + "/results.csv");
  EXPECT_NE(results.body.find("\r\n2,2,create,p10@example.com,"), std::string::npos) << results.body;
  EXPECT_EQ(results.body.find("\r\n5,5,"), std::string::npos) << results.body;  // a skipped row has no outcome
}

// The results file keeps every customFields.* column, also one that a later line gives first:
// the same header and lines as rowgate check --results writes.
TEST_F(Api, TheResultsFileKeepsTheCustomFieldsColumnsOfEveryLine) {
  const std::string jsonl =
      "{\"id\": \"u1\", \"accountId\": \"a1\", \"email\": \"u1@example.com\", \"customFields\": {\"tier\": \"gold\"}}\n"
      "{\"id\": \"u2\", \"accountId\": \"a2\", \"email\": \"u2@example.com\"}\n"
      "{\"id\": \"u3\", \"accountId\": \"a3\", \"email\": \"u3@example.com\", \"customFields\": {\"score\": 7, \"tier\": \"silver\"}}\n";
  json done = run_import(jsonl, false, "A", 1 << 20, "participants");
  ASSERT_EQ(done["status"], "done") << done.dump();
  HttpResponse results = call("GET", "/api/v1/imports/" + done["id"].get<std::string>() + "/results.csv");
  ASSERT_EQ(results.status, 200);
  const std::string& body = results.body;
  const std::string header = body.substr(0, body.find("\r\n"));
  EXPECT_NE(header.find(",customFields.tier,customFields.score"), std::string::npos) << header;
  EXPECT_EQ(header.substr(header.size() - 36), "customFields.tier,customFields.score") << header;
  EXPECT_NE(body.find("\r\n1,1,create,a1|u1,"), std::string::npos) << body;
  // Every line as wide as the header: the first one padded for the column the third gave first.
  std::size_t columns = std::count(header.begin(), header.end(), ',') + 1;
  std::size_t at = header.size() + 2, lines = 0;
  for (std::size_t end; (end = body.find("\r\n", at)) != std::string::npos; at = end + 2, ++lines) {
    std::string line = body.substr(at, end - at);
    EXPECT_EQ(static_cast<std::size_t>(std::count(line.begin(), line.end(), ',')) + 1, columns) << line;
  }
  EXPECT_EQ(lines, 3u);
  EXPECT_NE(body.find(",gold,\r\n"), std::string::npos) << body;
  EXPECT_NE(body.find(",silver,7\r\n"), std::string::npos) << body;
}

// What My Partners exports, its bulk edit reads back: groups joined by "|" are each a group,
// and every partner the export lists is updated (its memberships added to, none lost).
TEST_F(Api, TheExportIsReadBackByTheBulkEdit) {
  ASSERT_EQ(run_import(prospects_csv(3), false)["status"], "done");
  ASSERT_EQ(run_import(prospects_csv(2, 1, "Mass Media"), false)["status"], "done");  // p1, p2 in both
  HttpResponse exported = call("GET", "/api/v1/partners/export.csv");
  ASSERT_EQ(exported.status, 200);
  ASSERT_NE(exported.body.find("Mass Media|Podcasts"), std::string::npos) << exported.body;
  json back = run_import(exported.body, false, "A", 1 << 20, "partners_update");
  ASSERT_EQ(back["status"], "done") << back.dump();
  EXPECT_EQ(back["summary"]["update"], 3) << back.dump();
  EXPECT_EQ(back["summary"]["invalid"], 0) << back.dump();
  json p1 = body_of(call("GET", "/api/v1/partners?q=Partner%201"));
  ASSERT_EQ(p1["total"], 1);
  EXPECT_EQ(p1["items"][0]["groups"], json({"Mass Media", "Podcasts"}));
}

// Advocate's segment, chosen once for the whole file: the dry run says which rows would join it,
// the import adds them (or removes them), the results file shows it.
TEST_F(Api, ParticipantsJoinOrLeaveTheSegmentChosenForTheFile) {
  HttpResponse made = call("POST", "/api/v1/segments", R"({"name": "VIP"})");
  ASSERT_EQ(made.status, 201) << made.body;
  EXPECT_EQ(call("POST", "/api/v1/segments", R"({"name": "VIP"})").status, 409);
  EXPECT_EQ(body_of(call("GET", "/api/v1/segments"))["items"], json({"VIP"}));
  EXPECT_TRUE(body_of(call("GET", "/api/v1/segments", "", "B"))["items"].empty());
  EXPECT_EQ(body_of(call("GET", "/api/v1/context?template=participants"))["sets"]["segments"], json({"VIP"}));
  EXPECT_FALSE(body_of(call("GET", "/api/v1/context?template=prospects"))["sets"].contains("segments"));

  const std::string file = "{\"accountId\":\"a1\",\"id\":\"u1\"}\n{\"accountId\":\"a1\",\"id\":\"u2\"}\n";
  auto import = [&](const json& fixed, bool dry_run) {
    HttpResponse created = call("POST", "/api/v1/imports",
                                json({{"template", "participants"}, {"dry_run", dry_run}, {"fixed", fixed}}).dump());
    EXPECT_EQ(created.status, 201) << created.body;
    std::string id = body_of(created)["id"];
    EXPECT_EQ(call("PUT", "/api/v1/imports/" + id + "/parts/1", file).status, 200);
    EXPECT_EQ(call("POST", "/api/v1/imports/" + id + "/start", "").status, 202);
    return wait_for(id);
  };
  json dry = import({{"segment", "VIP"}, {"segment_action", "add"}}, true);
  EXPECT_EQ(dry["summary"]["create"], 2) << dry.dump();
  HttpResponse dry_results = call("GET", "/api/v1/imports/" + dry["id"].get<std::string>() + "/results.csv");
  EXPECT_NE(dry_results.body.find("segment"), std::string::npos) << dry_results.body;
  EXPECT_NE(dry_results.body.find(",VIP,add"), std::string::npos) << dry_results.body;
  EXPECT_TRUE(store_->segment_members(tenant_a_, "VIP", "participants").empty());  // a dry run writes nothing

  json added = import({{"segment", "VIP"}}, false);  // "add" unless it says "remove"
  EXPECT_EQ(added["status"], "done") << added.dump();
  EXPECT_EQ(store_->segment_members(tenant_a_, "VIP", "participants").size(), 2u);
  json removed = import({{"segment", "VIP"}, {"segment_action", "remove"}}, false);
  EXPECT_EQ(removed["summary"]["update"], 2) << removed.dump();
  EXPECT_TRUE(store_->segment_members(tenant_a_, "VIP", "participants").empty());

  // A segment that does not exist is a finding on every row, as a group is.
  json unknown = import({{"segment", "Nope"}}, true);
  EXPECT_EQ(unknown["summary"]["invalid"], 2) << unknown.dump();
  EXPECT_EQ(unknown["top_codes"][0]["code"], "unknown_reference") << unknown.dump();
  EXPECT_EQ(call("DELETE", "/api/v1/segments?name=VIP").status, 200);
  EXPECT_EQ(call("DELETE", "/api/v1/segments?name=VIP").status, 404);
}

// A mapping confirmed in one browser is there for a colleague's: per tenant and template.
TEST_F(Api, MappingsAreRememberedForTheTeam) {
  json mapping = {{"template", "prospects"}, {"columns", {"Company", "Mail", "Site"}},
                  {"map", {{"Mail", "Contact Email"}, {"Site", ""}}}, {"no_header", false}};
  HttpResponse put = call("PUT", "/api/v1/mappings", mapping.dump());
  ASSERT_EQ(put.status, 200) << put.body;
  json got = body_of(call("GET", "/api/v1/mappings?template=prospects"));
  ASSERT_EQ(got["mappings"].size(), 1u) << got.dump();
  EXPECT_EQ(got["mappings"][0]["columns"], mapping["columns"]);
  EXPECT_EQ(got["mappings"][0]["map"], mapping["map"]);
  EXPECT_EQ(got["mappings"][0]["no_header"], false);
  EXPECT_TRUE(body_of(call("GET", "/api/v1/mappings?template=leads"))["mappings"].empty());
  EXPECT_TRUE(body_of(call("GET", "/api/v1/mappings?template=prospects", "", "B"))["mappings"].empty());  // another tenant
  EXPECT_EQ(call("GET", "/api/v1/mappings").status, 400);
  EXPECT_EQ(call("PUT", "/api/v1/mappings", R"({"template": "prospects", "columns": "Mail"})").status, 400);
  EXPECT_EQ(call("PUT", "/api/v1/mappings", R"({"template": "prospects", "columns": ["A"], "map": {"A": 1}})").status, 400);
  EXPECT_EQ(call("PUT", "/api/v1/mappings", R"({"columns": ["A"]})").status, 400);
}

TEST_F(Api, WhatTheCoreCannotUseIs422WithTheCoresCode) {
  std::ifstream in(ROWGATE_SETUP_ERRORS);
  json cases = json::parse(in);
  ASSERT_GT(cases.size(), 5u);
  for (const json& c : cases) {
    SCOPED_TRACE(c["name"].get<std::string>());
    json body = {{"template", c["template"]}, {"dry_run", true}};
    for (const char* part : {"options", "mapping", "fixed"})
      if (c.contains(part)) body[part] = c[part];
    HttpResponse r = call("POST", "/api/v1/imports", body.dump());
    EXPECT_EQ(r.status, 422) << r.body;
    EXPECT_EQ(body_of(r)["error"]["code"], c["code"]) << r.body;
  }
}

TEST_F(Api, IdempotencyReplays422And409) {
  std::string body = json({{"template", "prospects"}, {"dry_run", true}}).dump();
  HttpResponse first = call("POST", "/api/v1/imports", body, "A", {{"Idempotency-Key", "k1"}});
  HttpResponse again = call("POST", "/api/v1/imports", body, "A", {{"Idempotency-Key", "k1"}});
  ASSERT_EQ(first.status, 201);
  EXPECT_EQ(again.status, 201);
  EXPECT_EQ(again.body, first.body);
  EXPECT_EQ(again.headers["idempotent-replayed"], "true");
  EXPECT_EQ(body_of(call("GET", "/api/v1/imports"))["items"].size(), 1u);  // nothing new
  std::string other = json({{"template", "prospects"}, {"dry_run", false}}).dump();
  EXPECT_EQ(call("POST", "/api/v1/imports", other, "A", {{"Idempotency-Key", "k1"}}).status, 422);
  // Keys are per tenant: B may use k1 for its own request.
  EXPECT_EQ(call("POST", "/api/v1/imports", other, "B", {{"Idempotency-Key", "k1"}}).status, 201);
  // While the first request with a key is still being served, a second one is 409.
  ASSERT_FALSE(store_->reserve_idempotency(tenant_a_, "k2", sha256_hex(body), 0).has_value());
  EXPECT_EQ(call("POST", "/api/v1/imports", body, "A", {{"Idempotency-Key", "k2"}}).status, 409);
}

TEST_F(Api, PartsOutOfOrderAndRepeated) {
  std::string csv = prospects_csv(40);
  std::string id = body_of(call("POST", "/api/v1/imports", R"({"template": "prospects"})"))["id"];
  std::size_t third = csv.size() / 3;
  std::string p1 = csv.substr(0, third), p2 = csv.substr(third, third), p3 = csv.substr(2 * third);
  EXPECT_EQ(call("PUT", "/api/v1/imports/" + id + "/parts/3", p3).status, 200);
  EXPECT_EQ(call("PUT", "/api/v1/imports/" + id + "/parts/1", "garbage to be replaced").status, 200);
  EXPECT_EQ(call("PUT", "/api/v1/imports/" + id + "/parts/1", p1).status, 200);
  EXPECT_EQ(call("POST", "/api/v1/imports/" + id + "/start").status, 422);  // part 2 is missing
  HttpResponse two = call("PUT", "/api/v1/imports/" + id + "/parts/2", p2);
  EXPECT_EQ(body_of(two)["sha256"], sha256_hex(p2));
  EXPECT_EQ(call("POST", "/api/v1/imports/" + id + "/start").status, 202);
  EXPECT_EQ(call("POST", "/api/v1/imports/" + id + "/start").status, 409);
  EXPECT_EQ(call("PUT", "/api/v1/imports/" + id + "/parts/2", p2).status, 409);  // started: parts are fixed
  json status = wait_for(id);
  EXPECT_EQ(status["summary"]["create"], 40);
}

TEST_F(Api, AWorkbookUploadedInPartsIsImportedFromTheSheetItsOptionsName) {
  std::ifstream in(std::string(ROWGATE_VECTORS_DIR) + "/xlsx_sheet_by_name/input.xlsx", std::ios::binary);
  std::string workbook((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  ASSERT_GT(workbook.size(), 1000u);
  // Its second sheet, "Contacts", holds three prospects (one in a group this tenant lacks).
  std::string id = body_of(call("POST", "/api/v1/imports", R"({"template": "prospects", "options": {"sheet": "Contacts"}})"))["id"];
  const std::size_t third = workbook.size() / 3 + 1;
  for (int n = 1; n <= 3; ++n)
    EXPECT_EQ(call("PUT", "/api/v1/imports/" + id + "/parts/" + std::to_string(n), workbook.substr((n - 1) * third, third)).status,
              200);
  EXPECT_EQ(call("POST", "/api/v1/imports/" + id + "/start").status, 202);
  json status = wait_for(id);
  EXPECT_EQ(status["status"], "done") << status.dump();
  EXPECT_EQ(status["summary"]["rows"], 3) << status.dump();
  EXPECT_EQ(status["summary"]["create"], 2) << status.dump();
  EXPECT_EQ(body_of(call("GET", "/api/v1/partners"))["total"], 2);
  HttpResponse errors = call("GET", "/api/v1/imports/" + id + "/errors.csv");
  EXPECT_NE(errors.body.find("\r\n4,4,Group Name,Group Name,unknown_reference,"), std::string::npos) << errors.body;

  // A sheet it does not have: the import fails, saying which sheets there are.
  std::string missing =
      body_of(call("POST", "/api/v1/imports", R"({"template": "prospects", "options": {"sheet": "Nope"}})"))["id"];
  EXPECT_EQ(call("PUT", "/api/v1/imports/" + missing + "/parts/1", workbook).status, 200);
  EXPECT_EQ(call("POST", "/api/v1/imports/" + missing + "/start").status, 202);
  json failed = wait_for(missing);
  EXPECT_EQ(failed["status"], "failed") << failed.dump();
  EXPECT_NE(failed.dump().find("its sheets are \\\"Summary\\\", \\\"Contacts\\\""), std::string::npos) << failed.dump();
}

TEST_F(Api, BadRequestsGetClearErrorsAndTheServerKeepsServing) {
  EXPECT_EQ(call("POST", "/api/v1/imports", R"({"template": "nope"})").status, 422);
  EXPECT_EQ(call("POST", "/api/v1/imports", R"({"template": 7})").status, 400);
  EXPECT_EQ(call("POST", "/api/v1/imports", R"({"dry_run": true})").status, 400);
  EXPECT_EQ(call("POST", "/api/v1/imports", R"({"template": "prospects", "mapping": {"A": "no such field"}})").status, 422);
  EXPECT_EQ(call("POST", "/api/v1/imports", R"({"template": "prospects", "options": {"delimiter": "x"}})").status, 422);
  EXPECT_EQ(call("POST", "/api/v1/imports", "[1,2]").status, 400);
  std::string id = body_of(call("POST", "/api/v1/imports", R"({"template": "prospects"})"))["id"];
  EXPECT_EQ(call("PUT", "/api/v1/imports/" + id + "/parts/0", "x").status, 400);
  EXPECT_EQ(call("PUT", "/api/v1/imports/" + id + "/parts/10001", "x").status, 400);
  EXPECT_EQ(call("PUT", "/api/v1/imports/" + id + "/parts/abc", "x").status, 400);
  EXPECT_EQ(call("POST", "/api/v1/imports/" + id + "/start").status, 422);  // no parts
  EXPECT_EQ(call("GET", "/api/v1/imports/nope").status, 404);
  EXPECT_EQ(call("GET", "/api/v1/context?template=nope").status, 404);
  // Over the limit: 413, quickly.
  auto t0 = std::chrono::steady_clock::now();
  HttpResponse big = call("PUT", "/api/v1/imports/" + id + "/parts/1", std::string((8u << 20) + 1, 'x'));
  EXPECT_EQ(big.status, 413) << big.body.substr(0, 200);
  EXPECT_LT(std::chrono::steady_clock::now() - t0, std::chrono::seconds(5));
  // A file that is not CSV ends as a failed import with a clear reason.
  std::string zip = std::string("PK\x03\x04", 4) + std::string(100, '\0');
  json failed = run_import(zip, false);
  EXPECT_EQ(failed["status"], "failed");
  EXPECT_NE(failed["error"].get<std::string>().find("ZIP"), std::string::npos) << failed.dump();
  EXPECT_EQ(call("GET", "/healthz", "", "").status, 200);
}

TEST_F(Api, AnotherMethodOnAKnownPathIsAJson405) {
  HttpResponse r = call("PATCH", "/api/v1/groups");
  EXPECT_EQ(r.status, 405);
  EXPECT_EQ(body_of(r)["error"]["code"], "method_not_allowed");
  EXPECT_EQ(r.headers["allow"], "GET, POST, DELETE");
  EXPECT_EQ(call("PUT", "/api/v1/imports/x/start").status, 405);
}

TEST_F(Api, CancelBeforeStart) {
  std::string id = body_of(call("POST", "/api/v1/imports", R"({"template": "prospects"})"))["id"];
  HttpResponse c = call("DELETE", "/api/v1/imports/" + id);
  EXPECT_EQ(c.status, 202);
  EXPECT_EQ(body_of(c)["status"], "cancelled");
  EXPECT_EQ(call("DELETE", "/api/v1/imports/" + id).status, 409);
  HttpResponse start = call("POST", "/api/v1/imports/" + id + "/start");
  EXPECT_EQ(start.status, 409);
  EXPECT_EQ(body_of(start)["error"]["code"], "cancelled");
  EXPECT_EQ(body_of(call("GET", "/api/v1/imports/" + id + "/errors.csv"))["error"]["code"], "never_ran");
}

TEST_F(Api, CancelWhileCommitting) {
  // The runner pauses after its first committed batch until the cancel has been sent.
  std::promise<void> first_batch, cancel_sent;
  std::shared_future<void> sent = cancel_sent.get_future().share();
  bool once = false;
  runner_->after_batch = [&](const std::string&, std::uint64_t) {
    if (once) return;
    once = true;
    first_batch.set_value();
    sent.wait();
  };
  std::string id = body_of(call("POST", "/api/v1/imports", R"({"template": "prospects"})"))["id"];
  std::string csv = prospects_csv(60000);
  std::size_t half = csv.size() / 2;
  ASSERT_EQ(call("PUT", "/api/v1/imports/" + id + "/parts/1", csv.substr(0, half)).status, 200);
  ASSERT_EQ(call("PUT", "/api/v1/imports/" + id + "/parts/2", csv.substr(half)).status, 200);
  ASSERT_EQ(call("POST", "/api/v1/imports/" + id + "/start").status, 202);
  first_batch.get_future().wait();
  HttpResponse cancel = call("DELETE", "/api/v1/imports/" + id);
  cancel_sent.set_value();
  EXPECT_EQ(cancel.status, 202) << cancel.body;
  json status = wait_for(id);
  EXPECT_EQ(status["status"], "cancelled");
  // Committed batches stay (a cancel is not a rollback); nothing after the checkpoint is written.
  std::uint64_t stored = body_of(call("GET", "/api/v1/partners?limit=1"))["total"];
  std::uint64_t committed = status["progress"]["committed_row"];
  EXPECT_GT(committed, 0u);
  EXPECT_LT(stored, 60000u);
  EXPECT_EQ(stored, committed - 1);  // rows 2..committed are the first partners
  EXPECT_EQ(call("GET", "/api/v1/imports/" + id + "/errors.csv").status, 200);
  // Its summary and results file say what the store holds, not every row the core had checked
  // by the time the writer saw the cancel.
  EXPECT_EQ(status["summary"]["rows"], committed - 1) << status.dump();
  EXPECT_EQ(status["summary"]["create"], stored) << status.dump();
  EXPECT_EQ(status["counts"]["create"], stored) << status.dump();
  HttpResponse results = call("GET", "/api/v1/imports/" + id + "/results.csv");
  ASSERT_EQ(results.status, 200);
  std::size_t lines = 0;
  for (char c : results.body) lines += c == '\n';
  EXPECT_EQ(lines, 1 + stored);  // the header and one line a row stored
  const std::string last_row = "\r\n" + std::to_string(committed) + "," + std::to_string(committed) + ",create,";
  EXPECT_NE(results.body.find(last_row), std::string::npos);
  EXPECT_EQ(results.body.find("\r\n" + std::to_string(committed + 1) + ","), std::string::npos);
}

TEST_F(Api, AReportFileThatCannotBeReadIsAnErrorNotAnEmptyOrShortDownload) {
  json done = run_import(prospects_csv(50), true);
  ASSERT_EQ(done["status"], "done");
  std::string id = done["id"];
  ASSERT_EQ(call("GET", "/api/v1/imports/" + id + "/results.csv").status, 200);
  // The file is there but every read of it fails (a directory in its place: EISDIR).
  std::filesystem::remove(spool_->report_path(id, ReportFile::Results));
  std::filesystem::create_directory(spool_->report_path(id, ReportFile::Results));
  HttpResponse r = call("GET", "/api/v1/imports/" + id + "/results.csv");
  EXPECT_EQ(r.status, 500) << r.body;
  EXPECT_EQ(body_of(r)["error"]["code"], "internal");  // the cause goes to the log
  EXPECT_EQ(call("GET", "/api/v1/imports/" + id + "/errors.csv").status, 200);
}

TEST_F(Api, AStopWithBatchesInFlightCheckpointsAndARestartWritesEveryRowOnce) {
  // The writer holds the first batch until the stop has begun: one batch is then being written,
  // one waits, and the core has filled another. What the stop commits and what the restart
  // writes must add up to every row once.
  std::promise<void> first_batch, release;
  std::shared_future<void> released = release.get_future().share();
  std::atomic<bool> once{false};
  runner_->after_batch = [&](const std::string&, std::uint64_t) {
    if (once.exchange(true)) return;
    first_batch.set_value();
    released.wait();
  };
  std::string id = start_import(prospects_csv(30000), false, "A", 128 << 10);
  first_batch.get_future().wait();
  auto stopping = std::async(std::launch::async, [&] { runner_->stop(); });
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  release.set_value();
  stopping.get();
  std::optional<ImportRecord> stopped = store_->import(tenant_a_, id);
  ASSERT_TRUE(stopped.has_value());
  EXPECT_EQ(stopped->status, ImportStatus::Committing);  // left for the next start
  EXPECT_GT(stopped->last_committed_row, 1u);
  EXPECT_LT(stopped->last_committed_row, 30001u);
  std::uint64_t stored = body_of(call("GET", "/api/v1/partners?limit=1"))["total"];
  EXPECT_EQ(stored, stopped->last_committed_row - 1);

  RunnerSettings settings;
  settings.batch_rows = 100;
  ImportRunner restarted(*store_, *spool_, settings, nullptr);
  restarted.start();
  json done = wait_for(id);
  restarted.stop();
  EXPECT_EQ(done["status"], "done") << done.dump();
  EXPECT_EQ(done["summary"]["create"], 30000);
  EXPECT_EQ(body_of(call("GET", "/api/v1/partners?limit=1"))["total"], 30000);
}

TEST_F(Api, AnInlineTemplateIsUsedEvenWhenNamedLikeABuiltIn) {
  json tmpl = {{"name", "prospects"}, {"key", "Email"}, {"fields", {{{"key", "Email"}, {"type", "email"}, {"required", true}}}}};
  std::string id = body_of(call("POST", "/api/v1/imports", json({{"template", tmpl}, {"dry_run", true}}).dump()))["id"];
  ASSERT_EQ(call("PUT", "/api/v1/imports/" + id + "/parts/1", "Email\nana@example.com\n").status, 200);
  ASSERT_EQ(call("POST", "/api/v1/imports/" + id + "/start").status, 202);
  json status = wait_for(id);
  EXPECT_EQ(status["status"], "done") << status.dump();
  EXPECT_EQ(status["summary"]["create"], 1);
}

TEST_F(Api, SpooledPartsAreRemovedOnceTheImportEnds) {
  json status = run_import(prospects_csv(3), false);
  EXPECT_FALSE(std::filesystem::exists(spool_->part_path(status["id"], 1)));
  EXPECT_TRUE(std::filesystem::exists(spool_->report_path(status["id"], ReportFile::Results)));
  EXPECT_EQ(call("PUT", "/api/v1/imports/" + status["id"].get<std::string>() + "/parts/+5", "x").status, 400);
}

TEST_F(Api, PartnersSearchFilterPageExportAndGroups) {
  std::string csv = "Partner Name,Contact Email,Media Property,Group Name,Partner ID,Country\n"
                    "=Evil Co,evil@example.com,https://evil.example.com/,Podcasts,1,US\n"
                    "Good Co,good@example.com,https://good.example.com/,Mass Media,2,GB\n"
                    "Fine Co,fine@example.com,https://fine.example.org/,,3,us\n";
  EXPECT_EQ(run_import(csv, false)["summary"]["create"], 3);
  EXPECT_EQ(body_of(call("GET", "/api/v1/partners?q=good"))["total"], 1);
  EXPECT_EQ(body_of(call("GET", "/api/v1/partners?q=example.org"))["total"], 1);
  EXPECT_EQ(body_of(call("GET", "/api/v1/partners?q=2"))["total"], 1);  // Partner ID
  EXPECT_EQ(body_of(call("GET", "/api/v1/partners?country=US"))["total"], 2);
  EXPECT_EQ(body_of(call("GET", "/api/v1/partners?group=Podcasts"))["total"], 1);
  EXPECT_EQ(body_of(call("GET", "/api/v1/partners?status=active"))["total"], 3);
  // Keyset pagination.
  json p1 = body_of(call("GET", "/api/v1/partners?limit=2"));
  ASSERT_EQ(p1["items"].size(), 2u);
  ASSERT_TRUE(p1["next_cursor"].is_string());
  json p2 = body_of(call("GET", "/api/v1/partners?limit=2&cursor=" + p1["next_cursor"].get<std::string>()));
  ASSERT_EQ(p2["items"].size(), 1u);
  EXPECT_TRUE(p2["next_cursor"].is_null());
  EXPECT_EQ(call("GET", "/api/v1/partners?cursor=x").status, 400);
  // Export: streamed CSV, formula injection neutralised.
  HttpResponse exp = call("GET", "/api/v1/partners/export.csv?country=US");
  EXPECT_EQ(exp.status, 200);
  EXPECT_EQ(exp.headers["content-disposition"], "attachment; filename=\"partners.csv\"");
  EXPECT_EQ(exp.body.substr(0, 14), "\xEF\xBB\xBFPartner ID,");  // a byte-order mark: Excel shows accents
  EXPECT_NE(exp.body.find("1,'=Evil Co,evil@example.com"), std::string::npos) << exp.body;
  EXPECT_EQ(std::count(exp.body.begin(), exp.body.end(), '\n'), 3);  // header + 2
  // Bulk groups: by ids, then by filter.
  std::int64_t good = body_of(call("GET", "/api/v1/partners?q=good"))["items"][0]["id"];
  EXPECT_EQ(body_of(call("POST", "/api/v1/partners/groups", json({{"ids", {good}}, {"add", {"Podcasts"}}}).dump()))["changed"], 1);
  EXPECT_EQ(body_of(call("GET", "/api/v1/partners?group=Podcasts"))["total"], 2);
  EXPECT_EQ(body_of(call("POST", "/api/v1/partners/groups",
                         json({{"filter", {{"country", "US"}}}, {"add", {"Content Creators"}}, {"remove", {"Podcasts"}}}).dump()))["changed"],
            2);
  EXPECT_EQ(body_of(call("GET", "/api/v1/partners?group=Podcasts"))["total"], 1);
  EXPECT_EQ(body_of(call("GET", "/api/v1/partners?group=Content%20Creators"))["total"], 2);
  EXPECT_EQ(call("POST", "/api/v1/partners/groups", json({{"ids", {good}}, {"add", {"Nope"}}}).dump()).status, 422);
  EXPECT_EQ(call("POST", "/api/v1/partners/groups", json({{"add", {"Podcasts"}}}).dump()).status, 400);
}

TEST_F(Api, PartnersExportAsAnExcelWorkbook) {
  std::string csv = "Partner Name,Contact Email,Media Property,Group Name,Partner ID,Country,Description\n"
                    "\"Fish & <Chips> \"\"Ltd\"\"\",fish@example.com,https://fish.example.com/,Podcasts,007,US,Costs _x0041_ a day\n"
                    "=Evil Co,evil@example.com,https://evil.example.com/,Mass Media,0042,US,\n"
                    "Away Co,away@example.com,https://away.example.com/,,1,GB,\n";
  EXPECT_EQ(run_import(csv, false)["summary"]["create"], 3);
  HttpResponse exp = call("GET", "/api/v1/partners/export.xlsx?country=US");
  ASSERT_EQ(exp.status, 200) << exp.body.substr(0, 300);
  EXPECT_EQ(exp.headers["content-type"], "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet");
  EXPECT_EQ(exp.headers["content-disposition"], "attachment; filename=\"partners.xlsx\"");
  json read = read_xlsx(exp.body);
  ASSERT_FALSE(read.contains("error")) << read.dump().substr(0, 2000);
  EXPECT_TRUE(read["testzip"].is_null());
  EXPECT_EQ(read["sheets"], json({"Partners"}));
  EXPECT_EQ(read["types"], json({"inlineStr"}));
  // The header, then the partners of the filter in id order, with the CSV export's cells.
  json expected = json::array();
  expected.push_back({"Partner ID", "Partner Name", "Contact Email", "Media Property", "Groups", "Contact First Name",
                      "Contact Last Name", "Description", "Country", "Status"});
  json listed = body_of(call("GET", "/api/v1/partners?country=US"));
  for (const json& p : listed["items"]) {
    std::string groups;
    for (const json& g : p["groups"]) groups += (groups.empty() ? "" : "|") + g.get<std::string>();
    expected.push_back({p["partner_id"], p["name"], p["email"], p["url"], groups, p["first_name"], p["last_name"],
                        p["description"], p["country"], p["status"]});
  }
  ASSERT_EQ(expected.size(), 3u);
  EXPECT_EQ(read["rows"], expected);
  EXPECT_EQ(read["rows"][1][0], "007");  // text: the zeros stay
  EXPECT_EQ(read["rows"][1][1], "Fish & <Chips> \"Ltd\"");
  EXPECT_EQ(read["rows"][1][7], "Costs _x0041_ a day");
  EXPECT_EQ(read["rows"][2][0], "0042");
  EXPECT_EQ(read["rows"][2][1], "=Evil Co");  // a text cell is never a formula: kept as it is
  // Bulk Edit takes the export back as it is: the core reads its inline strings, "007" and "0042"
  // find their partners, and every row is an update that changes nothing it should not.
  json again = run_import(exp.body, false, "A", 1 << 20, "partners_update");
  EXPECT_EQ(again["status"], "done") << again.dump();
  EXPECT_EQ(again["summary"]["rows"], 2) << again.dump();
  EXPECT_EQ(again["summary"]["update"], 2) << again.dump();
  EXPECT_EQ(again["summary"]["invalid"], 0) << again.dump();
  EXPECT_EQ(read_xlsx(call("GET", "/api/v1/partners/export.xlsx?country=US").body)["rows"], expected);
  // Tenant B's export holds the header alone; without a key there is no file.
  json b = read_xlsx(call("GET", "/api/v1/partners/export.xlsx", "", "B").body);
  EXPECT_EQ(b["rows"].size(), 1u) << b.dump().substr(0, 300);
  EXPECT_EQ(call("GET", "/api/v1/partners/export.xlsx", "", "").status, 401);
}

TEST_F(Api, BulkEditIsAnUpdateOnlyImport) {
  run_import(prospects_csv(3), false);
  std::string edit = "Partner ID,Status,Partner Name\n1001,inactive,Renamed\n9999,active,Ghost\n";
  json status = run_import(edit, false, "A", 1 << 20, "partners_update");
  EXPECT_EQ(status["summary"]["update"], 1);
  EXPECT_EQ(status["summary"]["invalid"], 1);  // 9999 is not_found
  json page = body_of(call("GET", "/api/v1/partners?status=inactive"));
  ASSERT_EQ(page["total"], 1);
  EXPECT_EQ(page["items"][0]["name"], "Renamed");
  EXPECT_EQ(page["items"][0]["email"], "p1@example.com");  // untouched fields kept
}

TEST_F(Api, ReportFilesExpire) {
  json status = run_import(prospects_csv(2), true);
  std::string id = status["id"];
  EXPECT_EQ(call("GET", "/api/v1/imports/" + id + "/errors.csv").status, 200);
  spool_->remove_expired(std::time(nullptr) + 31 * 24 * 3600);
  EXPECT_EQ(call("GET", "/api/v1/imports/" + id + "/errors.csv").status, 410);
  EXPECT_FALSE(std::filesystem::exists(spool_->report_path(id, ReportFile::Errors)));
}

TEST_F(Api, StaticFilesAndNoPathTraversal) {
  HttpResponse index = call("GET", "/", "", "");
  EXPECT_EQ(index.status, 200);
  EXPECT_NE(index.headers["content-type"].find("text/html"), std::string::npos);
  EXPECT_EQ(call("GET", "/../secret.txt", "", "").status, 404);
  EXPECT_EQ(call("GET", "/%2e%2e/secret.txt", "", "").status, 404);
  EXPECT_EQ(call("GET", "/nothing-here.js", "", "").status, 404);
}

TEST_F(Api, Notifications) {
  EXPECT_EQ(call("PUT", "/api/v1/notifications", R"({"email": "ops@example.com"})").status, 200);
  EXPECT_EQ(call("PUT", "/api/v1/notifications", R"({"email": "nope"})").status, 422);
  EXPECT_EQ(call("PUT", "/api/v1/notifications", R"({"webhook_url": "http://127.0.0.1:9/x"})").status, 422);
  EXPECT_EQ(body_of(call("GET", "/api/v1/notifications"))["email"], "ops@example.com");
  json status = run_import(prospects_csv(2), true);
  // The end of the import is written to the outbox for e-mail, by the runner just after the
  // status says "done" (so the status can be seen a moment before the item).
  std::vector<OutboxItem> items;
  for (int i = 0; i < 500 && items.empty(); ++i) {
    items = store_->outbox(tenant_a_);
    if (items.empty()) std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  ASSERT_EQ(items.size(), 1u);
  EXPECT_EQ(items[0].channel, "email");
  EXPECT_EQ(items[0].import_id, status["id"]);
}

// ---- The runner when the store fails mid-commit ---------------------------------------------------

// A store whose commit_batch fails at its `fail_at`-th call (and, with `fail_after`, at every
// later one too): as a shared store does when another server has taken the import over
// (LeaseLost), as SQLite does when another process holds the write lock past the busy timeout
// (StoreUnavailable), or with an error that no retry mends. Its walk of the partners fails after
// `partners_fail_after` of them, when set.
class FailingStore : public SqliteStore {
 public:
  using SqliteStore::SqliteStore;
  enum class Failure { Unavailable, LeaseLost, Broken };
  void commit_batch(const ImportRecord& import, const Template& tmpl, const std::vector<RowWrite>& rows,
                    std::uint64_t last_row, const Progress& progress) override {
    int call = ++calls_;
    if (call < fail_at && slow_ms > 0) std::this_thread::sleep_for(std::chrono::milliseconds(slow_ms.load()));
    if (call == fail_at || (fail_after && call > fail_at)) {
      if (failure == Failure::LeaseLost) throw LeaseLost("another server holds the import now");
      if (failure == Failure::Unavailable) throw StoreUnavailable("SQLite: database is locked");
      throw std::runtime_error("SQLite: disk I/O error");
    }
    SqliteStore::commit_batch(import, tmpl, rows, last_row, progress);
  }
  std::vector<std::string> groups(std::int64_t tenant) override {
    if (groups_unavailable) throw StoreUnavailable("SQLite: database is locked");
    return SqliteStore::groups(tenant);
  }
  void each_partner(std::int64_t tenant, const PartnerFilter& filter, const std::function<bool(const Partner&)>& each) override {
    int seen = 0;
    SqliteStore::each_partner(tenant, filter, [&](const Partner& p) {
      if (partners_fail_after > 0 && ++seen > partners_fail_after) throw std::runtime_error("SQLite: disk I/O error");
      return each(p);
    });
  }
  std::atomic<bool> groups_unavailable{false};
  std::atomic<int> partners_fail_after{0};
  std::atomic<int> fail_at{0};
  std::atomic<int> slow_ms{0};  ///< each batch before `fail_at` takes this long
  std::atomic<bool> fail_after{false};
  std::atomic<Failure> failure{Failure::Unavailable};

 private:
  std::atomic<int> calls_{0};
};

class ApiStoreFails : public Api {
 protected:
  void configure(NotifySettings& ns, RunnerSettings& rs) override {
    Api::configure(ns, rs);
    rs.store_retry_ms = 20;
    rs.store_outage_seconds = 1;
  }
  std::unique_ptr<SqliteStore> make_store(const std::string& path) override {
    auto store = std::make_unique<FailingStore>(path);
    failing_ = store.get();
    return store;
  }
  // Exactly the rows up to the checkpoint are stored (row 1 is the header).
  void expect_stored_up_to_checkpoint(const std::string& id) {
    std::optional<ImportRecord> r = store_->import(tenant_a_, id);
    ASSERT_TRUE(r.has_value());
    EXPECT_GT(r->last_committed_row, 1u);
    EXPECT_EQ(body_of(call("GET", "/api/v1/partners?limit=1"))["total"], r->last_committed_row - 1);
  }
  FailingStore* failing_ = nullptr;
};

TEST_F(ApiStoreFails, AStoreLockedForAWhileIsWaitedForAndTheImportResumesFromItsCheckpoint) {
  failing_->fail_at = 2;
  failing_->slow_ms = 1200;  // longer than the outage limit (1 s): running time is not time waited
  json status = run_import(prospects_csv(30000), false);  // three parts: three batches
  EXPECT_EQ(status["status"], "done") << status.dump();
  EXPECT_EQ(status["summary"]["create"], 30000);
  // Every row once: the batch that met the lock was not kept, and was written when run again.
  EXPECT_EQ(body_of(call("GET", "/api/v1/partners?limit=1"))["total"], 30000);
}

TEST_F(ApiStoreFails, AStoreAwayPastTheOutageLimitFailsTheImportSayingSo) {
  failing_->fail_at = 2;
  failing_->fail_after = true;
  json status = run_import(prospects_csv(30000), false);
  EXPECT_EQ(status["status"], "failed");
  EXPECT_NE(status["error"].get<std::string>().find("database is locked (the store stayed unavailable)"),
            std::string::npos)
      << status.dump();
  expect_stored_up_to_checkpoint(status["id"]);
}

TEST_F(ApiStoreFails, AnErrorNoRetryMendsFailsTheImportAtOnce) {
  failing_->fail_at = 2;
  failing_->failure = FailingStore::Failure::Broken;
  json status = run_import(prospects_csv(30000), false);
  EXPECT_EQ(status["status"], "failed");
  EXPECT_NE(status["error"].get<std::string>().find("disk I/O error"), std::string::npos) << status.dump();
  expect_stored_up_to_checkpoint(status["id"]);
}

TEST_F(ApiStoreFails, ARequestThatMeetsAnUnavailableStoreIs503WithRetryAfter) {
  failing_->groups_unavailable = true;
  HttpResponse r = call("GET", "/api/v1/groups");
  EXPECT_EQ(r.status, 503);
  EXPECT_EQ(r.headers["retry-after"], "5");
  EXPECT_EQ(body_of(r)["error"]["code"], "store_unavailable");
  failing_->groups_unavailable = false;
  EXPECT_EQ(call("GET", "/api/v1/groups").status, 200);
}

// An export whose walk fails once bytes are sent ends the connection without the last chunk (the
// download is seen cut short, never as a whole file); one that fails before is the JSON 500.
TEST_F(ApiStoreFails, AnExportThatFailsMidwayIsCutShort) {
  EXPECT_EQ(run_import(prospects_csv(20000), false)["summary"]["create"], 20000);
  failing_->partners_fail_after = 15000;
  HttpResponse csv = call("GET", "/api/v1/partners/export.csv");
  EXPECT_EQ(csv.status, 200);
  std::size_t lines = static_cast<std::size_t>(std::count(csv.body.begin(), csv.body.end(), '\n'));
  EXPECT_GT(lines, 1000u);
  EXPECT_LE(lines, 15001u);
  HttpResponse xlsx = call("GET", "/api/v1/partners/export.xlsx");
  EXPECT_EQ(xlsx.status, 200);
  EXPECT_EQ(xlsx.body.substr(0, 2), "PK");
  EXPECT_GT(xlsx.body.size(), 60000u);
  EXPECT_TRUE(read_xlsx(xlsx.body).contains("error"));  // no central directory: not a workbook
  failing_->partners_fail_after = 1;
  for (const char* target : {"/api/v1/partners/export.csv", "/api/v1/partners/export.xlsx"}) {
    HttpResponse r = call("GET", target);
    EXPECT_EQ(r.status, 500) << target;
    EXPECT_EQ(body_of(r)["error"]["code"], "internal") << target;
  }
}

TEST_F(ApiStoreFails, ALeaseLostMidCommitLeavesTheImportToItsNewHolder) {
  failing_->fail_at = 2;
  failing_->failure = FailingStore::Failure::LeaseLost;
  std::string lost = start_import(prospects_csv(30000), false);
  // The runner takes imports in order: once B's has ended, it has let A's go.
  EXPECT_EQ(run_import(prospects_csv(5), true, "B")["status"], "done");
  std::optional<ImportRecord> r = store_->import(tenant_a_, lost);
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->status, ImportStatus::Committing);  // not failed: the new holder resumes it from the checkpoint
  EXPECT_EQ(r->error, "");
  EXPECT_EQ(r->files_expire_at, 0);
  EXPECT_FALSE(runner_->progress_of(lost).has_value());
  expect_stored_up_to_checkpoint(lost);
}

}  // namespace
}  // namespace rowgate::testing
