// streambench --warmup: the flag's values and errors, its defaults per op, real runs
// against the refserver in which the warm-ups are counted by their counter and in no
// figure, and the gate, which must not judge that counter.
#include "bench/streambench/warmup.hpp"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <cmath>
#include <filesystem>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "bench/lib/error.hpp"
#include "bench/lib/target.hpp"
#include "bench/streambench/gate.hpp"
#include "bench/streambench/tests/json_run.hpp"
#include "bench/streambench/tests/run_command.hpp"

namespace streamcheck::streambench {
namespace {

using nlohmann::json;
using testing::run_command;
using testing::run_json;
using testing::url_with_credentials;

constexpr double kSize = 4.0 * 1024 * 1024;

TEST(Warmup, ParsesZeroToTheMostAndNamesTheFlagOtherwise) {
  EXPECT_EQ(parse_warmup("0"), 0u);
  EXPECT_EQ(parse_warmup("1"), 1u);
  EXPECT_EQ(parse_warmup(std::to_string(kMaxWarmup)), kMaxWarmup);
  for (const char* bad : {"", "-1", "+1", " 1", "1 ", "1.5", "x", "101", "4294967296"}) {
    try {
      parse_warmup(bad);
      ADD_FAILURE() << "\"" << bad << "\" taken";
    } catch (const bench::Error& e) {
      EXPECT_NE(std::string(e.what()).find("--warmup: \"" + std::string(bad) + "\""),
                std::string::npos)
          << e.what();
    }
  }
}

// Every op that sends a body gets one by default, no download does; a value given is
// every op's.
TEST(Warmup, DefaultsToOneForUploadsAndNoneForDownloads) {
  // COPY and MOVE send no body, but write an object on the server as an upload does.
  const std::set<std::string> uploads = {"http-put",          "http-put-chunked", "http-post",
                                         "http-post-chunked", "ftp-stor",         "ftp-appe",
                                         "http-copy",         "http-move"};
  Options defaults;
  Options off;
  off.warmup = 0;
  Options three;
  three.warmup = 3;
  for (const auto& op : kOps) {
    SCOPED_TRACE(op.id);
    EXPECT_EQ(warmups_for(defaults, op), uploads.count(std::string(op.id)) ? 1u : 0u);
    EXPECT_EQ(warmups_for(off, op), 0u);
    EXPECT_EQ(warmups_for(three, op), 3u);
  }
}

TEST(Warmup, BadValuesAreUsageErrorsNamingTheFlag) {
  for (const char* bad : {"-1", "x", "101", ""}) {
    const auto ran = run_command(STREAMBENCH_BINARY,
                                 {"--warmup", bad, "--no-prefault", "--benchmark_list_tests"});
    EXPECT_EQ(ran.status, 3) << bad;
    EXPECT_NE(ran.err.find("--warmup"), std::string::npos) << bad << ": " << ran.err;
  }
  const auto missing = run_command(STREAMBENCH_BINARY, {"--no-prefault", "--warmup"});
  EXPECT_EQ(missing.status, 3);
  EXPECT_NE(missing.err.find("--warmup"), std::string::npos) << missing.err;
}

TEST(Warmup, HelpSaysWhatItIsAndTheCounter) {
  const auto ran = run_command(STREAMBENCH_BINARY, {"--help"});
  EXPECT_EQ(ran.status, 0);
  for (const char* words :
       {"--warmup", "Warm-up (--warmup N)", "  warmup ", "--warmup 0 turns", "at concurrency 1"})
    EXPECT_NE(ran.out.find(words), std::string::npos) << words;
}

// The rows of a run by their op ("put", "get", ...), each checked to have moved exactly
// its timed transfers' bytes: bytes_per_second is Google Benchmark's bytes processed over
// its (manual) time, so their product is the bytes counted; a warm-up counted in them
// would add a whole transfer.
std::map<std::string, json> rows_by_op(const json& doc, double transfers_per_iteration) {
  std::map<std::string, json> out;
  for (const auto& b : doc.at("benchmarks")) {
    const std::string name = b.at("name");
    SCOPED_TRACE(name);
    EXPECT_FALSE(b.value("error_occurred", false)) << b.value("error_message", "");
    EXPECT_EQ(b.at("time_unit"), "ms");
    const double iterations = b.at("iterations").get<double>();
    const double counted =
        b.at("bytes_per_second").get<double>() * b.at("real_time").get<double>() / 1e3 * iterations;
    EXPECT_NEAR(counted, kSize * transfers_per_iteration * iterations, 1.0);
    // The probe began after them: a warm-up inside it would double what the server wrote
    // (uploads) or read (downloads) per byte moved.
    EXPECT_LT(b.at("copies").get<double>(), 1.5);
    out[name.substr(0, name.find("/4MiB")).substr(name.find("/") + 1)] = b;
  }
  return out;
}

TEST(Warmup, UploadsWarmUpOnceDownloadsNotAndNoFigureCountsIt) {
  const auto [ran, doc] = run_json("streambench-warmup.json",
                                   {"--root-on", "tmpfs", "--sizes", "4MiB", "--ops",
                                    "http-put,http-get,ftp-appe", "--no-checks", "--no-progress"});
  ASSERT_EQ(ran.status, 0) << ran.err;
  const auto rows = rows_by_op(doc, 1);
  EXPECT_EQ(rows.at("http/put").at("warmup").get<double>(), 1);
  EXPECT_EQ(rows.at("http/get").at("warmup").get<double>(), 0);
  if (ran.err.find("has no FTP URL") == std::string::npos) {
    EXPECT_EQ(rows.at("ftp/appe").at("warmup").get<double>(), 1);
  }
  EXPECT_EQ(doc.at("context").at("warmup").get<std::string>().rfind(
                "1 per upload benchmark, 0 per download (default)", 0),
            0u);
}

TEST(Warmup, ZeroTurnsItOff) {
  const auto [ran, doc] =
      run_json("streambench-warmup-0.json",
               {"--root-on", "tmpfs", "--sizes", "4MiB", "--ops", "http-put,http-get",
                "--no-checks", "--no-progress", "--warmup", "0"});
  ASSERT_EQ(ran.status, 0) << ran.err;
  const auto rows = rows_by_op(doc, 1);
  EXPECT_EQ(rows.at("http/put").at("warmup").get<double>(), 0);
  EXPECT_EQ(rows.at("http/get").at("warmup").get<double>(), 0);
}

// At --concurrency 2, two warm-ups (one at a time) before a batch of two: the row counts
// the batch's bytes alone, and the warm-ups' uploads are gone from the server.
TEST(Warmup, UnderLoadTheyRunBeforeTheBatchAndLeaveNothing) {
  const auto server = bench::Target::spawn_refserver(REFSERVER_BINARY, bench::RootOn::tmpfs);
  const auto [ran, doc] = run_json(
      "streambench-warmup-c2.json",
      {"--http", url_with_credentials(*server->http), "--ftp", url_with_credentials(*server->ftp),
       "--pid", std::to_string(server->pid), "--sizes", "4MiB", "--ops", "http-post,ftp-stor",
       "--concurrency", "2", "--warmup", "2", "--no-checks", "--no-progress"});
  ASSERT_EQ(ran.status, 0) << ran.err;
  const auto rows = rows_by_op(doc, 2);
  ASSERT_EQ(rows.size(), 2u);
  for (const auto& [op, b] : rows) EXPECT_EQ(b.at("warmup").get<double>(), 2) << op;
  std::vector<std::string> left;
  for (const auto& e : std::filesystem::recursive_directory_iterator(*server->root))
    if (e.is_regular_file()) left.push_back(e.path().string());
  EXPECT_TRUE(left.empty()) << left.front();
}

// warmup is how a row was measured, not a figure of the server: a baseline without it
// (older results) or with another value gives no check on it, and the verdict is the
// figures'.
TEST(Warmup, TheGateDoesNotJudgeTheCounter) {
  const auto result = [](std::optional<double> warmup) {
    Results r;
    r.target = "refserver";
    BenchResult b;
    b.name = "refserver/http/put/16MiB";
    b.figures = {{"bytes_per_second", 8e8}, {"ttfb_us", 300}, {"sha256_ok", 1},     {"fd_delta", 0},
                 {"deleted_open", 0},       {"copies", 1.0},  {"rss_peak_kib", 100}};
    if (warmup) b.figures["warmup"] = *warmup;
    r.benchmarks.push_back(b);
    return r;
  };
  GateRules rules;
  rules.ratios = GateRules::Ratios::always;
  for (const auto& [base, current] :
       std::vector<std::pair<std::optional<double>, std::optional<double>>>{
           {std::nullopt, 1.0}, {0.0, 1.0}, {5.0, 0.0}, {1.0, std::nullopt}}) {
    for (const auto& c : run_gate(result(base), result(current), rules)) {
      EXPECT_EQ(c.check.find("warmup"), std::string::npos) << c.check;
      EXPECT_NE(c.verdict, Verdict::fail) << c.benchmark << " " << c.check;
    }
  }
}

}  // namespace
}  // namespace streamcheck::streambench
