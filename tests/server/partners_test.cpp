// My Partners over a store of 200,000 partners (written straight into the SQLite file): a group
// filter is answered from its index (it used to re-run a subquery for every partner and froze the
// server), concurrent filtered requests and an export leave the server answering, and a statement
// past the request's time limit is interrupted, answered 503, and the server goes on serving.
#include <gtest/gtest.h>
#include <sqlite3.h>

#include <nlohmann/json.hpp>

#include <algorithm>
#include <future>
#include <string>
#include <vector>

#include "server_fixture.h"
#include "zip_check.h"

namespace rowgate::testing {
namespace {

using nlohmann::json;
using namespace rowgate::server;

constexpr int kPartners = 200000;

// Tenant A gets kPartners partners: every third in "Podcasts", the others in "Mass Media"; every
// fifth in DE, the others in US. Tenant B gets one partner in "Podcasts".
void populate(const std::string& db_path, std::int64_t a, std::int64_t b) {
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(db_path.c_str(), &db), SQLITE_OK);
  std::string sql =
      "BEGIN;"
      "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < " + std::to_string(kPartners) + ") "
      "INSERT INTO partners (tenant_id, email_key, partner_id, name, email, url, country, created_at, updated_at) "
      "SELECT " + std::to_string(a) + ", 'p' || i || '@example.com', 'P' || i, 'Partner ' || i, 'p' || i || '@example.com', "
      "'https://p' || i || '.example.com/', CASE i % 5 WHEN 0 THEN 'DE' ELSE 'US' END, 0, 0 FROM n;"
      "INSERT INTO partner_groups (partner_row, group_name, tenant_id) "
      "SELECT id, CASE id % 3 WHEN 0 THEN 'Podcasts' ELSE 'Mass Media' END, tenant_id FROM partners;"
      "INSERT INTO partners (tenant_id, email_key, name, email, created_at, updated_at) "
      "VALUES (" + std::to_string(b) + ", 'b@example.com', 'B', 'b@example.com', 0, 0);"
      "INSERT INTO partner_groups SELECT id, 'Podcasts', tenant_id FROM partners WHERE tenant_id = " + std::to_string(b) + ";"
      "COMMIT;";
  char* error = nullptr;
  EXPECT_EQ(sqlite3_exec(db, sql.c_str(), nullptr, nullptr, &error), SQLITE_OK) << (error ? error : "");
  sqlite3_free(error);
  sqlite3_close(db);
}

class PartnersAtScale : public ServerTest {
 protected:
  void SetUp() override {
    ServerTest::SetUp();
    for (const char* g : {"Podcasts", "Mass Media"}) {
      store_->add_group(tenant_a_, g);
      store_->add_group(tenant_b_, g);
    }
    populate((dir_ / "store.db").string(), tenant_a_, tenant_b_);
  }
  static json body_of(const HttpResponse& r) { return json::parse(r.body, nullptr, false); }
};

TEST_F(PartnersAtScale, AGroupFilterIsAnsweredFromItsIndexPageByPage) {
  HttpResponse first = call("GET", "/api/v1/partners?group=Podcasts&limit=100");
  ASSERT_EQ(first.status, 200) << first.body;
  json page = body_of(first);
  EXPECT_EQ(page["total"], kPartners / 3);
  ASSERT_EQ(page["items"].size(), 100u);
  std::int64_t previous = 0;
  for (const json& p : page["items"]) {
    EXPECT_EQ(p["groups"], json({"Podcasts"}));
    EXPECT_GT(p["id"].get<std::int64_t>(), previous);
    previous = p["id"];
  }
  // The next page continues after the last id, whatever the filter.
  HttpResponse second = call("GET", "/api/v1/partners?group=Podcasts&limit=100&cursor=" + page["next_cursor"].get<std::string>());
  ASSERT_EQ(second.status, 200) << second.body;
  EXPECT_GT(body_of(second)["items"][0]["id"].get<std::int64_t>(), previous);
  // Combined with the other filters.
  json de = body_of(call("GET", "/api/v1/partners?group=Podcasts&country=DE"));
  EXPECT_EQ(de["total"], kPartners / 15);
  for (const json& p : de["items"]) EXPECT_EQ(p["country"], "DE");
  json named = body_of(call("GET", "/api/v1/partners?group=Mass%20Media&q=Partner%20199999"));
  EXPECT_EQ(named["total"], 1);  // 199,999 is not a multiple of 3
  EXPECT_EQ(body_of(call("GET", "/api/v1/partners?group=Podcasts&q=Partner%20199999"))["total"], 0);
  // Tenant B sees its one partner in the group, not A's.
  EXPECT_EQ(body_of(call("GET", "/api/v1/partners?group=Podcasts", "", "B"))["total"], 1);
}

// Two group-filtered pages, group-filtered exports (CSV and Excel) and /healthz at once: all
// answered (the old plan kept both HTTP threads in one query for minutes, and /healthz went
// unanswered).
TEST_F(PartnersAtScale, FilteredPagesAndExportsAtOnceLeaveTheServerAnswering) {
  auto page = [&] { return call("GET", "/api/v1/partners?group=Podcasts&country=DE"); };
  auto exported = [&] { return call("GET", "/api/v1/partners/export.csv?group=Podcasts"); };
  auto workbook = [&] { return call("GET", "/api/v1/partners/export.xlsx?group=Podcasts"); };
  std::vector<std::future<HttpResponse>> running;
  for (int i = 0; i < 2; ++i) running.push_back(std::async(std::launch::async, page));
  running.push_back(std::async(std::launch::async, exported));
  running.push_back(std::async(std::launch::async, workbook));
  EXPECT_EQ(http(port_, "GET", "/healthz").status, 200);
  for (std::size_t i = 0; i < running.size(); ++i) {
    HttpResponse r = running[i].get();
    ASSERT_EQ(r.status, 200) << r.body.substr(0, 300);
    if (i == 2) {
      std::size_t lines = static_cast<std::size_t>(std::count(r.body.begin(), r.body.end(), '\n'));
      EXPECT_EQ(lines, 1u + kPartners / 3);  // the header and every partner of the group, once
    }
    if (i == 3) {
      json read = read_xlsx(r.body);
      ASSERT_FALSE(read.contains("error")) << read.dump().substr(0, 300);
      ASSERT_EQ(read["rows"].size(), 1u + kPartners / 3);
      EXPECT_EQ(read["rows"][1][0], "P3");  // the first of the group
      EXPECT_EQ(read["rows"][1][4], "Podcasts");
    }
  }
}

// A tenant with one partner more than an Excel sheet holds below its header: the workbook export
// is refused before its first byte (422 too_many_rows), and a narrower filter is exported. A
// million partners take a while to write: in the native build only (label big).
class PartnersPastASheetBig : public ServerTest {
 protected:
  void SetUp() override {
    ServerTest::SetUp();
    sqlite3* db = nullptr;
    ASSERT_EQ(sqlite3_open((dir_ / "store.db").string().c_str(), &db), SQLITE_OK);
    std::string sql =
        "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 1048576) "
        "INSERT INTO partners (tenant_id, email_key, name, email, country, created_at, updated_at) "
        "SELECT " + std::to_string(tenant_a_) + ", 'p' || i || '@example.com', 'Partner ' || i, 'p' || i || '@example.com', "
        "CASE i WHEN 7 THEN 'DE' ELSE 'US' END, 0, 0 FROM n;";
    char* error = nullptr;
    EXPECT_EQ(sqlite3_exec(db, sql.c_str(), nullptr, nullptr, &error), SQLITE_OK) << (error ? error : "");
    sqlite3_free(error);
    sqlite3_close(db);
  }
};

TEST_F(PartnersPastASheetBig, TheWorkbookIsRefusedAndANarrowerFilterExported) {
  HttpResponse refused = call("GET", "/api/v1/partners/export.xlsx");
  EXPECT_EQ(refused.status, 422);
  EXPECT_EQ(json::parse(refused.body, nullptr, false)["error"]["code"], "too_many_rows") << refused.body;
  HttpResponse narrow = call("GET", "/api/v1/partners/export.xlsx?country=DE");
  ASSERT_EQ(narrow.status, 200) << narrow.body.substr(0, 300);
  json read = read_xlsx(narrow.body);
  ASSERT_EQ(read["rows"].size(), 2u) << read.dump().substr(0, 300);
  EXPECT_EQ(read["rows"][1][1], "Partner 7");
}

// A server whose requests may run their statements 1 ms: a search that must read every partner
// is interrupted and answered 503 query_timeout, and the server goes on answering.
class PartnersPastTheDeadline : public PartnersAtScale {
 protected:
  void configure(NotifySettings&, RunnerSettings&) override { settings_.query_timeout = std::chrono::milliseconds(1); }
};

TEST_F(PartnersPastTheDeadline, ALongQueryIs503AndTheServerGoesOnServing) {
  for (const char* target : {"/api/v1/partners?q=no%20such%20partner", "/api/v1/partners/export.csv?q=no%20such%20partner",
                             "/api/v1/partners/export.xlsx?q=no%20such%20partner"}) {
    HttpResponse r = call("GET", target);
    EXPECT_EQ(r.status, 503) << target << ": " << r.body.substr(0, 300);
    EXPECT_EQ(body_of(r)["error"]["code"], "query_timeout") << r.body.substr(0, 300);
    EXPECT_EQ(r.headers["retry-after"], "5");
  }
  EXPECT_EQ(http(port_, "GET", "/healthz").status, 200);
  HttpResponse groups = call("GET", "/api/v1/groups");
  EXPECT_EQ(groups.status, 200) << groups.body;
}

}  // namespace
}  // namespace rowgate::testing
