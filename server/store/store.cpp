// What both stores share: opening by spec, record families, and the defaults of the calls that
// only a shared store (several servers on one database) answers.
#include "store/store.h"

#include "store/pg_store.h"
#include "store/sqlite_store.h"

namespace rowgate::server {

namespace {
[[noreturn]] void not_shared(const char* what) {
  throw std::logic_error(std::string(what) + " needs a shared store (PostgreSQL); this one keeps it on the server's disk");
}
}  // namespace

void Store::put_part_data(std::int64_t, const std::string&, const PartInfo&, std::string_view) { not_shared("put_part_data"); }
std::string Store::part_data(std::int64_t, const std::string&, std::uint32_t) { not_shared("part_data"); }
void Store::delete_part_data(std::int64_t, const std::string&) { not_shared("delete_part_data"); }
void Store::put_report(std::int64_t, const std::string&, const std::string&, const std::string&) { not_shared("put_report"); }
bool Store::read_report(std::int64_t, const std::string&, const std::string&, const std::function<void(std::string_view)>&) {
  not_shared("read_report");
}
std::optional<ImportKey> Store::claim_import(const std::string&, std::int64_t) { not_shared("claim_import"); }
bool Store::renew_lease(std::int64_t, const std::string&, const std::string&, std::int64_t, const Progress&) {
  not_shared("renew_lease");
}

std::string family_of(const std::string& template_name) {
  if (template_name == "prospects" || template_name == "partners_update") return "partners";
  return template_name;
}

std::unique_ptr<Store> open_store(const std::string& spec) {
  if (spec.rfind("sqlite:", 0) == 0 && spec.size() > 7) return std::make_unique<SqliteStore>(spec.substr(7));
  if (spec.rfind("postgresql://", 0) == 0 || spec.rfind("postgres://", 0) == 0) return std::make_unique<PgStore>(spec);
  throw std::runtime_error("--db must be sqlite:PATH or postgresql://USER@HOST:PORT/DATABASE, not \"" + spec + "\"");
}

}  // namespace rowgate::server
