#include "bench/lib/proc_tree.hpp"

#include <fcntl.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <algorithm>
#include <string>

#include "bench/lib/tests/eventually.hpp"
#include "bench/lib/tests/forked_child.hpp"
#include "bench/lib/tests/sharing_tree.hpp"

namespace streamcheck::bench::proc {
namespace {

using testing::eventually;
using testing::ForkedChild;
using testing::kChildren;
using testing::kOwnKiB;
using testing::kSharedKiB;
using testing::kSharingHidden;

bool contains(const std::vector<pid_t>& v, pid_t pid) {
  return std::find(v.begin(), v.end(), pid) != v.end();
}

// A child that forks a grandchild; the grandchild opens /dev/null `extra` times and
// waits. The child replies "<grandchild pid> <fd>"; on exit it reaps the grandchild.
std::function<void(ForkedChild::Channel&)> parent_of_grandchild(int extra) {
  return [extra](ForkedChild::Channel& ch) {
    int ready[2];
    if (::pipe(ready) != 0) ::_exit(5);
    const pid_t grandchild = ::fork();
    if (grandchild < 0) ::_exit(6);
    if (grandchild == 0) {
      int fd = -1;
      for (int i = 0; i < extra; ++i) fd = ::open("/dev/null", O_RDONLY);
      (void)!::write(ready[1], &fd, sizeof fd);
      char c;
      while (::read(ch.command_fd(), &c, 1) > 0) {
      }
      ::_exit(0);
    }
    int fd = -1;
    if (::read(ready[0], &fd, sizeof fd) != sizeof fd) ::_exit(7);
    ch.reply(std::to_string(grandchild) + " " + std::to_string(fd));
    ch.wait_command();  // until the test closes the channel; the grandchild sees it too
    ::waitpid(grandchild, nullptr, 0);
  };
}

// The tree tests run with each way of finding descendants.
class ProcTree : public ::testing::TestWithParam<TreeMethod> {
 protected:
  void SetUp() override {
    if (GetParam() == TreeMethod::children_files && !children_files_supported()) {
      GTEST_SKIP() << "this kernel has no /proc/PID/task/TID/children";
    }
  }
  TreeMethod method() const { return GetParam(); }
};

INSTANTIATE_TEST_SUITE_P(Methods, ProcTree,
                         ::testing::Values(TreeMethod::children_files, TreeMethod::proc_scan),
                         [](const ::testing::TestParamInfo<TreeMethod>& param_info) {
                           return param_info.param == TreeMethod::proc_scan ? "ProcScan"
                                                                            : "ChildrenFiles";
                         });

TEST_P(ProcTree, ListTreeFindsTheGrandchild) {
  ForkedChild child(parent_of_grandchild(1));
  const auto reply = child.read_reply();
  const pid_t grandchild = std::stoi(reply);
  const auto tree = list_tree(child.pid(), method());
  ASSERT_GE(tree.size(), 2u);
  EXPECT_EQ(tree.front(), child.pid());
  EXPECT_TRUE(contains(tree, grandchild));
  // Our own tree holds both too.
  const auto mine = list_tree(::getpid(), method());
  EXPECT_TRUE(contains(mine, child.pid()));
  EXPECT_TRUE(contains(mine, grandchild));
}

TEST_P(ProcTree, TreeReadingCountsTheGrandchildsDescriptors) {
  ForkedChild child(parent_of_grandchild(3));
  const auto reply = child.read_reply();
  const pid_t grandchild = std::stoi(reply);
  const int fd = std::stoi(reply.substr(reply.find(' ') + 1));

  TreeTracker tracker(child.pid(), method());
  ASSERT_TRUE(contains(tracker.pids(), grandchild));
  const auto reading = read_tree(tracker.pids(), {.fd_targets = true});
  ASSERT_EQ(reading.processes.size(), 2u);
  const auto* g = reading.find(grandchild);
  ASSERT_NE(g, nullptr);
  ASSERT_TRUE(g->fd_count);
  const auto* c = reading.find(child.pid());
  ASSERT_NE(c, nullptr);
  // The grandchild has the child's descriptors plus three of /dev/null.
  EXPECT_GE(*g->fd_count, *c->fd_count + 2);
  EXPECT_TRUE(std::any_of(g->fds.begin(), g->fds.end(),
                          [&](const FdInfo& f) { return f.fd == fd && f.target == "/dev/null"; }));
  EXPECT_EQ(reading.fd_count, *g->fd_count + *c->fd_count);
  EXPECT_EQ(reading.deleted_open, 0u);
  EXPECT_GT(reading.rss_kib, 0u);
  EXPECT_EQ(reading.rss_kib, g->memory->rss_kib + c->memory->rss_kib);
  EXPECT_EQ(reading.io.wchar, g->io->wchar + c->io->wchar);
  ASSERT_TRUE(g->cpu.ns && c->cpu.ns);
  EXPECT_EQ(reading.cpu_ns, *g->cpu.ns + *c->cpu.ns);
  // Without the clock, the ticks.
  const auto ticks = read_tree(tracker.pids(), {.cpu_clock = false});
  ASSERT_EQ(ticks.processes.size(), 2u);
  EXPECT_FALSE(ticks.processes[0].cpu.ns);
  EXPECT_EQ(ticks.cpu_ns, ticks_to_ns(ticks.processes[0].cpu.ticks + ticks.processes[1].cpu.ticks));
}

TEST_P(ProcTree, TrackerFollowsNewChildrenAndDropsTheDead) {
  ForkedChild child([](ForkedChild::Channel& ch) {
    ch.reply("started");
    pid_t kid = -1;
    for (;;) {
      const char c = ch.wait_command();
      if (c == '\0') return;
      if (c == 'f') {
        kid = ::fork();
        if (kid == 0) {
          ::pause();
          ::_exit(0);
        }
        ch.reply(std::to_string(kid));
      } else if (c == 'k') {
        ::kill(kid, SIGKILL);
        ::waitpid(kid, nullptr, 0);
        ch.reply("killed");
      }
    }
  });
  ASSERT_EQ(child.read_reply(), "started");
  TreeTracker tracker(child.pid(), method());
  EXPECT_EQ(tracker.refresh(), std::vector<pid_t>{child.pid()});
  const pid_t kid = std::stoi(child.ask('f'));
  EXPECT_TRUE(contains(tracker.refresh(), kid));
  EXPECT_EQ(tracker.pids().front(), child.pid());
  EXPECT_GE(tracker.searches(), 1u);
  ASSERT_EQ(child.ask('k'), "killed");
  EXPECT_FALSE(contains(tracker.refresh(), kid));
  EXPECT_EQ(tracker.pids(), std::vector<pid_t>{child.pid()});
}

TEST_P(ProcTree, OrphansStayMembersUntilTheyEnd) {
  // The child forks a grandchild and exits: the grandchild is re-parented, no longer a
  // descendant, but the tracker keeps it. We adopt it (as the harness does), so that we
  // can reap it rather than leave a zombie to an init that may not reap.
  ASSERT_EQ(::prctl(PR_SET_CHILD_SUBREAPER, 1), 0);
  int release[2];
  ASSERT_EQ(::pipe(release), 0);
  ForkedChild child([&](ForkedChild::Channel& ch) {
    const pid_t grandchild = ::fork();
    if (grandchild == 0) {
      ::close(release[1]);
      char c;
      (void)!::read(release[0], &c, 1);  // until the test closes its end
      ::_exit(0);
    }
    ch.reply(std::to_string(grandchild));
    ch.wait_command();
  });
  ::close(release[0]);
  const pid_t grandchild = std::stoi(child.read_reply());
  TreeTracker tracker(child.pid(), method());
  ASSERT_TRUE(contains(tracker.pids(), grandchild));
  child.reap(std::chrono::seconds(5));  // the child exits, the grandchild is orphaned
  EXPECT_EQ(read_stat(grandchild)->ppid, ::getpid());
  EXPECT_TRUE(contains(tracker.refresh(), grandchild));
  EXPECT_FALSE(contains(tracker.pids(), child.pid()));
  ::close(release[1]);
  // It ends. It stays a member while it is a zombie (until whoever adopted it, init or
  // us as a subreaper, reaps it), and no longer.
  const auto ended = [&] {
    const auto st = read_stat(grandchild);
    return !st || st->zombie();
  };
  ASSERT_TRUE(eventually(ended));
  EXPECT_TRUE(contains(tracker.refresh(), grandchild));  // a zombie: counters are final
  const auto zombie = read_process(grandchild, {.fd_targets = true});
  ASSERT_TRUE(zombie);
  EXPECT_TRUE(zombie->io);
  EXPECT_TRUE(zombie->cpu.ns);  // final, and still readable
  EXPECT_FALSE(zombie->memory);
  EXPECT_EQ(zombie->fd_count, 0u);
  ASSERT_EQ(::waitpid(grandchild, nullptr, 0), grandchild);
  EXPECT_FALSE(contains(tracker.refresh(), grandchild));
}

TEST_P(ProcTree, GoneRootGivesAnEmptyTree) {
  pid_t pid;
  {
    ForkedChild child([](ForkedChild::Channel&) {});
    pid = child.pid();
  }
  EXPECT_TRUE(list_tree(pid, method()).empty());
  TreeTracker tracker(pid, method());
  EXPECT_EQ(tracker.method(), method());
  EXPECT_TRUE(tracker.pids().empty());
  EXPECT_TRUE(read_tree(std::vector<pid_t>{pid}).processes.empty());
}

// A forking server's tree (sharing_tree.hpp): a parent and 4 children that all map the
// 64 MiB the parent wrote before it forked. Bounds in bytes, so they hold however busy
// the machine: what the processes map beside the 64 MiB (the test binary, the C library)
// is a few MiB, shared with this process too.
struct SharingTree {
  ForkedChild server{testing::sharing_tree};
  SharingTree() {
    EXPECT_EQ(server.read_reply(), "ready");
    EXPECT_EQ(server.ask('f'), "forked");
  }
  std::vector<pid_t> pids() const { return list_tree(server.pid()); }
  std::uint64_t rss_kib() const { return read_tree(pids(), {.io = false}).rss_kib; }
  Pss pss() const { return sum_pss(pids()); }
};

TEST(ProcTreePss, CountsAPageTheTreeSharesOnce) {
  if (kSharingHidden) GTEST_SKIP() << kSharingHidden;
  SharingTree tree;
  ASSERT_EQ(tree.pids().size(), 1u + kChildren);
  const auto pss = tree.pss();
  ASSERT_EQ(pss.status, Pss::Status::read) << pss.why;
  // Summed VmRSS: the 64 MiB once per process; smaps_rollup's Rss says the same.
  EXPECT_GE(tree.rss_kib(), (1 + kChildren) * (kSharedKiB - 1024));
  EXPECT_GE(pss.rss_kib, (1 + kChildren) * (kSharedKiB - 1024));
  // Summed PSS: once in all, beside each process's own pages (under a sanitizer those
  // include ASan's runtime's and shadow's: 16.4 MiB for the five).
#if defined(__SANITIZE_ADDRESS__)
  constexpr std::uint64_t kOwnPagesKiB = 32 * 1024;
#else
  constexpr std::uint64_t kOwnPagesKiB = 16 * 1024;
#endif
  EXPECT_GE(pss.pss_kib, kSharedKiB - 1024);
  EXPECT_LT(pss.pss_kib, kSharedKiB + kOwnPagesKiB);
}

// PSS hides nothing a process holds of its own: memory each child writes counts whole,
// and so does a page a child writes over and so copies (where summed VmRSS does not
// change at all: the copy replaces the shared page in the child's page tables).
TEST(ProcTreePss, CountsWhatEachProcessWritesInFull) {
  if (kSharingHidden) GTEST_SKIP() << kSharingHidden;
  SharingTree tree;
  const auto before = tree.pss();
  ASSERT_EQ(before.status, Pss::Status::read) << before.why;
  ASSERT_EQ(tree.server.ask('p'), "private");
  const auto own = tree.pss();
  const auto rss_own = tree.rss_kib();
  EXPECT_GE(own.pss_kib, before.pss_kib + kChildren * (kOwnKiB - 512));
  EXPECT_LT(own.pss_kib, before.pss_kib + kChildren * (kOwnKiB + 2048));
  ASSERT_EQ(tree.server.ask('c'), "copied");
  const auto copied = tree.pss();
  // Each child's copy, and the parent's pages its own again: kChildren * 16 MiB more.
  EXPECT_GE(copied.pss_kib, own.pss_kib + kChildren * (kOwnKiB - 512));
  EXPECT_LT(copied.pss_kib, own.pss_kib + kChildren * (kOwnKiB + 2048));
  EXPECT_LT(tree.rss_kib(), rss_own + 4 * 1024);
}

TEST(ProcTreePss, GoneProcessesCountNothingAndNoPidsReadZero) {
  pid_t gone;
  {
    ForkedChild child([](ForkedChild::Channel&) {});
    gone = child.pid();
  }
  const std::vector<pid_t> pids{gone};
  const auto pss = sum_pss(pids);
  EXPECT_EQ(pss.status, Pss::Status::read);
  EXPECT_EQ(pss.pss_kib, 0u);
  EXPECT_EQ(sum_pss({}).pss_kib, 0u);
}

TEST(ProcTreeReading, ResetHwmAll) {
  const std::vector<pid_t> pids{::getpid()};
  EXPECT_EQ(reset_hwm_all(pids), 1u);
}

}  // namespace
}  // namespace streamcheck::bench::proc
