// streambench --mpi end to end, as the README runs it on one machine: mpirun with
// --oversubscribe, rank 0 probing the refserver it spawns, the other ranks loading it.
// Merged rows against the ranks' own rows, the probe's figures across processes (the
// first byte's pause: P3 on --legacy load-whole), a rank that fails and a rank that
// stalls, each named, and a run that ends within its timeout.
#include <signal.h>
#include <sys/wait.h>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "bench/lib/boost_process.hpp"
#include "bench/lib/tests/exact_percentile.hpp"
#include "bench/streambench/gate.hpp"
#include "bench/streambench/tests/json_run.hpp"
#include "bench/streambench/tests/run_command.hpp"

namespace streamcheck::streambench {
namespace {

using bench::testing::exact_percentile;
using nlohmann::json;
using testing::run_command;
using testing::TempFile;
using namespace std::chrono_literals;

constexpr double kMiB = 1024.0 * 1024.0;

std::vector<std::string> mpirun(int ranks) {
  return {STREAMCHECK_MPIRUN, "--allow-run-as-root", "--oversubscribe", "-np",
          std::to_string(ranks)};
}

#define SKIP_WITHOUT_MPI()                                                                 \
  if (std::string(STREAMCHECK_MPIRUN).empty())                                             \
  GTEST_SKIP() << "built without MPI (no Open MPI found by CMake; scripts/setup installs " \
                  "openmpi-bin and libopenmpi-dev), or in a sanitizer build"

// mpirun -np RANKS streambench --mpi ARGS, its results read back.
struct MpiRun {
  testing::Ran ran;
  json doc;
};
MpiRun run_mpi(int ranks, std::vector<std::string> args,
               std::vector<std::string> last_rank_args = {}) {
  TempFile out("streambench-mpi.json");
  args.insert(args.begin(), {STREAMBENCH_BINARY, "--mpi"});
  args.push_back("--benchmark_out=" + out.path().string());
  args.push_back("--benchmark_out_format=json");
  auto command = mpirun(last_rank_args.empty() ? ranks : ranks - 1);
  command.insert(command.end(), args.begin(), args.end());
  if (!last_rank_args.empty()) {  // MPMD: the last rank gets arguments of its own
    command.insert(command.end(), {":", "-np", "1"});
    command.insert(command.end(), args.begin(), args.end());
    command.insert(command.end(), last_rank_args.begin(), last_rank_args.end());
  }
  MpiRun r{run_command(command.front(), {command.begin() + 1, command.end()}), nullptr};
  if (std::filesystem::exists(out.path()) && std::filesystem::file_size(out.path()) > 0)
    r.doc = read_results_json(out.path().string());
  return r;
}

double counter(const json& row, const std::string& name) {
  EXPECT_TRUE(row.contains(name)) << name << " in " << row.dump();
  return row.value(name, -1.0);
}

TEST(StreambenchMpi, MergedRowsAreTheSumOfTheRanksAndEveryTransferByteExact) {
  SKIP_WITHOUT_MPI();
  // 5 transfers over 2 load ranks: 3 and 2, an uneven share.
  const auto [ran, doc] = run_mpi(
      3, {"--root-on", "tmpfs", "--sizes", "16MiB", "--ops", "http-get,http-put,ftp-retr,ftp-stor",
          "--concurrency", "5", "--no-progress", "--mpi-timeout", "60"});
  ASSERT_EQ(ran.status, 0) << ran.err;
  ASSERT_FALSE(doc.is_null());
  EXPECT_EQ(doc.at("context").value("mpi_ranks", ""), "3");
  EXPECT_FALSE(doc.at("context").value("mpi_rank2_host", "").empty());
  ASSERT_EQ(doc.at("benchmarks").size(), 4u) << doc.dump();
  for (const auto& row : doc.at("benchmarks")) {
    SCOPED_TRACE(row.value("name", ""));
    ASSERT_FALSE(row.value("error_occurred", false)) << row.value("error_message", "");
    const double iterations = row.at("iterations").get<double>();
    EXPECT_EQ(counter(row, "sha256_ok"), 1);  // each rank read back each of its objects
    EXPECT_EQ(counter(row, "transfers"), 5 * iterations);
    EXPECT_EQ(counter(row, "rank1_transfers"), 3 * iterations);
    EXPECT_EQ(counter(row, "rank2_transfers"), 2 * iterations);
    EXPECT_EQ(counter(row, "rank1_bytes") + counter(row, "rank2_bytes"), counter(row, "bytes"));
    EXPECT_EQ(counter(row, "bytes"), 5 * 16 * kMiB * iterations);
    // The row's rate: the merged bytes over rank 0's time of the batches.
    const double seconds = row.at("real_time").get<double>() / 1e3 * iterations;
    EXPECT_NEAR(counter(row, "bytes_per_second"), counter(row, "bytes") / seconds,
                counter(row, "bytes_per_second") * 1e-3);
    // Each rank's time is within the batch's, as rank 0 timed it from outside.
    EXPECT_LE(counter(row, "rank1_seconds"), seconds * 1.001);
    EXPECT_LE(counter(row, "rank2_seconds"), seconds * 1.001);
    // A percentile of the union lies between the parts' (to a bucket: 1/256).
    const double p1 = counter(row, "rank1_ttfb_p99_us"), p2 = counter(row, "rank2_ttfb_p99_us");
    EXPECT_GE(counter(row, "ttfb_p99_us"), std::min(p1, p2) * (1 - 1.0 / 256));
    EXPECT_LE(counter(row, "ttfb_p99_us"), std::max(p1, p2) * (1 + 1.0 / 256));
    // The probe rank's figures of the server, while the others moved the bytes.
    EXPECT_GE(counter(row, "fd_peak"), 5);
    EXPECT_LE(counter(row, "fd_delta"), 0);
    EXPECT_EQ(counter(row, "deleted_open"), 0);
    // Downloads are read once (sendfile counts); uploads that splice count none.
    const bool download = row.value("name", "").find("/get/") != std::string::npos ||
                          row.value("name", "").find("/retr/") != std::string::npos;
    if (download) {
      EXPECT_GT(counter(row, "copies"), 0.5);
    }
    EXPECT_LT(counter(row, "copies"), 1.5);
  }
  // The merged results read as any others: the gate's invariants pass, report.py plots.
  TempFile merged("streambench-mpi-merged.json");
  std::ofstream(merged.path()) << doc.dump();
  const auto gate =
      run_command(STREAMBENCH_BINARY, {"gate", merged.path().string(), merged.path().string()});
  EXPECT_EQ(gate.status, 0) << gate.out << gate.err;
  const auto report_dir = std::filesystem::temp_directory_path() /
                          ("streambench-mpi-report-" + std::to_string(::getpid()));
  const auto report =
      run_command("/usr/bin/python3",
                  {STREAMCHECK_REPORT_PY, merged.path().string(), "-o", report_dir.string()});
  EXPECT_EQ(report.status, 0) << report.err;
  EXPECT_TRUE(std::filesystem::exists(report_dir / "index.html"));
  std::filesystem::remove_all(report_dir);
}

// Each load rank's --latency-log (PATH.rankN), first bytes by benchmark.
std::map<std::string, std::vector<std::uint64_t>> raw_first_bytes(const std::string& path,
                                                                  int ranks) {
  std::map<std::string, std::vector<std::uint64_t>> out;
  for (int r = 1; r < ranks; ++r) {
    const auto file = path + ".rank" + std::to_string(r);
    std::ifstream in(file);
    EXPECT_TRUE(in) << file;
    std::string line;
    std::getline(in, line);
    EXPECT_EQ(line, "benchmark,rank,batch,transfer,first_byte_ns,seconds,bytes");
    while (std::getline(in, line)) {
      std::vector<std::string> fields;
      std::stringstream split(line);
      for (std::string f; std::getline(split, f, ',');) fields.push_back(f);
      EXPECT_EQ(fields.size(), 7u) << line;
      EXPECT_EQ(fields.at(1), std::to_string(r)) << line;
      out[fields.at(0)].push_back(std::stoull(fields.at(4)));
    }
    std::filesystem::remove(file);
  }
  return out;
}

// The merged percentiles against every rank's raw samples (--latency-log), exactly as
// the histogram promises: within 1/256 of the sample of that rank.
TEST(StreambenchMpi, MergedPercentilesAreThoseOfAllTheRanksRawSamples) {
  SKIP_WITHOUT_MPI();
  TempFile log("streambench-mpi-latency");
  // 3 load ranks, 8 transfers a batch (3, 3, 2), 8 batches: 64 samples per benchmark.
  const auto [ran, doc] =
      run_mpi(4, {"--root-on", "tmpfs", "--sizes", "16MiB", "--ops", "http-get,http-put",
                  "--concurrency", "8", "--min-bytes", "1GiB", "--no-progress", "--mpi-timeout",
                  "60", "--latency-log", log.path().string()});
  ASSERT_EQ(ran.status, 0) << ran.err;
  const auto raw = raw_first_bytes(log.path().string(), 4);
  ASSERT_EQ(doc.at("benchmarks").size(), 2u);
  for (const auto& row : doc.at("benchmarks")) {
    const auto name = benchmark_name(row);
    SCOPED_TRACE(name);
    ASSERT_TRUE(raw.count(name));
    auto samples = raw.at(name);
    std::sort(samples.begin(), samples.end());
    ASSERT_EQ(samples.size(), 64u);
    EXPECT_EQ(counter(row, "transfers"), 64);
    for (const auto& [p, key] : std::vector<std::pair<double, std::string>>{
             {50, "ttfb_p50_us"}, {90, "ttfb_p90_us"}, {99, "ttfb_p99_us"}, {100, "ttfb_max_us"}}) {
      const double wanted = static_cast<double>(exact_percentile(samples, p));
      EXPECT_NEAR(counter(row, key) * 1e3, wanted, wanted / 256 + 1) << key;
    }
  }
}

// Alone, --mpi says what it needs.
TEST(StreambenchMpi, OneRankIsRefusedWithWhatItNeeds) {
  SKIP_WITHOUT_MPI();
  const auto ran = run_command(mpirun(1).front(), [] {
    auto a = mpirun(1);
    a.erase(a.begin());
    a.insert(a.end(), {STREAMBENCH_BINARY, "--mpi", "--sizes", "16MiB"});
    return a;
  }());
  EXPECT_NE(ran.status, 0);
  EXPECT_NE(ran.err.find("--mpi needs 2 ranks or more"), std::string::npos) << ran.err;
}

// The first byte's pause crosses processes: the load rank holds its transfer while the
// probe rank reads what the server had read. Loading the whole object first (the seed's
// defect) shows as the object's size; streaming, as far less.
TEST(StreambenchMpi, FirstByteReadIsTakenByTheProbeRankWhileTheLoadRankWaits) {
  SKIP_WITHOUT_MPI();
  const std::vector<std::string> args = {"--root-on",     "tmpfs",         "--sizes",
                                         "32MiB",         "--ops",         "http-get",
                                         "--no-progress", "--mpi-timeout", "60"};
  auto legacy = args;
  legacy.insert(legacy.end(), {"--legacy", "load-whole"});
  const auto good = run_mpi(2, args);
  const auto bad = run_mpi(2, legacy);
  ASSERT_EQ(good.ran.status, 0) << good.ran.err;
  ASSERT_EQ(bad.ran.status, 0) << bad.ran.err;
  const auto& good_row = good.doc.at("benchmarks").at(0);
  const auto& bad_row = bad.doc.at("benchmarks").at(0);
  EXPECT_LT(counter(good_row, "first_byte_read_kib"), 8 * 1024);
  EXPECT_GE(counter(bad_row, "first_byte_read_kib"), 32 * 1024);
}

TEST(StreambenchMpi, AFailingRankIsNamedAndFailsTheBenchmarkEverywhere) {
  SKIP_WITHOUT_MPI();
  // Rank 2 reaches the server at a port nothing listens on: each of its transfers fails.
  const auto [ran, doc] = run_mpi(3,
                                  {"--root-on", "tmpfs", "--sizes", "16MiB", "--ops", "http-get",
                                   "--concurrency", "2", "--no-progress", "--mpi-timeout", "60"},
                                  {"--mpi-http", "http://127.0.0.1:1/"});
  EXPECT_EQ(ran.status, 1) << ran.err;
  EXPECT_NE(ran.err.find("rank 2 on "), std::string::npos) << ran.err;
  EXPECT_EQ(ran.err.find("rank 1 on "), std::string::npos) << ran.err;
  ASSERT_FALSE(doc.is_null()) << ran.err;
  const auto& row = doc.at("benchmarks").at(0);
  EXPECT_TRUE(row.value("error_occurred", false));
  EXPECT_NE(row.value("error_message", "").find("rank 2 on "), std::string::npos);
}

// The pids of mpirun's children whose MPI rank is `rank`.
std::vector<pid_t> ranks_pids(pid_t mpirun_pid, int rank) {
  std::vector<pid_t> out;
  const std::string wanted = "OMPI_COMM_WORLD_RANK=" + std::to_string(rank);
  for (const auto& entry : std::filesystem::directory_iterator("/proc")) {
    const auto name = entry.path().filename().string();
    if (name.find_first_not_of("0123456789") != std::string::npos) continue;
    std::ifstream stat(entry.path() / "stat");
    std::string line;
    std::getline(stat, line);
    const auto close = line.rfind(')');
    if (close == std::string::npos) continue;
    char state = 0;
    int ppid = 0;
    if (std::sscanf(line.c_str() + close + 1, " %c %d", &state, &ppid) != 2 || ppid != mpirun_pid)
      continue;
    std::ifstream environ(entry.path() / "environ");
    std::string all((std::istreambuf_iterator<char>(environ)), std::istreambuf_iterator<char>());
    for (std::size_t at = 0; at < all.size();) {
      const auto end = all.find('\0', at);
      if (all.compare(at, (end == std::string::npos ? all.size() : end) - at, wanted) == 0)
        out.push_back(std::stoi(name));
      if (end == std::string::npos) break;
      at = end + 1;
    }
  }
  return out;
}

TEST(StreambenchMpi, AStalledRankIsNamedAndTheRunEndsWithinItsTimeout) {
  SKIP_WITHOUT_MPI();
  namespace bp = boost::process;
  TempFile err_file("streambench-mpi-stall.err");
  TempFile out("streambench-mpi-stall.json");
  auto command = mpirun(3);
  command.insert(command.end(),
                 {STREAMBENCH_BINARY, "--mpi", "--root-on", "tmpfs", "--sizes", "16MiB", "--ops",
                  "http-get,http-put", "--concurrency", "2", "--min-bytes", "4GiB", "--no-progress",
                  "--mpi-timeout", "5", "--benchmark_out=" + out.path().string(),
                  "--benchmark_out_format=json"});
  bp::child child(
      command.front(), bp::args(std::vector<std::string>(command.begin() + 1, command.end())),
      bp::std_out > bp::null, bp::std_err > err_file.path().string(), bp::std_in < bp::null);
  // Rank 2, once it is there and working, stops (SIGSTOP): no exit for mpirun to see.
  std::vector<pid_t> stalled;
  for (int i = 0; i < 200 && stalled.empty(); ++i) {
    std::this_thread::sleep_for(50ms);
    stalled = ranks_pids(child.id(), 2);
  }
  ASSERT_EQ(stalled.size(), 1u);
  std::this_thread::sleep_for(3s);  // into the benchmarks' batches (4 GiB of them)
  ::kill(stalled.front(), SIGSTOP);
  const auto stopped_at = std::chrono::steady_clock::now();
  const bool ended = child.wait_for(std::chrono::seconds(90));
  const auto took = std::chrono::steady_clock::now() - stopped_at;
  ::kill(stalled.front(), SIGKILL);  // whatever mpirun did with it
  ::kill(stalled.front(), SIGCONT);
  if (!ended) child.terminate();
  ASSERT_TRUE(ended) << "mpirun still running 90 s after rank 2 stalled";
  EXPECT_NE(child.exit_code(), 0);
  EXPECT_LT(took, 60s);  // 5 s of timeout, then the probe rank's results and the teardown
  std::ifstream err(err_file.path());
  const std::string said((std::istreambuf_iterator<char>(err)), std::istreambuf_iterator<char>());
  EXPECT_NE(said.find("rank 2 on "), std::string::npos) << said;
  EXPECT_NE(said.find("did not reach step"), std::string::npos) << said;
  // The probe rank wrote its results first: the stalled benchmark failed, by name.
  ASSERT_TRUE(std::filesystem::exists(out.path())) << said;
  const auto doc = read_results_json(out.path().string());
  bool named = false;
  for (const auto& row : doc.at("benchmarks"))
    named = named || row.value("error_message", "").find("rank 2 on ") != std::string::npos;
  EXPECT_TRUE(named) << doc.dump();
}

}  // namespace
}  // namespace streamcheck::streambench
