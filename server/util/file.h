// A stdio FILE* that closes itself: the report files, the spool's parts, rowgate check's outputs.
#pragma once

#include <cstdio>
#include <memory>

namespace rowgate::server {

struct FileCloser {
  void operator()(std::FILE* f) const {
    if (f) std::fclose(f);
  }
};
using File = std::unique_ptr<std::FILE, FileCloser>;

}  // namespace rowgate::server
