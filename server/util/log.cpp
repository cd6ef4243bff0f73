#include "util/log.h"

#include <chrono>
#include <cstdio>
#include <ctime>
#include <mutex>

#include "rowgate/report.h"

namespace rowgate::server {
namespace {

std::mutex log_mutex;

void write(std::string_view level, std::string_view message, LogFields fields) {
  using namespace std::chrono;
  auto now = system_clock::now();
  std::time_t t = system_clock::to_time_t(now);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char ts[64];
  int ms = static_cast<int>(duration_cast<milliseconds>(now.time_since_epoch()).count() % 1000);
  std::snprintf(ts, sizeof ts, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
                tm.tm_hour, tm.tm_min, tm.tm_sec, ms);
  std::string line = "{\"ts\":\"";
  line += ts;
  line += "\",\"level\":";
  append_json_string(line, level);
  line += ",\"msg\":";
  append_json_string(line, message);
  for (const auto& [k, v] : fields) {
    line.push_back(',');
    append_json_string(line, k);
    line.push_back(':');
    append_json_string(line, v);
  }
  line += "}\n";
  std::lock_guard<std::mutex> lock(log_mutex);
  std::fwrite(line.data(), 1, line.size(), stderr);
}

}  // namespace

void log_info(std::string_view message, LogFields fields) { write("info", message, fields); }
void log_error(std::string_view message, LogFields fields) { write("error", message, fields); }

}  // namespace rowgate::server
