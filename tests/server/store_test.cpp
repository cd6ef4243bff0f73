// The store contract, one suite run against both stores (TEST_P over "sqlite" and
// "postgresql"), then what only PostgreSQL has: leases and claims across servers, parts and
// report files in the database, and row-level security checked with hand-written queries.
// PostgreSQL comes from ROWGATE_TEST_PG (tests/pg/with_pg.sh sets it); without it the PostgreSQL
// tests fail, they do not skip.
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdlib>
#include <ctime>
#include <filesystem>
#include <iterator>
#include <map>
#include <fstream>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "jobs/import_runner.h"
#include "rowgate/report.h"
#include "rowgate/session.h"
#include "jobs/spool.h"
#include "store/pg_connection.h"
#include "store/partner_scan.h"
#include "store/query_deadline.h"
#include "store/pg_store.h"
#include "store/sqlite_connection.h"
#include "store/sqlite_store.h"
#include "util/crypto.h"

using namespace rowgate;
using namespace rowgate::server;

namespace {

std::string pg_url() {
  const char* url = std::getenv("ROWGATE_TEST_PG");
  return url ? url : "";
}

// The same database, with every unqualified name in `schema` (one schema per test).
std::string in_schema(const std::string& url, const std::string& schema) {
  return url + (url.find('?') == std::string::npos ? "?" : "&") + "options=-csearch_path%3D" + schema;
}

// A fresh PostgreSQL schema for one test, dropped at the end.
class PgSchema {
 public:
  PgSchema() {
    url_ = pg_url();
    if (url_.empty()) return;
    name_ = "t_" + random_hex(6);
    pg::Connection c(url_);
    c.script("CREATE SCHEMA " + name_);
  }
  ~PgSchema() {
    if (url_.empty()) return;
    try {
      pg::Connection c(url_);
      c.script("DROP SCHEMA " + name_ + " CASCADE");
    } catch (...) {
    }
  }
  bool ok() const { return !url_.empty(); }
  std::string url() const { return in_schema(url_, name_); }

 private:
  std::string url_, name_;
};

RowWrite prospect(std::uint64_t row, const std::string& email, std::vector<std::pair<std::string, std::string>> values,
                  bool update = false) {
  RowWrite w;
  w.row = row;
  w.update = update;
  w.key = {email};
  w.values = std::move(values);
  w.values.emplace_back("Contact Email", email);
  return w;
}

ImportRecord new_import(Store& store, std::int64_t tenant, const std::string& template_name, std::int64_t created_at = 1000,
                        const std::string& template_json = "{}") {
  ImportRecord r;
  r.id = random_hex(12);
  r.tenant_id = tenant;
  r.template_name = template_name;
  r.template_json = template_json;
  r.options_json = "{}";
  r.fixed_json = "{}";
  r.status = ImportStatus::Uploading;
  r.created_at = created_at;
  store.create_import(r);
  return r;
}

// A built-in template, as the runner loads it (its `store` section binds its records).
const Template& tmpl(const std::string& name) {
  static std::map<std::string, Template> loaded;
  auto it = loaded.find(name);
  if (it == loaded.end()) {
    TemplateLoad t = builtin_template(name);
    EXPECT_TRUE(t.ok) << name << ": " << t.error;
    it = loaded.emplace(name, std::move(t.value)).first;
  }
  return it->second;
}

std::vector<std::string> keys_of(Store& store, std::int64_t tenant, const std::string& template_name,
                                 const std::string& except = "") {
  std::vector<std::string> out;
  store.for_each_key(tenant, tmpl(template_name), except, [&](const std::vector<std::string_view>& parts) {
    std::string k;
    for (std::size_t i = 0; i < parts.size(); ++i) k += (i ? "|" : "") + std::string(parts[i]);
    out.push_back(k);
  });
  std::sort(out.begin(), out.end());
  return out;
}

class StoreTest : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    if (GetParam() == "sqlite") {
      dir_ = std::filesystem::temp_directory_path() / ("rowgate_store_" + random_hex(6));
      std::filesystem::create_directories(dir_);
      spec_ = "sqlite:" + (dir_ / "store.db").string();
    } else {
      schema_ = std::make_unique<PgSchema>();
      ASSERT_TRUE(schema_->ok()) << "ROWGATE_TEST_PG is not set: run the PostgreSQL tests under tests/pg/with_pg.sh";
      spec_ = schema_->url();
    }
    store_ = open_store(spec_);
    a_ = store_->create_tenant("A");
    b_ = store_->create_tenant("B");
  }
  void TearDown() override {
    store_.reset();
    schema_.reset();
    if (!dir_.empty()) std::filesystem::remove_all(dir_);
  }

  std::filesystem::path dir_;
  std::unique_ptr<PgSchema> schema_;
  std::string spec_;
  std::unique_ptr<Store> store_;
  std::int64_t a_ = 0, b_ = 0;
};

TEST_P(StoreTest, MigrationsRunOnceAndReopeningKeepsTheData) {
  store_->add_group(a_, "Podcasts");
  store_.reset();
  store_ = open_store(spec_);  // migrations find nothing left to do
  EXPECT_EQ(store_->groups(a_), std::vector<std::string>{"Podcasts"});
  store_.reset();
  std::unique_ptr<Store> first = open_store(spec_), second = open_store(spec_);  // two servers starting
  EXPECT_TRUE(first->has_tenants());
  EXPECT_TRUE(second->has_tenants());
}

TEST_P(StoreTest, TenantsKeysAndNotifications) {
  EXPECT_TRUE(store_->has_tenants());
  store_->add_key(a_, sha256_hex("key-a"));
  store_->add_key(b_, sha256_hex("key-b"));
  EXPECT_EQ(store_->tenant_for_key(sha256_hex("key-a")), a_);
  EXPECT_EQ(store_->tenant_for_key(sha256_hex("key-b")), b_);
  EXPECT_FALSE(store_->tenant_for_key(sha256_hex("nobody")).has_value());
  store_->set_notify(a_, NotifyConfig{"ops@example.com", "http://127.0.0.1:9/hook", "s3cret"});
  std::optional<Tenant> t = store_->tenant(a_);
  ASSERT_TRUE(t.has_value());
  EXPECT_EQ(t->name, "A");
  EXPECT_EQ(t->notify.email, "ops@example.com");
  EXPECT_EQ(t->notify.webhook_secret, "s3cret");
  EXPECT_EQ(store_->tenant(b_)->notify.email, "");
  EXPECT_FALSE(store_->tenant(b_ + 1000).has_value());
}

TEST_P(StoreTest, AllowedOriginsPerTenant) {
  store_->set_allowed_origins(a_, {"https://shop.example", "https://b.example", "https://shop.example"});
  EXPECT_EQ(store_->allowed_origins(a_), (std::vector<std::string>{"https://b.example", "https://shop.example"}));
  EXPECT_TRUE(store_->allowed_origins(b_).empty());
  EXPECT_TRUE(store_->origin_allowed("https://shop.example"));
  EXPECT_FALSE(store_->origin_allowed("https://evil.example"));
  store_->set_allowed_origins(a_, {"https://new.example"});
  EXPECT_FALSE(store_->origin_allowed("https://shop.example"));
  EXPECT_TRUE(store_->origin_allowed("https://new.example"));
}

TEST_P(StoreTest, GroupsArePerTenant) {
  EXPECT_TRUE(store_->add_group(a_, "Podcasts"));
  EXPECT_TRUE(store_->add_group(a_, "Mass Media"));
  EXPECT_FALSE(store_->add_group(a_, "Podcasts"));
  EXPECT_TRUE(store_->add_group(b_, "Podcasts"));
  EXPECT_EQ(store_->groups(a_), (std::vector<std::string>{"Mass Media", "Podcasts"}));
  EXPECT_TRUE(store_->delete_group(a_, "Podcasts"));
  EXPECT_FALSE(store_->delete_group(a_, "Podcasts"));
  EXPECT_EQ(store_->groups(b_), std::vector<std::string>{"Podcasts"});
}

TEST_P(StoreTest, MappingsAreKeptPerTenantAndTemplateNewestFirstAndBounded) {
  auto put = [&](std::int64_t tenant, const std::string& tmpl_name, const std::string& columns, const std::string& choice,
                 std::int64_t at, std::size_t keep = 10) {
    store_->put_mapping(tenant, tmpl_name, Store::SavedMapping{columns, choice, at}, keep);
  };
  put(a_, "prospects", R"(["Name","Mail"])", R"({"map":{"Mail":"Contact Email"},"no_header":false})", 100);
  put(a_, "prospects", R"(["Company","E-mail"])", R"({"map":{},"no_header":false})", 200);
  put(a_, "leads", R"(["Name","Mail"])", R"({"map":{"Mail":"email"},"no_header":false})", 300);
  put(b_, "prospects", R"(["Secret"])", R"({"map":{},"no_header":true})", 400);
  std::vector<Store::SavedMapping> mine = store_->mappings(a_, "prospects");
  ASSERT_EQ(mine.size(), 2u);
  EXPECT_EQ(mine[0].columns_json, R"(["Company","E-mail"])");  // newest first
  EXPECT_EQ(mine[1].choice_json, R"({"map":{"Mail":"Contact Email"},"no_header":false})");
  EXPECT_EQ(store_->mappings(b_, "prospects").size(), 1u);
  EXPECT_TRUE(store_->mappings(b_, "leads").empty());
  // The same header again replaces its choice; past `keep`, the oldest go.
  put(a_, "prospects", R"(["Name","Mail"])", R"({"map":{"Mail":""},"no_header":false})", 500, 2);
  mine = store_->mappings(a_, "prospects");
  ASSERT_EQ(mine.size(), 2u);
  EXPECT_EQ(mine[0].choice_json, R"({"map":{"Mail":""},"no_header":false})");
  EXPECT_EQ(mine[0].updated_at, 500);
  put(a_, "prospects", R"(["Third"])", R"({"map":{},"no_header":false})", 600, 2);
  mine = store_->mappings(a_, "prospects");
  ASSERT_EQ(mine.size(), 2u);
  EXPECT_EQ(mine[0].columns_json, R"(["Third"])");
  EXPECT_EQ(mine[1].columns_json, R"(["Name","Mail"])");  // ["Company","E-mail"] was the oldest
  EXPECT_EQ(store_->mappings(a_, "leads").size(), 1u);   // another template's are not touched
}

TEST_P(StoreTest, ImportLifecycleIsScopedToItsTenant) {
  ImportRecord first = new_import(*store_, a_, "prospects", 1000);
  ImportRecord second = new_import(*store_, a_, "prospects", 2000);
  EXPECT_FALSE(store_->import(b_, first.id).has_value());
  ASSERT_TRUE(store_->import(a_, first.id).has_value());
  std::vector<ImportRecord> history = store_->imports(a_, 10);
  ASSERT_EQ(history.size(), 2u);
  EXPECT_EQ(history[0].id, second.id);  // newest first
  EXPECT_TRUE(store_->imports(b_, 10).empty());

  store_->put_part(a_, first.id, PartInfo{2, 20, "bb"});
  store_->put_part(a_, first.id, PartInfo{1, 10, "aa"});
  store_->put_part(a_, first.id, PartInfo{1, 11, "a2"});  // idempotent per n: the last one counts
  std::vector<PartInfo> parts = store_->parts(a_, first.id);
  ASSERT_EQ(parts.size(), 2u);
  EXPECT_EQ(parts[0].n, 1u);
  EXPECT_EQ(parts[0].size, 11u);
  EXPECT_EQ(parts[0].sha256, "a2");
  EXPECT_TRUE(store_->parts(b_, first.id).empty());

  // The edits (in its options) change only while it uploads, and only in its own tenant.
  const std::string edited = R"({"edits":{"2":{"Contact Email":"a@example.com"}},"skip":[3]})";
  EXPECT_FALSE(store_->set_options(b_, first.id, edited));
  EXPECT_TRUE(store_->set_options(a_, first.id, edited));
  EXPECT_EQ(store_->import(a_, first.id)->options_json, edited);

  store_->set_start(a_, first.id, 2, 31);
  EXPECT_FALSE(store_->set_status(b_, first.id, ImportStatus::Queued, {ImportStatus::Uploading}));  // not B's
  EXPECT_TRUE(store_->set_status(a_, first.id, ImportStatus::Queued, {ImportStatus::Uploading}));
  EXPECT_FALSE(store_->set_status(a_, first.id, ImportStatus::Queued, {ImportStatus::Uploading}));
  EXPECT_FALSE(store_->set_options(a_, first.id, "{}"));  // started: its edits are fixed
  EXPECT_EQ(store_->import(a_, first.id)->options_json, edited);
  std::vector<ImportRecord> unfinished = store_->unfinished_imports();
  ASSERT_EQ(unfinished.size(), 1u);
  EXPECT_EQ(unfinished[0].id, first.id);

  EXPECT_FALSE(store_->cancel_requested(a_, first.id));
  store_->request_cancel(b_, first.id);
  EXPECT_FALSE(store_->cancel_requested(a_, first.id));
  store_->request_cancel(a_, first.id);
  EXPECT_TRUE(store_->cancel_requested(a_, first.id));

  store_->set_progress(a_, first.id, Progress{7, 31});
  ImportRecord held = *store_->import(a_, first.id);
  store_->finish_import(held, ImportStatus::Done, "{\"rows\":7}", "[]", "", 5000);
  ImportRecord done = *store_->import(a_, first.id);
  EXPECT_EQ(done.status, ImportStatus::Done);
  EXPECT_EQ(done.summary_json, "{\"rows\":7}");
  EXPECT_EQ(done.rows_done, 7u);
  EXPECT_EQ(done.bytes_total, 31u);
  EXPECT_EQ(done.files_expire_at, 5000);

  std::vector<ImportKey> expired = store_->expired_files(6000);
  ASSERT_EQ(expired.size(), 1u);
  EXPECT_EQ(expired[0].id, first.id);
  EXPECT_EQ(expired[0].tenant, a_);
  EXPECT_TRUE(store_->expired_files(4000).empty());
  store_->forget_files(a_, first.id);
  EXPECT_TRUE(store_->expired_files(6000).empty());
}

TEST_P(StoreTest, CommitBatchCreatesThenUpdatesByKeyKeepingWhatARowDoesNotGive) {
  store_->add_group(a_, "Podcasts");
  store_->add_group(a_, "Mass Media");
  ImportRecord first = new_import(*store_, a_, "prospects");
  store_->commit_batch(first, tmpl(first.template_name),
                       {prospect(2, "ana@example.com", {{"Partner Name", "Ana"}, {"Country", "PT"}, {"Group Name", "Podcasts"}}),
                        prospect(3, "bo@example.com", {{"Partner Name", "Bo"}, {"Partner ID", "p-bo"}})},
                       3, Progress{2, 100});
  EXPECT_EQ(store_->import(a_, first.id)->last_committed_row, 3u);
  EXPECT_EQ(keys_of(*store_, a_, "prospects"), (std::vector<std::string>{"ana@example.com", "bo@example.com"}));
  EXPECT_EQ(keys_of(*store_, a_, "prospects", first.id), std::vector<std::string>{});  // a resumed import's own rows
  EXPECT_EQ(keys_of(*store_, a_, "partners_update"), std::vector<std::string>{"p-bo"});
  EXPECT_TRUE(keys_of(*store_, b_, "prospects").empty());

  ImportRecord second = new_import(*store_, a_, "prospects");
  store_->commit_batch(second, tmpl(second.template_name),
                       {prospect(2, "ana@example.com", {{"Partner Name", "Ana Maria"}, {"Group Name", "Mass Media"}}, true),
                        prospect(3, "cy@example.com", {{"Partner Name", "Cy"}})},
                       3, Progress{2, 100});
  PartnerPage page = store_->partners(a_, PartnerFilter{}, std::nullopt, 10);
  ASSERT_EQ(page.total, 3u);
  ASSERT_EQ(page.items.size(), 3u);
  const Partner& ana = page.items[0];
  EXPECT_EQ(ana.email, "ana@example.com");
  EXPECT_EQ(ana.name, "Ana Maria");
  EXPECT_EQ(ana.country, "PT");  // the update did not give a country: the stored one stays
  EXPECT_EQ(ana.groups, (std::vector<std::string>{"Mass Media", "Podcasts"}));
  EXPECT_EQ(page.items[1].partner_id, "p-bo");
  EXPECT_EQ(page.items[2].name, "Cy");
  EXPECT_EQ(ana.status, "active");
}

// A membership the partner has already is kept once, next to a partner the same batch creates.
TEST_P(StoreTest, CommitBatchKeepsAGroupThePartnerHasAlready) {
  store_->add_group(a_, "Podcasts");
  ImportRecord first = new_import(*store_, a_, "prospects");
  store_->commit_batch(first, tmpl(first.template_name), {prospect(2, "ana@example.com", {{"Group Name", "Podcasts"}})}, 2, Progress{1, 10});
  ImportRecord second = new_import(*store_, a_, "prospects");
  store_->commit_batch(second, tmpl(second.template_name),
                       {prospect(2, "ana@example.com", {{"Group Name", "Podcasts"}}, true),
                        prospect(3, "bo@example.com", {{"Group Name", "Podcasts"}})},
                       3, Progress{2, 10});
  PartnerPage page = store_->partners(a_, PartnerFilter{}, std::nullopt, 10);
  ASSERT_EQ(page.items.size(), 2u);
  EXPECT_EQ(page.items[0].email, "ana@example.com");
  EXPECT_EQ(page.items[0].groups, std::vector<std::string>{"Podcasts"});
  EXPECT_EQ(page.items[1].groups, std::vector<std::string>{"Podcasts"});
  PartnerFilter podcasts;
  podcasts.group = "Podcasts";
  EXPECT_EQ(store_->partners(a_, podcasts, std::nullopt, 10).total, 2u);
}

// A value naming several groups ("Podcasts|Mass Media", as the export writes them) makes a
// membership of each; the bulk edit adds the groups it names to those the partner has.
TEST_P(StoreTest, AValueNamingSeveralGroupsMakesAMembershipOfEach) {
  for (const char* g : {"Podcasts", "Mass Media", "Strategic Partners"}) store_->add_group(a_, g);
  ImportRecord first = new_import(*store_, a_, "prospects");
  store_->commit_batch(first, tmpl(first.template_name),
                       {prospect(2, "ana@example.com", {{"Group Name", "Podcasts|Mass Media"}}),
                        prospect(3, "bo@example.com", {{"Group Name", "Mass Media"}})},
                       3, Progress{2, 10});
  ImportRecord second = new_import(*store_, a_, "prospects");
  store_->commit_batch(second, tmpl(second.template_name),
                       {prospect(2, "bo@example.com", {{"Group Name", "Mass Media|Strategic Partners"}}, true)}, 2, Progress{1, 10});
  PartnerPage page = store_->partners(a_, PartnerFilter{}, std::nullopt, 10);
  ASSERT_EQ(page.items.size(), 2u);
  EXPECT_EQ(page.items[0].groups, (std::vector<std::string>{"Mass Media", "Podcasts"}));
  EXPECT_EQ(page.items[1].groups, (std::vector<std::string>{"Mass Media", "Strategic Partners"}));
  PartnerFilter media;
  media.group = "Mass Media";
  EXPECT_EQ(store_->partners(a_, media, std::nullopt, 10).total, 2u);
}

TEST_P(StoreTest, PartnersUpdateFindsPartnersByPartnerId) {
  ImportRecord first = new_import(*store_, a_, "prospects");
  store_->commit_batch(first, tmpl(first.template_name), {prospect(2, "bo@example.com", {{"Partner Name", "Bo"}, {"Partner ID", "p-bo"}})}, 2,
                       Progress{1, 10});
  store_->add_group(a_, "Podcasts");
  ImportRecord update = new_import(*store_, a_, "partners_update");
  RowWrite w;
  w.row = 2;
  w.update = true;
  w.key = {"p-bo"};
  w.values = {{"Partner ID", "p-bo"}, {"Contact Email", "Bo.New@example.com"}, {"Status", "inactive"}, {"Group Name", "Podcasts"}};
  RowWrite gone = w;
  gone.key = {"p-none"};
  store_->commit_batch(update, tmpl(update.template_name), {w, gone}, 3, Progress{2, 10});
  PartnerPage page = store_->partners(a_, PartnerFilter{}, std::nullopt, 10);
  ASSERT_EQ(page.items.size(), 1u);
  EXPECT_EQ(page.items[0].email, "Bo.New@example.com");
  EXPECT_EQ(page.items[0].status, "inactive");
  EXPECT_EQ(page.items[0].name, "Bo");
  EXPECT_EQ(page.items[0].groups, std::vector<std::string>{"Podcasts"});
  EXPECT_EQ(keys_of(*store_, a_, "prospects"), std::vector<std::string>{"bo.new@example.com"});
}

// What the runner does with a file, through the core: the context from the store (its groups and
// the keys of its records), each row's outcome, and the valid rows written as one batch unless a
// dry run.
std::vector<Outcome> run_file(Store& store, std::int64_t tenant, const std::string& template_name, const std::string& csv,
                              bool commit) {
  struct Rows : Sink {
    std::vector<Outcome> outcomes;
    std::vector<RowWrite> writes;
    void on_finding(const Finding&) override {}
    void on_record(const RecordResult& r) override {
      outcomes.push_back(r.outcome);
      if (r.outcome != Outcome::Create && r.outcome != Outcome::Update) return;
      writes.push_back(row_write(r));
    }
  } rows;
  const Template& t = tmpl(template_name);
  Context context;
  context.sets.emplace_back("groups", store.groups(tenant));
  store.for_each_key(tenant, t, "", [&](const std::vector<std::string_view>& parts) {
    context.existing_hashes.push_back(key_hash(t, parts));
  });
  Options options;
  options.want_values = true;
  Session session(t, context, options, rows);
  EXPECT_TRUE(session.status().ok) << session.status().message;
  session.feed(csv);
  session.finish();
  if (commit) {
    ImportRecord import = new_import(store, tenant, template_name);
    store.commit_batch(import, t, rows.writes, rows.outcomes.size() + 1, Progress{rows.outcomes.size(), csv.size()});
  }
  return rows.outcomes;
}

// The core lower-cases an e-mail key in ASCII only: "ana@ÉCOLE.example" (key "ana@École.example")
// and "ana@école.example" are two keys. The store keeps the core's key, so that a dry run (from the
// context the store gives) and the commit agree, also after a bulk edit changed an e-mail (the
// stores lowered that one in SQL, PostgreSQL's lower() the É as well).
TEST_P(StoreTest, AKeyDifferingOnlyInANonAsciiLettersCaseHasTheSameOutcomeInTheDryRunAndTheCommit) {
  const std::string created = "Partner Name,Contact Email,Media Property,Partner ID\n"
                              "Ana,ana@école.example,https://a.example.com/,1\n"
                              "Bo,bo@example.com,https://b.example.com/,2\n";
  EXPECT_EQ(run_file(*store_, a_, "prospects", created, true), (std::vector<Outcome>{Outcome::Create, Outcome::Create}));
  const std::string edit = "Partner ID,Contact Email\n2,ana@ÉCOLE.example\n";
  EXPECT_EQ(run_file(*store_, a_, "partners_update", edit, false), std::vector<Outcome>{Outcome::Update});
  EXPECT_EQ(run_file(*store_, a_, "partners_update", edit, true), std::vector<Outcome>{Outcome::Update});
  EXPECT_EQ(keys_of(*store_, a_, "prospects"), (std::vector<std::string>{"ana@École.example", "ana@école.example"}));

  const std::string file = "Partner Name,Contact Email,Media Property\n"
                           "Upper,ana@ÉCOLE.example,https://u.example.com/\n"
                           "Lower,ana@école.example,https://l.example.com/\n"
                           "Again,ANA@École.EXAMPLE,https://g.example.com/\n"
                           "Zoe,zoe@ÉCOLE.example,https://z.example.com/\n";
  const std::vector<Outcome> dry{Outcome::Update, Outcome::Update, Outcome::Duplicate, Outcome::Create};
  EXPECT_EQ(run_file(*store_, a_, "prospects", file, false), dry);
  EXPECT_EQ(run_file(*store_, a_, "prospects", file, true), dry);
  // The commit did what the dry run said: two partners updated, one created, none doubled.
  PartnerPage page = store_->partners(a_, PartnerFilter{}, std::nullopt, 10);
  ASSERT_EQ(page.total, 3u);
  EXPECT_EQ(page.items[0].email, "ana@école.example");
  EXPECT_EQ(page.items[0].name, "Lower");
  EXPECT_EQ(page.items[1].email, "ana@École.example");
  EXPECT_EQ(page.items[1].name, "Upper");
  EXPECT_EQ(page.items[2].email, "zoe@École.example");
  EXPECT_EQ(run_file(*store_, a_, "prospects", file, false),
            (std::vector<Outcome>{Outcome::Update, Outcome::Update, Outcome::Duplicate, Outcome::Update}));
}

TEST_P(StoreTest, OtherFamiliesKeepRecordsByCompositeKey) {
  ImportRecord first = new_import(*store_, a_, "participants");
  RowWrite r1;
  r1.row = 2;
  r1.key = {"p1", "ana@example.com"};
  r1.values = {{"email", "ana@example.com"}, {"note", "tab\there \"quoted\" \\ back\nslash"}};
  RowWrite r2 = r1;
  r2.row = 3;
  r2.key = {"p2", "ana@example.com"};
  store_->commit_batch(first, tmpl(first.template_name), {r1, r2}, 3, Progress{2, 10});
  EXPECT_EQ(keys_of(*store_, a_, "participants"), (std::vector<std::string>{"p1|ana@example.com", "p2|ana@example.com"}));
  ImportRecord again = new_import(*store_, a_, "participants");
  r1.values = {{"email", "changed@example.com"}};
  store_->commit_batch(again, tmpl(again.template_name), {r1}, 2, Progress{1, 10});
  EXPECT_EQ(keys_of(*store_, a_, "participants").size(), 2u);
  EXPECT_TRUE(keys_of(*store_, b_, "participants").empty());
  // Keyless records (leads) get one record per row.
  ImportRecord leads = new_import(*store_, a_, "leads");
  RowWrite lead;
  lead.row = 2;
  lead.values = {{"email", "x@example.com"}};
  RowWrite lead2 = lead;
  lead2.row = 3;
  store_->commit_batch(leads, tmpl(leads.template_name), {lead, lead2}, 3, Progress{2, 10});
  EXPECT_EQ(keys_of(*store_, a_, "leads").size(), 2u);
}

// Advocate's segments: an import adds its records to the segment the file names, or removes them.
TEST_P(StoreTest, RecordsJoinAndLeaveTheSegmentTheirImportNames) {
  EXPECT_TRUE(store_->add_segment(a_, "VIP"));
  EXPECT_FALSE(store_->add_segment(a_, "VIP"));
  EXPECT_TRUE(store_->add_segment(b_, "Other"));
  EXPECT_EQ(store_->segments(a_), std::vector<std::string>{"VIP"});
  auto row = [](std::uint64_t n, const std::string& id, const std::string& action) {
    RowWrite r;
    r.row = n;
    r.key = {"a1", id};
    r.values = {{"accountId", "a1"}, {"id", id}, {"segment", "VIP"}};
    if (!action.empty()) r.values.emplace_back("segment_action", action);
    return r;
  };
  ImportRecord join = new_import(*store_, a_, "participants");
  store_->commit_batch(join, tmpl("participants"), {row(1, "u1", ""), row(2, "u2", "add"), row(3, "u3", "add")}, 3, Progress{3, 10});
  std::vector<std::string> members = store_->segment_members(a_, "VIP", "participants");
  ASSERT_EQ(members.size(), 3u);
  EXPECT_NE(members[0].find("u1"), std::string::npos);
  ImportRecord leave = new_import(*store_, a_, "participants");
  store_->commit_batch(leave, tmpl("participants"), {row(1, "u1", "remove"), row(2, "u2", "add")}, 2, Progress{2, 10});
  members = store_->segment_members(a_, "VIP", "participants");
  ASSERT_EQ(members.size(), 2u);  // u1 left; u2 was a member already
  EXPECT_EQ(members[0].find("u1"), std::string::npos);
  EXPECT_TRUE(store_->segment_members(b_, "VIP", "participants").empty());
  // A segment deleted before a batch names it: the batch fails whole.
  EXPECT_TRUE(store_->delete_segment(a_, "VIP"));
  EXPECT_TRUE(store_->segment_members(a_, "VIP", "participants").empty());
  ImportRecord late = new_import(*store_, a_, "participants");
  EXPECT_ANY_THROW(store_->commit_batch(late, tmpl("participants"), {row(1, "u9", "add")}, 1, Progress{1, 10}));
  EXPECT_FALSE(store_->delete_segment(a_, "VIP"));
}

TEST_P(StoreTest, PartnerFiltersPagesExportAndGroupChanges) {
  store_->add_group(a_, "Podcasts");
  store_->add_group(a_, "Mass Media");
  ImportRecord imp = new_import(*store_, a_, "prospects");
  std::vector<RowWrite> rows;
  for (int i = 0; i < 25; ++i)
    rows.push_back(prospect(2 + i, "p" + std::to_string(i) + "@example.com",
                            {{"Partner Name", (i % 2 ? "Blog " : "Radio ") + std::to_string(i)},
                             {"Country", i < 5 ? "DE" : "US"},
                             {"Group Name", i % 3 == 0 ? "Podcasts" : "Mass Media"}}));
  store_->commit_batch(imp, tmpl(imp.template_name), rows, 26, Progress{25, 1000});
  ImportRecord other = new_import(*store_, b_, "prospects");
  store_->commit_batch(other, tmpl(other.template_name), {prospect(2, "b@example.com", {{"Partner Name", "Radio B"}})}, 2, Progress{1, 10});

  PartnerFilter radio;
  radio.q = "rADIO";  // any case
  EXPECT_EQ(store_->partners(a_, radio, std::nullopt, 5).total, 13u);
  PartnerFilter de;
  de.country = "DE";
  EXPECT_EQ(store_->partners(a_, de, std::nullopt, 50).total, 5u);
  PartnerFilter podcasts;
  podcasts.group = "Podcasts";
  EXPECT_EQ(store_->partners(a_, podcasts, std::nullopt, 50).total, 9u);
  PartnerFilter pct;
  pct.q = "%";  // a literal percent sign, not a wildcard
  EXPECT_EQ(store_->partners(a_, pct, std::nullopt, 50).total, 0u);

  // Pages by cursor, in id order, covering everything once.
  std::set<std::int64_t> seen;
  std::optional<std::int64_t> cursor;
  int pages = 0;
  do {
    PartnerPage page = store_->partners(a_, PartnerFilter{}, cursor, 10);
    EXPECT_EQ(page.total, 25u);
    for (const Partner& p : page.items) EXPECT_TRUE(seen.insert(p.id).second);
    cursor = page.next_cursor;
    ++pages;
  } while (cursor);
  EXPECT_EQ(seen.size(), 25u);
  EXPECT_EQ(pages, 3);

  int exported = 0;
  store_->each_partner(a_, podcasts, [&](const Partner& p) {
    EXPECT_EQ(p.groups, std::vector<std::string>{"Podcasts"});
    return ++exported < 100;
  });
  EXPECT_EQ(exported, 9);
  exported = 0;
  store_->each_partner(a_, PartnerFilter{}, [&](const Partner&) { return ++exported < 3; });
  EXPECT_EQ(exported, 3);  // stopping early

  // Group changes: by ids (another tenant's ids are not found) and by filter.
  PartnerPage b_page = store_->partners(b_, PartnerFilter{}, std::nullopt, 10);
  std::int64_t a_first = *seen.begin();
  EXPECT_EQ(store_->change_groups(a_, {a_first, b_page.items[0].id}, nullptr, {"Mass Media"}, {}), 1u);
  EXPECT_TRUE(store_->partners(b_, PartnerFilter{}, std::nullopt, 10).items[0].groups.empty());
  EXPECT_EQ(store_->change_groups(a_, {}, &de, {}, {"Podcasts"}), 2u);  // p0 and p3 had it
  EXPECT_EQ(store_->partners(a_, podcasts, std::nullopt, 50).total, 7u);
}

TEST_P(StoreTest, IdempotencyKeysReplayPerTenant) {
  EXPECT_FALSE(store_->reserve_idempotency(a_, "k", "h1", 100).has_value());
  std::optional<IdempotentReply> running = store_->reserve_idempotency(a_, "k", "h1", 101);
  ASSERT_TRUE(running.has_value());
  EXPECT_FALSE(running->finished);
  EXPECT_FALSE(store_->reserve_idempotency(b_, "k", "h2", 100).has_value());  // B's own key
  store_->finish_idempotency(a_, "k", "imp1", 201, "{\"id\":\"imp1\"}");
  std::optional<IdempotentReply> replay = store_->reserve_idempotency(a_, "k", "h1", 102);
  ASSERT_TRUE(replay.has_value());
  EXPECT_TRUE(replay->finished);
  EXPECT_EQ(replay->status, 201);
  EXPECT_EQ(replay->import_id, "imp1");
  store_->release_idempotency(b_, "k");
  EXPECT_FALSE(store_->reserve_idempotency(b_, "k", "h3", 100).has_value());
  store_->expire_idempotency(200);  // only finished keys go
  EXPECT_FALSE(store_->reserve_idempotency(a_, "k", "h1", 300).has_value());
  EXPECT_TRUE(store_->reserve_idempotency(b_, "k", "h3", 300).has_value());
}

TEST_P(StoreTest, OutboxDeliversAndRetries) {
  OutboxItem item;
  item.tenant_id = a_;
  item.import_id = "imp";
  item.channel = "webhook";
  item.target = "http://127.0.0.1:9/";
  item.payload = "{}";
  item.next_attempt_at = 100;
  store_->enqueue(item);
  item.tenant_id = b_;
  item.next_attempt_at = 500;
  store_->enqueue(item);
  std::vector<OutboxItem> due = store_->due(200, 10);
  ASSERT_EQ(due.size(), 1u);
  EXPECT_EQ(due[0].tenant_id, a_);
  EXPECT_EQ(due[0].next_attempt_at, 100);
  store_->retry_later(due[0].id, 1, 300, "refused");
  EXPECT_TRUE(store_->due(250, 10).empty());
  due = store_->due(600, 10);
  ASSERT_EQ(due.size(), 2u);
  store_->delivered(due[0].id, 600);
  std::vector<OutboxItem> mine = store_->outbox(a_);
  ASSERT_EQ(mine.size(), 1u);
  EXPECT_EQ(mine[0].delivered_at, 600);
  EXPECT_EQ(mine[0].attempts, 2u);
  EXPECT_EQ(mine[0].last_error, "refused");
  EXPECT_EQ(store_->outbox(b_).size(), 1u);
}

TEST_P(StoreTest, CountsImportsByStatusAcrossTenants) {
  new_import(*store_, a_, "prospects");
  new_import(*store_, b_, "prospects");
  ImportRecord q = new_import(*store_, b_, "prospects");
  store_->set_status(b_, q.id, ImportStatus::Queued);
  StoreCounts counts = store_->counts();
  ASSERT_EQ(counts.imports_by_status.size(), 2u);
  EXPECT_EQ(counts.imports_by_status[0], (std::pair<std::string, std::uint64_t>{"queued", 1}));
  EXPECT_EQ(counts.imports_by_status[1], (std::pair<std::string, std::uint64_t>{"uploading", 2}));
}

INSTANTIATE_TEST_SUITE_P(Stores, StoreTest, ::testing::Values("sqlite", "postgresql"),
                         [](const ::testing::TestParamInfo<std::string>& info) { return info.param; });

// ---- SQLite only --------------------------------------------------------------------------------

// A store that cannot open throws with a message, and closes what it opened on the way (the
// debug build's LeakSanitizer checks it). Parameterised on "sqlite" alone, to run with the
// SQLite half of the suite.
class SqliteOnly : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() / ("rowgate_store_" + random_hex(6));
    std::filesystem::create_directories(dir_);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  std::string path(const char* name) const { return (dir_ / name).string(); }
  static std::string why_open_fails(const std::string& spec) {
    try {
      open_store(spec);
    } catch (const std::runtime_error& e) {
      return e.what();
    }
    return "it opened";
  }

  std::filesystem::path dir_;
};

TEST_P(SqliteOnly, AFileThatIsNotADatabaseIsRefused) {
  std::ofstream(path("notes.txt"), std::ios::binary) << std::string(4096, 'x');
  EXPECT_NE(why_open_fails("sqlite:" + path("notes.txt")).find("not a database"), std::string::npos);
}

TEST_P(SqliteOnly, AStoreFromANewerServerIsRefused) {
  open_store("sqlite:" + path("store.db"));
  SqliteStore::Connection(path("store.db")).exec("PRAGMA user_version = 99");
  EXPECT_NE(why_open_fails("sqlite:" + path("store.db")).find("schema version 99, newer than this server"), std::string::npos);
}

// Every My Partners statement walks an index: a plan that scans the tenant once per partner
// (a correlated subquery) froze the whole server at 500,000 partners. Each filter and their
// combination, the count and a page, as store/partner_scan.h builds them.
TEST_P(SqliteOnly, EveryPartnerFilterIsServedFromAnIndex) {
  open_store("sqlite:" + path("store.db"));
  SqliteStore::Connection c(path("store.db"));
  std::vector<PartnerFilter> filters;
  for (int mask = 0; mask < 16; ++mask)
    filters.push_back(PartnerFilter{mask & 1 ? "acme" : "", mask & 2 ? "Podcasts" : "", mask & 4 ? "DE" : "",
                                    mask & 8 ? "active" : ""});
  for (const PartnerFilter& f : filters) {
    int n = 1;
    detail::PartnerScan scan(f, "?1", [&](const std::string&) { return "?" + std::to_string(++n); }, "LIKE",
                             " ESCAPE '\\'");
    const std::string& order = scan.order_column();
    for (const std::string& sql :
         {"SELECT COUNT(*)" + scan.count_from_where(),
          std::string("SELECT ") + detail::kPartnerColumns + scan.from_where() + " AND " + order + " > ? ORDER BY " +
              order + " LIMIT ?"}) {
      Statement plan = c.prepare("EXPLAIN QUERY PLAN " + sql);
      std::string steps;
      while (plan.step()) steps += plan.text(3) + "\n";
      SCOPED_TRACE(sql + "\n" + steps);
      EXPECT_NE(steps.find(f.group.empty() ? "partners_by_tenant (tenant_id=?" : "partner_groups_by_group (tenant_id=? AND group_name=?"),
                std::string::npos);
      bool joined = !f.group.empty() && sql.find("JOIN") != std::string::npos;
      if (joined) {
        EXPECT_NE(steps.find("rowid=?)"), std::string::npos);  // each partner by its id
      }
      EXPECT_EQ(steps.find("SCAN"), std::string::npos);
      EXPECT_EQ(steps.find("CORRELATED"), std::string::npos);
      EXPECT_EQ(steps.find("TEMP B-TREE"), std::string::npos);
    }
  }
}

INSTANTIATE_TEST_SUITE_P(Stores, SqliteOnly, ::testing::Values("sqlite"),
                         [](const ::testing::TestParamInfo<std::string>& info) { return info.param; });

// ---- PostgreSQL only ----------------------------------------------------------------------------

class PgOnly : public ::testing::Test {
 protected:
  void SetUp() override {
    schema_ = std::make_unique<PgSchema>();
    ASSERT_TRUE(schema_->ok()) << "ROWGATE_TEST_PG is not set: run the PostgreSQL tests under tests/pg/with_pg.sh";
    store_ = std::make_unique<PgStore>(schema_->url());
    a_ = store_->create_tenant("A");
    b_ = store_->create_tenant("B");
  }
  void TearDown() override {
    store_.reset();
    schema_.reset();
  }
  ImportRecord queued(std::int64_t tenant) {
    ImportRecord r = new_import(*store_, tenant, "prospects");
    EXPECT_TRUE(store_->set_status(tenant, r.id, ImportStatus::Queued, {}));
    return r;
  }

  // A queued import of A's whose part 1 (a header, `rows`, then 5,000 valid e-mails) is stored and
  // whose part 2 is registered without its bytes: a runner fails it after part 1's rows.
  ImportRecord queued_without_part_2(const std::string& rows) {
    ImportRecord r = new_import(*store_, a_, "prospects", 1000,
                                R"({"name": "prospects", "key": "Contact Email",
                                    "fields": [{"key": "Contact Email", "type": "email", "required": true}]})");
    std::string part1 = "Contact Email\n" + rows;
    for (int i = 0; i < 5000; ++i) part1 += "user" + std::to_string(i) + "@example.com\n";
    store_->put_part_data(a_, r.id, PartInfo{1, part1.size(), sha256_hex(part1)}, part1);
    store_->put_part(a_, r.id, PartInfo{2, 10, sha256_hex("0123456789")});
    EXPECT_TRUE(store_->set_status(a_, r.id, ImportStatus::Queued, {}));
    return r;
  }

  std::unique_ptr<PgSchema> schema_;
  std::unique_ptr<PgStore> store_;
  std::int64_t a_ = 0, b_ = 0;
};

// A request's statements run under statement_timeout set from its QueryDeadline; one past it is
// a QueryTimeout (SQLSTATE 57014), the connection stays usable, and a thread without a deadline
// (the import runner's) has no limit.
TEST_F(PgOnly, AStatementPastTheRequestsDeadlineIsAQueryTimeout) {
  pg::Connection c(schema_->url());
  {
    QueryDeadline deadline(std::chrono::milliseconds(100));
    pg::Transaction t(c, a_);
    EXPECT_THROW(c.exec("SELECT pg_sleep(5)"), QueryTimeout);
  }
  pg::Transaction t(c, a_);
  EXPECT_EQ(c.exec("SHOW statement_timeout").text(0, 0), "0");
  EXPECT_EQ(c.exec("SELECT pg_sleep(0.3), 1").int64(0, 1), 1);
  t.commit();
}

TEST_F(PgOnly, PartsAndReportFilesLiveInTheDatabase) {
  ImportRecord r = new_import(*store_, a_, "prospects");
  std::string bytes(3 << 20, '\0');
  for (std::size_t i = 0; i < bytes.size(); ++i) bytes[i] = static_cast<char>(i * 7 + (i >> 9));
  store_->put_part_data(a_, r.id, PartInfo{1, bytes.size(), sha256_hex(bytes)}, bytes);
  EXPECT_EQ(store_->part_data(a_, r.id, 1), bytes);
  EXPECT_THROW(store_->part_data(b_, r.id, 1), std::runtime_error);  // not B's
  ASSERT_EQ(store_->parts(a_, r.id).size(), 1u);
  store_->delete_part_data(a_, r.id);
  EXPECT_THROW(store_->part_data(a_, r.id, 1), std::runtime_error);

  std::string path = (std::filesystem::temp_directory_path() / ("rowgate_report_" + random_hex(4))).string();
  std::string report(9 << 20, 'x');  // three chunks
  report[0] = '\\';
  report.back() = '\n';
  std::ofstream(path, std::ios::binary) << report;
  store_->put_report(a_, r.id, "results.csv", path);
  store_->put_report(a_, r.id, "results.csv", path);  // again (a resumed import): replaced, not appended
  std::string back;
  EXPECT_TRUE(store_->read_report(a_, r.id, "results.csv", [&](std::string_view c) { back += c; }));
  EXPECT_EQ(back, report);
  EXPECT_FALSE(store_->read_report(b_, r.id, "results.csv", [&](std::string_view) {}));
  EXPECT_FALSE(store_->read_report(a_, r.id, "errors.csv", [&](std::string_view) {}));
  store_->forget_files(a_, r.id);
  EXPECT_FALSE(store_->read_report(a_, r.id, "results.csv", [&](std::string_view) {}));
  std::filesystem::remove(path);
}

TEST_F(PgOnly, AFailedImportsReportsGoIntoTheStoreAndItsLocalDraftsAway) {
  // Part 2 is registered but its bytes are not in the store: the runner fails the import there,
  // after part 1's rows have been validated and written to the report files.
  ImportRecord r = queued_without_part_2("ana@example.com\nnot an e-mail\n");

  std::string data = (std::filesystem::temp_directory_path() / ("rowgate_runner_" + random_hex(4))).string();
  SharedSpool spool(*store_, data);
  RunnerSettings settings;
  settings.poll_ms = 20;
  ImportRunner runner(*store_, spool, settings, nullptr);
  runner.start();
  std::optional<ImportRecord> ended;
  for (int i = 0; i < 500; ++i) {
    ended = store_->import(a_, r.id);
    if (ended && ended->status == ImportStatus::Failed) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  runner.stop();
  ASSERT_TRUE(ended.has_value());
  EXPECT_EQ(ended->status, ImportStatus::Failed);
  EXPECT_NE(ended->error.find("part 2"), std::string::npos) << ended->error;
  std::string errors, results;
  EXPECT_TRUE(spool.read_report(a_, r.id, ReportFile::Errors, [&](std::string_view c) { errors += c; }));
  EXPECT_TRUE(spool.read_report(a_, r.id, ReportFile::Results, [&](std::string_view c) { results += c; }));
  EXPECT_NE(errors.find("invalid_email"), std::string::npos) << errors;
  EXPECT_NE(results.find("ana@example.com"), std::string::npos) << results;
  // What the results file lists as written is in the store: part 1's valid rows were committed.
  TemplateLoad theirs = parse_template(r.template_json);
  ASSERT_TRUE(theirs.ok) << theirs.error;
  std::size_t stored = 0;
  bool ana = false;
  store_->for_each_key(a_, theirs.value, "", [&](const std::vector<std::string_view>& key) {
    ++stored;
    ana = ana || key.back() == "ana@example.com";
  });
  EXPECT_EQ(stored, 5001u);
  EXPECT_TRUE(ana);
  EXPECT_FALSE(std::filesystem::exists(data + "/imports/" + r.id));
  std::filesystem::remove_all(data);
}

// Several servers on one database: a workbook's parts are in the store, and the runner reads the
// sheet its options name through the shared spool's joined copy, which goes with the run.
TEST_F(PgOnly, AWorkbookWhosePartsAreInTheStoreIsImportedFromItsSheet) {
  std::ifstream in(std::string(ROWGATE_VECTORS_DIR) + "/xlsx_sheet_by_name/input.xlsx", std::ios::binary);
  std::string workbook((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  ASSERT_GT(workbook.size(), 1000u);
  ImportRecord r;
  r.id = random_hex(12);
  r.tenant_id = a_;
  r.template_name = "prospects";
  r.template_json = R"({"name": "prospects", "key": "Contact Email", "unknown_columns": "ignore",
                        "fields": [{"key": "Contact Email", "type": "email", "required": true}]})";
  r.options_json = R"({"sheet": "Contacts"})";
  r.fixed_json = "{}";
  r.status = ImportStatus::Uploading;
  r.created_at = 1000;
  store_->create_import(r);
  const std::size_t half = workbook.size() / 2;
  for (std::uint32_t n = 1; n <= 2; ++n) {
    std::string part = workbook.substr((n - 1) * half, n == 1 ? half : std::string::npos);
    store_->put_part_data(a_, r.id, PartInfo{n, part.size(), sha256_hex(part)}, part);
  }
  ASSERT_TRUE(store_->set_status(a_, r.id, ImportStatus::Queued, {}));

  std::string data = (std::filesystem::temp_directory_path() / ("rowgate_runner_" + random_hex(4))).string();
  SharedSpool spool(*store_, data);
  RunnerSettings settings;
  settings.poll_ms = 20;
  ImportRunner runner(*store_, spool, settings, nullptr);
  runner.start();
  std::optional<ImportRecord> ended;
  for (int i = 0; i < 500; ++i) {
    ended = store_->import(a_, r.id);
    if (ended && (ended->status == ImportStatus::Done || ended->status == ImportStatus::Failed)) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  runner.stop();
  ASSERT_TRUE(ended.has_value());
  ASSERT_EQ(ended->status, ImportStatus::Done) << ended->error;
  std::string results;
  EXPECT_TRUE(spool.read_report(a_, r.id, ReportFile::Results, [&](std::string_view c) { results += c; }));
  for (const char* email : {"ana@example.com", "bo@example.org", "fay@example.com"})
    EXPECT_NE(results.find(email), std::string::npos) << results;
  EXPECT_FALSE(std::filesystem::exists(data + "/imports/" + r.id));  // the joined copy too
  std::filesystem::remove_all(data);
}

TEST_F(PgOnly, ARunnerThatLostTheLeaseDoesNotOverwriteTheReportsOfTheServerThatTookOver) {
  // As above, but once part 1's rows are committed another server ("B") holds the import and has
  // stored its own reports: the failing runner must leave them as they are.
  ImportRecord r = queued_without_part_2("");
  std::string theirs = (std::filesystem::temp_directory_path() / ("rowgate_theirs_" + random_hex(4))).string();
  std::ofstream(theirs) << "B's complete report\n";

  std::string data = (std::filesystem::temp_directory_path() / ("rowgate_runner_" + random_hex(4))).string();
  SharedSpool spool(*store_, data);
  RunnerSettings settings;
  settings.poll_ms = 20;
  settings.batch_rows = 1000;
  ImportRunner runner(*store_, spool, settings, nullptr);
  std::atomic<bool> taken{false};
  runner.after_batch = [&](const std::string&, std::uint64_t) {
    if (taken.exchange(true)) return;
    pg::Connection c(schema_->url());
    c.script("BEGIN; SELECT set_config('app.tenant_id', '" + std::to_string(a_) + "', true)");
    c.exec("UPDATE imports SET lease_owner = 'B', lease_until = now() + interval '1 hour' WHERE id = $1", {r.id});
    c.script("COMMIT");
    store_->put_report(a_, r.id, "errors.csv", theirs);
  };
  runner.start();
  for (int i = 0; i < 500 && !std::filesystem::exists(data + "/imports/" + r.id); ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  for (int i = 0; i < 500 && std::filesystem::exists(data + "/imports/" + r.id); ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(10));  // the run is over: its drafts are gone
  runner.stop();
  EXPECT_TRUE(taken);
  std::string errors;
  EXPECT_TRUE(store_->read_report(a_, r.id, "errors.csv", [&](std::string_view c) { errors += c; }));
  EXPECT_EQ(errors, "B's complete report\n");
  std::optional<ImportRecord> now = store_->import(a_, r.id);
  ASSERT_TRUE(now.has_value());
  EXPECT_NE(now->status, ImportStatus::Failed);  // B's import: the runner that lost it records nothing
  EXPECT_EQ(now->lease_owner, "B");
  std::filesystem::remove_all(data);
  std::filesystem::remove(theirs);
}

TEST_F(PgOnly, AReportReplacedWhileItIsReadIsReadWholeAsItWas) {
  ImportRecord r = new_import(*store_, a_, "prospects");
  auto file = [](char fill) {
    std::string path = (std::filesystem::temp_directory_path() / ("rowgate_report_" + random_hex(4))).string();
    std::ofstream(path, std::ios::binary) << std::string(9 << 20, fill);  // three chunks
    return path;
  };
  std::string first = file('a'), second = file('b');
  store_->put_report(a_, r.id, "results.csv", first);
  std::string back;
  bool replaced = false;
  EXPECT_TRUE(store_->read_report(a_, r.id, "results.csv", [&](std::string_view c) {
    back += c;
    if (replaced) return;
    replaced = true;  // another server replaces the file (a resumed import), from its own connection
    std::thread([&] { store_->put_report(a_, r.id, "results.csv", second); }).join();
  }));
  EXPECT_TRUE(replaced);
  EXPECT_EQ(back, std::string(9 << 20, 'a'));
  back.clear();
  EXPECT_TRUE(store_->read_report(a_, r.id, "results.csv", [&](std::string_view c) { back += c; }));
  EXPECT_EQ(back, std::string(9 << 20, 'b'));
  std::filesystem::remove(first);
  std::filesystem::remove(second);
}

TEST_F(PgOnly, ClaimsTakeTheOldestFreeImportOnceAndLeasesExpire) {
  ImportRecord first = queued(a_);
  ImportRecord second = queued(b_);
  std::optional<ImportKey> one = store_->claim_import("server-1", 1);
  ASSERT_TRUE(one.has_value());
  EXPECT_EQ(one->id, first.id);
  EXPECT_EQ(one->tenant, a_);
  std::optional<ImportKey> two = store_->claim_import("server-2", 1);
  ASSERT_TRUE(two.has_value());
  EXPECT_EQ(two->id, second.id);
  EXPECT_EQ(two->tenant, b_);
  EXPECT_FALSE(store_->claim_import("server-3", 1).has_value());  // both leased
  EXPECT_TRUE(store_->renew_lease(a_, first.id, "server-1", 30, Progress{10, 100}));
  EXPECT_FALSE(store_->renew_lease(a_, first.id, "server-2", 30, Progress{}));  // not its lease
  EXPECT_EQ(store_->import(a_, first.id)->rows_done, 10u);

  // server-2 dies: its lease runs out and server-3 takes the import over.
  std::this_thread::sleep_for(std::chrono::milliseconds(1300));
  std::optional<ImportKey> taken = store_->claim_import("server-3", 30);
  ASSERT_TRUE(taken.has_value());
  EXPECT_EQ(taken->id, second.id);
  EXPECT_FALSE(store_->claim_import("server-3", 30).has_value());  // server-1 renewed for 30 s

  // server-2 comes back to life mid-batch: nothing it writes lands.
  ImportRecord stale = *store_->import(b_, second.id);
  stale.lease_owner = "server-2";
  EXPECT_THROW(store_->commit_batch(stale, tmpl(stale.template_name), {prospect(2, "late@example.com", {})}, 2, Progress{1, 10}), LeaseLost);
  EXPECT_THROW(store_->finish_import(stale, ImportStatus::Done, "{}", "[]", "", 1), LeaseLost);
  EXPECT_FALSE(store_->renew_lease(b_, second.id, "server-2", 30, Progress{}));
  EXPECT_TRUE(keys_of(*store_, b_, "prospects").empty());
  EXPECT_EQ(store_->import(b_, second.id)->last_committed_row, 0u);

  ImportRecord owned = stale;
  owned.lease_owner = "server-3";
  store_->commit_batch(owned, tmpl(owned.template_name), {prospect(2, "late@example.com", {})}, 2, Progress{1, 10});
  EXPECT_EQ(keys_of(*store_, b_, "prospects"), std::vector<std::string>{"late@example.com"});
  store_->finish_import(owned, ImportStatus::Done, "{}", "[]", "", 1);
  EXPECT_EQ(store_->import(b_, second.id)->lease_owner, "");
  EXPECT_THROW(store_->commit_batch(stale, tmpl(stale.template_name), {prospect(3, "later@example.com", {})}, 3, Progress{1, 10}), LeaseLost);
}

TEST_F(PgOnly, ConcurrentClaimersNeverGetTheSameImport) {
  std::vector<std::string> ids;
  for (int i = 0; i < 12; ++i) ids.push_back(queued(i % 2 ? a_ : b_).id);
  std::mutex m;
  std::vector<std::string> claimed;
  std::vector<std::thread> servers;
  for (int s = 0; s < 4; ++s)
    servers.emplace_back([&, s] {
      while (std::optional<ImportKey> k = store_->claim_import("server-" + std::to_string(s), 60)) {
        std::lock_guard<std::mutex> lock(m);
        claimed.push_back(k->id);
      }
    });
  for (std::thread& t : servers) t.join();
  std::sort(claimed.begin(), claimed.end());
  std::sort(ids.begin(), ids.end());
  EXPECT_EQ(claimed, ids);
}

TEST_F(PgOnly, AnOutboxItemGoesToOneServerAtATime) {
  OutboxItem item;
  item.tenant_id = a_;
  item.import_id = "imp";
  item.channel = "email";
  item.target = "ops@example.com";
  item.payload = "x";
  item.next_attempt_at = 100;
  store_->enqueue(item);
  ASSERT_EQ(store_->due(200, 10).size(), 1u);
  EXPECT_TRUE(store_->due(200, 10).empty());  // handed out for a minute
  EXPECT_EQ(store_->due(300, 10).size(), 1u);  // not recorded within it: due again
}

// The database connection dies mid-batch (a restart, a failover, an administrator's kill):
// nothing of the batch lands, the checkpoint stays, and the same thread's next call opens a new
// connection and writes the batch once.
TEST_F(PgOnly, ABatchWhoseConnectionDiesWritesNothingAndTheRetryReconnects) {
  ImportRecord imp = new_import(*store_, a_, "prospects");
  const std::vector<RowWrite> batch{prospect(2, "a1@example.com", {}), prospect(3, "a2@example.com", {})};
  // Another session holds the import's row, so that the batch waits inside its transaction.
  pg::Connection blocker(schema_->url());
  blocker.script("BEGIN; SELECT set_config('app.tenant_id', '" + std::to_string(a_) + "', true)");
  blocker.exec("SELECT 1 FROM imports WHERE id = $1 FOR UPDATE", {imp.id});

  std::atomic<bool> failed{false}, released{false}, unavailable{false};
  std::string first_error;
  std::thread runner([&] {
    try {
      store_->commit_batch(imp, tmpl(imp.template_name), batch, 3, Progress{2, 10});
    } catch (const StoreUnavailable& e) {  // what tells the runner to resume later, not to fail
      first_error = e.what();
      unavailable = true;
    } catch (const std::exception& e) {
      first_error = e.what();
    }
    failed = true;
    while (!released) std::this_thread::sleep_for(std::chrono::milliseconds(5));
    store_->commit_batch(imp, tmpl(imp.template_name), batch, 3, Progress{2, 10});  // this thread's connection is the broken one
  });
  pg::Connection admin(schema_->url());
  std::int64_t killed = 0;
  for (int i = 0; i < 500 && killed == 0; ++i) {
    pg::Result r = admin.exec(
        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE wait_event_type = 'Lock' "
        "AND query LIKE 'UPDATE imports SET last_committed_row%'");
    killed = r.rows();
    if (killed == 0) std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  EXPECT_EQ(killed, 1);
  for (int i = 0; i < 500 && !failed; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(10));
  EXPECT_TRUE(failed);
  EXPECT_FALSE(first_error.empty()) << "the batch went through on a killed connection";
  EXPECT_TRUE(unavailable) << first_error;
  blocker.script("ROLLBACK");
  EXPECT_TRUE(keys_of(*store_, a_, "prospects").empty());
  EXPECT_EQ(store_->import(a_, imp.id)->last_committed_row, 0u);
  released = true;
  runner.join();
  EXPECT_EQ(keys_of(*store_, a_, "prospects"), (std::vector<std::string>{"a1@example.com", "a2@example.com"}));
  EXPECT_EQ(store_->import(a_, imp.id)->last_committed_row, 3u);
}

// Row-level security, checked from outside the store: a connection as the application's role,
// with queries written by hand.
TEST_F(PgOnly, RowLevelSecurityHidesOtherTenantsRowsFromHandWrittenQueries) {
  store_->add_group(a_, "Podcasts");
  store_->add_group(b_, "Secret B group");
  store_->add_key(b_, sha256_hex("key-b"));
  ImportRecord ia = new_import(*store_, a_, "prospects");
  store_->commit_batch(ia, tmpl(ia.template_name), {prospect(2, "a1@example.com", {{"Group Name", "Podcasts"}}), prospect(3, "a2@example.com", {})}, 3,
                       Progress{2, 10});
  ImportRecord ib = new_import(*store_, b_, "prospects");
  store_->commit_batch(ib, tmpl(ib.template_name), {prospect(2, "b1@example.com", {}), prospect(3, "b2@example.com", {}), prospect(4, "b3@example.com", {})},
                       4, Progress{3, 10});
  store_->set_allowed_origins(b_, {"https://b.example"});

  pg::Connection c(schema_->url());
  pg::Result role = c.exec("SELECT rolsuper, rolbypassrls FROM pg_roles WHERE rolname = current_user");
  ASSERT_EQ(role.rows(), 1);
  EXPECT_FALSE(role.boolean(0, 0)) << "the application's role must not be a superuser";
  EXPECT_FALSE(role.boolean(0, 1)) << "the application's role must not bypass RLS";

  // Every table with a tenant column has RLS enabled and forced (the owner is subject too).
  pg::Result tables = c.exec(
      "SELECT c.relname, c.relrowsecurity, c.relforcerowsecurity FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
      "WHERE n.nspname = current_schema() AND c.relkind = 'r' AND (c.relname = 'tenants' OR EXISTS "
      "(SELECT 1 FROM pg_attribute a WHERE a.attrelid = c.oid AND a.attname = 'tenant_id' AND NOT a.attisdropped))");
  EXPECT_GE(tables.rows(), 12);
  for (int i = 0; i < tables.rows(); ++i) {
    EXPECT_TRUE(tables.boolean(i, 1)) << tables.text(i, 0) << " has no row-level security";
    EXPECT_TRUE(tables.boolean(i, 2)) << tables.text(i, 0) << " does not force row-level security";
  }

  auto count = [&](const std::string& sql) { return c.exec(sql).int64(0, 0); };
  c.script("BEGIN; SELECT set_config('app.tenant_id', '" + std::to_string(a_) + "', true)");
  EXPECT_EQ(count("SELECT count(*) FROM partners"), 2);
  EXPECT_EQ(count("SELECT count(*) FROM partners WHERE tenant_id = " + std::to_string(b_)), 0);
  EXPECT_EQ(count("SELECT count(*) FROM partners WHERE email_key LIKE 'b%'"), 0);
  EXPECT_EQ(count("SELECT count(*) FROM groups"), 1);
  EXPECT_EQ(count("SELECT count(*) FROM imports"), 1);
  EXPECT_EQ(count("SELECT count(*) FROM tenants"), 1);
  EXPECT_EQ(count("SELECT count(*) FROM api_keys"), 0);
  EXPECT_EQ(count("SELECT count(*) FROM tenant_origins"), 0);
  EXPECT_EQ(count("SELECT count(*) FROM partner_groups"), 1);
  // Writing into B's rows: updates and deletes find nothing; an insert is refused.
  EXPECT_EQ(c.exec("UPDATE partners SET name = 'pwned' WHERE tenant_id = " + std::to_string(b_)).affected(), 0u);
  EXPECT_EQ(c.exec("DELETE FROM groups WHERE tenant_id = " + std::to_string(b_)).affected(), 0u);
  try {
    c.exec("INSERT INTO groups (tenant_id, name) VALUES (" + std::to_string(b_) + ", 'planted')");
    ADD_FAILURE() << "an insert into another tenant's rows went through";
  } catch (const pg::Error& e) {
    EXPECT_EQ(e.sqlstate(), "42501") << e.what();  // new row violates row-level security policy
  }
  c.script("ROLLBACK");

  // The setting ends with the transaction; without one, nothing is visible at all.
  EXPECT_EQ(count("SELECT count(*) FROM partners"), 0);
  EXPECT_EQ(count("SELECT count(*) FROM imports"), 0);
  EXPECT_EQ(count("SELECT count(*) FROM tenants"), 0);
  // A cross-tenant scope opens only its own table: 'auth' reads keys, not partners.
  c.script("BEGIN; SELECT set_config('app.scope', 'auth', true)");
  EXPECT_EQ(count("SELECT count(*) FROM api_keys"), 1);
  EXPECT_EQ(count("SELECT count(*) FROM partners"), 0);
  EXPECT_EQ(count("SELECT count(*) FROM groups"), 0);
  c.script("ROLLBACK");

  // And B sees exactly its own.
  c.script("BEGIN; SELECT set_config('app.tenant_id', '" + std::to_string(b_) + "', true)");
  EXPECT_EQ(count("SELECT count(*) FROM partners"), 3);
  EXPECT_EQ(count("SELECT count(*) FROM tenant_origins"), 1);
  c.script("ROLLBACK");
}

TEST_F(PgOnly, ASuperuserOrBypassRlsRoleIsRefused) {
  const char* admin = std::getenv("ROWGATE_TEST_PG_ADMIN");
  ASSERT_TRUE(admin && *admin) << "ROWGATE_TEST_PG_ADMIN is not set: run under tests/pg/with_pg.sh";
  try {
    PgStore superuser(admin);
    ADD_FAILURE() << "a superuser connection was accepted";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("row-level security"), std::string::npos) << e.what();
  }
}

}  // namespace
