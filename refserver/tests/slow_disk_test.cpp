// A slow disk must slow only the uploads that write to it (issue 14): the refserver,
// with two network threads, serves its root from a FUSE mount (SlowFs) on which every
// write of an upload blocks for 200 ms. Four such uploads run at once, one of each
// kind (PUT with Content-Length, chunked PUT, multipart POST, FTP STOR), while another
// client GETs a small object on a fixed schedule. When the uploads' writes run on the
// network threads, both threads sit in write(2) and each GET waits for one of them;
// when the writes run on the blocking pool, a GET's first byte comes as fast as with no
// upload at all.
//
// Each GET's first byte is timed from when it was meant to start (one every 10 ms), so
// a GET held up delays the ones behind it and they count their wait: a client that
// simply went on after each slow GET would take most of its samples in the moments the
// server happened to be free, and see a fast median on a stalled server.
//
// Criterion, from one run: while all four slow uploads run, the median first byte is
// within a quarter of the write delay (50 ms) of the median measured just before with
// no upload, on the same server and client. A busy machine slows both medians alike; a
// network thread held by a write adds up to the whole delay. And every slow upload
// still ends whole and byte-exact.
//
// And an FTP ABOR that comes while a write is held answers as ever (426, then 226), and
// only once the write has returned and the upload is gone: no staging file is left
// when the 426 arrives.
#include <gtest/gtest.h>
#include <stdlib.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "bench/lib/ftp_client.hpp"
#include "bench/lib/ftp_control.hpp"
#include "bench/lib/http_client.hpp"
#include "bench/lib/payload.hpp"
#include "bench/lib/tests/eventually.hpp"
#include "refserver/testing/slow_fs.hpp"
#include "refserver/testing/spawned_refserver.hpp"

namespace streamcheck {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;
constexpr uint64_t KiB = 1024;
constexpr auto kWriteDelay = 200ms;
constexpr auto kGetEvery = 10ms;

double ms(Clock::duration d) {
  return std::chrono::duration<double, std::milli>(d).count();
}

double percentile(std::vector<double> values, double p) {
  if (values.empty()) return -1;
  std::sort(values.begin(), values.end());
  return values[static_cast<size_t>(p * static_cast<double>(values.size() - 1))];
}

// A temp directory with a backing store and a mount point in it, removed at the end
// (after the mount is gone: declared first, destroyed last).
struct TempDir {
  TempDir() {
    char pattern[] = "/tmp/refserver-slowfs-XXXXXX";
    if (!::mkdtemp(pattern)) throw std::runtime_error("mkdtemp failed");
    path = pattern;
    std::filesystem::create_directory(path / "backing");
    std::filesystem::create_directory(path / "mnt");
  }
  ~TempDir() {
    std::error_code ignored;
    std::filesystem::remove_all(path, ignored);
  }
  std::filesystem::path path;
};

// GETs of `path`, one meant to start every kGetEvery, on one kept-alive connection:
// `n` of them, or as long as `go_on()` once `n` are done. Each one's first byte in ms
// from when it was meant to start.
std::vector<double> scheduled_ttfbs(bench::HttpClient& client, const std::string& path,
                                    const std::string& sha, size_t n,
                                    const std::function<bool()>& go_on) {
  std::vector<double> ttfbs;
  const auto start = Clock::now();
  for (size_t i = 0; ttfbs.size() < n || go_on(); ++i) {
    const auto meant = start + i * kGetEvery;
    std::this_thread::sleep_until(meant);
    const auto began = Clock::now();
    auto get = client.get(path);
    EXPECT_EQ(get.status, 200) << get.curl_error;
    EXPECT_EQ(get.sha256, sha);
    if (get.status != 200) break;
    ttfbs.push_back(ms(began - meant) + get.ttfb_seconds * 1000);
  }
  return ttfbs;
}

// A refserver (--threads 2) whose root is a SlowFs mount; writes are held only once a
// test sets the delay.
class RefserverSlowDisk : public ::testing::Test {
 protected:
  void SetUp() override {
    if (auto why = testing::SlowFs::unavailable()) GTEST_SKIP() << "no slow disk here: " << *why;
    dir_.emplace();
    disk_.emplace(dir_->path / "backing", dir_->path / "mnt");
    // 256 KiB pieces: eight writes for each upload below, each held.
    server_.emplace(std::vector<std::string>{"--buffer", "256KiB"}, "/tmp", disk_->mountpoint());
  }
  void TearDown() override {
    server_.reset();  // what uses the mount goes first
    disk_.reset();
    dir_.reset();
  }

  std::optional<TempDir> dir_;
  std::optional<testing::SlowFs> disk_;
  std::optional<testing::SpawnedRefserver> server_;
};

TEST_F(RefserverSlowDisk, SlowUploadWritesDoNotDelayOtherSessionsGets) {
  auto& disk = *disk_;
  auto& server = *server_;
  const bench::Payload probe{7, 64 * KiB, bench::PayloadKind::random};
  const auto probe_sha = bench::payload_sha256(probe.seed, probe.size, probe.kind);
  bench::HttpClient getter(server.http());
  ASSERT_EQ(getter.put("/probe.bin", probe).status, 201);

  // First byte with no upload running: the reference this run is judged against.
  const auto quiet = scheduled_ttfbs(getter, "/probe.bin", probe_sha, 30, [] { return false; });

  // Four uploads whose every write blocks, each 8 pieces of 256 KiB (so at least 1.6 s).
  disk.set_write_delay(kWriteDelay);
  const bench::Payload body{11, 2048 * KiB, bench::PayloadKind::random};
  const auto body_sha = bench::payload_sha256(body.seed, body.size, body.kind);
  const std::vector<std::string> names = {"/put.bin", "/chunked.bin", "/post.bin", "/stor.bin"};
  std::vector<bench::Transfer> uploads(names.size());
  std::atomic<size_t> finished{0};
  std::vector<std::thread> uploaders;
  uploaders.emplace_back([&] {
    bench::HttpClient c(server.http());
    uploads[0] = c.put(names[0], body);
    ++finished;
  });
  uploaders.emplace_back([&] {
    bench::HttpClient c(server.http());
    uploads[1] = c.put(names[1], body, /*chunked=*/true);
    ++finished;
  });
  uploaders.emplace_back([&] {
    bench::HttpClient c(server.http());
    uploads[2] = c.post_multipart("/", {{"file", "post.bin", body}});
    ++finished;
  });
  uploaders.emplace_back([&] {
    bench::FtpClient c(server.ftp());
    uploads[3] = c.stor(names[3], body);
    ++finished;
  });
  // Measured from when every upload is in the slow disk to when the first one ends.
  const bool all_writing =
      bench::testing::eventually([&] { return disk.delayed_writes() >= names.size(); }, 20s);
  std::vector<double> busy;
  if (all_writing)
    busy = scheduled_ttfbs(getter, "/probe.bin", probe_sha, 10, [&] { return finished == 0; });
  for (auto& t : uploaders) t.join();
  const uint64_t delayed = disk.delayed_writes();
  disk.set_write_delay(0ms);
  ASSERT_TRUE(all_writing) << "the uploads' writes never reached the slow disk";

  const double quiet_ms = percentile(quiet, 0.5), busy_ms = percentile(busy, 0.5);
  const double allowed_ms = quiet_ms + ms(kWriteDelay) / 4;
  std::printf(
      "slow disk: GET first byte median %.1f ms (p90 %.1f) with no upload; %.1f ms (p90 %.1f, "
      "max %.1f) over %zu GETs during %zu uploads held %llu times for %lld ms\n",
      quiet_ms, percentile(quiet, 0.9), busy_ms, percentile(busy, 0.9), percentile(busy, 1),
      busy.size(), names.size(), static_cast<unsigned long long>(delayed),
      static_cast<long long>(kWriteDelay.count()));
  EXPECT_LE(busy_ms, allowed_ms)
      << "GETs waited for other sessions' slow writes: their median first byte went from "
      << quiet_ms << " ms to " << busy_ms << " ms (allowed " << allowed_ms << " ms)";

  // Every slow upload completed, whole.
  for (size_t i = 0; i < names.size(); ++i) {
    SCOPED_TRACE(names[i]);
    EXPECT_TRUE(uploads[i].completed()) << uploads[i].curl_error;
    EXPECT_EQ(uploads[i].status, i < 3 ? 201 : 226);
    EXPECT_EQ(uploads[i].body_bytes, body.size);
    EXPECT_EQ(getter.get(names[i]).sha256, body_sha);
  }
  EXPECT_TRUE(server.wait_staging_empty()) << server.staging_listing();
}

TEST_F(RefserverSlowDisk, AborDuringAHeldWriteAnswers426Then226WithTheUploadGone) {
  auto& disk = *disk_;
  auto& server = *server_;
  bench::HttpClient http(server.http());
  ASSERT_EQ(http.put("/kept.bin", {3, 1000, bench::PayloadKind::random}).status, 201);

  disk.set_write_delay(kWriteDelay);
  bench::FtpControl c("127.0.0.1", server.ftp().port);
  ASSERT_EQ(c.read_reply().code, 220);
  ASSERT_TRUE(c.login(testing::SpawnedRefserver::kUser, testing::SpawnedRefserver::kPassword));
  ASSERT_EQ(c.command("TYPE I").code, 200);
  auto data = c.open_passive();
  ASSERT_EQ(c.command("STOR kept.bin").code, 150);
  data->send(std::string(1024 * KiB, 'x'));  // a full buffer at least: a write held
  ASSERT_TRUE(bench::testing::eventually([&] { return disk.delayed_writes() >= 1; }, 20s))
      << "the STOR's write never reached the slow disk";
  c.send_raw("ABOR\r\n");
  EXPECT_EQ(c.read_reply().code, 426);
  // The write has returned and the upload is aborted before its end is told.
  EXPECT_TRUE(std::filesystem::is_empty(dir_->path / "backing" / ".staging"))
      << server.staging_listing();
  EXPECT_EQ(c.read_reply().code, 226);
  disk.set_write_delay(0ms);
  EXPECT_EQ(c.command("NOOP").code, 200);  // the session goes on
  EXPECT_EQ(c.command("SIZE kept.bin").text, "213 1000");
}

}  // namespace
}  // namespace streamcheck
