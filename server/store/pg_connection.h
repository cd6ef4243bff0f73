// A libpq connection with the little the PostgreSQL store needs: parameterised statements (text
// parameters, bytea in binary), COPY FROM STDIN, rows streamed one at a time, and a transaction
// guard that names the tenant (row-level security) or one deliberate cross-tenant scope.
#pragma once

#include <libpq-fe.h>

#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <functional>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "store/query_deadline.h"
#include "store/store.h"

namespace rowgate::server::pg {

using server::QueryDeadline;
using server::QueryTimeout;

/// One statement parameter: text (copied, NUL-terminated for libpq), or NULL, or binary bytes
/// (bytea; a view: the bytes must outlive the call).
struct Param {
  Param() = default;  // NULL
  Param(std::string_view text) : owned(text), null(false) { value = owned; }
  Param(const std::string& text) : owned(text), null(false) { value = owned; }
  Param(const char* text) : owned(text), null(false) { value = owned; }
  Param(std::int64_t n) : Param(std::to_string(n)) {}
  Param(std::uint64_t n) : Param(std::to_string(n)) {}
  Param(int n) : Param(std::to_string(n)) {}
  Param(bool b) : Param(b ? "t" : "f") {}
  static Param bytes(std::string_view data) {
    Param p;
    p.value = data;
    p.null = false;
    p.binary = true;
    return p;
  }
  Param(const Param& o) { *this = o; }
  Param& operator=(const Param& o) {
    owned = o.owned;
    null = o.null;
    binary = o.binary;
    value = binary ? o.value : std::string_view(owned);
    return *this;
  }

  std::string owned;
  std::string_view value;
  bool null = true;
  bool binary = false;
};

/// The SQLSTATE of a failed statement, kept on the exception (40P01 deadlock, 23505 unique...).
class Error : public std::runtime_error {
 public:
  Error(const std::string& what, std::string sqlstate) : std::runtime_error(what), sqlstate_(std::move(sqlstate)) {}
  const std::string& sqlstate() const { return sqlstate_; }

 private:
  std::string sqlstate_;
};

/// A statement's result; rows and columns in text (or binary, when asked).
class Result {
 public:
  explicit Result(PGresult* r) : r_(r, PQclear) {}
  int rows() const { return PQntuples(r_.get()); }
  bool null(int row, int column) const { return PQgetisnull(r_.get(), row, column); }
  std::string text(int row, int column) const {
    return std::string(PQgetvalue(r_.get(), row, column), static_cast<std::size_t>(PQgetlength(r_.get(), row, column)));
  }
  std::string_view view(int row, int column) const {
    return std::string_view(PQgetvalue(r_.get(), row, column), static_cast<std::size_t>(PQgetlength(r_.get(), row, column)));
  }
  std::int64_t int64(int row, int column) const { return std::strtoll(PQgetvalue(r_.get(), row, column), nullptr, 10); }
  bool boolean(int row, int column) const { return PQgetvalue(r_.get(), row, column)[0] == 't'; }
  /// Rows an INSERT, UPDATE or DELETE touched.
  std::uint64_t affected() const { return std::strtoull(PQcmdTuples(r_.get()), nullptr, 10); }
  PGresult* get() const { return r_.get(); }

  /// One row of the result, read by column alone (the stores' shared row readers).
  struct Row {
    const Result& result;
    int row;
    std::string text(int column) const { return result.text(row, column); }
    std::int64_t int64(int column) const { return result.int64(row, column); }
    bool flag(int column) const { return result.boolean(row, column); }
  };
  Row row(int i) const { return Row{*this, i}; }

 private:
  std::unique_ptr<PGresult, void (*)(PGresult*)> r_;
};

class Connection {
 public:
  explicit Connection(const std::string& url) : c_(PQconnectdb(url.c_str())) {
    if (!c_ || PQstatus(c_) != CONNECTION_OK) {
      std::string why = c_ ? PQerrorMessage(c_) : "out of memory";
      PQfinish(c_);
      throw StoreUnavailable("cannot connect to PostgreSQL: " + trim(why));
    }
    PQsetNoticeProcessor(c_, [](void*, const char*) {}, nullptr);  // "relation exists, skipping" and the like
    // Short statements, many of them: compiling them (JIT) costs more than it saves.
    try {
      script("SET jit = off");
    } catch (...) {
      PQfinish(c_);  // no destructor runs for a constructor that throws
      throw;
    }
  }
  ~Connection() { PQfinish(c_); }
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  /// Runs one statement; results in text, or in binary with `binary_result` (bytea).
  Result exec(const std::string& sql, const std::vector<Param>& params = {}, bool binary_result = false) {
    std::vector<const char*> values(params.size());
    std::vector<int> lengths(params.size()), formats(params.size());
    for (std::size_t i = 0; i < params.size(); ++i) {
      values[i] = params[i].null ? nullptr : params[i].value.data();
      lengths[i] = static_cast<int>(params[i].value.size());
      formats[i] = params[i].binary ? 1 : 0;
    }
    Result r(PQexecParams(c_, sql.c_str(), static_cast<int>(params.size()), nullptr, values.data(), lengths.data(),
                          formats.data(), binary_result ? 1 : 0));
    check(r, sql);
    return r;
  }

  /// Runs `sql` (a SELECT) and calls `each` with every row as it arrives (single-row mode);
  /// `each` returns false to stop early (the rest is read and dropped).
  void each_row(const std::string& sql, const std::vector<Param>& params, const std::function<bool(const Result&)>& each) {
    std::vector<const char*> values(params.size());
    for (std::size_t i = 0; i < params.size(); ++i) values[i] = params[i].null ? nullptr : params[i].owned.c_str();
    if (!PQsendQueryParams(c_, sql.c_str(), static_cast<int>(params.size()), nullptr, values.data(), nullptr, nullptr, 0))
      fail("PostgreSQL: " + trim(PQerrorMessage(c_)));
    PQsetSingleRowMode(c_);
    bool wanted = true;
    std::string error;
    std::string state;
    while (PGresult* raw = PQgetResult(c_)) {
      Result r(raw);
      ExecStatusType st = PQresultStatus(raw);
      if (st == PGRES_SINGLE_TUPLE) {
        if (wanted && !each(r)) wanted = false;
      } else if (st != PGRES_TUPLES_OK && error.empty()) {
        error = trim(PQresultErrorMessage(raw));
        if (const char* s = PQresultErrorField(raw, PG_DIAG_SQLSTATE)) state = s;
      }
    }
    if (!error.empty()) fail("PostgreSQL: " + error + " in " + sql.substr(0, 200), state);
  }

  /// COPY ... FROM STDIN with `data` in the format the statement names (see BinaryCopy).
  void copy_in(const std::string& sql, std::string_view data) {
    Result start(PQexec(c_, sql.c_str()));
    if (PQresultStatus(start.get()) != PGRES_COPY_IN) check(start, sql);
    constexpr std::size_t kPiece = 1 << 20;
    for (std::size_t at = 0; at < data.size(); at += kPiece) {
      std::size_t n = std::min(kPiece, data.size() - at);
      if (PQputCopyData(c_, data.data() + at, static_cast<int>(n)) != 1)
        fail("PostgreSQL COPY: " + trim(PQerrorMessage(c_)));
    }
    if (PQputCopyEnd(c_, nullptr) != 1) fail("PostgreSQL COPY: " + trim(PQerrorMessage(c_)));
    std::string error;
    while (PGresult* raw = PQgetResult(c_)) {
      Result r(raw);
      if (PQresultStatus(raw) != PGRES_COMMAND_OK && error.empty()) error = trim(PQresultErrorMessage(raw));
    }
    if (!error.empty()) fail("PostgreSQL COPY: " + error);
  }

  /// Runs statements without parameters (several separated by semicolons).
  void script(const std::string& sql) {
    Result r(PQexec(c_, sql.c_str()));
    check(r, sql);
  }

  bool broken() const { return PQstatus(c_) != CONNECTION_OK; }
  bool in_transaction() const { return PQtransactionStatus(c_) != PQTRANS_IDLE; }

 private:
  static std::string trim(std::string s) {
    while (!s.empty() && (s.back() == '\n' || s.back() == ' ')) s.pop_back();
    return s;
  }
  void check(const Result& r, const std::string& sql) {
    ExecStatusType st = PQresultStatus(r.get());
    if (st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK) return;
    const char* state = PQresultErrorField(r.get(), PG_DIAG_SQLSTATE);
    std::string why = r.get() ? PQresultErrorMessage(r.get()) : PQerrorMessage(c_);
    fail("PostgreSQL: " + trim(why) + " in " + sql.substr(0, 200), state ? state : "");
  }
  /// StoreUnavailable when the server went away or cannot serve now (connection lost, shutting
  /// down, starting up: SQLSTATE class 08 and 57P01-57P03) and a later try may succeed;
  /// QueryTimeout when statement_timeout (a QueryDeadline) cancelled the statement (57014);
  /// Error otherwise.
  [[noreturn]] void fail(const std::string& what, const std::string& sqlstate = "") {
    if (broken() || sqlstate.rfind("08", 0) == 0 || sqlstate == "57P01" || sqlstate == "57P02" || sqlstate == "57P03")
      throw StoreUnavailable(what);
    if (sqlstate == "57014") throw QueryTimeout(what);
    throw Error(what, sqlstate);
  }

  PGconn* c_;
};

/// Rows for COPY ... FROM STDIN (FORMAT binary): each field is its length and its bytes as they
/// are, so the client escapes nothing and the server splits no lines (for a batch of 50,000
/// prospects, half the time to build and a fifth less to COPY than in the text format).
class BinaryCopy {
 public:
  explicit BinaryCopy(std::size_t reserve) {
    out_.reserve(reserve);
    out_.append("PGCOPY\n\377\r\n\0", 11);  // the signature
    put32(0);                                  // flags
    put32(0);                                  // no header extension
  }
  void row(std::uint16_t fields) { put16(fields); }
  void field(std::string_view value) {
    put32(static_cast<std::uint32_t>(value.size()));
    out_.append(value);
  }
  void null() { put32(0xFFFFFFFFu); }  // length -1
  /// The rows with the trailer: what copy_in sends.
  std::string_view finish() {
    put16(0xFFFF);  // field count -1
    return out_;
  }

 private:
  void put16(std::uint16_t v) {
    out_.push_back(static_cast<char>(v >> 8));
    out_.push_back(static_cast<char>(v));
  }
  void put32(std::uint32_t v) {
    put16(static_cast<std::uint16_t>(v >> 16));
    put16(static_cast<std::uint16_t>(v));
  }

  std::string out_;
};

/// A transaction under row-level security: either for one tenant (app.tenant_id) or for one
/// named cross-tenant scope (app.scope; the schema's policies say which table each scope opens).
/// Both are SET LOCAL: they end with the transaction. Rolls back unless committed.
class Transaction {
 public:
  /// `begin` may ask for another isolation level ("BEGIN ISOLATION LEVEL REPEATABLE READ").
  /// Under a QueryDeadline (a request's thread), each statement's time is limited to what is left.
  Transaction(Connection& c, std::int64_t tenant, const char* begin = "BEGIN") : c_(c) {
    c_.script(std::string(begin) + "; SELECT set_config('app.tenant_id', '" + std::to_string(tenant) + "', true)" +
              time_limit());
  }
  Transaction(Connection& c, const char* scope) : c_(c) {
    c_.script(std::string("BEGIN; SELECT set_config('app.scope', '") + scope + "', true)" + time_limit());
  }
  /// Re-arms the time limit of the statements to come (an export renews its deadline per page).
  void renew_time_limit() {
    if (std::string limit = time_limit(); !limit.empty()) c_.script(limit.substr(2));
  }
  ~Transaction() {
    if (!done_) {
      try {
        c_.script("ROLLBACK");
      } catch (...) {
      }
    }
  }
  void commit() {
    c_.script("COMMIT");
    done_ = true;
  }

 private:
  static std::string time_limit() {
    std::optional<long long> ms = QueryDeadline::remaining_ms();
    return ms ? "; SET LOCAL statement_timeout = " + std::to_string(*ms) : std::string();
  }

  Connection& c_;
  bool done_ = false;
};

}  // namespace rowgate::server::pg
