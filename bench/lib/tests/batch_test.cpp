// Batches of transfers at once (run_concurrently(), curl multi) against the real
// refserver, spawned as streambench spawns it: slow and stalled clients beside fast ones,
// each held back without holding up the others, and byte-exact in the end; and the
// client's own memory in a large batch.
#include <unistd.h>

#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <functional>
#include <iterator>
#include <memory>
#include <span>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include "bench/lib/ftp_client.hpp"
#include "bench/lib/http_client.hpp"
#include "bench/lib/payload.hpp"
#include "bench/lib/proc.hpp"
#include "bench/lib/target.hpp"

namespace streamcheck::bench {
namespace {

constexpr std::uint64_t MiB = 1024 * 1024;
constexpr std::uint64_t kSize = 16 * MiB;

class Batch : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    target_ =
        Target::spawn_refserver(REFSERVER_BINARY, RootOn::tmpfs, {"--fsync", "never"}).release();
  }
  static void TearDownTestSuite() {
    delete target_;
    target_ = nullptr;
  }
  void SetUp() override { ASSERT_TRUE(target_->has_http()); }
  static Target* target_;
};
Target* Batch::target_ = nullptr;

class FtpBatch : public Batch {
 protected:
  void SetUp() override {
    if (!target_->has_ftp()) GTEST_SKIP() << "target has no FTP URL";
  }
};

// The body bytes a download has taken, and when it took each piece.
struct Taken {
  std::uint64_t bytes = 0;
  std::vector<std::pair<std::chrono::steady_clock::time_point, std::uint64_t>> pieces;  // at, from
  std::function<void(std::span<const std::byte>)> hook() {
    return [this](std::span<const std::byte> piece) {
      pieces.emplace_back(std::chrono::steady_clock::now(), bytes);
      bytes += piece.size();
    };
  }
};

// A slow reader in a batch is paused while it waits, not slept on: the batch's fast GET
// of 16 MiB ends while the 2 MiB/s reader has moved a small part of its 4 MiB. Sleeping in
// its callback, the loop gave the fast one one receive buffer (256 KiB) for each of the
// slow one's pieces (32 KiB): 2 MiB of the slow one's body before the fast one's end.
TEST_F(Batch, ASlowReaderDoesNotHoldUpAFastOneInItsBatch) {
  HttpClient setup(*target_->http);
  const Payload big{15, kSize}, small{16, 4 * MiB};
  ASSERT_TRUE(setup.put("/fast.bin", big).completed());
  ASSERT_TRUE(setup.put("/slow.bin", small).completed());
  HttpClient slow_client(*target_->http), fast_client(*target_->http);
  Taken slow, fast;
  std::uint64_t slow_at_fast_end = 0;
  TransferOptions so{.max_bytes_per_second = 2 * MiB, .on_data = slow.hook()};
  TransferOptions fo{.on_data = [&](std::span<const std::byte> piece) {
    fast.bytes += piece.size();
    slow_at_fast_end = slow.bytes;
  }};
  std::vector<PreparedTransfer> batch;
  batch.push_back(slow_client.prepare_get("/slow.bin", so));  // first: served first each round
  batch.push_back(fast_client.prepare_get("/fast.bin", fo));
  const auto r = run_concurrently(std::move(batch));
  ASSERT_TRUE(r[0].completed()) << r[0].curl_error;
  ASSERT_TRUE(r[1].completed()) << r[1].curl_error;
  EXPECT_EQ(r[0].sha256, payload_sha256(small.seed, small.size, small.kind));
  EXPECT_EQ(r[1].sha256, payload_sha256(big.seed, big.size, big.kind));
  EXPECT_LT(slow_at_fast_end, MiB) << "the slow reader held up the fast one";
  EXPECT_LT(r[1].seconds, r[0].seconds);
  EXPECT_GE(r[0].seconds, 1.5) << "not paced";  // 4 MiB at 2 MiB/s: about 2 s
}

// A stalled reader takes its first MiB, then nothing for the stall (longer than its own
// stall timeout, which must not take the client's wait for the server's), then the rest,
// byte-exact; a fast GET in the same batch ends meanwhile. Alone (run()), the same.
TEST_F(Batch, AStalledReaderTakesNothingWhileStalledThenFinishesByteExact) {
  using namespace std::chrono_literals;
  HttpClient setup(*target_->http);
  const Payload object{17, 8 * MiB}, big{15, kSize};
  ASSERT_TRUE(setup.put("/stalled.bin", object).completed());
  ASSERT_TRUE(setup.put("/fast.bin", big).completed());
  const auto want = payload_sha256(object.seed, object.size, object.kind);
  // Checks one stalled download's pieces; returns when it took its first byte after the stall.
  const auto check_stall = [&](const Transfer& t, const Taken& taken) {
    EXPECT_TRUE(t.completed()) << t.curl_error;
    EXPECT_EQ(t.body_bytes, object.size);
    EXPECT_EQ(t.sha256, want);
    const auto after = std::find_if(taken.pieces.begin(), taken.pieces.end(),
                                    [](const auto& p) { return p.second >= MiB; });
    if (after == taken.pieces.end() || after == taken.pieces.begin()) {
      ADD_FAILURE() << "no piece after the first MiB";
      return std::chrono::steady_clock::time_point{};
    }
    EXPECT_LT(after->second, MiB + 256 * 1024) << "took more than a piece past its MiB";
    EXPECT_GE(after->first - std::prev(after)->first, 2s) << "took bytes while stalled";
    return after->first;
  };
  const TransferOptions stalled{.stall_after = MiB, .stall_for = 2s, .stall_timeout = 1s};

  HttpClient stalled_client(*target_->http), fast_client(*target_->http);
  Taken taken;
  auto so = stalled;
  so.on_data = taken.hook();
  std::uint64_t stalled_at_fast_end = 0;
  std::chrono::steady_clock::time_point fast_end;
  TransferOptions fo{.on_data = [&](std::span<const std::byte>) {
    stalled_at_fast_end = taken.bytes;
    fast_end = std::chrono::steady_clock::now();
  }};
  std::vector<PreparedTransfer> batch;
  batch.push_back(stalled_client.prepare_get("/stalled.bin", so));
  batch.push_back(fast_client.prepare_get("/fast.bin", fo));
  const auto r = run_concurrently(std::move(batch));
  const auto resumed = check_stall(r[0], taken);
  EXPECT_TRUE(r[1].completed()) << r[1].curl_error;
  EXPECT_EQ(r[1].sha256, payload_sha256(big.seed, big.size, big.kind));
  EXPECT_TRUE(fast_end < resumed) << "the stall held up the fast GET: it ended "
                                  << std::chrono::duration<double>(fast_end - resumed).count()
                                  << " s after the stalled reader resumed";
  EXPECT_LT(stalled_at_fast_end, MiB + 256 * 1024);

  Taken alone;
  so.on_data = alone.hook();
  check_stall(stalled_client.get("/stalled.bin", so), alone);
}

// A slow writer in a batch is paced (paused between its pieces), and both uploads land
// whole beside a fast one.
TEST_F(Batch, ASlowWriterInABatchIsPaced) {
  HttpClient slow_client(*target_->http), fast_client(*target_->http);
  const Payload slow{18, 2 * MiB}, fast{19, kSize};
  std::vector<PreparedTransfer> batch;
  batch.push_back(
      slow_client.prepare_put("/slow-up.bin", slow, false, {.max_bytes_per_second = MiB}));
  batch.push_back(fast_client.prepare_put("/fast-up.bin", fast));
  const auto r = run_concurrently(std::move(batch));
  for (const auto& [t, p, path] :
       {std::tuple{r[0], slow, "/slow-up.bin"}, std::tuple{r[1], fast, "/fast-up.bin"}}) {
    ASSERT_TRUE(t.completed()) << path << ": " << t.curl_error;
    EXPECT_TRUE(t.status == 201 || t.status == 204) << path << ": " << t.status;
    EXPECT_EQ(t.body_bytes, p.size) << path;
    const auto want = payload_sha256(p.seed, p.size, p.kind);
    EXPECT_EQ(t.sha256, want) << path;
    EXPECT_EQ(slow_client.get(path).sha256, want) << path;
  }
  EXPECT_GE(r[0].seconds, 1.5) << "not paced";  // 2 MiB at 1 MiB/s: about 2 s
  EXPECT_LT(r[1].seconds, r[0].seconds);
}

// FTP transfers run on the client's own multi handle, where a stalled reader is paused;
// the server's 226 may wait in the control connection meanwhile.
TEST_F(FtpBatch, AStalledRetrFinishesByteExact) {
  using namespace std::chrono_literals;
  FtpClient c(*target_->ftp);
  const Payload p{20, 8 * MiB};
  ASSERT_TRUE(c.stor("stalled.bin", p).completed());
  Taken taken;
  const auto retr = c.retr(
      "stalled.bin",
      {.stall_after = MiB, .stall_for = 1500ms, .on_data = taken.hook(), .stall_timeout = 1s});
  ASSERT_TRUE(retr.completed()) << retr.curl_error;
  EXPECT_EQ(retr.sha256, payload_sha256(p.seed, p.size, p.kind));
  const auto after = std::find_if(taken.pieces.begin(), taken.pieces.end(),
                                  [](const auto& piece) { return piece.second >= MiB; });
  ASSERT_TRUE(after != taken.pieces.end() && after != taken.pieces.begin());
  EXPECT_GE(after->first - std::prev(after)->first, 1500ms) << "took bytes while stalled";
  EXPECT_TRUE(c.dele("stalled.bin").completed());
}

// A batch's curl buffers share a budget. 256 uploads of 1 MiB at once fill each handle's
// upload buffer with their payload, all at once: with a 2 MiB buffer per handle the client
// grew by 1 MiB per upload (250 MB); within the budget, by 133 KiB.
TEST_F(Batch, ManyUploadsAtOnceKeepTheClientSmall) {
  constexpr int kN = 256;
  HttpClient(*target_->http).mkcol("/many/");
  std::vector<std::unique_ptr<HttpClient>> clients;
  for (int i = 0; i < kN; ++i) {
    clients.push_back(std::make_unique<HttpClient>(*target_->http));
    clients.back()->head("/many/");  // sessions open before, as streambench's are
  }
  std::vector<PreparedTransfer> batch;
  for (int i = 0; i < kN; ++i)
    batch.push_back(
        clients[i]->prepare_put("/many/" + std::to_string(i), {21, MiB}, false, {.hash = false}));
  // This process's own peak (the probe would take the refserver, its child, in too).
  ASSERT_EQ(proc::reset_hwm(::getpid()), proc::HwmReset::done);
  const auto before = proc::read_memory(::getpid()).value().rss_kib;
  const auto results = run_concurrently(std::move(batch));
  const auto peak = proc::read_memory(::getpid()).value().hwm_kib;
  for (const auto& r : results) ASSERT_TRUE(r.completed()) << r.curl_error;
  EXPECT_LT(peak - std::min(peak, before), kN * 512u)
      << "KiB for " << kN << " uploads of 1 MiB at once";
  for (int i = 0; i < kN; ++i) clients[i]->remove("/many/" + std::to_string(i));
}

}  // namespace
}  // namespace streamcheck::bench
