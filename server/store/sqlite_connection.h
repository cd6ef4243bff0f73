// A SQLite connection with its cached prepared statements, and a transaction guard: the
// internals the store's source files share.
#pragma once

#include <sqlite3.h>

#include <stdexcept>
#include <string>
#include <unordered_map>

#include "store/sqlite_statement.h"
#include "store/sqlite_store.h"

namespace rowgate::server {

class SqliteStore::Connection {
 public:
  explicit Connection(const std::string& path) {
    if (sqlite3_open_v2(path.c_str(), &db_, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX,
                        nullptr) != SQLITE_OK) {
      std::string why = db_ ? sqlite3_errmsg(db_) : "out of memory";
      sqlite3_close(db_);
      throw std::runtime_error("cannot open the SQLite store " + path + ": " + why);
    }
    sqlite3_busy_timeout(db_, 10000);
    // Every 1,000 virtual machine steps (some microseconds), a statement run under a
    // QueryDeadline past its time is interrupted; threads without one never are.
    sqlite3_progress_handler(db_, 1000, [](void*) { return QueryDeadline::expired() ? 1 : 0; }, nullptr);
    try {
      exec("PRAGMA journal_mode=WAL");  // the first read: a file that is not a database fails here
      exec("PRAGMA synchronous=FULL");
      exec("PRAGMA foreign_keys=ON");
      // Bulk upserts touch index pages at random (keys are e-mails): keep them in memory.
      exec("PRAGMA cache_size=-131072");  // 128 MiB
      exec("PRAGMA temp_store=MEMORY");
      exec("PRAGMA wal_autocheckpoint=16384");  // 64 MiB of WAL between checkpoints
    } catch (...) {
      sqlite3_close(db_);  // no destructor runs for a constructor that throws
      throw;
    }
  }
  ~Connection() {
    for (auto& [sql, stmt] : statements_) sqlite3_finalize(stmt);
    sqlite3_close(db_);
  }
  void exec(const std::string& sql) {
    char* error = nullptr;
    if (int rc = sqlite3_exec(db_, sql.c_str(), nullptr, nullptr, &error); rc != SQLITE_OK) {
      std::string why = error ? error : "unknown error";
      sqlite3_free(error);
      throw_sqlite_error(rc, why);
    }
  }
  /// A cached prepared statement, reset and ready for binding.
  Statement prepare(const std::string& sql) {
    auto it = statements_.find(sql);
    sqlite3_stmt* stmt = nullptr;
    if (it == statements_.end()) {
      if (int rc = sqlite3_prepare_v3(db_, sql.c_str(), -1, SQLITE_PREPARE_PERSISTENT, &stmt, nullptr); rc != SQLITE_OK)
        throw_sqlite_error(rc, std::string(sqlite3_errmsg(db_)) + " in " + sql);
      statements_.emplace(sql, stmt);
    } else {
      stmt = it->second;
    }
    return Statement(db_, stmt);
  }
  sqlite3* db() const { return db_; }

 private:
  sqlite3* db_ = nullptr;
  std::unordered_map<std::string, sqlite3_stmt*> statements_;
};

// A transaction that rolls back unless committed.
class Transaction {
 public:
  explicit Transaction(SqliteStore::Connection& c) : c_(c) { c_.exec("BEGIN IMMEDIATE"); }
  ~Transaction() {
    if (!done_) sqlite3_exec(c_.db(), "ROLLBACK", nullptr, nullptr, nullptr);
  }
  void commit() {
    c_.exec("COMMIT");
    done_ = true;
  }

 private:
  SqliteStore::Connection& c_;
  bool done_ = false;
};

// A read transaction: the statements in it see one snapshot of the store (WAL: the writer goes on
// meanwhile). Ends when destroyed.
class ReadTransaction {
 public:
  explicit ReadTransaction(SqliteStore::Connection& c) : c_(c) { c_.exec("BEGIN DEFERRED"); }
  ~ReadTransaction() {
    // Never left open on this thread's connection, even after an interrupted statement.
    if (!sqlite3_get_autocommit(c_.db())) sqlite3_exec(c_.db(), "COMMIT", nullptr, nullptr, nullptr);
    if (!sqlite3_get_autocommit(c_.db())) sqlite3_exec(c_.db(), "ROLLBACK", nullptr, nullptr, nullptr);
  }
  ReadTransaction(const ReadTransaction&) = delete;
  ReadTransaction& operator=(const ReadTransaction&) = delete;

 private:
  SqliteStore::Connection& c_;
};

}  // namespace rowgate::server
