// Prometheus text metrics: request latencies per route, imports by status, rows by outcome.
#pragma once

#include <array>
#include <cstdint>
#include <map>
#include <mutex>
#include <string>

#include "jobs/import_runner.h"
#include "store/store.h"

namespace rowgate::server {

class Metrics {
 public:
  /// Records one request: its route pattern (e.g. "GET /api/v1/imports/:id"), status and time.
  void observe(const std::string& route, int status, double seconds);
  /// The exposition text (format 0.0.4).
  std::string render(Store& store, RunnerCounters& rows);

 private:
  static constexpr std::array<double, 10> kBuckets = {0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1, 5};
  struct Histogram {
    std::array<std::uint64_t, kBuckets.size()> buckets{};
    std::uint64_t count = 0;
    double sum = 0;
  };
  std::mutex mutex_;
  std::map<std::string, Histogram> latency_;
  std::map<std::pair<std::string, int>, std::uint64_t> requests_;
};

}  // namespace rowgate::server
