// The probe: what one measurement costs a server, read from outside through /proc.
//
//   Probe probe(server_pid);
//   probe.begin();                     // baseline; HWM reset; the sampler starts
//   ... transfer (probe.io_now() may be called meanwhile, e.g. at the first byte) ...
//   Measurement m = probe.end();       // settles, reads again, the sampler stops
//
// Over the server's process tree (proc_tree.hpp), found when the probe is made and
// refreshed on every sample (cheap unless a process was created, see TreeTracker):
//   - memory (memory_kind() says which figure): VmHWM of each process is reset
//     (clear_refs) at begin() and read at end(): exact and cheap, the figure when one
//     process made the tree throughout and its reset worked. Otherwise a sum over the
//     tree, sampled (a sum of per-process peaks would overstate a tree's peak), of PSS
//     (smaps_rollup): summed VmRSS counts a page that several processes of the tree map
//     (the C library, the binary, what a forking server's parent wrote before the fork)
//     once per process, 5-7 MiB per session for vsftpd, pure-ftpd and proftpd, where
//     PSS counts it once in all: 0.4-1.2 MiB per session. Memory a process writes itself
//     (a body it holds, a page it copies on write) is its own and counts whole in either,
//     so PSS hides no defect. Where some process's PSS cannot be read (permission,
//     Linux < 4.14), the summed VmRSS, which the sampler reads at every tick anyway
//     (statm, the cheapest file), with Measurement::memory_note saying why. The growth
//     is over the same kind of figure at begin().
//     PSS costs: the kernel walks each process's page tables, 70-130 us of CPU per
//     session process of vsftpd, pure-ftpd or proftpd where statm takes 6 us (2-core
//     VM, Linux 6.18): 13 ms a sweep over the 129 processes of 64 vsftpd sessions. So
//     the sampler reads it only while the tree has (or has had) several processes or no
//     exact HWM, and no sooner after a sweep than the sweep's CPU time over
//     ProbeOptions::pss_cpu_share: at 5%, every 35 ms for 8 vsftpd sessions, 260 ms for
//     64, about 2 s for 1000. A peak shorter than that can be missed; what a session
//     holds while it lasts cannot. begin() and end() read it always, once;
//   - io (rchar, wchar, read_bytes, write_bytes) and CPU time deltas over the tree.
//     Processes that end during a measurement are accounted as the kernel does: the
//     io of a process reaped by a parent that is in the tree is already in that
//     parent's counters (and in its parent's, once it too is reaped: what a living
//     member's counters hold is not added again); the last reading of any other
//     (orphaned, or reaped by the harness as a subreaper) is kept and added in. CPU time (of all
//     threads, those that exited too, without the children's) is read in ns from each process's
//     CPU-time clock, in 10 ms clock ticks only where that cannot be read (see
//     proc::CpuTime), and always keeps the last reading of a gone process. A process
//     that lives and dies between two samples (every few ms; io and CPU are read
//     every 4th) escapes unless its parent is in the tree;
//   - descriptors with targets at begin() and end(): the count, those new at the end,
//     and those on unlinked files (`(deleted)`); and the most the tree held at once,
//     counted at every tick of the sampler by one stat() per process
//     (proc::count_fds_by_stat; where the kernel gives no count that way, by reading the
//     directory on every 4th sample).
// end() lets the server settle first: it polls until the tree's fd count and RSS are
// the same on two readings in a row (up to ProbeOptions::settle_timeout), and while
// the tree holds more descriptors than at begin(), until it does not (up to
// ProbeOptions::fd_grace). Callers do
// their part before: read what must be read before the client closes the session (a
// per-session process dies with it), e.g. after a cheap follow-up request on it.
//
// The probe's own cost is a few small file reads per sample: with the sampler off
// (ProbeOptions::sampler = false) only begin() and end() read anything.
// Thread-safety: begin(), io_now() and end() are called from one thread (io_now() may
// be called from a curl callback on it); the sampler thread is internal.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "bench/lib/proc_tree.hpp"

namespace streamcheck::bench {

struct ProbeOptions {
  bool sampler = true;
  std::chrono::microseconds sample_interval{5000};
  bool reset_hwm = true;
  std::chrono::milliseconds settle_timeout{500};
  // When the tree still holds more descriptors than at begin() once settled, how long
  // to wait for it to give them back: a server may cache a file's descriptor for a few
  // seconds (lighttpd's stat cache does), which is no leak. A leak costs this once.
  std::chrono::milliseconds fd_grace{5000};
  // false reads CPU time in clock ticks only, as where the CPU-time clock is not
  // readable: for comparison and tests.
  bool cpu_clock = true;
  // false measures a tree by its summed VmRSS, as where PSS is not readable: for
  // comparison and tests.
  bool pss = true;
  // The most of one core the PSS sweeps may take (see the top of this file).
  double pss_cpu_share = 0.05;
};

// What a Measurement's memory figure is (see the top of this file).
enum class MemoryKind {
  vm_hwm,  // VmHWM of the one process, over its VmRSS at begin()
  pss,     // the tree's summed PSS, sampled
  vm_rss,  // the tree's summed VmRSS, sampled: where PSS could not be read
};

// "VmHWM", "sampled PSS", "sampled VmRSS": for messages, after a figure.
const char* to_string(MemoryKind kind);

// A descriptor of one process of the tree.
struct TreeFd {
  pid_t pid = 0;
  proc::FdInfo fd;
};

struct Measurement {
  double seconds = 0;                // begin() to end()
  std::size_t processes_before = 0;  // tree size at begin() and at end()
  std::size_t processes_after = 0;
  std::size_t processes_seen = 0;    // every process that was in the tree meanwhile
  std::uint64_t rss_before_kib = 0;  // summed VmRSS
  std::uint64_t rss_after_kib = 0;
  std::uint64_t rss_sampled_peak_kib = 0;      // highest summed VmRSS seen
  std::optional<std::uint64_t> hwm_after_kib;  // summed VmHWM at end() (reset at begin())
  bool hwm_exact = false;                      // one process throughout and its HWM reset worked
  // The tree's summed PSS at begin(), the highest sampled (begin() and end() included)
  // and at end(); all empty where some process's could not be read.
  std::optional<std::uint64_t> pss_before_kib;
  std::optional<std::uint64_t> pss_sampled_peak_kib;
  std::optional<std::uint64_t> pss_after_kib;
  std::uint64_t pss_sweeps = 0;  // by the sampler, each over the whole tree
  double pss_cpu_ms = 0;         // the CPU time those took (part of sampler_cpu_ms)
  std::string memory_note;       // for a sampled VmRSS figure: why not PSS
  proc::IoCounters io;           // deltas over the tree
  double cpu_ms = 0;             // CPU time of the tree (ms, to the ns)
  bool cpu_from_ticks = false;   // some process's CPU time was read in 10 ms ticks only
  std::size_t fds_before = 0;
  std::size_t fds_after = 0;
  std::size_t fds_peak = 0;         // the most at once: at begin(), a sample or end()
  std::vector<TreeFd> new_fds;      // open at end() and not at begin() (pid, fd, target)
  std::vector<TreeFd> deleted_fds;  // open at end() on unlinked files
  std::uint64_t samples = 0;        // sampler ticks during the measurement
  double sampler_cpu_ms = 0;        // the sampler thread's own CPU time meanwhile (its cost)
  std::uint64_t tree_searches = 0;  // of which looked for new processes

  // Which figure peak_growth_kib() is (see the top of this file).
  MemoryKind memory_kind() const;
  // The tree's memory at begin() in that kind: VmRSS for vm_hwm and vm_rss, PSS for pss.
  std::uint64_t memory_before_kib() const;
  // Peak memory growth of the tree during the measurement, over memory_before_kib().
  std::uint64_t peak_growth_kib() const;
  std::int64_t fd_delta() const {
    return static_cast<std::int64_t>(fds_after) - static_cast<std::int64_t>(fds_before);
  }
  std::size_t deleted_open() const { return deleted_fds.size(); }
};

class Probe {
 public:
  // Finds the tree of `root`. Throws Error if the process does not exist.
  explicit Probe(pid_t root, ProbeOptions options = {});
  ~Probe();
  Probe(const Probe&) = delete;
  Probe& operator=(const Probe&) = delete;

  // Starts a measurement. Throws Error (e.g. no permission to read /proc/PID/io).
  void begin();
  // The tree's io counters now, less those at begin() (with the accounting of gone
  // processes above): e.g. what the server had read when the client got its first byte.
  proc::IoCounters io_now();
  // Settles, reads and ends the measurement. Throws Error if begin() was not called.
  Measurement end();

  pid_t root() const { return root_; }
  // The tree's members now (refreshes it).
  std::vector<pid_t> pids();
  // The tree's summed VmRSS now (statm), in or outside a measurement: e.g. before the
  // sessions of a load run are opened, to count what they cost too.
  std::uint64_t rss_now_kib();
  // The tree's memory now in `kind` (VmRSS for vm_hwm, as memory_before_kib() is), to
  // compare with a measurement's: e.g. whether it went back once sessions ended. For pss,
  // a process whose PSS cannot be read counts its VmRSS (no less than its PSS).
  std::uint64_t memory_now_kib(MemoryKind kind);

 private:
  struct Seen {  // a process seen during the measurement, by (pid, start time)
    pid_t ppid = 0;
    proc::IoCounters io;
    proc::CpuTime cpu_at_begin;  // zero for a process that started meanwhile
    proc::CpuTime cpu;           // the last reading
    bool gone = false;
  };
  struct Totals {
    proc::IoCounters io;       // absolute: callers take differences
    std::uint64_t cpu_ns = 0;  // since begin(): each process in one unit (cpu_ns_between)
    bool cpu_from_ticks = false;
  };

  // The measurement's PSS.
  struct PssState {
    bool readable = false;  // every process's so far (false too when not asked)
    std::string note;       // why not
    std::uint64_t before = 0;
    std::uint64_t peak = 0;
    std::uint64_t sweeps = 0;                      // by the sampler
    std::uint64_t cpu_ns = 0;                      // they took
    bool several = false;                          // the tree has had more than one process
    std::chrono::steady_clock::time_point next{};  // no sweep by the sampler before
  };

  void sampler_loop();
  std::uint64_t sampler_cpu_ns();  // the sampler thread's CPU-time clock (0: no sampler)
  void sample_locked(bool counters);
  // Counts the tree's descriptors (as last refreshed) into the peak; the directory is read
  // only when `may_list` and the kernel gives no count by stat().
  void count_fds_locked(bool may_list);
  // io and CPU now, with the gone processes' part; `at_begin` takes the CPU baseline.
  Totals totals_locked(bool at_begin = false);
  proc::TreeReading read_locked(bool fd_targets);
  // The tree's summed PSS (as last refreshed); nullopt when not asked, or when some
  // process's cannot be read (then the measurement gives PSS up, with a note).
  std::optional<std::uint64_t> pss_locked();
  // The sum of a proc::sum_pss reading; nullopt when it was unavailable: then the
  // measurement gives PSS up, with a note.
  std::optional<std::uint64_t> accept_pss_locked(const proc::Pss& sum);
  // A PSS sweep by the sampler, when one is wanted and its spacing (the top of this
  // file) has passed. Reads without the lock, so that io_now() is not held up by it.
  void sample_pss(std::unique_lock<std::mutex>& lock);

  pid_t root_;
  ProbeOptions options_;
  std::mutex mu_;
  std::condition_variable cv_;
  proc::TreeTracker tracker_;  // guarded by mu_
  bool measuring_ = false;
  bool stopping_ = false;
  std::map<std::pair<pid_t, std::uint64_t>, Seen> seen_;
  Totals base_;
  std::uint64_t rss_before_ = 0;
  std::uint64_t rss_peak_ = 0;
  std::size_t fds_peak_ = 0;
  std::uint64_t samples_ = 0;
  std::uint64_t sampler_cpu_at_begin_ns_ = 0;
  std::uint64_t searches_at_begin_ = 0;
  std::size_t processes_before_ = 0;
  bool hwm_reset_ok_ = false;
  PssState pss_;
  std::uint64_t generation_ = 0;  // of measurements: a sweep read unlocked lands in its own
  std::vector<TreeFd> fds_before_;
  std::chrono::steady_clock::time_point started_;
  std::thread sampler_;
};

// Reads /proc/PID/statm's resident field (in KiB); nullopt when the process is gone.
std::optional<std::uint64_t> read_statm_rss_kib(pid_t pid);

// This process's own peak resident size (VmHWM, KiB): the harness's memory.
std::uint64_t own_peak_rss_kib();

// Of `fds` (Measurement::new_fds), those the tree rooted at `root` still holds, waiting
// up to `grace` for them to go. Called once the client has closed its sessions, it tells
// a leak from a descriptor that a session holds until it ends: pure-ftpd keeps its
// passive listener open until the session's next PASV or its end, which is no leak.
std::vector<TreeFd> still_held(pid_t root, const std::vector<TreeFd>& fds,
                               std::chrono::milliseconds grace);

}  // namespace streamcheck::bench
