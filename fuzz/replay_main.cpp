// A plain main for the fuzz targets (as simdjson's fuzz/main.cpp), so that they build and run
// without libFuzzer and never rot: ctest replays the seed corpora and the kept findings through
// LLVMFuzzerTestOneInput, and fuzz/run.sh writes the seed corpora with it.
//
//   fuzz_TARGET [--vectors DIR] [--seeds PATH]... [--regressions DIR]... [--write OUT] [PATH]...
//
//   --vectors DIR      the seed files of each case folder DIR/NAME/ (see kSeedFilePrefix), each
//                      once per seed prefix of the target
//   --seeds PATH       a file, or every file of a folder, each once per seed prefix
//   --regressions DIR  every file of DIR as it is; DIR need not exist (no findings kept yet)
//   PATH               a file, or every file of a folder, as it is (inputs saved by libFuzzer)
//   --write OUT        write the inputs into the folder OUT instead of running them
#include <algorithm>
#include <cctype>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <sstream>
#include <string>
#include <vector>

#include "fuzz_target.h"

namespace {

namespace fs = std::filesystem;

struct Case {
  std::string name;  // for messages and written file names
  fs::path path;
  std::string_view prefix;
  bool seed = false;  // a plain file made an input with the prefix
};

std::string read_bytes(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

std::vector<fs::path> files_of(const fs::path& path) {
  std::vector<fs::path> out;
  if (fs::is_directory(path)) {
    for (const auto& entry : fs::directory_iterator(path))
      if (entry.is_regular_file()) out.push_back(entry.path());
  } else {
    out.push_back(path);
  }
  std::sort(out.begin(), out.end());
  return out;
}

// A file name for a written seed: the path's last parts, with anything unusual replaced.
std::string seed_name(const fs::path& path, std::size_t prefix_index) {
  std::string name = path.parent_path().filename().string() + "_" + path.filename().string() + "_" +
                     std::to_string(prefix_index);
  for (char& c : name)
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '.' && c != '-') c = '_';
  return "seed_" + name;
}

int usage(const char* program) {
  std::fprintf(stderr,
               "usage: %s [--vectors DIR] [--seeds PATH]... [--regressions DIR]... [--write OUT] [PATH]...\n",
               program);
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  using rowgate::fuzz::kSeedPrefixes;
  std::vector<Case> cases;
  fs::path write_to;
  auto add_seeds = [&](const fs::path& file) {
    for (std::size_t k = 0; k < kSeedPrefixes.size(); ++k)
      cases.push_back({seed_name(file, k), file, kSeedPrefixes[k], true});
  };
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    bool has_value = i + 1 < argc;
    if (arg == "--vectors" && has_value) {
      fs::path dir = argv[++i];
      if (!fs::is_directory(dir)) {
        std::fprintf(stderr, "%s: no folder %s\n", argv[0], dir.c_str());
        return 2;
      }
      std::vector<fs::path> folders;
      for (const auto& entry : fs::directory_iterator(dir))
        if (entry.is_directory()) folders.push_back(entry.path());
      std::sort(folders.begin(), folders.end());
      for (const auto& folder : folders)
        for (const auto& file : files_of(folder))
          if (file.filename().string().rfind(rowgate::fuzz::kSeedFilePrefix, 0) == 0) add_seeds(file);
    } else if (arg == "--seeds" && has_value) {
      fs::path path = argv[++i];
      if (!fs::exists(path)) {
        std::fprintf(stderr, "%s: no file or folder %s\n", argv[0], path.c_str());
        return 2;
      }
      for (const auto& file : files_of(path)) add_seeds(file);
    } else if (arg == "--regressions" && has_value) {
      fs::path dir = argv[++i];
      if (fs::is_directory(dir))
        for (const auto& file : files_of(dir)) cases.push_back({file.filename().string(), file, {}, false});
    } else if (arg == "--write" && has_value) {
      write_to = argv[++i];
    } else if (!arg.empty() && arg[0] == '-') {
      return usage(argv[0]);
    } else {
      if (!fs::exists(arg)) {
        std::fprintf(stderr, "%s: no file or folder %s\n", argv[0], arg.c_str());
        return 2;
      }
      for (const auto& file : files_of(arg)) cases.push_back({file.filename().string(), file, {}, false});
    }
  }

  if (!write_to.empty()) {
    fs::create_directories(write_to);
    for (const Case& c : cases) {
      std::string bytes = std::string(c.prefix) + read_bytes(c.path);
      std::ofstream(write_to / c.name, std::ios::binary) << bytes;
    }
    std::printf("wrote %zu inputs to %s\n", cases.size(), write_to.c_str());
    return 0;
  }

  for (const Case& c : cases) {
    // Printed before the run, so that a crash is seen next to the input that caused it.
    std::printf("%s (%s)\n", c.path.c_str(), c.seed ? c.name.c_str() : "as is");
    std::fflush(stdout);
    std::string bytes = std::string(c.prefix) + read_bytes(c.path);
    LLVMFuzzerTestOneInput(reinterpret_cast<const std::uint8_t*>(bytes.data()), bytes.size());
  }
  std::printf("%zu inputs replayed, no failure\n", cases.size());
  return 0;
}
