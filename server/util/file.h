// A stdio FILE* that closes itself: the report files, the spool's parts, rowgate check's outputs.
#pragma once

#include <cstdio>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

namespace rowgate::server {

struct FileCloser {
  void operator()(std::FILE* f) const {
    if (f) std::fclose(f);
  }
};
using File = std::unique_ptr<std::FILE, FileCloser>;

/// Writes the file at `path` again: its bytes, in order and in chunks, through `through` (an
/// empty chunk last), into a new file that then takes its place. False, with `error` saying
/// why, when it cannot; the file is then as it was.
bool rewrite_file(const std::string& path, const std::function<std::string(std::string_view)>& through, std::string* error);

}  // namespace rowgate::server
