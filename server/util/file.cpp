#include "util/file.h"

#include <cerrno>
#include <cstring>

namespace rowgate::server {

bool rewrite_file(const std::string& path, const std::function<std::string(std::string_view)>& through, std::string* error) {
  const std::string fresh = path + ".rewrite";
  File in(std::fopen(path.c_str(), "rb"));
  File out(in ? std::fopen(fresh.c_str(), "wb") : nullptr);
  if (!in || !out) {
    *error = "cannot write " + path + " again: " + std::strerror(errno);
    return false;
  }
  std::unique_ptr<char[]> buffer(new char[1 << 20]);
  for (;;) {
    std::size_t n = std::fread(buffer.get(), 1, 1 << 20, in.get());
    std::string bytes = through(std::string_view(buffer.get(), n));
    if (!bytes.empty()) std::fwrite(bytes.data(), 1, bytes.size(), out.get());
    if (n == 0) break;
  }
  const bool ok = !std::ferror(in.get()) && !std::ferror(out.get()) && std::fflush(out.get()) == 0;
  const int why = errno;
  in.reset();
  out.reset();
  if (!ok || std::rename(fresh.c_str(), path.c_str()) != 0) {
    *error = "cannot write " + path + " again: " + std::strerror(ok ? errno : why);
    std::remove(fresh.c_str());
    return false;
  }
  return true;
}

}  // namespace rowgate::server
