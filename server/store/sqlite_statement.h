// A thin, non-owning wrapper over a cached sqlite3_stmt: bind, step, read columns. Errors throw
// std::runtime_error with SQLite's message (the HTTP layer turns them into 500s), or
// StoreUnavailable when the store is locked past the busy timeout.
#pragma once

#include <sqlite3.h>

#include <cstdint>
#include <stdexcept>
#include <string>
#include <string_view>

#include "store/query_deadline.h"
#include "store/store.h"

namespace rowgate::server {

/// Throws the error of a failed SQLite call: StoreUnavailable when another connection holds the
/// lock past the busy timeout (a later try may succeed), QueryTimeout when the thread's
/// QueryDeadline interrupted the statement, std::runtime_error otherwise.
[[noreturn]] inline void throw_sqlite_error(int rc, const std::string& why) {
  int primary = rc & 0xff;
  if (primary == SQLITE_BUSY || primary == SQLITE_LOCKED) throw StoreUnavailable("SQLite: " + why);
  if (primary == SQLITE_INTERRUPT) throw QueryTimeout("SQLite: " + why);
  throw std::runtime_error("SQLite: " + why);
}

class Statement {
 public:
  Statement(sqlite3* db, sqlite3_stmt* stmt) : db_(db), stmt_(stmt) {
    sqlite3_reset(stmt_);
    sqlite3_clear_bindings(stmt_);
  }
  ~Statement() { sqlite3_reset(stmt_); }
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;

  void bind(int index, std::int64_t value) { check(sqlite3_bind_int64(stmt_, index, value)); }
  void bind(int index, int value) { check(sqlite3_bind_int64(stmt_, index, value)); }
  void bind(int index, std::string_view value) {
    check(sqlite3_bind_text64(stmt_, index, value.data(), value.size(), SQLITE_TRANSIENT, SQLITE_UTF8));
  }
  void bind(int index, const std::string& value) { bind(index, std::string_view(value)); }
  void bind(int index, const char* value) { bind(index, std::string_view(value)); }
  void bind_null(int index) { check(sqlite3_bind_null(stmt_, index)); }

  /// True when a row is ready; false when the statement is done.
  bool step() {
    int rc = sqlite3_step(stmt_);
    if (rc == SQLITE_ROW) return true;
    if (rc == SQLITE_DONE) return false;
    fail();
    return false;
  }
  void run() {
    while (step()) {
    }
  }
  void reset() {
    sqlite3_reset(stmt_);
    sqlite3_clear_bindings(stmt_);
  }

  std::int64_t int64(int column) const { return sqlite3_column_int64(stmt_, column); }
  bool flag(int column) const { return int64(column) != 0; }  ///< a boolean stored as 0 or 1
  std::string text(int column) const { return std::string(text_view(column)); }
  std::string_view text_view(int column) const {
    const unsigned char* p = sqlite3_column_text(stmt_, column);
    if (!p) return {};
    return std::string_view(reinterpret_cast<const char*>(p), static_cast<std::size_t>(sqlite3_column_bytes(stmt_, column)));
  }

 private:
  void check(int rc) {
    if (rc != SQLITE_OK) fail();
  }
  [[noreturn]] void fail() { throw_sqlite_error(sqlite3_errcode(db_), sqlite3_errmsg(db_)); }

  sqlite3* db_;
  sqlite3_stmt* stmt_;
};

}  // namespace rowgate::server
