// Reading a spawned server's resources from /proc in integration tests, the way the
// harness reads any server's: peak memory over a piece of work, and a settled fd count.
#pragma once

#include <gtest/gtest.h>
#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <thread>

#include "bench/lib/proc.hpp"

namespace streamcheck::testing {

// Peak RSS growth (KiB) of `pid` while `work` runs: VmHWM reset first, read after.
template <class Work>
uint64_t peak_growth_kib(pid_t pid, Work work) {
  namespace proc = bench::proc;
  EXPECT_EQ(proc::reset_hwm(pid), proc::HwmReset::done);
  auto before = proc::read_memory(pid);
  work();
  auto after = proc::read_memory(pid);
  if (!before || !after) {
    ADD_FAILURE() << "server gone";
    return 0;
  }
  return after->hwm_kib > before->rss_kib ? after->hwm_kib - before->rss_kib : 0;
}

// The fd count of `pid` once two readings 100 ms apart agree: a server may still be
// closing what a vanished client left.
inline size_t stable_fd_count(pid_t pid) {
  size_t last = bench::proc::count_fds(pid).value_or(0);
  for (int i = 0; i < 50; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    size_t now = bench::proc::count_fds(pid).value_or(0);
    if (now == last) break;
    last = now;
  }
  return last;
}

}  // namespace streamcheck::testing
