// What CI runs end to end: a quick streambench run of the refserver gated against the
// committed reports/baseline.json, and the lsof fd-leak check (streambench fds --save,
// a mixed workload with aborts, streambench fds --against) on the refserver and on
// `refserver --legacy leak-tempfile`, which must be caught.
#include <unistd.h>

#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <memory>

#include "bench/lib/ftp_client.hpp"
#include "bench/lib/http_client.hpp"
#include "bench/lib/target.hpp"
#include "bench/lib/tests/eventually.hpp"
#include "bench/streambench/tests/run_command.hpp"

namespace streamcheck::streambench {
namespace {

using testing::run_command;

std::filesystem::path temp_path(const std::string& name) {
  return std::filesystem::temp_directory_path() /
         (name + "-" + std::to_string(::getpid()) + ".json");
}

// The CI run: what `scripts/bench --quick` runs for the refserver on tmpfs (the run the
// committed baseline comes from), 16 and 64 MiB: 3 to 15 s here.
TEST(StreambenchCi, QuickRunPassesTheGateAgainstTheCommittedBaseline) {
  const auto out = temp_path("streambench-ci");
  const auto ran = run_command(
      STREAMBENCH_BINARY,
      {"--root-on", "tmpfs", "--name", "refserver-tmpfs", "--sizes", "16MiB,64MiB", "--no-progress",
       "--benchmark_out=" + out.string(), "--benchmark_out_format=json"});
  ASSERT_EQ(ran.status, 0) << ran.err;
  // Speed is for benchmarks: a test on a shared runner judges the invariants only, and
  // shows the ratios (notes) for whoever reads the log.
  const auto gate =
      run_command(STREAMBENCH_BINARY, {"gate", STREAMCHECK_BASELINE, out.string(), "--rules",
                                       STREAMCHECK_GATE_RULES, "--ratios", "never"});
  std::filesystem::remove(out);
  EXPECT_EQ(gate.status, 0) << gate.out << gate.err;
  EXPECT_NE(gate.out.find("gate: PASS"), std::string::npos) << gate.out;
  EXPECT_NE(gate.out.find("refserver-tmpfs/http/get/64MiB"), std::string::npos) << gate.out;
  EXPECT_NE(gate.out.find("throughput and TTFB are notes"), std::string::npos) << gate.out;
  EXPECT_EQ(gate.out.find("missing"), std::string::npos) << gate.out;
}

// 100 transfers over HTTP and FTP, 20 of them aborted half-way, on clients opened before
// the snapshot (so their own sessions are not counted as new).
void workload(const bench::Target& target) {
  constexpr std::uint64_t kSize = 1 << 20;
  bench::HttpClient http(*target.http);
  std::unique_ptr<bench::FtpClient> ftp;
  if (target.has_ftp()) ftp = std::make_unique<bench::FtpClient>(*target.ftp);
  const bench::Payload object{7, 4 * kSize};
  ASSERT_LT(http.put("/fds-object.bin", object).status, 300);
  bench::TransferOptions abort;
  abort.abort_after = kSize / 4;
  int aborted = 0;
  for (int i = 0; i < 100; ++i) {
    const bench::Payload body{static_cast<std::uint64_t>(100 + i), kSize};
    const std::string name = "fds-" + std::to_string(i) + ".bin";
    const bool use_ftp = ftp && (i / 5) % 2 == 1;
    bench::Transfer t;
    switch (i % 5) {
      case 0:
        t = use_ftp ? ftp->stor(name, body) : http.put("/" + name, body);
        break;
      case 1:
        t = use_ftp ? ftp->retr("fds-object.bin") : http.get("/fds-object.bin");
        break;
      case 2:
        t = use_ftp ? ftp->stor(name, body) : http.put("/" + name, body, /*chunked=*/true);
        break;
      case 3:
        t = use_ftp ? ftp->retr("fds-object.bin") : http.get_range("/fds-object.bin", 10, kSize);
        break;
      case 4:  // aborted: uploads and downloads by turns
        ++aborted;
        if ((i / 5) % 2 == 0) {
          t = use_ftp ? ftp->stor(name, body, abort) : http.put("/" + name, body, false, abort);
        } else {
          t = use_ftp ? ftp->retr("fds-object.bin", abort) : http.get("/fds-object.bin", abort);
        }
        break;
    }
    if (i % 5 != 4) {
      ASSERT_TRUE(t.completed()) << i << ": " << t.curl_error;
    }
  }
  EXPECT_EQ(aborted, 20);
  // Keep-alive sessions stay as they were at the snapshot.
  http.head("/");
  if (ftp) ftp->noop();
}

struct FdsRun {
  int status = -1;
  std::string err;
};

// streambench fds --save, the workload, then --against (retried while the server closes
// what the aborts left: only a growth that lasts 10 s counts, which a leak's check pays
// in full).
FdsRun fds_check(const std::vector<std::string>& legacy) {
  const auto binary =
      bench::find_refserver(std::filesystem::path(STREAMBENCH_BINARY).parent_path());
  if (!binary) throw std::runtime_error("no refserver binary");
  auto target = bench::Target::spawn_refserver(*binary, bench::RootOn::tmpfs, legacy);
  const auto pid = std::to_string(target->pid);
  const auto snapshot = temp_path("streambench-fds-ci");
  {
    bench::HttpClient warm(*target->http);  // first sessions, threads and the like
    warm.head("/");
  }
  const auto save =
      run_command(STREAMBENCH_BINARY, {"fds", "--pid", pid, "--save", snapshot.string()});
  if (save.status != 0) return {save.status, "fds --save: " + save.err};
  workload(*target);
  FdsRun r;
  bench::testing::eventually(
      [&] {
        const auto against =
            run_command(STREAMBENCH_BINARY, {"fds", "--pid", pid, "--against", snapshot.string()});
        r = {against.status, against.err};
        return r.status == 0;
      },
      std::chrono::seconds(10), std::chrono::milliseconds(200));
  std::filesystem::remove(snapshot);
  return r;
}

TEST(StreambenchCi, FdsCheckPassesOnTheRefserverAfterMixedTransfersAndAborts) {
  const auto r = fds_check({});
  EXPECT_EQ(r.status, 0) << r.err;
  EXPECT_NE(r.err.find("no descriptor growth"), std::string::npos) << r.err;
}

TEST(StreambenchCi, FdsCheckCatchesTheLeakedTempFilesOfLegacyLeakTempfile) {
  const auto r = fds_check({"--legacy", "leak-tempfile"});
  EXPECT_EQ(r.status, 1) << r.err;
  EXPECT_NE(r.err.find("descriptor leak"), std::string::npos) << r.err;
  // Each leaked one is named, as an unlinked (deleted) file.
  std::size_t named = 0;
  for (auto at = r.err.find("(an unlinked file)"); at != std::string::npos;
       at = r.err.find("(an unlinked file)", at + 1))
    ++named;
  EXPECT_GE(named, 40u) << r.err;  // one per completed upload at least
}

}  // namespace
}  // namespace streamcheck::streambench
