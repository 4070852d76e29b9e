// The GCC stand-in for libFuzzer's driver: runs LLVMFuzzerTestOneInput once on every file
// named on the command line, or found (recursively) in a directory named there, so CI
// without clang still replays the committed corpus and every reproducer (`--if-exists DIR`:
// a directory that may not be there yet). A failed
// FUZZ_CHECK aborts the process, so the exit status says whether every input held.
#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "fuzz/fuzz_check.hpp"

namespace {

namespace fs = std::filesystem;

bool collect(const fs::path& path, std::vector<fs::path>& files) {
  std::error_code ec;
  if (fs::is_regular_file(path, ec)) {
    files.push_back(path);
    return true;
  }
  if (!fs::is_directory(path, ec)) {
    std::fprintf(stderr, "replay: %s: no such file or directory\n", path.c_str());
    return false;
  }
  for (const auto& entry : fs::recursive_directory_iterator(path)) {
    if (entry.is_regular_file()) files.push_back(entry.path());
  }
  return true;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: %s [--if-exists] FILE_OR_DIR...\n", argv[0]);
    return 2;
  }
  std::vector<fs::path> files;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (arg == "--if-exists") {
      if (++i == argc) break;
      std::error_code ec;
      if (!fs::exists(argv[i], ec)) continue;
    }
    if (!collect(argv[i], files)) return 2;
  }
  // Sorted, so a failure names the same input first on every machine.
  std::sort(files.begin(), files.end());
  for (const fs::path& file : files) {
    std::ifstream in(file, std::ios::binary);
    const std::string bytes{std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
    if (!in.good() && !in.eof()) {
      std::fprintf(stderr, "replay: cannot read %s\n", file.c_str());
      return 2;
    }
    const std::string name = file.string();
    streamcheck::fuzz::current_input = name.c_str();
    LLVMFuzzerTestOneInput(reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size());
  }
  streamcheck::fuzz::current_input = nullptr;
  std::printf("replay: %zu inputs, every check held\n", files.size());
  return 0;
}
