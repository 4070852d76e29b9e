// The probe's io and CPU accounting across the processes and threads of a tree: a
// grandchild forked mid-measurement, children and grandchildren reaped before the end,
// threads that exit, CPU read in ns or, failing that, in clock ticks.
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <functional>
#include <string>
#include <thread>
#include <vector>

#include "bench/lib/probe.hpp"
#include "bench/lib/tests/forked_child.hpp"

namespace streamcheck::bench {
namespace {

using testing::ForkedChild;
constexpr std::size_t MiB = 1024 * 1024;

// Writes `bytes` to a new file in /tmp (and removes it), with write().
void write_file(std::size_t bytes) {
  char path[] = "/tmp/probe-test-XXXXXX";
  const int fd = ::mkstemp(path);
  if (fd < 0) ::_exit(9);
  ::unlink(path);
  std::vector<char> buf(MiB, 'x');
  for (std::size_t done = 0; done < bytes; done += buf.size())
    if (::write(fd, buf.data(), buf.size()) != static_cast<ssize_t>(buf.size())) ::_exit(9);
  ::close(fd);
}

// Spins until this thread has had `ms` of CPU time: CPU, not wall time, so the amount is
// the same on a busy machine.
void burn_cpu(std::chrono::milliseconds ms) {
  const auto thread_ns = [] {
    timespec ts{};
    ::clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return static_cast<std::int64_t>(ts.tv_sec) * 1'000'000'000 + ts.tv_nsec;
  };
  const auto until = thread_ns() + std::chrono::nanoseconds(ms).count();
  while (thread_ns() < until) {
  }
}

TEST(Probe, CoversAGrandchildForkedDuringTheMeasurement) {
  ForkedChild child([](ForkedChild::Channel& ch) {
    ch.reply("ready");
    ch.wait_command();
    int ready[2];
    if (::pipe(ready) != 0) ::_exit(5);
    const pid_t grandchild = ::fork();
    if (grandchild == 0) {
      const int fd = ::open("/dev/null", O_RDONLY);
      write_file(4 * MiB);
      (void)!::write(ready[1], &fd, sizeof fd);
      char c;
      while (::read(ch.command_fd(), &c, 1) > 0) {
      }
      ::_exit(0);
    }
    int fd = -1;
    if (::read(ready[0], &fd, sizeof fd) != sizeof fd) ::_exit(7);
    ch.reply(std::to_string(grandchild));
    ch.wait_command();
    ::waitpid(grandchild, nullptr, 0);
  });
  ASSERT_EQ(child.read_reply(), "ready");
  Probe probe(child.pid());
  probe.begin();
  const pid_t grandchild = std::stoi(child.ask('g'));
  const auto m = probe.end();
  EXPECT_EQ(m.processes_before, 1u);
  EXPECT_EQ(m.processes_after, 2u);
  EXPECT_TRUE(std::any_of(m.new_fds.begin(), m.new_fds.end(), [&](const TreeFd& f) {
    return f.pid == grandchild && f.fd.target == "/dev/null";
  }));
  EXPECT_GE(m.fd_delta(), 1);
  EXPECT_GE(m.io.wchar, 4 * MiB);
  EXPECT_LT(m.io.wchar, 5 * MiB);
}

// The probe's measurement of a child that runs `work` between begin() and end() (and
// stays alive until after the end).
Measurement measure_child(std::function<void()> work, ProbeOptions options = {}) {
  ForkedChild child([&work](ForkedChild::Channel& ch) {
    ch.reply("ready");
    ch.wait_command();
    work();
    ch.reply("done");
    ch.wait_command();
  });
  EXPECT_EQ(child.read_reply(), "ready");
  Probe probe(child.pid(), options);
  probe.begin();
  EXPECT_EQ(child.ask('w'), "done");
  return probe.end();
}

// A measurement of a child that forks a worker to run `work` and reaps it: a session
// process that comes and goes, sampled every 2 ms.
struct ReapedWorkerRun {
  proc::IoCounters worker_read;  // io_now() after `work`, the worker still alive
  proc::IoCounters after_reap;   // io_now() once the worker is reaped
  Measurement m;
};
ReapedWorkerRun measure_reaped_worker(std::function<void()> work) {
  ForkedChild child([&work](ForkedChild::Channel& ch) {
    ch.reply("ready");
    ch.wait_command();
    const pid_t worker = ::fork();
    if (worker == 0) {
      work();
      ch.reply("worked");
      ch.wait_command();
      ::_exit(0);
    }
    ::waitpid(worker, nullptr, 0);
    ch.reply("reaped");
    ch.wait_command();
  });
  EXPECT_EQ(child.read_reply(), "ready");
  Probe probe(child.pid(), {.sample_interval = std::chrono::milliseconds(2)});
  probe.begin();
  ReapedWorkerRun run;
  EXPECT_EQ(child.ask('w'), "worked");
  // The worker lives on until the probe has read it after its work: io_now() reads every
  // process of the tree, as the sampler does when the scheduler lets it, so that its last
  // reading is kept for certain rather than if the sampler happened to come by in time.
  run.worker_read = probe.io_now();
  EXPECT_EQ(child.ask('x'), "reaped");
  run.after_reap = probe.io_now();
  run.m = probe.end();
  return run;
}

TEST(Probe, CountsTheIoOfAChildReapedMidMeasurementOnce) {
  const auto run = measure_reaped_worker([] { write_file(4 * MiB); });
  EXPECT_GE(run.worker_read.wchar, 4 * MiB);
  EXPECT_GE(run.m.io.wchar, 4 * MiB);
  EXPECT_LT(run.m.io.wchar, 5 * MiB) << "counted twice: in the parent and as a gone child";
  EXPECT_EQ(run.after_reap.wchar, run.m.io.wchar);
}

// vsftpd's shape at QUIT: the process that moved the data exits and its session reaps
// it, then the session exits and the listener (the probe's root) reaps that. Each reap
// adds the child's io to the parent's, so the bytes end in the listener's counters and
// must not be counted again for either gone process (a 4 GiB STOR read "copies = 2.00").
TEST(Probe, CountsTheIoOfAGrandchildReapedThroughItsGoneParentOnce) {
  ForkedChild listener([](ForkedChild::Channel& ch) {
    ch.reply("ready");
    ch.wait_command();
    const pid_t session = ::fork();
    if (session == 0) {
      const pid_t mover = ::fork();
      if (mover == 0) {
        write_file(4 * MiB);
        ch.reply("worked");
        ch.wait_command();
        ::_exit(0);
      }
      ::waitpid(mover, nullptr, 0);
      ::_exit(0);
    }
    ::waitpid(session, nullptr, 0);
    ch.reply("reaped");
    ch.wait_command();
  });
  ASSERT_EQ(listener.read_reply(), "ready");
  Probe probe(listener.pid(), {.sample_interval = std::chrono::milliseconds(2)});
  probe.begin();
  ASSERT_EQ(listener.ask('w'), "worked");
  const auto while_alive = probe.io_now();  // every process read after the work
  ASSERT_EQ(listener.ask('x'), "reaped");
  const auto m = probe.end();
  EXPECT_GE(while_alive.wchar, 4 * MiB);
  EXPECT_GE(m.io.wchar, 4 * MiB);
  EXPECT_LT(m.io.wchar, 5 * MiB) << "counted twice: in the listener and as a gone process";
}

TEST(Probe, MeasuresCpuTime) {
  const auto m = measure_child([] { burn_cpu(std::chrono::milliseconds(150)); });
  EXPECT_GE(m.cpu_ms, 50);  // 150 ms of CPU (not of wall time: the same on a busy machine)
  EXPECT_FALSE(m.cpu_from_ticks);
}

// The time of a thread that exits is gone from its /proc/PID/task/TID/schedstat but not
// from the process's CPU-time clock.
TEST(Probe, KeepsTheCpuOfAThreadThatExitedBeforeTheEnd) {
  const auto m =
      measure_child([] { std::thread([] { burn_cpu(std::chrono::milliseconds(30)); }).join(); });
  EXPECT_GE(m.cpu_ms, 25);
  EXPECT_LT(m.cpu_ms, 100);
}

// 3 ms of CPU: 10 ms clock ticks can only say 0 or 10.
TEST(Probe, ResolvesAFewMillisecondsOfCpu) {
  const auto m = measure_child([] { burn_cpu(std::chrono::milliseconds(3)); });
  EXPECT_GE(m.cpu_ms, 1);
  EXPECT_LT(m.cpu_ms, 9);
  EXPECT_FALSE(m.cpu_from_ticks);
}

TEST(Probe, SumsTheCpuOfTwoBurningThreads) {
  ForkedChild child([](ForkedChild::Channel& ch) {
    ch.reply("ready");
    ch.wait_command();
    std::atomic<int> burnt{0};
    int release[2];
    if (::pipe(release) != 0) ::_exit(5);
    std::vector<std::thread> threads;
    for (int i = 0; i < 2; ++i) {
      threads.emplace_back([&] {
        burn_cpu(std::chrono::milliseconds(40));
        ++burnt;
        char c;
        (void)!::read(release[0], &c, 1);  // alive until after the end()
      });
    }
    while (burnt < 2) std::this_thread::sleep_for(std::chrono::milliseconds(1));
    ch.reply("burnt");
    ch.wait_command();
    ::close(release[1]);
    for (auto& t : threads) t.join();
  });
  ASSERT_EQ(child.read_reply(), "ready");
  Probe probe(child.pid());
  probe.begin();
  ASSERT_EQ(child.ask('b'), "burnt");
  const auto m = probe.end();
  EXPECT_GE(m.cpu_ms, 75);
  EXPECT_LT(m.cpu_ms, 150);
}

// A worker that burns, is read by the probe, exits and is reaped by its parent: its
// last reading counts, once (the parent's own clock has none of it).
TEST(Probe, KeepsTheCpuOfAChildReapedMidMeasurement) {
  const auto m = measure_reaped_worker([] { burn_cpu(std::chrono::milliseconds(30)); }).m;
  EXPECT_EQ(m.processes_seen, 2u);
  EXPECT_GE(m.cpu_ms, 25);
  EXPECT_LT(m.cpu_ms, 55) << "counted twice: in the parent and as a gone child";
}

// Where the clock cannot be read the probe falls back to ticks: coarse, not lost.
TEST(Probe, FallsBackToClockTicks) {
  const auto m =
      measure_child([] { std::thread([] { burn_cpu(std::chrono::milliseconds(60)); }).join(); },
                    {.cpu_clock = false});
  EXPECT_TRUE(m.cpu_from_ticks);
  EXPECT_GE(m.cpu_ms, 40);  // 60 ms, give or take two ticks of truncation
  EXPECT_LT(m.cpu_ms, 100);
  const double tick_ms = 1000.0 / static_cast<double>(proc::clock_ticks_per_second());
  EXPECT_EQ(std::fmod(m.cpu_ms, tick_ms), 0) << "whole ticks";
}

}  // namespace
}  // namespace streamcheck::bench
