// `streambench gate` on fixture files: a good run passes; each broken invariant and
// each ratio beyond its limit gives exit 1 and a FAIL row naming the benchmark and the
// check; unusable input gives exit 2.
#include <unistd.h>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <filesystem>
#include <fstream>
#include <functional>
#include <ostream>
#include <regex>
#include <sstream>

#include "bench/streambench/tests/run_command.hpp"

namespace streamcheck::streambench {
namespace {

using nlohmann::json;
using testing::run_command;

json bench(const std::string& name, double bytes_per_second, double ttfb_us, double rss_kib,
           double first_byte_read_kib) {
  return {{"name", name},
          {"run_name", name},
          {"run_type", "iteration"},
          {"iterations", 1},
          {"real_time", 20.0},
          {"cpu_time", 1.0},
          {"time_unit", "ms"},
          {"bytes_per_second", bytes_per_second},
          {"ttfb_us", ttfb_us},
          {"rss_peak_kib", rss_kib},
          {"copies", 1.0},
          {"first_byte_read_kib", first_byte_read_kib},
          {"fd_delta", 0},
          {"deleted_open", 0},
          {"sha256_ok", 1},
          {"cpu_ms_per_gib", 300},
          {"harness_rss_kib", 9000},
          {"probe_samples", 4}};
}

// A plausible streambench run of the refserver: GET and PUT at 16 and 64 MiB.
json good_run() {
  json doc;
  doc["context"] = {{"date", "2025-01-01T00:00:00+00:00"},
                    {"target", "refserver"},
                    {"root_fs", "tmpfs"},
                    {"machine_cpu", "AMD EPYC"},
                    {"machine_cores", "2"},
                    {"machine_memory", "24 GiB"},
                    {"machine_kernel", "6.18.44 x86_64"},
                    {"machine_virtualization", "kvm"}};
  doc["benchmarks"] = json::array({
      bench("refserver/http/get/16MiB", 1.5e9, 400, 300, 2048),
      bench("refserver/http/put/16MiB", 1.0e9, 200, 400, 0),
      bench("refserver/http/get/64MiB", 1.6e9, 420, 310, 3000),
      bench("refserver/http/put/64MiB", 1.1e9, 210, 500, 0),
  });
  return doc;
}

class Fixture {
 public:
  Fixture(const std::string& tag, const json& doc)
      : path_(std::filesystem::temp_directory_path() /
              ("gate-" + tag + "-" + std::to_string(::getpid()) + ".json")) {
    std::ofstream(path_) << doc.dump(1);
  }
  Fixture(const std::string& tag, const std::string& text)
      : path_(std::filesystem::temp_directory_path() /
              ("gate-" + tag + "-" + std::to_string(::getpid()) + ".json")) {
    std::ofstream(path_) << text;
  }
  ~Fixture() { std::filesystem::remove(path_); }
  std::string path() const { return path_.string(); }

 private:
  std::filesystem::path path_;
};

json& find(json& doc, const std::string& name) {
  for (auto& b : doc["benchmarks"])
    if (b["name"] == name) return b;
  throw std::runtime_error("no " + name);
}

// The table row of `benchmark` and `check`, or "".
std::string row(const std::string& out, const std::string& benchmark, const std::string& check) {
  std::istringstream s(out);
  for (std::string line; std::getline(s, line);) {
    std::istringstream words(line);
    std::string first, second;
    words >> first >> second;
    if (first == benchmark && second == check) return line;
  }
  return "";
}

testing::Ran gate(const json& baseline, const json& current, std::vector<std::string> more = {}) {
  Fixture b("baseline", baseline), c("current", current);
  std::vector<std::string> args = {"gate", b.path(), c.path()};
  args.insert(args.end(), more.begin(), more.end());
  return run_command(STREAMBENCH_BINARY, args);
}

TEST(StreambenchGate, AGoodRunPassesEveryCheck) {
  const auto ran = gate(good_run(), good_run());
  EXPECT_EQ(ran.status, 0) << ran.out << ran.err;
  EXPECT_NE(ran.out.find("gate: PASS"), std::string::npos) << ran.out;
  // Every kind of check is in the table.
  for (const char* check :
       {"sha256_ok", "fd_delta", "deleted_open", "copies", "throughput", "ttfb"})
    EXPECT_NE(row(ran.out, "refserver/http/put/64MiB", check), "") << check << "\n" << ran.out;
  EXPECT_NE(row(ran.out, "refserver/http/get", "flat_memory"), "") << ran.out;
  EXPECT_NE(row(ran.out, "refserver/http/get/64MiB", "first_byte_read"), "") << ran.out;
  EXPECT_EQ(ran.out.find("FAIL"), std::string::npos) << ran.out;
}

struct Breakage {
  const char* what;
  const char* benchmark;  // the row that must fail
  const char* check;
  std::function<void(json&)> apply;
};

// Test names and messages show the case's name, not its bytes.
void PrintTo(const Breakage& b, std::ostream* os) {
  *os << b.what;
}

class StreambenchGateBreaks : public ::testing::TestWithParam<Breakage> {};

TEST_P(StreambenchGateBreaks, ExitsOneNamingTheCheck) {
  const auto& b = GetParam();
  auto current = good_run();
  b.apply(current);
  const auto ran = gate(good_run(), current);
  EXPECT_EQ(ran.status, 1) << ran.out << ran.err;
  const auto line = row(ran.out, b.benchmark, b.check);
  ASSERT_NE(line, "") << ran.out;
  EXPECT_TRUE(line.ends_with("FAIL")) << line;
  EXPECT_NE(ran.out.find("gate: FAIL"), std::string::npos);
  // Only that row fails (the others are untouched).
  std::size_t fails = 0;
  for (auto at = ran.out.find("  FAIL\n"); at != std::string::npos;
       at = ran.out.find("  FAIL\n", at + 1))
    ++fails;
  EXPECT_EQ(fails, 1u) << ran.out;
}

INSTANTIATE_TEST_SUITE_P(
    EachInvariantAndRatio, StreambenchGateBreaks,
    ::testing::Values(
        Breakage{"sha256", "refserver/http/put/16MiB", "sha256_ok",
                 [](json& d) { find(d, "refserver/http/put/16MiB")["sha256_ok"] = 0; }},
        Breakage{"fd_delta", "refserver/http/put/64MiB", "fd_delta",
                 [](json& d) { find(d, "refserver/http/put/64MiB")["fd_delta"] = 1; }},
        Breakage{"deleted_open", "refserver/http/put/64MiB", "deleted_open",
                 [](json& d) { find(d, "refserver/http/put/64MiB")["deleted_open"] = 2; }},
        Breakage{"copies", "refserver/http/put/16MiB", "copies",
                 [](json& d) { find(d, "refserver/http/put/16MiB")["copies"] = 2.0; }},
        Breakage{"memory", "refserver/http/put", "flat_memory",
                 [](json& d) { find(d, "refserver/http/put/64MiB")["rss_peak_kib"] = 65536; }},
        Breakage{
            "first_byte", "refserver/http/get/64MiB", "first_byte_read",
            [](json& d) { find(d, "refserver/http/get/64MiB")["first_byte_read_kib"] = 65536; }},
        Breakage{"throughput", "refserver/http/get/16MiB", "throughput",
                 [](json& d) { find(d, "refserver/http/get/16MiB")["bytes_per_second"] = 2e8; }},
        Breakage{"ttfb", "refserver/http/get/64MiB", "ttfb",
                 [](json& d) { find(d, "refserver/http/get/64MiB")["ttfb_us"] = 2e6; }},
        Breakage{"error", "refserver/http/put/16MiB", "ran",
                 [](json& d) {
                   auto& b = find(d, "refserver/http/put/16MiB");
                   b = {{"name", b["name"]},
                        {"run_name", b["name"]},
                        {"run_type", "iteration"},
                        {"error_occurred", true},
                        {"error_message", "PUT answered 500"}};
                 }}),
    [](const ::testing::TestParamInfo<Breakage>& p) { return std::string(p.param.what); });

TEST(StreambenchGate, OneSizeChecksItsPeakAgainstTheMemoryLimit) {
  json current = good_run();
  auto& rows = current["benchmarks"];
  rows.erase(rows.begin() + 2, rows.end());  // only the 16 MiB rows
  find(current, "refserver/http/put/16MiB")["rss_peak_kib"] = 16384;
  const auto ran = gate(good_run(), current);
  EXPECT_EQ(ran.status, 1) << ran.out;
  EXPECT_TRUE(row(ran.out, "refserver/http/put", "flat_memory").ends_with("FAIL")) << ran.out;
  // The baseline's 64 MiB rows are listed as missing, not silently ignored.
  EXPECT_NE(row(ran.out, "refserver/http/get/64MiB", "in").find("missing"), std::string::npos)
      << ran.out;
}

// Under load (.../cN, N > 1) one size's peak is N connections' worth: what is judged is
// the memory of each.
TEST(StreambenchGate, OneSizeUnderLoadChecksItsMemoryPerConnection) {
  json current = good_run();
  auto load = bench("refserver/http/put/16MiB/c1000", 1.0e9, 200, 256000, 0);
  load["rss_per_conn_kib"] = 256;
  current["benchmarks"] = json::array({load});
  const auto ran = gate(current, current);
  EXPECT_EQ(ran.status, 0) << ran.out;
  EXPECT_TRUE(row(ran.out, "refserver/http/put/c1000", "memory_per_conn").ends_with("ok"))
      << ran.out;
  EXPECT_EQ(row(ran.out, "refserver/http/put/c1000", "flat_memory"), "") << ran.out;
  current["benchmarks"][0]["rss_per_conn_kib"] = 16384;
  const auto fat = gate(current, current);
  EXPECT_EQ(fat.status, 1) << fat.out;
  EXPECT_TRUE(row(fat.out, "refserver/http/put/c1000", "memory_per_conn").ends_with("FAIL"))
      << fat.out;
}

TEST(StreambenchGate, MissingAndNewBenchmarksAreListed) {
  json current = good_run();
  current["benchmarks"].erase(0);  // http/get/16MiB gone
  current["benchmarks"].push_back(bench("refserver/ftp/retr/16MiB", 1e9, 500, 300, 1000));
  auto ran = gate(good_run(), current);
  EXPECT_EQ(ran.status, 0) << ran.out;
  EXPECT_NE(row(ran.out, "refserver/http/get/16MiB", "in").find("missing"), std::string::npos)
      << ran.out;
  EXPECT_NE(row(ran.out, "refserver/ftp/retr/16MiB", "in").find("new"), std::string::npos)
      << ran.out;
  ran = gate(good_run(), current, {"--fail-on-missing"});
  EXPECT_EQ(ran.status, 1) << ran.out;
  EXPECT_TRUE(row(ran.out, "refserver/http/get/16MiB", "in").ends_with("FAIL")) << ran.out;
}

TEST(StreambenchGate, LimitsComeFromARulesFileAndFlags) {
  json current = good_run();
  find(current, "refserver/http/put/16MiB")["copies"] = 2.0;
  find(current, "refserver/http/get/16MiB")["bytes_per_second"] = 2e8;
  Fixture rules("rules", json{{"copies_max", 2.5}, {"throughput_min_ratio", 0.1}});
  auto ran = gate(good_run(), current, {"--rules", rules.path()});
  EXPECT_EQ(ran.status, 0) << ran.out << ran.err;
  // A flag overrides the file.
  ran = gate(good_run(), current, {"--rules", rules.path(), "--copies-max", "1.5"});
  EXPECT_EQ(ran.status, 1) << ran.out;
  EXPECT_TRUE(row(ran.out, "refserver/http/put/16MiB", "copies").ends_with("FAIL")) << ran.out;
  EXPECT_FALSE(row(ran.out, "refserver/http/get/16MiB", "throughput").ends_with("FAIL")) << ran.out;
  Fixture bad_rules("bad-rules", json{{"copies_maximum", 2}});
  ran = gate(good_run(), current, {"--rules", bad_rules.path()});
  EXPECT_EQ(ran.status, 2);
  EXPECT_NE(ran.err.find("unknown key \"copies_maximum\""), std::string::npos) << ran.err;
}

TEST(StreambenchGate, RatioSkipListsTheSkippedAndKeepsTheirInvariants) {
  json current = good_run();
  find(current, "refserver/http/get/16MiB")["bytes_per_second"] = 1e6;
  find(current, "refserver/http/get/16MiB")["fd_delta"] = 1;
  const auto ran = gate(good_run(), current, {"--ratio-skip", "/http/get/"});
  EXPECT_EQ(ran.status, 1) << ran.out;
  EXPECT_EQ(row(ran.out, "refserver/http/get/16MiB", "throughput"), "") << ran.out;
  EXPECT_NE(row(ran.out, "refserver/http/get/16MiB", "ratios").find("skipped"), std::string::npos)
      << ran.out;
  EXPECT_TRUE(row(ran.out, "refserver/http/get/16MiB", "fd_delta").ends_with("FAIL")) << ran.out;
  const auto bad = gate(good_run(), good_run(), {"--ratio-skip", "("});
  EXPECT_EQ(bad.status, 2);
  EXPECT_NE(bad.err.find("invalid regex"), std::string::npos) << bad.err;
}

// The harness's check on itself is no figure of the server: no ratio, even without rules.
TEST(StreambenchGate, TheChecksRowIsNeverComparedByRatio) {
  json baseline = good_run(), current = good_run();
  baseline["benchmarks"].push_back(bench("refserver/http/get/64MiB/checks", 3e9, 0, 0, 0));
  current["benchmarks"].push_back(bench("refserver/http/get/64MiB/checks", 1e6, 0, 0, 0));
  const auto ran = gate(baseline, current);
  EXPECT_EQ(ran.status, 0) << ran.out;
  EXPECT_EQ(row(ran.out, "refserver/http/get/64MiB/checks", "throughput"), "") << ran.out;
  EXPECT_NE(row(ran.out, "refserver/http/get/64MiB/checks", "ratios").find("not compared"),
            std::string::npos)
      << ran.out;
  EXPECT_NE(row(ran.out, "refserver/http/get/64MiB/checks", "sha256_ok"), "") << ran.out;
}

TEST(StreambenchGate, FewerDescriptorsAfterwardsIsNoLeak) {
  json current = good_run();
  find(current, "refserver/http/put/64MiB")["fd_delta"] = -1;
  const auto ran = gate(good_run(), current, {});
  EXPECT_EQ(ran.status, 0) << ran.out;
  EXPECT_TRUE(row(ran.out, "refserver/http/put/64MiB", "fd_delta").ends_with("ok")) << ran.out;
}

TEST(StreambenchGate, RepetitionsAreJudgedByTheirMedian) {
  json current = good_run();
  auto& get = find(current, "refserver/http/get/16MiB");
  json slow = get, fast = get;
  slow["bytes_per_second"] = 1e8;  // one bad repetition among three
  current["benchmarks"].push_back(slow);
  current["benchmarks"].push_back(fast);
  const auto ran = gate(good_run(), current);
  EXPECT_EQ(ran.status, 0) << ran.out;
}

// Repetitions of a counter that stays 0 have a coefficient of variation of 0/0, which
// Google Benchmark writes as NaN: not JSON, but no reason to refuse the run.
TEST(StreambenchGate, ReadsTheNaNOfAnAggregate) {
  json current = good_run();
  auto cv = find(current, "refserver/http/get/16MiB");
  cv["run_type"] = "aggregate";
  cv["aggregate_name"] = "cv";
  cv["fd_delta"] = "@NaN@";
  cv["copies"] = "@-Infinity@";
  current["benchmarks"].push_back(cv);
  const auto text = std::regex_replace(current.dump(1), std::regex("\"@(-?\\w+)@\""), "$1");
  ASSERT_NE(text.find(": NaN,"), std::string::npos);
  Fixture raw("nan", text);
  const auto ran = run_command(STREAMBENCH_BINARY, {"gate", raw.path(), raw.path()});
  EXPECT_EQ(ran.status, 0) << ran.out << ran.err;
}

// A run whose throughput fell to a fifth and whose first byte came 10x later: a regression
// on the same machine, and no evidence of one on another.
json slower_run() {
  json current = good_run();
  find(current, "refserver/http/put/16MiB")["bytes_per_second"] = 2e8;
  find(current, "refserver/http/get/64MiB")["ttfb_us"] = 2e6;
  return current;
}

TEST(StreambenchGate, OnAnotherMachineRatiosAreNotesAndInvariantsStillFail) {
  for (const auto& [key, value] :
       std::vector<std::pair<std::string, std::string>>{{"machine_cpu", "Intel Xeon"},
                                                        {"machine_cores", "8"},
                                                        {"machine_memory", "64 GiB"},
                                                        {"machine_kernel", "6.1.0 x86_64"},
                                                        {"machine_virtualization", "none"},
                                                        {"root_fs", "ext4"}}) {
    SCOPED_TRACE(key);
    json current = slower_run();
    current["context"][key] = value;
    auto ran = gate(good_run(), current);
    EXPECT_EQ(ran.status, 0) << ran.out;
    EXPECT_NE(ran.out.find("gate: PASS"), std::string::npos) << ran.out;
    const auto tput = row(ran.out, "refserver/http/put/16MiB", "throughput");
    EXPECT_TRUE(tput.ends_with("note")) << ran.out;
    EXPECT_NE(tput.find("not met, other machine"), std::string::npos) << tput;
    EXPECT_TRUE(row(ran.out, "refserver/http/get/64MiB", "ttfb").ends_with("note")) << ran.out;
    // The reason names the field that differs, with both values.
    EXPECT_NE(ran.out.find("machine: not the baseline's (" + key + ": "), std::string::npos)
        << ran.out;
    EXPECT_NE(ran.out.find(value), std::string::npos) << ran.out;
    // The invariants are the machine's no more than the server's: they still fail.
    find(current, "refserver/http/put/64MiB")["copies"] = 2.0;
    ran = gate(good_run(), current);
    EXPECT_EQ(ran.status, 1) << ran.out;
    EXPECT_TRUE(row(ran.out, "refserver/http/put/64MiB", "copies").ends_with("FAIL")) << ran.out;
    // Asked for, the ratios are judged all the same.
    json elsewhere = slower_run();
    elsewhere["context"] = current["context"];
    ran = gate(good_run(), elsewhere, {"--ratios", "always"});
    EXPECT_EQ(ran.status, 1) << ran.out;
    EXPECT_TRUE(row(ran.out, "refserver/http/put/16MiB", "throughput").ends_with("FAIL"))
        << ran.out;
  }
}

TEST(StreambenchGate, OnTheSameMachineRatiosStayFailures) {
  const auto ran = gate(good_run(), slower_run());
  EXPECT_EQ(ran.status, 1) << ran.out;
  EXPECT_TRUE(row(ran.out, "refserver/http/put/16MiB", "throughput").ends_with("FAIL")) << ran.out;
  EXPECT_TRUE(row(ran.out, "refserver/http/get/64MiB", "ttfb").ends_with("FAIL")) << ran.out;
  EXPECT_NE(ran.out.find("machine: the baseline's"), std::string::npos) << ran.out;
}

// What a test on a shared runner asks for: speed is printed, never judged; the invariants
// still are.
TEST(StreambenchGate, RatiosNeverGivesNotesOnTheSameMachineAndInvariantsStillFail) {
  auto ran = gate(good_run(), slower_run(), {"--ratios", "never"});
  EXPECT_EQ(ran.status, 0) << ran.out;
  const auto tput = row(ran.out, "refserver/http/put/16MiB", "throughput");
  EXPECT_TRUE(tput.ends_with("note")) << ran.out;
  EXPECT_NE(tput.find("not met, not judged"), std::string::npos) << tput;
  EXPECT_NE(ran.out.find("machine: the baseline's; throughput and TTFB are notes, not judged"),
            std::string::npos)
      << ran.out;
  json broken = slower_run();
  find(broken, "refserver/http/put/64MiB")["fd_delta"] = 3.0;
  ran = gate(good_run(), broken, {"--ratios", "never"});
  EXPECT_EQ(ran.status, 1) << ran.out;
  EXPECT_TRUE(row(ran.out, "refserver/http/put/64MiB", "fd_delta").ends_with("FAIL")) << ran.out;
  ran = gate(good_run(), slower_run(), {"--ratios", "sometimes"});
  EXPECT_EQ(ran.status, 2) << ran.out;
  EXPECT_NE((ran.out + ran.err).find("\"sometimes\" is not same-machine, always or never"),
            std::string::npos)
      << ran.out << ran.err;
}

// A baseline made before streambench recorded its machine proves nothing about this one.
TEST(StreambenchGate, ABaselineWithoutAMachineGivesNotes) {
  json baseline = good_run();
  for (const auto& key : {"machine_cpu", "machine_cores", "machine_memory", "machine_kernel",
                          "machine_virtualization"})
    baseline["context"].erase(key);
  auto ran = gate(baseline, slower_run());
  EXPECT_EQ(ran.status, 0) << ran.out;
  EXPECT_NE(ran.out.find("the baseline records no machine"), std::string::npos) << ran.out;
  EXPECT_TRUE(row(ran.out, "refserver/http/put/16MiB", "throughput").ends_with("note")) << ran.out;
  Fixture rules("across-rules", json{{"ratios", "always"}});
  ran = gate(baseline, slower_run(), {"--rules", rules.path()});
  EXPECT_EQ(ran.status, 1) << ran.out;
}

// Found by the fuzz target gate_json: each of these ended the gate in std::terminate.
TEST(StreambenchGate, FieldsOfAnotherTypeAreUnusableInput) {
  Fixture good("good", good_run());
  for (const auto& [key, value] : std::vector<std::pair<std::string, json>>{
           {"run_name", 5}, {"error_occurred", "yes"}, {"run_type", json::array()}}) {
    auto entry = bench("refserver/http/get/1MiB", 1e9, 100, 100, 10);
    entry[key] = value;
    Fixture odd("odd", json{{"context", {{"target", "x"}}}, {"benchmarks", json::array({entry})}});
    const auto ran = run_command(STREAMBENCH_BINARY, {"gate", good.path(), odd.path()});
    EXPECT_EQ(ran.status, 2) << key << ran.err;
    EXPECT_NE(ran.err.find(key), std::string::npos) << ran.err;
  }
  Fixture overflow("overflow",
                   std::string("{\"context\": {\"target\": \"x\"}, \"benchmarks\": "
                               "[{\"name\": \"a/http/get/1KiB\", \"copies\": 1e999}]}"));
  const auto ran = run_command(STREAMBENCH_BINARY, {"gate", good.path(), overflow.path()});
  EXPECT_EQ(ran.status, 2) << ran.err;
  EXPECT_NE(ran.err.find("not JSON"), std::string::npos) << ran.err;
  auto entry = bench("refserver/http/get/1MiB/c99999999999999999999999", 1e9, 100, 100, 10);
  Fixture many("many", json{{"context", {{"target", "x"}}}, {"benchmarks", json::array({entry})}});
  EXPECT_EQ(run_command(STREAMBENCH_BINARY, {"gate", many.path(), many.path()}).status, 0);
}

TEST(StreambenchGate, UnusableInputExitsTwo) {
  Fixture good("good", good_run());
  Fixture text("text", std::string("hello, not json"));
  Fixture other("other", json{{"rows", json::array()}});
  Fixture plain_gbench("plain", json{{"context", {{"date", "x"}}},
                                     {"benchmarks", json::array({{{"name", "BM_x"}}})}});
  Fixture empty("empty", json{{"context", {{"target", "x"}}}, {"benchmarks", json::array()}});
  for (const auto& [file, words] : std::vector<std::pair<std::string, std::string>>{
           {text.path(), "not JSON"},
           {other.path(), "not a Google Benchmark JSON file"},
           {plain_gbench.path(), "not from streambench"},
           {empty.path(), "no benchmarks"},
           {"/nonexistent/results.json", "cannot read"}}) {
    const auto ran = run_command(STREAMBENCH_BINARY, {"gate", good.path(), file});
    EXPECT_EQ(ran.status, 2) << file << ran.out;
    EXPECT_NE(ran.err.find(words), std::string::npos) << ran.err;
  }
  EXPECT_EQ(run_command(STREAMBENCH_BINARY, {"gate", good.path()}).status, 2);
  EXPECT_EQ(run_command(STREAMBENCH_BINARY, {"gate", "--help"}).status, 0);
}

}  // namespace
}  // namespace streamcheck::streambench
