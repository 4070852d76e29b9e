#include "bench/lib/cpu_pin.hpp"

#include <gtest/gtest.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <string>
#include <thread>

#include "bench/lib/error.hpp"
#include "bench/lib/proc_tree.hpp"
#include "bench/lib/tests/forked_child.hpp"

namespace streamcheck::bench {
namespace {

using testing::ForkedChild;

TEST(CpuList, ParsesSinglesRangesAndMixes) {
  EXPECT_EQ(parse_cpu_list("0"), (CpuList{0}));
  EXPECT_EQ(parse_cpu_list("3,1"), (CpuList{1, 3}));
  EXPECT_EQ(parse_cpu_list("0-2,5"), (CpuList{0, 1, 2, 5}));
  EXPECT_EQ(parse_cpu_list("2-2,1-3"), (CpuList{1, 2, 3}));
}

TEST(CpuList, RejectsHostileInputNamingThePart) {
  for (const char* bad :
       {"", ",", "1,", "-1", "1-", "a", "1-x", "0x1", " 1", "1 ", "99999", "4294967297", "1--2"}) {
    try {
      parse_cpu_list(bad);
      ADD_FAILURE() << "accepted \"" << bad << "\"";
    } catch (const Error& e) {
      EXPECT_NE(std::string(e.what()).find("invalid CPU list"), std::string::npos) << e.what();
    }
  }
  try {
    parse_cpu_list("3-1");
    ADD_FAILURE() << "accepted a backwards range";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("runs backwards"), std::string::npos) << e.what();
  }
}

TEST(CpuList, FormatsRangesCompactly) {
  EXPECT_EQ(format_cpu_list({0, 1, 2, 5}), "0-2,5");
  EXPECT_EQ(format_cpu_list({1}), "1");
  EXPECT_EQ(format_cpu_list({0, 2, 3, 4, 7, 8}), "0,2-4,7-8");
  EXPECT_EQ(format_cpu_list({}), "");
}

TEST(Placement, ParsesClientColonServerAndRefusesOverlap) {
  const auto p = parse_placement("3:0-2");
  EXPECT_EQ(p.client, (CpuList{3}));
  EXPECT_EQ(p.server, (CpuList{0, 1, 2}));
  EXPECT_EQ(format_placement(p), "harness on CPU 3, server on CPUs 0-2");
  EXPECT_THROW(parse_placement("1"), Error);
  EXPECT_THROW(parse_placement("1:"), Error);
  try {
    parse_placement("0-1:1-2");
    ADD_FAILURE() << "accepted overlapping sides";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("CPU 1 is on both sides"), std::string::npos) << e.what();
  }
}

TEST(Placement, DefaultPutsTheHarnessOnTheLastCpu) {
  EXPECT_FALSE(default_placement({0}).has_value());
  const auto p = default_placement({0, 1, 4});
  ASSERT_TRUE(p.has_value());
  EXPECT_EQ(p->client, (CpuList{4}));
  EXPECT_EQ(p->server, (CpuList{0, 1}));
}

CpuList cpus_of_thread(pid_t tid) {
  cpu_set_t set;
  CPU_ZERO(&set);
  if (::sched_getaffinity(tid, sizeof set, &set) != 0) return {};
  CpuList cpus;
  for (int c = 0; c < CPU_SETSIZE; ++c)
    if (CPU_ISSET(c, &set)) cpus.push_back(c);
  return cpus;
}

// A child with a second thread; on 't' it starts a third and replies with its id.
ForkedChild threaded_child() {
  return ForkedChild([](ForkedChild::Channel& ch) {
    std::thread([] {
      for (;;) ::pause();
    }).detach();
    ch.reply("started");
    while (ch.wait_command() == 't') {
      std::thread([&ch] {
        ch.reply(std::to_string(::syscall(SYS_gettid)));
        for (;;) ::pause();
      }).detach();
    }
  });
}

TEST(PinnedThreads, PinsEveryThreadAndPutsEachBack) {
  const auto allowed = allowed_cpus();
  if (allowed.size() < 2) GTEST_SKIP() << "needs two CPUs; this process may use one";
  ForkedChild child = threaded_child();
  ASSERT_EQ(child.read_reply(), "started");
  const pid_t pid = child.pid();
  // Its main thread and the one it started, and a sanitizer runtime's own, if any.
  const size_t threads = proc::list_threads(pid).size();
  ASSERT_GE(threads, 2u);
  const CpuList one{allowed.front()};
  pid_t late = 0;
  {
    PinnedThreads pinned([pid] { return std::vector<pid_t>{pid}; }, one);
    for (const pid_t tid : proc::list_threads(pid))
      EXPECT_EQ(cpus_of_thread(tid), one) << "thread " << tid;
    // A thread started while pinned inherits the pin...
    late = std::stoi(child.ask('t'));
    EXPECT_EQ(cpus_of_thread(late), one);
  }
  // ...and gets its process's own set back with the others.
  ASSERT_EQ(proc::list_threads(pid).size(), threads + 1);
  for (const pid_t tid : proc::list_threads(pid))
    EXPECT_EQ(cpus_of_thread(tid), allowed) << "thread " << tid;
}

TEST(PinnedThreads, AnImpossibleSetThrowsAndLeavesTheThreadsAlone) {
  ForkedChild child = threaded_child();
  ASSERT_EQ(child.read_reply(), "started");
  const pid_t pid = child.pid();
  const auto before = cpus_of_thread(pid);
  try {
    PinnedThreads pinned([pid] { return std::vector<pid_t>{pid}; }, {CPU_SETSIZE - 1});
    ADD_FAILURE() << "pinned to a CPU this machine does not have";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("sched_setaffinity"), std::string::npos) << e.what();
  }
  for (const pid_t tid : proc::list_threads(pid)) EXPECT_EQ(cpus_of_thread(tid), before);
}

TEST(PinnedPlacement, PinsServerTreeAndHarnessApartThenPutsBoth) {
  const auto allowed = allowed_cpus();
  if (allowed.size() < 2) GTEST_SKIP() << "needs two CPUs; this process may use one";
  ForkedChild child = threaded_child();
  ASSERT_EQ(child.read_reply(), "started");
  const auto placement = *default_placement(allowed);
  {
    PinnedPlacement pinned(child.pid(), placement);
    for (const pid_t tid : proc::list_threads(child.pid()))
      EXPECT_EQ(cpus_of_thread(tid), placement.server);
    for (const pid_t tid : proc::list_threads(::getpid()))
      EXPECT_EQ(cpus_of_thread(tid), placement.client);
  }
  for (const pid_t tid : proc::list_threads(child.pid())) EXPECT_EQ(cpus_of_thread(tid), allowed);
  for (const pid_t tid : proc::list_threads(::getpid())) EXPECT_EQ(cpus_of_thread(tid), allowed);
}

TEST(PinnedPlacement, RefusesACpuThisProcessMayNotUse) {
  try {
    PinnedPlacement pinned(::getpid(), {{CPU_SETSIZE - 1}, {0}});
    ADD_FAILURE() << "pinned to a CPU outside the allowed set";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("is not one this process may run on"), std::string::npos)
        << e.what();
  }
}

}  // namespace
}  // namespace streamcheck::bench
