// Structured logs: one JSON object a line on stderr ({"ts","level","msg",...fields}).
#pragma once

#include <initializer_list>
#include <string>
#include <string_view>
#include <utility>

namespace rowgate::server {

using LogFields = std::initializer_list<std::pair<std::string_view, std::string>>;

void log_info(std::string_view message, LogFields fields = {});
void log_error(std::string_view message, LogFields fields = {});

}  // namespace rowgate::server
