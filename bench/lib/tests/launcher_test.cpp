#include "bench/lib/launcher.hpp"

#include <fcntl.h>
#include <signal.h>
#include <sys/prctl.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <thread>

#include "bench/lib/proc.hpp"
#include "bench/lib/proc_tree.hpp"
#include "bench/lib/tests/eventually.hpp"

namespace streamcheck::bench {
namespace {

using namespace std::chrono_literals;
using testing::eventually;

// Whether `pid` is still a live process (a zombie counts as gone).
bool alive(pid_t pid) {
  const auto st = proc::read_stat(pid);
  return st && !st->zombie();
}

LaunchError launch_error(const Command& command, const LaunchOptions& options = {}) {
  try {
    ServerProcess::launch(command, options);
  } catch (const LaunchError& e) {
    return e;
  }
  ADD_FAILURE() << "launch of `" << command.display << "` did not fail";
  return LaunchError(LaunchError::Kind::spawn_failed, "", "");
}

bool contains(const std::string& haystack, std::string_view needle) {
  return haystack.find(needle) != std::string::npos;
}

// Our children that are zombies (nobody reaped them).
std::vector<pid_t> zombie_children() {
  std::vector<pid_t> zombies;
  for (const pid_t pid : proc::list_tree(::getpid())) {
    const auto st = proc::read_stat(pid);
    if (st && st->zombie() && st->ppid == ::getpid()) zombies.push_back(pid);
  }
  return zombies;
}

TEST(Launcher, ReadyLineParsedAndStopKills) {
  auto server = ServerProcess::launch(Command::shell(
      "echo starting up; echo streamcheck-ready pid=$$ http=http://127.0.0.1:1/; exec sleep 60"));
  const pid_t pid = server->pid();
  EXPECT_EQ(server->ready().pid, pid);
  EXPECT_EQ(server->server_pid(), pid);
  ASSERT_TRUE(server->ready().http);
  EXPECT_EQ(server->ready().http->port, 1);
  EXPECT_TRUE(server->running());
  EXPECT_TRUE(alive(pid));
  EXPECT_TRUE(contains(server->stdout_tail(), "starting up"));

  const auto status = server->stop();
  EXPECT_FALSE(status.exited);
  EXPECT_EQ(status.signal, SIGTERM) << status.to_string();
  EXPECT_FALSE(status.sent_kill);
  EXPECT_FALSE(proc::exists(pid)) << "the process is still there (or an unreaped zombie)";
  EXPECT_FALSE(server->running());
  // Idempotent.
  EXPECT_EQ(server->stop().signal, SIGTERM);
}

TEST(Launcher, ArgvCommandAndCleanExit) {
  // The shell traps TERM and exits 0, like a well-behaved server.
  auto server = ServerProcess::launch(Command::exec(
      {"sh", "-c",
       "trap 'exit 0' TERM; echo streamcheck-ready pid=$$ ftp=ftp://u:p@127.0.0.1:2121/; "
       "while :; do sleep 0.05; done"}));
  ASSERT_TRUE(server->ready().ftp);
  EXPECT_EQ(server->ready().ftp->password, "p");
  const auto status = server->stop();
  EXPECT_TRUE(status.clean()) << status.to_string();
  EXPECT_EQ(status.to_string(), "exited with status 0");
}

TEST(Launcher, ReadyPidMayDifferFromTheLaunchedProcess) {
  // A launcher script starting the real server in the background, like scripts/peers/*.
  auto server = ServerProcess::launch(
      Command::shell("sleep 60 & echo streamcheck-ready pid=$! http=http://127.0.0.1:1/; wait"));
  const pid_t launched = server->pid();
  const pid_t real = server->server_pid();
  EXPECT_NE(launched, real);
  EXPECT_TRUE(alive(real));
  const auto tree = proc::list_tree(launched);
  EXPECT_NE(std::find(tree.begin(), tree.end(), real), tree.end());
  server->stop(2s);
  EXPECT_FALSE(proc::exists(launched));
  EXPECT_FALSE(proc::exists(real)) << "the background server was left behind";
}

TEST(Launcher, ExitWithoutReadyLineReportsStatusAndStderr) {
  const auto e = launch_error(
      Command::shell("echo 'cannot bind 127.0.0.1:80: Permission denied' >&2; exit 3"));
  EXPECT_EQ(e.kind(), LaunchError::Kind::exited);
  const std::string what = e.what();
  EXPECT_TRUE(contains(what, "exited with status 3")) << what;
  EXPECT_TRUE(contains(what, "cannot bind 127.0.0.1:80: Permission denied")) << what;
  EXPECT_TRUE(contains(e.stderr_tail(), "Permission denied"));
  EXPECT_TRUE(contains(what, "ended before printing a ready line")) << what;
}

TEST(Launcher, MissingProgramIsASpawnFailure) {
  const auto e = launch_error(Command::exec({"/nonexistent/streamcheck-server"}));
  EXPECT_EQ(e.kind(), LaunchError::Kind::spawn_failed);
  EXPECT_TRUE(contains(e.what(), "/nonexistent/streamcheck-server")) << e.what();
  const auto e2 = launch_error(Command::exec({"no-such-program-streamcheck"}));
  EXPECT_EQ(e2.kind(), LaunchError::Kind::spawn_failed);
  EXPECT_TRUE(contains(e2.what(), "not found in PATH")) << e2.what();
  // The forked child whose exec failed was reaped.
  EXPECT_TRUE(zombie_children().empty());
}

TEST(Launcher, BadWorkingDirectoryIsASpawnFailure) {
  LaunchOptions options;
  options.working_dir = "/nonexistent/dir";
  const auto e =
      launch_error(Command::shell("echo streamcheck-ready pid=$$ http=http://h:1/"), options);
  EXPECT_EQ(e.kind(), LaunchError::Kind::spawn_failed);
}

TEST(Launcher, TimeoutWhenNothingIsPrinted) {
  LaunchOptions options;
  options.ready_timeout = 300ms;
  const auto start = std::chrono::steady_clock::now();
  const auto e = launch_error(Command::shell("echo still thinking >&2; exec sleep 60"), options);
  EXPECT_EQ(e.kind(), LaunchError::Kind::timeout);
  EXPECT_TRUE(contains(e.what(), "within 300 ms")) << e.what();
  EXPECT_TRUE(contains(e.what(), "still thinking")) << e.what();
  EXPECT_LT(std::chrono::steady_clock::now() - start, 5s);
}

TEST(Launcher, MalformedReadyLine) {
  const auto e =
      launch_error(Command::shell("echo streamcheck-ready pid=abc http=http://h:1/; sleep 60"));
  EXPECT_EQ(e.kind(), LaunchError::Kind::bad_ready_line);
  EXPECT_TRUE(contains(e.what(), "pid=\"abc\"")) << e.what();
}

TEST(Launcher, ClosedStdoutWithoutReadyLine) {
  LaunchOptions options;
  options.ready_timeout = 5s;
  const auto e = launch_error(Command::shell("exec >&-; sleep 60"), options);
  EXPECT_EQ(e.kind(), LaunchError::Kind::closed_stdout) << e.what();
}

TEST(Launcher, LogLinesBeforeTheReadyLineAreSkipped) {
  auto server = ServerProcess::launch(Command::shell(
      "i=0; while [ $i -lt 2000 ]; do echo log line $i; echo noise $i >&2; i=$((i+1)); done; "
      "printf 'streamcheck-ready pid=%d ftp=ftp://h:21/\\r\\n' $$; exec sleep 60"));
  EXPECT_EQ(server->server_pid(), server->pid());
  // stderr is drained on its own and may lag the ready line on stdout a little.
  EXPECT_TRUE(eventually([&] { return contains(server->stderr_tail(), "noise 1999"); }))
      << server->stderr_tail();
  EXPECT_LE(server->stderr_tail().size(), 4096u);
}

TEST(Launcher, KeepsDrainingSoTheServerNeverBlocks) {
  // After the ready line the server writes 8 MiB to each pipe (far over a pipe's 64 KiB)
  // and then touches a file; if nobody drained, it would block forever.
  const auto marker =
      std::filesystem::temp_directory_path() / ("sc_bench_drained_" + std::to_string(::getpid()));
  std::filesystem::remove(marker);
  auto server = ServerProcess::launch(
      Command::shell("echo streamcheck-ready pid=$$ http=http://h:1/; head -c 8388608 /dev/zero; "
                     "head -c 8388608 /dev/zero >&2; touch " +
                     marker.string() + "; exec sleep 60"));
  EXPECT_TRUE(eventually([&] { return std::filesystem::exists(marker); }));
  std::filesystem::remove(marker);
}

TEST(Launcher, IgnoredSigtermIsKilledAfterTheGracePeriod) {
  LaunchOptions options;
  options.stop_grace = 300ms;
  auto server = ServerProcess::launch(
      Command::shell("trap '' TERM; echo streamcheck-ready pid=$$ http=http://h:1/; "
                     "while :; do sleep 0.05; done"),
      options);
  const pid_t pid = server->pid();
  const auto start = std::chrono::steady_clock::now();
  const auto status = server->stop();
  const auto took = std::chrono::steady_clock::now() - start;
  EXPECT_TRUE(status.sent_kill);
  EXPECT_EQ(status.signal, SIGKILL) << status.to_string();
  EXPECT_TRUE(contains(status.to_string(), "grace period")) << status.to_string();
  EXPECT_GE(took, 300ms);
  EXPECT_LT(took, 5s);
  EXPECT_FALSE(proc::exists(pid));
}

TEST(Launcher, DestructorLeavesNoProcessBehind) {
  pid_t launched = 0;
  pid_t background = 0;
  {
    LaunchOptions options;
    options.stop_grace = 300ms;
    // A tree: the shell ignores TERM, and a background child that ignores TERM too.
    auto server =
        ServerProcess::launch(Command::shell("trap '' TERM; sh -c 'trap \"\" TERM; sleep 60' & "
                                             "echo streamcheck-ready pid=$! http=http://h:1/; "
                                             "while :; do sleep 0.05; done"),
                              options);
    launched = server->pid();
    background = server->server_pid();
    EXPECT_TRUE(alive(background));
  }
  EXPECT_FALSE(proc::exists(launched));
  EXPECT_FALSE(alive(background));
  // Nothing of it is left as a zombie of ours either.
  EXPECT_TRUE(zombie_children().empty());
}

TEST(Launcher, OrphansOfTheServerAreStoppedToo) {
  // The launched shell starts a grandchild, which starts a great-grandchild and exits:
  // the great-grandchild is orphaned and adopted by us (a child subreaper).
  pid_t orphan = 0;
  {
    auto server = ServerProcess::launch(
        Command::shell("sh -c 'sleep 60 & echo $! > /dev/null; echo orphan=$!' ; "
                       "echo streamcheck-ready pid=$$ http=http://h:1/; exec sleep 60"));
    const auto out = server->stdout_tail();
    const auto at = out.find("orphan=");
    ASSERT_NE(at, std::string::npos) << out;
    orphan = std::stoi(out.substr(at + 7));
    const auto st = proc::read_stat(orphan);
    ASSERT_TRUE(st);
    EXPECT_EQ(st->ppid, ::getpid()) << "not adopted by the harness";
    server->stop(1s);
  }
  EXPECT_FALSE(proc::exists(orphan)) << "the orphan was left behind";
}

TEST(Launcher, EnvironmentAndWorkingDirectory) {
  LaunchOptions options;
  options.env = {{"SC_TEST_VALUE", "hello world"}};
  options.working_dir = "/tmp";
  auto server = ServerProcess::launch(
      Command::shell("echo \"v=$SC_TEST_VALUE d=$(pwd)\"; "
                     "echo streamcheck-ready pid=$$ http=http://h:1/; exec sleep 60"),
      options);
  EXPECT_TRUE(contains(server->stdout_tail(), "v=hello world d=/tmp")) << server->stdout_tail();
}

TEST(Launcher, HarnessDescriptorsAreNotInherited) {
  // An fd of ours without close-on-exec must not show up in the server.
  const int fd = ::open("/dev/null", O_RDONLY);
  ASSERT_GE(fd, 0);
  auto server = ServerProcess::launch(
      Command::shell("echo streamcheck-ready pid=$$ http=http://h:1/; exec sleep 60"));
  const auto fds = proc::read_fds(server->pid());
  ::close(fd);
  ASSERT_TRUE(fds);
  for (const auto& f : *fds) EXPECT_LE(f.fd, 2) << f.fd << " -> " << f.target;
}

TEST(Launcher, ParentDeathSignalFollowsTheLaunchingThread) {
  // Documented caveat: the kernel signals the server when the launching thread ends.
  std::unique_ptr<ServerProcess> server;
  std::thread([&] {
    server = ServerProcess::launch(
        Command::shell("echo streamcheck-ready pid=$$ http=http://h:1/; exec sleep 60"));
  }).join();
  EXPECT_TRUE(eventually([&] { return !server->running(); }));
  EXPECT_EQ(server->stop().signal, SIGTERM);

  // Turned off, the server outlives the thread.
  LaunchOptions options;
  options.parent_death_signal = 0;
  std::thread([&] {
    server = ServerProcess::launch(
        Command::shell("echo streamcheck-ready pid=$$ http=http://h:1/; exec sleep 60"), options);
  }).join();
  // Time for a signal that must not come (the kernel would have sent it as the thread
  // ended): its absence is no event to wait for. A slow machine can make this pass
  // wrongly, never fail wrongly.
  std::this_thread::sleep_for(100ms);
  EXPECT_TRUE(server->running());
  EXPECT_EQ(server->stop().signal, SIGTERM);
}

TEST(Launcher, EchoCopiesTheServersOutput) {
  LaunchOptions options;
  options.echo_output = true;
  ::testing::internal::CaptureStderr();
  {
    auto server = ServerProcess::launch(
        Command::shell("echo to-stderr >&2; echo streamcheck-ready pid=$$ http=http://h:1/; "
                       "exec sleep 60"),
        options);
    server->stop();
  }
  const auto captured = ::testing::internal::GetCapturedStderr();
  EXPECT_TRUE(contains(captured, "to-stderr")) << captured;
  EXPECT_TRUE(contains(captured, "streamcheck-ready pid=")) << captured;
}

TEST(Launcher, HarnessIsAChildSubreaper) {
  become_child_subreaper();
  int value = 0;
  ASSERT_EQ(::prctl(PR_GET_CHILD_SUBREAPER, &value), 0);
  EXPECT_EQ(value, 1);
}

}  // namespace
}  // namespace streamcheck::bench
