#include "http/metrics.h"

#include <cstdio>

namespace rowgate::server {
namespace {

std::string label(const std::string& value) {
  std::string out;
  for (char c : value) {
    if (c == '\\' || c == '"') out.push_back('\\');
    if (c == '\n') {
      out += "\\n";
      continue;
    }
    out.push_back(c);
  }
  return out;
}

std::string number(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.6g", v);
  return buf;
}

}  // namespace

void Metrics::observe(const std::string& route, int status, double seconds) {
  std::lock_guard<std::mutex> lock(mutex_);
  Histogram& h = latency_[route];
  for (std::size_t i = 0; i < kBuckets.size(); ++i)
    if (seconds <= kBuckets[i]) ++h.buckets[i];
  ++h.count;
  h.sum += seconds;
  ++requests_[{route, status}];
}

std::string Metrics::render(Store& store, RunnerCounters& rows) {
  std::string out;
  out += "# HELP rowgate_imports Imports by status.\n# TYPE rowgate_imports gauge\n";
  for (const auto& [status, n] : store.counts().imports_by_status)
    out += "rowgate_imports{status=\"" + label(status) + "\"} " + std::to_string(n) + "\n";
  out += "# HELP rowgate_rows_total Rows read by imports since the server started, by outcome.\n";
  out += "# TYPE rowgate_rows_total counter\n";
  out += "rowgate_rows_total{outcome=\"create\"} " + std::to_string(rows.rows_create.load()) + "\n";
  out += "rowgate_rows_total{outcome=\"update\"} " + std::to_string(rows.rows_update.load()) + "\n";
  out += "rowgate_rows_total{outcome=\"duplicate\"} " + std::to_string(rows.rows_duplicate.load()) + "\n";
  out += "rowgate_rows_total{outcome=\"error\"} " + std::to_string(rows.rows_error.load()) + "\n";
  std::lock_guard<std::mutex> lock(mutex_);
  out += "# HELP rowgate_http_requests_total HTTP requests by route and status.\n";
  out += "# TYPE rowgate_http_requests_total counter\n";
  for (const auto& [key, n] : requests_)
    out += "rowgate_http_requests_total{route=\"" + label(key.first) + "\",status=\"" + std::to_string(key.second) +
           "\"} " + std::to_string(n) + "\n";
  out += "# HELP rowgate_http_request_seconds HTTP request latency by route.\n";
  out += "# TYPE rowgate_http_request_seconds histogram\n";
  for (const auto& [route, h] : latency_) {
    std::string r = label(route);
    for (std::size_t i = 0; i < kBuckets.size(); ++i)
      out += "rowgate_http_request_seconds_bucket{route=\"" + r + "\",le=\"" + number(kBuckets[i]) + "\"} " +
             std::to_string(h.buckets[i]) + "\n";
    out += "rowgate_http_request_seconds_bucket{route=\"" + r + "\",le=\"+Inf\"} " + std::to_string(h.count) + "\n";
    out += "rowgate_http_request_seconds_sum{route=\"" + r + "\"} " + number(h.sum) + "\n";
    out += "rowgate_http_request_seconds_count{route=\"" + r + "\"} " + std::to_string(h.count) + "\n";
  }
  return out;
}

}  // namespace rowgate::server
