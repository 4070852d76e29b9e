// FTP transfers with libcurl (bench/lib's FtpClient) against the spawned refserver:
// byte-exact round trips, APPE and REST, FTP and HTTP on one store, atomic aborts,
// and the server's memory and descriptors measured from /proc.
#include <gtest/gtest.h>

#include "bench/lib/ftp_client.hpp"
#include "bench/lib/http_client.hpp"
#include "bench/lib/payload.hpp"
#include "bench/lib/proc.hpp"
#include "refserver/testing/payload_hash.hpp"
#include "refserver/testing/server_resources.hpp"
#include "refserver/testing/shared_refserver.hpp"
#include "refserver/testing/spawned_refserver.hpp"

namespace streamcheck {
namespace {

using bench::FtpClient;
using bench::HttpClient;
using bench::Payload;
using bench::payload_sha256;
using bench::PayloadKind;
namespace proc = bench::proc;
using testing::idle_fd_count;
using testing::peak_growth_kib;
using testing::rests_with_fd_count;
constexpr uint64_t MiB = 1024 * 1024;

std::string sha_of(const Payload& p) {
  return payload_sha256(p.seed, p.size, p.kind);
}

class FtpTransfer : public testing::SharedRefserverSuite<FtpTransfer> {
 protected:
};

TEST_F(FtpTransfer, Stor64MiBThenRetrIsByteExact) {
  FtpClient ftp(server_->ftp());
  Payload p{101, 64 * MiB, PayloadKind::adversarial};
  auto stor = ftp.stor("big.bin", p);
  ASSERT_TRUE(stor.completed()) << stor.curl_error;
  EXPECT_EQ(ftp.size("big.bin"), p.size);
  auto retr = ftp.retr("big.bin");
  ASSERT_TRUE(retr.completed()) << retr.curl_error;
  EXPECT_EQ(retr.body_bytes, p.size);
  EXPECT_EQ(retr.sha256, sha_of(p));
}

TEST_F(FtpTransfer, AppeInTwoPartsAndRestRetrOfTheTail) {
  FtpClient ftp(server_->ftp());
  Payload whole{102, 12 * MiB + 5, PayloadKind::random};
  // Two APPEs of consecutive pieces of one payload make the whole.
  Payload first{whole.seed, 5 * MiB, whole.kind};
  Payload second{whole.seed, whole.size, whole.kind, 5 * MiB};
  ASSERT_TRUE(ftp.appe("two-parts.bin", first).completed());
  ASSERT_TRUE(ftp.appe("two-parts.bin", second).completed());
  EXPECT_EQ(ftp.retr("two-parts.bin").sha256, sha_of(whole));
  auto tail = ftp.rest_retr("two-parts.bin", 7 * MiB + 3);
  ASSERT_TRUE(tail.completed()) << tail.curl_error;
  EXPECT_EQ(tail.body_bytes, whole.size - (7 * MiB + 3));
  EXPECT_EQ(tail.sha256, testing::sha256_of_range(whole, 7 * MiB + 3, whole.size));
}

TEST_F(FtpTransfer, StorByFtpGetByHttpAndPutByHttpRetrByFtp) {
  FtpClient ftp(server_->ftp());
  HttpClient http(server_->http());
  Payload a{103, 10 * MiB + 1, PayloadKind::adversarial};
  ASSERT_TRUE(ftp.stor("cross-a.bin", a).completed());
  EXPECT_EQ(http.get("/cross-a.bin").sha256, sha_of(a));
  Payload b{104, 10 * MiB + 1, PayloadKind::adversarial};
  ASSERT_EQ(http.put("/cross-b.bin", b).status, 201);
  EXPECT_EQ(ftp.retr("cross-b.bin").sha256, sha_of(b));
}

TEST_F(FtpTransfer, AbortedStorLeavesOldVersionAndEmptyStaging) {
  FtpClient ftp(server_->ftp());
  Payload v1{105, 3 * MiB, PayloadKind::random};
  ASSERT_TRUE(ftp.stor("atomic.bin", v1).completed());
  auto aborted =
      ftp.stor("atomic.bin", {106, 32 * MiB, PayloadKind::random}, {.abort_after = 16 * MiB});
  EXPECT_FALSE(aborted.completed());
  ftp.forget_connection();
  EXPECT_TRUE(server_->wait_staging_empty()) << server_->staging_listing();
  EXPECT_EQ(ftp.retr("atomic.bin").sha256, sha_of(v1));
}

TEST(FtpResources, PeakRssFlatDuring256MiBStorAndRetr) {
  testing::SpawnedRefserver server;
  FtpClient ftp(server.ftp());
  ASSERT_TRUE(ftp.stor("warm.bin", {1, 4 * MiB, PayloadKind::random}).completed());
  ASSERT_TRUE(ftp.retr("warm.bin").completed());
  Payload big{2, 256 * MiB, PayloadKind::random};
  auto stor = peak_growth_kib(server.pid(), [&] {
    EXPECT_TRUE(ftp.stor("big.bin", big).completed());
    ftp.noop();  // measured before the session ends
  });
  EXPECT_LT(stor, 8u * 1024) << "server peak RSS grew by " << stor << " KiB during a 256 MiB STOR";
  auto retr = peak_growth_kib(server.pid(), [&] {
    EXPECT_EQ(ftp.retr("big.bin").sha256, sha_of(big));
    ftp.noop();
  });
  EXPECT_LT(retr, 8u * 1024) << "server peak RSS grew by " << retr << " KiB during a 256 MiB RETR";
}

TEST(FtpResources, FdCountReturnsAfter200TransfersWith50Aborted) {
  testing::SpawnedRefserver server;
  {
    FtpClient warm(server.ftp());
    ASSERT_TRUE(warm.stor("f.bin", {3, 2 * MiB, PayloadKind::random}).completed());
    ASSERT_TRUE(warm.retr("f.bin").completed());
  }
  size_t before = idle_fd_count(server.pid(), server.listening_ports());
  int aborted = 0;
  FtpClient ftp(server.ftp());
  for (int i = 0; i < 200; ++i) {
    bench::TransferOptions options;
    if (i % 4 == 0) {
      options.abort_after = 256 * 1024 + static_cast<uint64_t>(i) * 4096;
      ++aborted;
    }
    auto t = i % 2 == 0 ? ftp.stor("f" + std::to_string(i % 10) + ".bin",
                                   {static_cast<uint64_t>(i), MiB, PayloadKind::random}, options)
                        : ftp.retr("f.bin", options);
    if (!options.abort_after) {
      EXPECT_TRUE(t.completed()) << i << ": " << t.curl_error;
    } else {
      ftp.forget_connection();
    }
  }
  ftp.forget_connection();
  EXPECT_EQ(aborted, 50);
  EXPECT_TRUE(rests_with_fd_count(server.pid(), server.listening_ports(), before))
      << "the server holds more descriptors after 200 transfers than before";
  auto fds = proc::read_fds(server.pid()).value();
  for (const auto& fd : fds) EXPECT_FALSE(fd.deleted) << "deleted file held open: " << fd.target;
  EXPECT_TRUE(server.wait_staging_empty()) << server.staging_listing();
}

}  // namespace
}  // namespace streamcheck
