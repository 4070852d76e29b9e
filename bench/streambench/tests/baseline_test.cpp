// `streambench baseline LOCAL CURRENT`: a machine records its own baseline once, replaces
// another machine's, gains the benchmarks it lacked, and never has a figure overwritten.
#include <unistd.h>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <filesystem>
#include <fstream>

#include "bench/streambench/tests/run_command.hpp"

namespace streamcheck::streambench {
namespace {

using nlohmann::json;
using testing::run_command;

json row(const std::string& name, double bytes_per_second) {
  return {{"name", name},
          {"run_name", name},
          {"run_type", "iteration"},
          {"iterations", 1},
          {"real_time", 10.0},
          {"time_unit", "ms"},
          {"bytes_per_second", bytes_per_second},
          {"sha256_ok", 1}};
}

json results(const std::string& kernel, std::vector<json> rows) {
  return {{"context",
           {{"target", "refserver-tmpfs"},
            {"root_fs", "tmpfs"},
            {"machine_cpu", "AMD EPYC"},
            {"machine_cores", "2"},
            {"machine_memory", "24 GiB"},
            {"machine_kernel", kernel},
            {"machine_virtualization", "kvm"}}},
          {"benchmarks", rows}};
}

class Dir {
 public:
  Dir()
      : path_(std::filesystem::temp_directory_path() /
              ("baseline-test-" + std::to_string(::getpid()))) {
    std::filesystem::create_directories(path_);
  }
  ~Dir() { std::filesystem::remove_all(path_); }
  std::string write(const std::string& name, const json& doc) const {
    const auto p = path_ / name;
    std::ofstream(p) << doc.dump(1);
    return p.string();
  }
  std::filesystem::path operator/(const std::string& name) const { return path_ / name; }

 private:
  std::filesystem::path path_;
};

json read(const std::filesystem::path& p) {
  std::ifstream f(p);
  return json::parse(f);
}

double figure(const json& doc, const std::string& name) {
  for (const auto& b : doc["benchmarks"])
    if (b["name"] == name) return b["bytes_per_second"].get<double>();
  return -1;
}

TEST(StreambenchBaseline, AMachineWithoutOneRecordsItsOwnInAFolderItMakes) {
  Dir dir;
  const auto current =
      dir.write("run.json", results("6.18 x86_64", {row("a/http/get/16MiB", 1e9)}));
  const auto local = (dir / "local" / "baseline.json").string();
  const auto ran = run_command(STREAMBENCH_BINARY, {"baseline", local, current});
  EXPECT_EQ(ran.status, 0) << ran.err;
  EXPECT_NE(ran.out.find("recorded " + local + ", this machine's baseline (1 benchmarks)"),
            std::string::npos)
      << ran.out;
  EXPECT_EQ(figure(read(local), "a/http/get/16MiB"), 1e9);
  EXPECT_FALSE(std::filesystem::exists(local + ".tmp"));
}

TEST(StreambenchBaseline, OnTheSameMachineOnlyMissingBenchmarksAreAdded) {
  Dir dir;
  const auto local =
      dir.write("baseline.json", results("6.18 x86_64", {row("a/http/get/16MiB", 1e9)}));
  const auto current = dir.write("run.json", results("6.18 x86_64", {row("a/http/get/16MiB", 5e8),
                                                                     row("a/http/get/1GiB", 2e9)}));
  auto ran = run_command(STREAMBENCH_BINARY, {"baseline", local, current});
  EXPECT_EQ(ran.status, 0) << ran.err;
  EXPECT_NE(ran.out.find("added 1 benchmarks"), std::string::npos) << ran.out;
  const auto doc = read(local);
  EXPECT_EQ(figure(doc, "a/http/get/16MiB"), 1e9);  // kept: a slower run does not lower it
  EXPECT_EQ(figure(doc, "a/http/get/1GiB"), 2e9);
  ran = run_command(STREAMBENCH_BINARY, {"baseline", local, current});
  EXPECT_EQ(ran.status, 0) << ran.err;
  EXPECT_NE(ran.out.find("has every benchmark"), std::string::npos) << ran.out;
  EXPECT_EQ(read(local)["benchmarks"].size(), 2u);
  // The same benchmark run more times (--min-bytes) has another decorated name, not
  // another identity: nothing is added.
  const auto repeated =
      dir.write("repeated.json",
                results("6.18 x86_64", {row("a/http/get/16MiB/iterations:16/manual_time", 4e8)}));
  ran = run_command(STREAMBENCH_BINARY, {"baseline", local, repeated});
  EXPECT_EQ(ran.status, 0) << ran.err;
  EXPECT_NE(ran.out.find("has every benchmark"), std::string::npos) << ran.out;
  EXPECT_EQ(read(local)["benchmarks"].size(), 2u);
}

TEST(StreambenchBaseline, AnotherMachinesBaselineIsReplacedAndTheReasonSaid) {
  Dir dir;
  const auto local =
      dir.write("baseline.json", results("6.1.0 x86_64", {row("a/http/get/16MiB", 1e9)}));
  const auto current =
      dir.write("run.json", results("6.18 x86_64", {row("a/http/get/16MiB", 5e8)}));
  const auto ran = run_command(STREAMBENCH_BINARY, {"baseline", local, current});
  EXPECT_EQ(ran.status, 0) << ran.err;
  EXPECT_NE(ran.out.find("replaced"), std::string::npos) << ran.out;
  EXPECT_NE(ran.out.find("machine_kernel: 6.1.0 x86_64 (baseline) vs 6.18 x86_64"),
            std::string::npos)
      << ran.out;
  EXPECT_EQ(figure(read(local), "a/http/get/16MiB"), 5e8);
}

TEST(StreambenchBaseline, UnusableInputChangesNothing) {
  Dir dir;
  const auto local =
      dir.write("baseline.json", results("6.18 x86_64", {row("a/http/get/16MiB", 1e9)}));
  const auto before = read(local);
  const auto bad = (dir / "bad.json").string();
  std::ofstream(bad) << "{ not json";
  const auto ran = run_command(STREAMBENCH_BINARY, {"baseline", local, bad});
  EXPECT_EQ(ran.status, 2);
  EXPECT_NE(ran.err.find("not JSON"), std::string::npos) << ran.err;
  EXPECT_EQ(read(local), before);
}

}  // namespace
}  // namespace streamcheck::streambench
