#include "zip_check.h"

#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "util/crypto.h"

extern char** environ;

namespace rowgate::testing {

namespace {

using nlohmann::json;

// Prints the archive's entries; `zip` stays open for what follows it in kReadXlsx.
constexpr const char* kReadZip = R"PY(
import hashlib, json, re, sys, zipfile
import xml.etree.ElementTree as ET
out = {}
zip = zipfile.ZipFile(sys.argv[1])
out["testzip"] = zip.testzip()
out["entries"] = [{"name": i.filename, "flag_bits": i.flag_bits, "compress_type": i.compress_type,
                   "file_size": i.file_size, "compress_size": i.compress_size,
                   "header_offset": i.header_offset, "extra": i.extra.hex(),
                   "sha256": hashlib.sha256(zip.read(i)).hexdigest() if i.file_size < 1 << 30 else ""}
                  for i in zip.infolist()]
)PY";

constexpr const char* kReadXlsx = R"PY(
M = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
SPACE = "{http://www.w3.org/XML/1998/namespace}space"
def text(s):
    return re.sub(r"_x([0-9A-Fa-f]{4})_", lambda m: chr(int(m.group(1), 16)), s or "")
def column(ref):
    n = 0
    for ch in re.match(r"[A-Z]+", ref).group(0):
        n = n * 26 + ord(ch) - 64
    return n - 1
parts = {name: ET.fromstring(zip.read(name)) for name in zip.namelist()}
out["sheets"] = [s.get("name") for s in parts["xl/workbook.xml"].iter(M + "sheet")]
rows, types, preserved = [], set(), []
for row in parts["xl/worksheets/sheet1.xml"].iter(M + "row"):
    cells = []
    for c in row.iter(M + "c"):
        types.add(c.get("t") or "")
        i = column(c.get("r"))
        cells += [""] * (i + 1 - len(cells))
        t = c.find(M + "is/" + M + "t")
        cells[i] = text(t.text)
        if t.get(SPACE) == "preserve":
            preserved.append(c.get("r"))
    rows.append(cells)
width = len(rows[0]) if rows else 0
out["rows"] = [r + [""] * (width - len(r)) for r in rows]
out["types"] = sorted(types)
out["preserved"] = preserved
)PY";

}  // namespace

std::string run_python(const std::string& script, const std::vector<std::string>& args) {
  int pipe_fds[2];
  if (::pipe(pipe_fds) != 0) return R"({"error": "pipe failed"})";
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, pipe_fds[1], STDOUT_FILENO);
  posix_spawn_file_actions_addclose(&actions, pipe_fds[0]);
  posix_spawn_file_actions_addclose(&actions, pipe_fds[1]);
  std::vector<std::string> words = {"python3", "-c", script};
  words.insert(words.end(), args.begin(), args.end());
  std::vector<char*> argv;
  for (std::string& w : words) argv.push_back(w.data());
  argv.push_back(nullptr);
  pid_t pid = 0;
  int spawned = posix_spawnp(&pid, "python3", &actions, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  ::close(pipe_fds[1]);
  std::string out;
  char buffer[1 << 16];
  ssize_t n = 0;
  while (spawned == 0 && (n = ::read(pipe_fds[0], buffer, sizeof buffer)) > 0) out.append(buffer, static_cast<std::size_t>(n));
  ::close(pipe_fds[0]);
  if (spawned != 0) return R"({"error": "python3 could not be started"})";
  int status = 0;
  ::waitpid(pid, &status, 0);
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
    return json({{"error", "python3 failed (its stderr is above)"}, {"stdout", out}}).dump();
  return out;
}

json read_zip(const std::string& path) {
  return json::parse(run_python(std::string(kReadZip) + "print(json.dumps(out))\n", {path}), nullptr, false);
}

json read_xlsx(const std::string& bytes) {
  std::filesystem::path path = std::filesystem::temp_directory_path() / ("rowgate_" + server::random_hex(6) + ".xlsx");
  std::ofstream(path, std::ios::binary) << bytes;
  json out = json::parse(run_python(std::string(kReadZip) + kReadXlsx + "print(json.dumps(out))\n", {path.string()}),
                         nullptr, false);
  std::filesystem::remove(path);
  return out;
}

}  // namespace rowgate::testing
