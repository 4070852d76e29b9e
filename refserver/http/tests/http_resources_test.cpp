// The server's own resources during big transfers, read from /proc like the harness
// does for any server: memory stays flat and descriptors come back.
#include <gtest/gtest.h>

#include "bench/lib/http_client.hpp"
#include "bench/lib/payload.hpp"
#include "bench/lib/proc.hpp"
#include "bench/lib/raw_client.hpp"
#include "refserver/testing/server_resources.hpp"
#include "refserver/testing/spawned_refserver.hpp"

namespace streamcheck {
namespace {

using bench::HttpClient;
using bench::Payload;
using bench::PayloadKind;
namespace proc = bench::proc;
using testing::idle_fd_count;
using testing::peak_growth_kib;
using testing::rests_with_fd_count;

constexpr uint64_t MiB = 1024 * 1024;
constexpr uint64_t kFlatKiB = 8 * 1024;  // the bound: under 8 MiB of growth

TEST(HttpResources, PeakRssFlatDuring256MiBPutAndGet) {
  testing::SpawnedRefserver server;
  HttpClient c(server.http());
  Payload warm{1, 4 * MiB, PayloadKind::random};
  ASSERT_EQ(c.put("/warm.bin", warm).status, 201);
  ASSERT_EQ(c.get("/warm.bin").status, 200);

  Payload big{2, 256 * MiB, PayloadKind::random};
  auto put_growth = peak_growth_kib(server.pid(), [&] {
    auto put = c.put("/big.bin", big);
    EXPECT_EQ(put.status, 201) << put.curl_error;
  });
  EXPECT_LT(put_growth, kFlatKiB) << "server peak RSS grew by " << put_growth
                                  << " KiB during a 256 MiB PUT";
  auto get_growth = peak_growth_kib(server.pid(), [&] {
    auto get = c.get("/big.bin");
    EXPECT_EQ(get.sha256, bench::payload_sha256(big.seed, big.size, big.kind));
  });
  EXPECT_LT(get_growth, kFlatKiB) << "server peak RSS grew by " << get_growth
                                  << " KiB during a 256 MiB GET";
}

TEST(HttpResources, FdCountReturnsAfter200RequestsWith50Aborted) {
  testing::SpawnedRefserver server;
  {
    HttpClient warm(server.http());
    ASSERT_EQ(warm.put("/f.bin", {3, 2 * MiB, PayloadKind::random}).status, 201);
    ASSERT_EQ(warm.get("/f.bin").status, 200);
  }
  size_t before = idle_fd_count(server.pid(), server.listening_ports());

  int aborted = 0;
  for (int i = 0; i < 200; ++i) {
    HttpClient c(server.http());
    bench::TransferOptions options;
    if (i % 4 == 0) {
      options.abort_after = 256 * 1024 + static_cast<uint64_t>(i) * 4096;
      ++aborted;
    }
    if (i % 2 == 0) {
      auto put = c.put("/f" + std::to_string(i % 10) + ".bin",
                       {static_cast<uint64_t>(i), MiB, PayloadKind::random}, i % 8 == 0, options);
      if (!options.abort_after) {
        EXPECT_TRUE(put.status == 201 || put.status == 204) << put.status;
      }
    } else {
      auto get = c.get("/f.bin", options);
      if (!options.abort_after) {
        EXPECT_EQ(get.status, 200);
      }
    }
  }
  EXPECT_EQ(aborted, 50);
  EXPECT_TRUE(rests_with_fd_count(server.pid(), server.listening_ports(), before))
      << "the server holds more descriptors after 200 requests than before";
  auto fds = proc::read_fds(server.pid()).value();
  for (const auto& fd : fds) EXPECT_FALSE(fd.deleted) << "deleted file held open: " << fd.target;
  EXPECT_TRUE(server.wait_staging_empty()) << server.staging_listing();
}

TEST(HttpLifecycle, SigtermAbortsUploadsInFlightAndExitsZero) {
  testing::SpawnedRefserver server;
  bench::RawConnection conn("127.0.0.1", server.http().port);
  conn.send("PUT /half.bin HTTP/1.1\r\nHost: x\r\nAuthorization: Basic " + server.basic_token() +
            "\r\nContent-Length: 10000000\r\n\r\n");
  conn.send(std::string(1 << 20, 'x'));
  // The server has staged part of the body before it is told to stop.
  ASSERT_TRUE(server.wait_staging_used()) << "the upload never reached the staging directory";
  auto exit = server.process().stop();
  EXPECT_TRUE(exit.clean()) << exit.to_string();
  EXPECT_TRUE(std::filesystem::is_empty(server.root() / ".staging")) << server.staging_listing();
  EXPECT_FALSE(std::filesystem::exists(server.root() / "half.bin"));
}

}  // namespace
}  // namespace streamcheck
