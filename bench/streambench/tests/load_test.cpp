// streambench's load mode end to end: N transfers at once against the real refserver,
// every load counter written and consistent with the others, sweeps named per N, and a
// thousand transfers at once from a harness started with the usual soft limit of 1024
// descriptors.
#include <sys/resource.h>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <set>
#include <string>
#include <vector>

#include "bench/lib/target.hpp"
#include "bench/streambench/gate.hpp"
#include "bench/streambench/tests/json_run.hpp"
#include "bench/streambench/tests/run_command.hpp"

namespace streamcheck::streambench {
namespace {

using nlohmann::json;
using testing::run_command;
using testing::run_json;
using testing::TempFile;
using testing::url_with_credentials;

double counter(const json& b, const char* name) {
  EXPECT_TRUE(b.contains(name)) << name;
  return b.value(name, -1.0);
}

// The benchmark rows, by name as the gate reads them.
std::map<std::string, json> by_name(const json& doc) {
  std::map<std::string, json> out;
  for (const auto& b : doc.at("benchmarks")) out[benchmark_name(b)] = b;
  return out;
}

// A row at concurrency `n`, one iteration, every transfer checked: its load counters say
// the same thing as each other and as the row's time.
void expect_load_counters(const json& b, double n) {
  EXPECT_FALSE(b.value("error_occurred", false)) << b.value("error_message", "");
  EXPECT_EQ(counter(b, "sha256_ok"), 1);  // a transfer that was not byte-exact fails the row
  const double p50 = counter(b, "ttfb_p50_us"), p90 = counter(b, "ttfb_p90_us"),
               p99 = counter(b, "ttfb_p99_us"), max = counter(b, "ttfb_max_us");
  EXPECT_GT(p50, 0);
  EXPECT_LE(p50, p90);
  EXPECT_LE(p90, p99);
  EXPECT_LE(p99, max);
  EXPECT_LE(counter(b, "ttfb_us"), max);  // the mean
  // No transfer's first byte comes after the batch ended (the row's time, in ms).
  EXPECT_LE(max, 1000 * b.at("real_time").get<double>() * 1.001);
  // The slowest transfer is the one that ended the batch: its bytes over the batch's time,
  // N of them, are the aggregate (exact: the minimum is not bucketed).
  const double slowest = counter(b, "transfer_mbps_min") * 1e6;
  const double aggregate = counter(b, "bytes_per_second");
  EXPECT_NEAR(slowest * n, aggregate, aggregate * 1e-3);
  EXPECT_LE(counter(b, "transfer_mbps_min"), counter(b, "transfer_mbps_p50"));
  // Every session was open at the peak: N of them at least.
  EXPECT_GE(counter(b, "fd_peak"), n);
  EXPECT_LE(counter(b, "fd_delta"), 0);
  EXPECT_EQ(counter(b, "deleted_open"), 0);
  // Per connection: the growth from before the sessions opened, so at least the growth
  // during the transfers (rss_peak_kib) / N; more by what an idle session holds, which
  // for the refserver is far under 1 MiB.
  const double per_conn = counter(b, "rss_per_conn_kib");
  const double peak = counter(b, "rss_peak_kib");
  EXPECT_GE(per_conn * n + 256, peak);
  EXPECT_LE(per_conn, peak / n + 1024);
}

TEST(StreambenchLoad, SixtyFourAtOnceWriteEveryLoadCounter) {
  const auto [ran, doc] =
      run_json("streambench-load.json", {"--root-on", "tmpfs", "--sizes", "256KiB", "--ops",
                                         "http-get,http-put,ftp-retr,ftp-stor", "--concurrency",
                                         "64", "--no-checks", "--no-progress"});
  ASSERT_EQ(ran.status, 0) << ran.err;
  const auto rows = by_name(doc);
  std::set<std::string> names;
  for (const auto& [name, b] : rows) {
    SCOPED_TRACE(name);
    names.insert(name);
    EXPECT_EQ(b.at("iterations").get<int>(), 1);
    expect_load_counters(b, 64);
  }
  std::set<std::string> want = {"refserver/http/get/256KiB/c64", "refserver/http/put/256KiB/c64"};
  if (ran.err.find("has no FTP URL") == std::string::npos)
    want.insert({"refserver/ftp/retr/256KiB/c64", "refserver/ftp/stor/256KiB/c64"});
  EXPECT_EQ(names, want);
  EXPECT_EQ(doc.at("context").at("concurrency"), "64");
}

// A sweep names every row by its N, /c1 too; one value keeps the names of before sweeps
// (none for 1), which the committed baseline holds. The gate pairs them by those names.
TEST(StreambenchLoad, SweepNamesEachRowByItsConcurrency) {
  TempFile sweep_json("streambench-sweep.json");
  const auto sweep =
      run_command(STREAMBENCH_BINARY,
                  {"--root-on", "tmpfs", "--sizes", "256KiB", "--ops", "http-get,ftp-stor",
                   "--concurrency", "1,8", "--no-checks", "--no-progress",
                   "--benchmark_out=" + sweep_json.path().string(), "--benchmark_out_format=json"});
  ASSERT_EQ(sweep.status, 0) << sweep.err;
  const auto rows = by_name(read_results_json(sweep_json.path().string()));
  std::set<std::string> names;
  for (const auto& [name, b] : rows) names.insert(name);
  std::set<std::string> want = {"refserver/http/get/256KiB/c1", "refserver/http/get/256KiB/c8"};
  if (sweep.err.find("has no FTP URL") == std::string::npos)
    want.insert({"refserver/ftp/stor/256KiB/c1", "refserver/ftp/stor/256KiB/c8"});
  EXPECT_EQ(names, want);
  for (const auto& [name, b] : rows) {
    SCOPED_TRACE(name);
    expect_load_counters(b, name.ends_with("/c8") ? 8 : 1);
  }
  const auto gate = run_command(STREAMBENCH_BINARY,
                                {"gate", sweep_json.path().string(), sweep_json.path().string(),
                                 "--ratios", "always", "--fail-on-missing",
                                 // 256 KiB fit in the socket buffers whole at once
                                 "--first-byte-read-fraction", "1"});
  EXPECT_EQ(gate.status, 0) << gate.out;
  EXPECT_EQ(gate.out.find("new"), std::string::npos) << "a row not paired by name:\n" << gate.out;

  for (const auto& [n, name] : {std::pair{"1", "refserver/http/get/256KiB"},
                                std::pair{"8", "refserver/http/get/256KiB/c8"}}) {
    const auto [ran, doc] =
        run_json("streambench-one-n.json", {"--root-on", "tmpfs", "--sizes", "256KiB", "--ops",
                                            "http-get", "--concurrency", n, "--no-checks"});
    ASSERT_EQ(ran.status, 0) << ran.err;
    const auto one = by_name(doc);
    ASSERT_EQ(one.size(), 1u);
    EXPECT_EQ(one.begin()->first, name);
  }
}

// Each repetition's row has the percentiles of its own transfers; over all of them they
// are merged, not averaged, and said at the end.
TEST(StreambenchLoad, RepetitionsMergeTheirFirstBytes) {
  const auto [ran, doc] =
      run_json("streambench-repeated.json",
               {"--root-on", "tmpfs", "--sizes", "256KiB", "--ops", "http-get", "--concurrency",
                "4", "--no-checks", "--no-progress", "--benchmark_repetitions=3"});
  ASSERT_EQ(ran.status, 0) << ran.err;
  int rows = 0;
  for (const auto& b : doc.at("benchmarks")) {
    if (b.value("run_type", "") != "iteration") continue;
    ++rows;
    expect_load_counters(b, 4);
  }
  EXPECT_EQ(rows, 3);
  EXPECT_NE(ran.err.find("refserver/http/get/256KiB/c4: first byte over its 3 repetitions (12 "
                         "transfers, merged): p50 "),
            std::string::npos)
      << ran.err;
}

TEST(StreambenchLoad, RejectsABadConcurrencyList) {
  for (const char* bad : {"0", "10001", "1,,2", "8,8", "x", "16,", ",16", "-1", "+4", " 4", ""}) {
    // Were it taken, only the list of benchmarks would be printed.
    const auto ran = run_command(STREAMBENCH_BINARY,
                                 {"--concurrency", bad, "--no-prefault", "--benchmark_list_tests"});
    EXPECT_EQ(ran.status, 3) << bad;
    EXPECT_NE(ran.err.find("--concurrency"), std::string::npos) << bad << ": " << ran.err;
  }
}

// A thousand transfers at once, from a harness started under a soft limit of 1024
// descriptors (it needs three per HTTP transfer): it raises its own to the hard limit.
// The server is the test's, with room for them all, so that only the harness's limit is
// tested here.
TEST(StreambenchLoad, AThousandAtOnceFromASoftLimitOf1024) {
  rlimit limit{};
  ASSERT_EQ(::getrlimit(RLIMIT_NOFILE, &limit), 0);
  if (limit.rlim_max < 4 * 1000 + 64)
    GTEST_SKIP() << "the hard limit on open files (" << limit.rlim_max << ") is too low";
  limit.rlim_cur = limit.rlim_max;  // for the server spawned next, which inherits it
  ASSERT_EQ(::setrlimit(RLIMIT_NOFILE, &limit), 0);
  const auto server = bench::Target::spawn_refserver(REFSERVER_BINARY, bench::RootOn::tmpfs,
                                                     {"--max-connections", "4096"});
  const auto [ran, doc] =
      run_json("streambench-thousand.json",
               {"--http", url_with_credentials(*server->http), "--pid", std::to_string(server->pid),
                "--root", server->root->string(), "--sizes", "64KiB", "--ops", "http-get,http-put",
                "--concurrency", "1000", "--no-checks", "--no-progress", "--no-prefault"},
               {"/bin/sh", "-c", "ulimit -Sn 1024 && exec \"$@\"", "sh"});
  ASSERT_EQ(ran.status, 0) << ran.err;
  EXPECT_EQ(ran.err.find("limit on open files"), std::string::npos) << ran.err;
  const auto rows = by_name(doc);
  ASSERT_EQ(rows.size(), 2u);
  for (const auto& [name, b] : rows) {
    SCOPED_TRACE(name);
    EXPECT_TRUE(name.ends_with("/64KiB/c1000"));
    expect_load_counters(b, 1000);
  }
}

// Under a hard limit too low for the concurrency, the run says so before it starts.
TEST(StreambenchLoad, SaysWhenTheHardLimitIsTooLow) {
  const auto ran =
      run_command("/bin/sh", {"-c", "ulimit -n 512 && exec \"$@\"", "sh", STREAMBENCH_BINARY,
                              "--concurrency", "1000", "--root-on", "tmpfs", "--no-checks",
                              "--no-prefault", "--benchmark_list_tests"});
  EXPECT_EQ(ran.status, 0) << ran.err;
  EXPECT_NE(ran.err.find("--concurrency 1000 may want 4064 descriptors"), std::string::npos)
      << ran.err;
  EXPECT_NE(ran.err.find("(RLIMIT_NOFILE) is 512"), std::string::npos) << ran.err;
}

}  // namespace
}  // namespace streamcheck::streambench
