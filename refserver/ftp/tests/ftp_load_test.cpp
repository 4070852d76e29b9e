// A thousand FTP sessions at once against the spawned refserver, started as the field
// starts it (soft descriptor limit 1024), each logged in with a passive data connection
// and a RETR: every transfer byte-exact, none refused, the server's memory within the
// issue's budget (4 MiB + 1 MiB a session) and its descriptors back to where they were
// once the clients have gone.
#include <gtest/gtest.h>

#include <memory>
#include <vector>

#include "bench/lib/ftp_client.hpp"
#include "bench/lib/payload.hpp"
#include "refserver/testing/load.hpp"
#include "refserver/testing/server_resources.hpp"
#include "refserver/testing/spawned_refserver.hpp"

namespace streamcheck {
namespace {

constexpr uint64_t KiB = 1024;
constexpr size_t kSessions = 1000;

TEST(FtpLoad, AThousandConcurrentSessionsRetrExactlyAndLeaveNoDescriptor) {
  // A client holds a control and a data socket, and curl a wake-up socket pair per
  // multi handle: the batch's and each FtpClient's own.
  if (!testing::raise_own_fd_limit(5 * kSessions + 256))
    GTEST_SKIP() << "this process may not open the descriptors " << kSessions << " clients need";
  auto server = testing::spawn_with_usual_fd_limit();
  const pid_t pid = server->pid();

  const bench::Payload p{62, 64 * KiB, bench::PayloadKind::random};
  const auto sha = bench::payload_sha256(p.seed, p.size, p.kind);
  {
    bench::FtpClient setup(server->ftp());
    ASSERT_TRUE(setup.stor("small.bin", p).completed());
    ASSERT_EQ(setup.retr("small.bin").sha256, sha);
  }
  const size_t fds_before = testing::idle_fd_count(pid, server->listening_ports());

  auto [clients, batch] = testing::prepare_clients<bench::FtpClient>(
      kSessions, server->ftp(), [](auto& c) { return c.prepare_retr("small.bin"); });
  const auto run = testing::run_measured(pid, std::move(batch));
  testing::expect_held(run, {.what = "concurrent FTP sessions, each RETR 64 KiB",
                             .size = p.size,
                             .sha256 = sha,
                             .fds_before = fds_before});
  clients.clear();
  EXPECT_TRUE(testing::rests_with_fd_count(pid, server->listening_ports(), fds_before));
}

}  // namespace
}  // namespace streamcheck
