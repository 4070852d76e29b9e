// streambench's slow and stalled clients: the flags' values and errors, the names they
// give, and a small real --mix run against the refserver with each group's figures.
#include "bench/streambench/slow_clients.hpp"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <map>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "bench/lib/error.hpp"
#include "bench/streambench/gate.hpp"
#include "bench/streambench/tests/json_run.hpp"
#include "bench/streambench/tests/run_command.hpp"

namespace streamcheck::streambench {
namespace {

using namespace std::chrono_literals;
using nlohmann::json;
using testing::run_command;
using testing::run_json;

constexpr std::uint64_t MiB = 1024 * 1024;

TEST(SlowClients, RatesAndSecondsParseOrSayWhy) {
  EXPECT_EQ(parse_rate("--slow-writer", "2MiB"), 2 * MiB);
  EXPECT_EQ(parse_rate("--slow-writer", "1000"), 1000u);
  EXPECT_EQ(parse_seconds("--stalled-reader", "30"), 30s);
  EXPECT_EQ(parse_seconds("--stalled-reader", "0.5"), 500ms);
  EXPECT_EQ(parse_seconds("--stalled-reader", "0.0001"), 1ms);  // above 0: some stall
  for (const char* bad : {"0", "0MiB", "-1", "x", "", "1 parsec"}) {
    try {
      parse_rate("--slow-writer", bad);
      ADD_FAILURE() << bad << " taken";
    } catch (const bench::Error& e) {
      EXPECT_NE(std::string(e.what()).find("--slow-writer"), std::string::npos) << e.what();
    }
  }
  for (const char* bad : {"0", "-1", "-0.5", "x", "", "1s", "nan", "inf", "3601"}) {
    try {
      parse_seconds("--stalled-reader", bad);
      ADD_FAILURE() << bad << " taken";
    } catch (const bench::Error& e) {
      EXPECT_NE(std::string(e.what()).find("--stalled-reader: \"" + std::string(bad) + "\""),
                std::string::npos)
          << e.what();
    }
  }
}

TEST(SlowClients, AMixIsFastAndSlowOnceEach) {
  const auto mix = parse_mix("fast:16,slow:4", 10000);
  EXPECT_EQ(mix.fast, 16u);
  EXPECT_EQ(mix.slow, 4u);
  EXPECT_EQ(parse_mix("slow:1,fast:2", 10000).fast, 2u);
  for (const char* bad :
       {"", "fast:16", "slow:16", "fast:16,slow:16,", "fast:16,fast:2", "fast:0,slow:1",
        "fast:1,slow:0", "fast:x,slow:1", "fast:-1,slow:1", "fast:+1,slow:1", "fast:1,slow:1x",
        "quick:1,slow:1", "fast=1,slow=1", "fast:6000,slow:5000"}) {
    EXPECT_THROW(parse_mix(bad, 10000), bench::Error) << bad;
  }
}

TEST(SlowClients, NamesAndWhichTransfersAreSlow) {
  Options o;
  EXPECT_EQ(slow_suffix(o, false), "");
  o.slow_reader = MiB;
  o.stalled_reader = 30s;
  o.slow_writer = MiB;
  EXPECT_EQ(slow_suffix(o, false), "/slow/stalled");
  EXPECT_EQ(slow_suffix(o, true), "/slow-writer");
  EXPECT_EQ(slow_transfers(o, true, 3), std::vector<bool>(3, true));
  o.mix = Options::Mix{4, 2};
  EXPECT_EQ(slow_suffix(o, true), "/mix-f4-s2/slow-writer");
  // Spread through the batch, neither group first.
  EXPECT_EQ(slow_transfers(o, false, 6),
            (std::vector<bool>{false, false, true, false, false, true}));
  o.slow_writer.reset();
  EXPECT_EQ(slow_transfers(o, true, 6), std::vector<bool>(6, false));

  bench::TransferOptions t;
  make_slow(o, false, 16 * MiB, t);
  EXPECT_EQ(t.stall_after, kStallAfter);
  EXPECT_EQ(t.stall_for, 30s);
  EXPECT_EQ(t.max_bytes_per_second, MiB);
  make_slow(o, false, 256 * 1024, t);  // a small object stalls halfway
  EXPECT_EQ(t.stall_after, 128u * 1024);
}

// Each bad value or combination stops the run before it starts (exit 3), naming the flag.
TEST(SlowClients, BadValuesAreUsageErrors) {
  const std::vector<std::pair<std::vector<std::string>, std::string>> cases = {
      {{"--slow-reader", "0"}, "--slow-reader"},
      {{"--slow-writer", "0"}, "--slow-writer"},
      {{"--slow-writer", "fast"}, "--slow-writer"},
      {{"--stalled-reader", "0"}, "--stalled-reader"},
      {{"--stalled-reader", "-3"}, "--stalled-reader"},
      {{"--mix", "fast:16"}, "--mix"},
      {{"--mix", "fast:2,slow:2"}, "--mix needs a slow mode"},
      {{"--mix", "fast:2,slow:2", "--stalled-reader", "1", "--concurrency", "4"},
       "--mix and --concurrency"},
      {{"--mix", "fast:2,slow:2", "--slow-writer", "1MiB", "--ops", "http-get"},
       "--mix: none of the ops"},
  };
  for (const auto& [args, said] : cases) {
    auto all = args;
    all.insert(all.end(), {"--no-prefault", "--benchmark_list_tests"});
    const auto ran = run_command(STREAMBENCH_BINARY, all);
    EXPECT_EQ(ran.status, 3) << args.front() << " " << args[1];
    EXPECT_NE(ran.err.find(said), std::string::npos) << args.front() << ": " << ran.err;
  }
}

std::set<std::string> listed(const std::vector<std::string>& args) {
  auto all = args;
  all.insert(all.end(), {"--root-on", "tmpfs", "--sizes", "2MiB", "--no-checks", "--no-prefault",
                         "--benchmark_list_tests"});
  const auto ran = run_command(STREAMBENCH_BINARY, all);
  EXPECT_EQ(ran.status, 0) << ran.err;
  std::set<std::string> names;
  std::stringstream lines(ran.out);
  for (std::string line; std::getline(lines, line);)
    names.insert(line.substr(0, line.find("/iterations:")));
  return names;
}

TEST(SlowClients, NamesSayWhichClientsRan) {
  EXPECT_EQ(
      listed({"--ops", "http-get,http-put", "--stalled-reader", "30", "--slow-writer", "1MiB"}),
      (std::set<std::string>{"refserver/http/get/2MiB/stalled",
                             "refserver/http/put/2MiB/slow-writer"}));
  EXPECT_EQ(
      listed({"--ops", "http-get,http-put", "--slow-reader", "1MiB", "--concurrency", "1,8"}),
      (std::set<std::string>{"refserver/http/get/2MiB/c1/slow", "refserver/http/get/2MiB/c8/slow",
                             "refserver/http/put/2MiB/c1", "refserver/http/put/2MiB/c8"}));
  // A mix runs only the ops whose direction has a slow mode.
  EXPECT_EQ(
      listed({"--ops", "http-get,http-put", "--mix", "fast:16,slow:16", "--stalled-reader", "30"}),
      (std::set<std::string>{"refserver/http/get/2MiB/c32/mix-f16-s16/stalled"}));
}

double counter(const json& b, const std::string& name) {
  EXPECT_TRUE(b.contains(name)) << name;
  return b.value(name, -1.0);
}

// The two groups of a mix, each with its figures: the stalled and slow clients took at
// least their stall or their rate's time, the fast ones went on meanwhile, and every
// transfer was byte-exact.
TEST(SlowClients, AMixAgainstTheRefserverReportsEachGroup) {
  const auto [ran, doc] =
      run_json("streambench-mix.json",
               {"--root-on", "tmpfs", "--sizes", "4MiB", "--ops", "http-get,http-put", "--mix",
                "fast:4,slow:2", "--stalled-reader", "1", "--slow-writer", "8MiB", "--no-checks",
                "--no-progress", "--no-prefault"});
  ASSERT_EQ(ran.status, 0) << ran.err;
  std::map<std::string, json> rows;
  for (const auto& b : doc.at("benchmarks")) rows[benchmark_name(b)] = b;
  ASSERT_EQ(rows.size(), 2u);
  const auto& get = rows["refserver/http/get/4MiB/c6/mix-f4-s2/stalled"];
  const auto& put = rows["refserver/http/put/4MiB/c6/mix-f4-s2/slow-writer"];
  EXPECT_EQ(doc.at("context").at("mix"), "fast:4,slow:2");
  for (const auto* b : {&get, &put}) {
    SCOPED_TRACE(b->value("name", ""));
    EXPECT_FALSE(b->value("error_occurred", false)) << b->value("error_message", "");
    EXPECT_EQ(counter(*b, "sha256_ok"), 1);
    EXPECT_LE(counter(*b, "fd_delta"), 0);
    EXPECT_GE(counter(*b, "rss_per_conn_kib"), 0);
    for (const std::string g : {"fast_", "slow_"}) {
      EXPECT_LE(counter(*b, g + "ttfb_p50_us"), counter(*b, g + "ttfb_p99_us"));
      EXPECT_LE(counter(*b, g + "ttfb_p99_us"), counter(*b, g + "ttfb_max_us"));
      EXPECT_LE(counter(*b, g + "transfer_mbps_min"), counter(*b, g + "transfer_mbps_p50"));
      EXPECT_GT(counter(*b, g + "aggregate_mbps"), 0);
    }
    // The fast transfers did not wait for the slow ones.
    EXPECT_GT(counter(*b, "fast_transfer_mbps_min"), counter(*b, "slow_transfer_mbps_p50"));
  }
  // 4 MiB over at least the 1 s stall; 4 MiB at 8 MiB/s (a piece of 128 KiB less).
  EXPECT_LE(counter(get, "slow_transfer_mbps_p50"), 1.01 * 4 * MiB / 1e6);  // 1%: the histogram
  EXPECT_LE(counter(put, "slow_transfer_mbps_p50"), 1.1 * 8 * MiB / 1e6);
}

}  // namespace
}  // namespace streamcheck::streambench
