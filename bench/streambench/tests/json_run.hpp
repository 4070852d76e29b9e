// Test helpers: streambench run to its end with its results read back as JSON (as the gate
// reads them), and what attaching it to a server needs. For the test binaries that define
// STREAMBENCH_BINARY and link sc_streambench.
#pragma once

#include <unistd.h>

#include <nlohmann/json.hpp>

#include <filesystem>
#include <string>
#include <vector>

#include "bench/lib/url.hpp"
#include "bench/streambench/gate.hpp"
#include "bench/streambench/tests/run_command.hpp"

namespace streamcheck::streambench::testing {

// An attach URL of a spawned server, credentials included.
inline std::string url_with_credentials(const bench::Url& u) {
  return u.scheme + "://" + u.user + ":" + u.password + "@" + u.authority() + "/";
}

class TempFile {
 public:
  explicit TempFile(const std::string& name)
      : path_(std::filesystem::temp_directory_path() / (name + "-" + std::to_string(::getpid()))) {}
  ~TempFile() { std::filesystem::remove(path_); }
  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

// streambench with `args`, its results written as JSON and read back (`doc` stays null
// when the run failed). With a `wrapper` (e.g. {"sh", "-c", "ulimit -Sn 1024; exec \"$@\"",
// "sh"}), streambench is run as its last arguments.
struct JsonRun {
  Ran ran;
  nlohmann::json doc;
};
inline JsonRun run_json(const std::string& file, std::vector<std::string> args,
                        std::vector<std::string> wrapper = {}) {
  TempFile out(file);
  args.push_back("--benchmark_out=" + out.path().string());
  args.push_back("--benchmark_out_format=json");
  if (!wrapper.empty()) {
    args.insert(args.begin(), STREAMBENCH_BINARY);
    args.insert(args.begin(), wrapper.begin() + 1, wrapper.end());
  }
  JsonRun r{run_command(wrapper.empty() ? STREAMBENCH_BINARY : wrapper.front(), args), nullptr};
  if (r.ran.status == 0) r.doc = read_results_json(out.path().string());
  return r;
}

}  // namespace streamcheck::streambench::testing
