// Reading a spawned server's resources from /proc in integration tests, the way the
// harness reads any server's: peak memory over a piece of work, and the fd count of the
// server at rest.
#pragma once

#include <gtest/gtest.h>
#include <sys/types.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <fstream>
#include <optional>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "bench/lib/proc.hpp"
#include "bench/lib/tests/eventually.hpp"
#include "bench/lib/transfer.hpp"

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

// Peak RSS growth (KiB) of `pid` over `before_kib` while a client holds still (say,
// inside a download's first-byte callback): sampled until it reaches `enough_kib` or
// `patience` has passed, so a server that reads ahead is seen however busy the machine,
// and one that does not costs exactly `patience`.
inline uint64_t growth_while_stalled(pid_t pid, uint64_t before_kib, uint64_t enough_kib,
                                     std::chrono::milliseconds patience) {
  uint64_t peak = 0;
  bench::testing::eventually(
      [&] {
        const auto now = bench::proc::read_memory(pid);
        if (now && now->rss_kib > before_kib) peak = std::max(peak, now->rss_kib - before_kib);
        return peak >= enough_kib;
      },
      patience);
  return peak;
}

// Peak RSS growth (KiB) of `pid` while `download(options)` runs a download whose client
// stops reading at its first byte, until the growth reaches `enough_kib` or `patience`
// has passed, then reads the rest.
template <class Download>
uint64_t growth_with_stalled_reader(pid_t pid, uint64_t enough_kib,
                                    std::chrono::milliseconds patience, Download download) {
  const auto before = bench::proc::read_memory(pid);
  if (!before) {
    ADD_FAILURE() << "server gone";
    return 0;
  }
  uint64_t growth = 0;
  bench::TransferOptions stall;
  stall.on_first_byte = [&] {
    growth = growth_while_stalled(pid, before->rss_kib, enough_kib, patience);
  };
  download(stall);
  return growth;
}

// Whether a stalled download's RSS growth is what it must be (printed with `what`): at
// least `at_least_kib` for a server that reads ahead of its client, under `under_kib` for
// one with backpressure.
inline ::testing::AssertionResult stalled_growth_is(bool reads_ahead, uint64_t growth_kib,
                                                    uint64_t at_least_kib, uint64_t under_kib,
                                                    const std::string& what) {
  std::printf("%s, %s: server RSS growth %llu KiB\n", what.c_str(),
              reads_ahead ? "reading ahead" : "with backpressure",
              static_cast<unsigned long long>(growth_kib));
  if (reads_ahead && growth_kib < at_least_kib)
    return ::testing::AssertionFailure()
           << what << ": grew by " << growth_kib << " KiB, not the " << at_least_kib
           << " KiB at least that reading ahead queues";
  if (!reads_ahead && growth_kib >= under_kib)
    return ::testing::AssertionFailure()
           << what << ": grew by " << growth_kib << " KiB, " << under_kib << " KiB or more";
  return ::testing::AssertionSuccess();
}

// The fd targets ("socket:[INODE]") of the TCP sockets listening on `ports` in the
// network namespace of `pid`, from /proc/PID/net/tcp and tcp6 (state 0A is LISTEN).
inline std::set<std::string> listener_targets(pid_t pid, const std::vector<uint16_t>& ports) {
  std::set<std::string> targets;
  for (const char* table : {"tcp", "tcp6"}) {
    std::ifstream in("/proc/" + std::to_string(pid) + "/net/" + table);
    std::string line;
    std::getline(in, line);  // the column names
    while (std::getline(in, line)) {
      std::istringstream fields(line);
      std::string slot, local, remote, state, queues, timer, retransmits, uid, timeout, inode;
      if (!(fields >> slot >> local >> remote >> state >> queues >> timer >> retransmits >> uid >>
            timeout >> inode))
        continue;
      const auto port =
          static_cast<uint16_t>(std::stoul(local.substr(local.rfind(':') + 1), nullptr, 16));
      if (state == "0A" && std::find(ports.begin(), ports.end(), port) != ports.end())
        targets.insert("socket:[" + inode + "]");
    }
  }
  return targets;
}

// Every fd of `pid` with its target, for messages.
inline std::string fd_listing(pid_t pid) {
  const auto fds = bench::proc::read_fds(pid);
  if (!fds) return "(the server is gone)";
  std::string out;
  for (const auto& fd : *fds) out += "\n  " + std::to_string(fd.fd) + " -> " + fd.target;
  return out;
}

// Whether `pid` holds no socket but its listeners on `ports`: no connection in any state
// (one whose client closed or reset it stays until the server closes it too) and no FTP
// passive listener.
inline bool holds_only_listeners(pid_t pid, const std::vector<uint16_t>& ports) {
  const auto fds = bench::proc::read_fds(pid);
  if (!fds) return false;
  const auto listeners = listener_targets(pid, ports);
  return std::all_of(fds->begin(), fds->end(), [&](const bench::proc::FdInfo& fd) {
    return fd.kind != bench::proc::FdKind::socket || listeners.contains(fd.target);
  });
}

// The fd count of `pid` at rest: once it holds no socket but its listeners on `ports`.
// A server learns that a client has gone, and closes what its session held, in its own
// time; a count read before then would be too high.
inline size_t idle_fd_count(pid_t pid, const std::vector<uint16_t>& ports) {
  size_t count = 0;
  const bool idle = bench::testing::eventually([&] {
    if (!holds_only_listeners(pid, ports)) return false;
    count = bench::proc::count_fds(pid).value_or(0);
    return true;
  });
  if (!idle) ADD_FAILURE() << "the server never came to rest; it holds:" << fd_listing(pid);
  return count;
}

// Whether `pid` comes to rest (see idle_fd_count) holding `count` fds.
inline ::testing::AssertionResult rests_with_fd_count(pid_t pid, const std::vector<uint16_t>& ports,
                                                      size_t count) {
  std::optional<size_t> now;
  bool idle = false;
  if (bench::testing::eventually([&] {
        idle = holds_only_listeners(pid, ports);
        now = bench::proc::count_fds(pid);
        return idle && now == count;
      }))
    return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure()
         << (idle ? "at rest" : "not at rest") << " with " << now.value_or(0) << " fds, " << count
         << " expected; it holds:" << fd_listing(pid);
}

}  // namespace streamcheck::testing
