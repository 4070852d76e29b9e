#include "bench/lib/fd_limit.hpp"

#include <sys/resource.h>

#include <gtest/gtest.h>

#include <fstream>
#include <sstream>
#include <string>

#include "bench/lib/launcher.hpp"

namespace streamcheck::bench {
namespace {

// The soft "Max open files" of a process, from /proc/PID/limits.
std::string soft_nofile(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/limits");
  for (std::string line; std::getline(in, line);) {
    if (line.rfind("Max open files", 0) != 0) continue;
    std::istringstream fields(line.substr(14));
    std::string soft;
    fields >> soft;
    return soft;
  }
  return "";
}

// The harness goes up to its hard limit; a server it starts gets the limit the harness
// was started with. (A test process of its own under ctest: the raise happens once.)
TEST(FdLimit, RaisedToTheHardLimitAndGivenBackToTheServer) {
  rlimit started{};
  ASSERT_EQ(::getrlimit(RLIMIT_NOFILE, &started), 0);
  ASSERT_GT(started.rlim_max, 64u) << "too low a hard limit to test on";
  rlimit low = started;
  low.rlim_cur = std::min<rlim_t>(started.rlim_max / 2, 300);
  ASSERT_EQ(::setrlimit(RLIMIT_NOFILE, &low), 0);

  const auto limits = raise_fd_limit();
  EXPECT_EQ(limits.soft, limits.hard);
  EXPECT_EQ(limits.hard, static_cast<std::uint64_t>(started.rlim_max));
  rlimit now{};
  ASSERT_EQ(::getrlimit(RLIMIT_NOFILE, &now), 0);
  EXPECT_EQ(now.rlim_cur, started.rlim_max);
  EXPECT_EQ(raise_fd_limit().soft, limits.soft);  // again: nothing changes

  auto server = ServerProcess::launch(
      Command::shell("echo streamcheck-ready pid=$$ http=http://127.0.0.1:1/; exec sleep 60"));
  EXPECT_EQ(soft_nofile(server->pid()), std::to_string(low.rlim_cur));
  server->stop();
}

}  // namespace
}  // namespace streamcheck::bench
