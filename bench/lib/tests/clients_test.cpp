// The HTTP and FTP clients against the real refserver (spawned as streambench spawns
// it), each operation at 16 MiB with the hash checked.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <memory>
#include <string>

#include "bench/lib/ftp_client.hpp"
#include "bench/lib/http_client.hpp"
#include "bench/lib/payload.hpp"
#include "bench/lib/probe.hpp"
#include "bench/lib/sha256.hpp"
#include "bench/lib/target.hpp"

namespace streamcheck::bench {
namespace {

constexpr std::uint64_t MiB = 1024 * 1024;
constexpr std::uint64_t kSize = 16 * MiB;

// SHA-256 of payload bytes [from, to).
std::string range_sha256(const Payload& p, std::uint64_t from, std::uint64_t to) {
  PayloadStream s(p.seed, to, p.kind, from);
  Sha256 h;
  std::vector<std::byte> buf(1 << 20);
  while (const auto n = s.fill(buf)) h.update(std::span(buf).first(n));
  return h.final_hex();
}

// This process's TCP connections to `port` on the loopback, by their peer address.
std::size_t connections_to(int port) {
  std::size_t n = 0;
  for (const auto& e : std::filesystem::directory_iterator("/proc/self/fd")) {
    const int fd = std::stoi(e.path().filename().string());
    sockaddr_in peer{};
    socklen_t length = sizeof peer;
    if (::getpeername(fd, reinterpret_cast<sockaddr*>(&peer), &length) == 0 &&
        peer.sin_family == AF_INET && ntohs(peer.sin_port) == port)
      ++n;
  }
  return n;
}

// The most connections to `port` seen at any transfer's first byte of a batch of
// `clients` that each made one request first (their sessions open), against the number
// open before the batch: a batch must run on those sessions, not beside them.
template <class Client, class Prepare>
std::pair<std::size_t, std::size_t> connections_during_batch(
    std::vector<std::unique_ptr<Client>>& clients, int port, Prepare prepare) {
  const auto before = connections_to(port);
  std::size_t most = 0;
  TransferOptions o;
  o.on_first_byte = [&] { most = std::max(most, connections_to(port)); };
  std::vector<PreparedTransfer> batch;
  for (auto& c : clients) batch.push_back(prepare(*c, o));
  for (const auto& r : run_concurrently(std::move(batch)))
    EXPECT_TRUE(r.completed()) << r.curl_error;
  return {before, most};
}

class Clients : public ::testing::Test {
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
Target* Clients::target_ = nullptr;

class FtpClients : public Clients {
 protected:
  void SetUp() override {
    if (!target_->has_ftp()) GTEST_SKIP() << "target has no FTP URL";
  }
};

TEST_F(Clients, HttpPutKnownAndChunkedThenGetAreByteExact) {
  HttpClient c(*target_->http);
  for (const bool chunked : {false, true}) {
    const Payload p{chunked ? 2u : 1u, kSize, PayloadKind::adversarial};
    const auto put = c.put("/put.bin", p, chunked);
    ASSERT_TRUE(put.completed()) << put.curl_error;
    EXPECT_TRUE(put.status == 201 || put.status == 204) << put.status << put.response_text;
    EXPECT_EQ(put.body_bytes, kSize);
    const auto want = payload_sha256(p.seed, p.size, p.kind);
    EXPECT_EQ(put.sha256, want);
    const auto get = c.get("/put.bin");
    ASSERT_TRUE(get.completed()) << get.curl_error;
    EXPECT_EQ(get.status, 200);
    EXPECT_EQ(get.body_bytes, kSize);
    EXPECT_EQ(get.sha256, want) << (chunked ? "chunked" : "known length");
    EXPECT_GE(get.ttfb_seconds, 0);
    EXPECT_LE(get.ttfb_seconds, get.seconds);
  }
}

TEST_F(Clients, HttpRangeGetIsTheRightSlice) {
  HttpClient c(*target_->http);
  const Payload p{3, kSize};
  ASSERT_TRUE(c.put("/range.bin", p).completed());
  const auto r = c.get_range("/range.bin", kSize / 4, 3 * kSize / 4 - 1);
  EXPECT_EQ(r.status, 206);
  EXPECT_EQ(r.body_bytes, kSize / 2);
  EXPECT_EQ(r.sha256, range_sha256(p, kSize / 4, 3 * kSize / 4));
}

TEST_F(Clients, HttpPostMultipartKnownAndUnknownSize) {
  HttpClient c(*target_->http);
  c.mkcol("/posted");
  for (const bool unknown : {false, true}) {
    const Payload p{unknown ? 5u : 4u, kSize, PayloadKind::adversarial};
    const auto post = c.post_multipart("/posted/", {{"file", "p.bin", p}}, unknown);
    ASSERT_TRUE(post.completed()) << post.curl_error;
    EXPECT_EQ(post.status, 201) << post.response_text;
    ASSERT_EQ(post.part_sha256.size(), 1u);
    const auto want = payload_sha256(p.seed, p.size, p.kind);
    EXPECT_EQ(post.part_sha256[0], want);
    EXPECT_EQ(c.get("/posted/p.bin").sha256, want);
  }
}

TEST_F(Clients, HttpDeleteAndMkcol) {
  HttpClient c(*target_->http);
  EXPECT_EQ(c.mkcol("/dir").status, 201);
  ASSERT_TRUE(c.put("/dir/x", {6, MiB}).completed());
  EXPECT_EQ(c.remove("/dir/x").status, 204);
  EXPECT_EQ(c.get("/dir/x").status, 404);
}

TEST_F(Clients, HttpPayloadWithOffsetSendsTheTail) {
  HttpClient c(*target_->http);
  const Payload tail{7, 2 * MiB, PayloadKind::random, MiB};
  const auto put = c.put("/tail.bin", tail);
  EXPECT_EQ(put.body_bytes, MiB);
  EXPECT_EQ(c.get("/tail.bin").sha256, range_sha256(tail, MiB, 2 * MiB));
}

TEST_F(Clients, ConcurrentGetsThroughCurlMulti) {
  HttpClient setup(*target_->http);
  const Payload p{8, 4 * MiB};
  ASSERT_TRUE(setup.put("/multi.bin", p).completed());
  std::vector<std::unique_ptr<HttpClient>> clients;
  std::vector<PreparedTransfer> batch;
  for (int i = 0; i < 3; ++i) {
    clients.push_back(std::make_unique<HttpClient>(*target_->http));
    batch.push_back(clients.back()->prepare_get("/multi.bin"));
  }
  const auto results = run_concurrently(std::move(batch));
  ASSERT_EQ(results.size(), 3u);
  for (const auto& r : results) {
    EXPECT_TRUE(r.completed()) << r.curl_error;
    EXPECT_EQ(r.sha256, payload_sha256(p.seed, p.size, p.kind));
  }
  // Two transfers on one client cannot run at once.
  std::vector<PreparedTransfer> same;
  same.push_back(clients[0]->prepare_get("/multi.bin"));
  same.push_back(clients[0]->prepare_get("/multi.bin"));
  EXPECT_THROW(run_concurrently(std::move(same)), Error);
}

TEST_F(Clients, ABatchRunsOnEachClientsOwnConnection) {
  HttpClient setup(*target_->http);
  ASSERT_TRUE(setup.put("/own.bin", {13, MiB}).completed());
  std::vector<std::unique_ptr<HttpClient>> clients;
  for (int i = 0; i < 4; ++i) {
    clients.push_back(std::make_unique<HttpClient>(*target_->http));
    ASSERT_EQ(clients.back()->head("/own.bin").status, 200);
  }
  const auto [before, during] = connections_during_batch(
      clients, target_->http->port,
      [](HttpClient& c, const TransferOptions& o) { return c.prepare_get("/own.bin", o); });
  EXPECT_GE(before, 4u);
  EXPECT_EQ(during, before) << "the batch opened connections beside the clients' own";
}

TEST_F(Clients, AbortAtAChosenByteAndSlowReader) {
  HttpClient c(*target_->http);
  ASSERT_TRUE(c.put("/abort.bin", {9, 4 * MiB}).completed());
  const auto r = c.get("/abort.bin", {.abort_after = 1000});
  EXPECT_FALSE(r.completed());
  EXPECT_TRUE(r.aborted);
  EXPECT_EQ(r.body_bytes, 1000u);
  c.forget_connection();
  const auto slow = c.get_range("/abort.bin", 0, MiB - 1, {.max_bytes_per_second = 4 * MiB});
  EXPECT_TRUE(slow.completed());
  EXPECT_EQ(slow.body_bytes, MiB);
  EXPECT_GE(slow.seconds, 0.1);  // 1 MiB at 4 MiB/s takes about 0.25 s
}

TEST_F(Clients, FirstByteHookSeesTheServersReadsSoFar) {
  HttpClient c(*target_->http);
  ASSERT_TRUE(c.put("/p3.bin", {10, kSize}).completed());
  ASSERT_EQ(c.head("/p3.bin").status, 200);  // connection open before the measurement
  Probe probe(target_->pid);
  probe.begin();
  std::optional<proc::IoCounters> at_first_byte;
  const auto get = c.get("/p3.bin", {.on_first_byte = [&] { at_first_byte = probe.io_now(); }});
  const auto m = probe.end();
  ASSERT_TRUE(get.completed());
  ASSERT_TRUE(at_first_byte);
  EXPECT_LT(at_first_byte->rchar, kSize / 2) << "the server read most of the file first";
  EXPECT_GE(m.io.rchar, kSize * 9 / 10);  // sendfile counts as read
  // A leak is growth; an earlier test's connection may close meanwhile (fewer fds).
  EXPECT_LE(m.fd_delta(), 0);
}

TEST_F(FtpClients, StorRetrRestAppeSizeDeleMkd) {
  FtpClient c(*target_->ftp);
  EXPECT_TRUE(c.mkd("ftpdir").completed());
  const Payload p{11, kSize, PayloadKind::adversarial};
  const auto stor = c.stor("ftpdir/f.bin", p);
  ASSERT_TRUE(stor.completed()) << stor.curl_error;
  EXPECT_EQ(stor.sha256, payload_sha256(p.seed, p.size, p.kind));
  EXPECT_EQ(c.size("ftpdir/f.bin"), kSize);
  const auto retr = c.retr("ftpdir/f.bin");
  ASSERT_TRUE(retr.completed()) << retr.curl_error;
  EXPECT_EQ(retr.sha256, stor.sha256);
  EXPECT_GE(retr.ttfb_seconds, 0);
  const auto rest = c.rest_retr("ftpdir/f.bin", kSize / 2);
  ASSERT_TRUE(rest.completed()) << rest.curl_error;
  EXPECT_EQ(rest.body_bytes, kSize / 2);
  EXPECT_EQ(rest.sha256, range_sha256(p, kSize / 2, kSize));
  const Payload more{11, kSize + MiB, PayloadKind::adversarial, kSize};
  ASSERT_TRUE(c.appe("ftpdir/f.bin", more).completed());
  EXPECT_EQ(c.retr("ftpdir/f.bin").sha256, payload_sha256(p.seed, kSize + MiB, p.kind));
  EXPECT_TRUE(c.dele("ftpdir/f.bin").completed());
  EXPECT_FALSE(c.size("ftpdir/f.bin"));
  EXPECT_FALSE(c.retr("ftpdir/f.bin").completed());
}

// The client asks the kernel to wake it only once a buffer's worth of a download has
// arrived; set on the control connection (curl hands a size query's answer to the body
// callback too), every later reply would wait out the 30 s response timeout.
TEST_F(FtpClients, SizeQueryFirstOnASessionLeavesRepliesFlowing) {
  FtpClient setup(*target_->ftp);
  const Payload p{13, 4 * MiB};
  ASSERT_TRUE(setup.stor("size-first.bin", p).completed());
  FtpClient c(*target_->ftp);  // its control connection opens in the size query
  EXPECT_EQ(c.size("size-first.bin"), p.size);
  const auto retr = c.retr("size-first.bin");
  ASSERT_TRUE(retr.completed()) << retr.curl_error;
  EXPECT_EQ(retr.sha256, payload_sha256(p.seed, p.size, p.kind));
  EXPECT_LT(retr.seconds, 10) << "a reply waited for a timeout";
  EXPECT_TRUE(c.dele("size-first.bin").completed());
}

TEST_F(FtpClients, ConcurrentRetrs) {
  FtpClient setup(*target_->ftp);
  const Payload p{12, 2 * MiB};
  ASSERT_TRUE(setup.stor("multi.bin", p).completed());
  FtpClient a(*target_->ftp), b(*target_->ftp);
  std::vector<PreparedTransfer> batch;
  batch.push_back(a.prepare_retr("multi.bin"));
  batch.push_back(b.prepare_retr("multi.bin"));
  for (const auto& r : run_concurrently(std::move(batch)))
    EXPECT_EQ(r.sha256, payload_sha256(p.seed, p.size, p.kind)) << r.curl_error;
}

// On the logged-in control connections: no new login inside the measured batch.
TEST_F(FtpClients, ABatchRunsOnEachClientsOwnControlConnection) {
  FtpClient setup(*target_->ftp);
  ASSERT_TRUE(setup.stor("own.bin", {14, MiB}).completed());
  std::vector<std::unique_ptr<FtpClient>> clients;
  for (int i = 0; i < 4; ++i) {
    clients.push_back(std::make_unique<FtpClient>(*target_->ftp));
    ASSERT_TRUE(clients.back()->noop().completed());
  }
  const auto [before, during] = connections_during_batch(
      clients, target_->ftp->port,
      [](FtpClient& c, const TransferOptions& o) { return c.prepare_retr("own.bin", o); });
  EXPECT_GE(before, 4u);
  EXPECT_EQ(during, before) << "the batch logged in again beside the clients' sessions";
}

}  // namespace
}  // namespace streamcheck::bench
