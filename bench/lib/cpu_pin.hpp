// Where the harness and the server run: each on CPUs of its own, for a scope.
//
// On a machine with few CPUs, how fast a loopback transfer goes depends on whether client
// and server happen to share a CPU: measured on 2 CPUs, a 256 MiB GET runs at ~1.6 GB/s
// with both on one CPU, ~2.9 GB/s on two, and unpinned anywhere between, from one GET to
// the next, depending on what ran just before. Comparing two ways of doing the same GET
// (with and without the probe) then measures the scheduler: the probe's begin() alone
// moved the unpinned medians by 4-10% in its favour. Pinned, the same comparison agrees
// to within 1-3%.
//
//   auto placement = default_placement(allowed_cpus());   // harness: last CPU, server: the rest
//   PinnedThreads server([&] { return list_tree(pid); }, placement->server);
//   PinnedThreads harness([] { return std::vector{getpid()}; }, placement->client);
//   ... measure ...
//   // leaving the scope puts every thread's own CPU set back
//
// Pinning another user's process needs CAP_SYS_NICE: the constructor then throws Error
// (EPERM) and leaves nothing pinned.
#pragma once

#include <sched.h>
#include <sys/types.h>

#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "bench/lib/interrupt.hpp"

namespace streamcheck::bench {

using CpuList = std::vector<int>;  // CPU numbers, ascending, no repeats

// "0-2,5" -> {0, 1, 2, 5}. Throws Error naming the bad part of `text`.
CpuList parse_cpu_list(std::string_view text);
// {0, 1, 2, 5} -> "0-2,5".
std::string format_cpu_list(const CpuList& cpus);
// The CPUs this process may run on now.
CpuList allowed_cpus();

struct Placement {
  CpuList client;  // the harness: its client, probe and the curl tool it starts
  CpuList server;  // every process and thread of the server's tree
};
// "CLIENT:SERVER", e.g. "1:0" or "3:0-2". The two must not overlap. Throws Error.
Placement parse_placement(std::string_view text);
std::string format_placement(const Placement& p);  // "harness on CPU 1, server on CPU 0"
// The harness on the last of `allowed`, the server on the others; nullopt with fewer
// than two CPUs (there is nothing to keep apart).
std::optional<Placement> default_placement(const CpuList& allowed);

// Pins every thread of the processes `pids()` lists to `cpus`, and at destruction puts
// back each thread's own set (a thread or process that started meanwhile gets the set its
// process, or else the first process, had). Threads that end meanwhile are skipped.
class PinnedThreads {
 public:
  // Throws Error if a thread that exists cannot be pinned; what was pinned is put back.
  PinnedThreads(std::function<std::vector<pid_t>()> pids, const CpuList& cpus);
  ~PinnedThreads();
  PinnedThreads(const PinnedThreads&) = delete;
  PinnedThreads& operator=(const PinnedThreads&) = delete;

 private:
  void restore() noexcept;          // every thread of the tree now
  void put_back_pinned() noexcept;  // only the threads pinned here

  std::function<std::vector<pid_t>()> pids_;
  std::map<pid_t, cpu_set_t> thread_sets_;   // by thread id, as found
  std::map<pid_t, cpu_set_t> process_sets_;  // by process id: its main thread's
};

// Both sides of a Placement for a scope: the server's process tree (found again when
// putting back, for processes it started meanwhile) and this whole process. An interrupt
// (interrupt.hpp) puts both back too, so a user's server is never left pinned.
class PinnedPlacement {
 public:
  // Throws Error as PinnedThreads does; nothing stays pinned then.
  PinnedPlacement(pid_t server_root, const Placement& placement);

 private:
  std::optional<PinnedThreads> server_;
  std::optional<PinnedThreads> harness_;
  std::optional<OnInterrupt> undo_;  // last: gone before what it puts back
};

}  // namespace streamcheck::bench
