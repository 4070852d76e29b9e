// A server's process tree, and readings summed over it.
//
// Servers that fork a process per session (vsftpd, proftpd) or run workers (nginx,
// apache) spread a transfer's memory, io and descriptors over several processes, so
// the probe reads the whole tree: the server's PID and all its descendants.
//
// Finding descendants: /proc/PID/task/*/children lists a process's children cheaply
// (kernels with CONFIG_PROC_CHILDREN); elsewhere the only way is a scan of every
// /proc/*/stat for parent PIDs. Either way, TreeTracker rescans only when a process was
// created on the system since the last look (the last-PID field of /proc/loadavg), so
// a sampler calling it every few ms mostly just checks its known members are alive.
//
// Orphans: a member whose parent exits is re-parented (to init, or to the harness when
// it is a child subreaper, see launcher.hpp) and so is no longer a descendant; its
// counters still belong to the server. TreeTracker keeps every process it has seen in
// the tree as a member until it is gone (a process is named by PID and start time, so a
// reused PID is not mistaken for it). A zombie stays a member until it is reaped: its
// io and CPU counters are final and still readable.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <optional>
#include <span>
#include <vector>

#include "bench/lib/proc.hpp"

namespace streamcheck::bench::proc {

// A process named by PID and start time (clock ticks after boot, /proc/PID/stat): a
// reused PID has another start time.
struct ProcessId {
  pid_t pid = 0;
  std::uint64_t start_ticks = 0;
};

// Whether this kernel has /proc/PID/task/TID/children (checked once).
bool children_files_supported();

// How descendants are found.
enum class TreeMethod {
  automatic,       // children files when supported, else the scan
  children_files,  // /proc/PID/task/*/children (throws Error where unsupported)
  proc_scan,       // every /proc/*/stat
};

// `root` and its descendants now, root first then breadth-first; empty when root is
// gone. One-off.
std::vector<pid_t> list_tree(pid_t root, TreeMethod method = TreeMethod::automatic);

// The thread ids of `pid` now (/proc/PID/task); empty when it is gone.
std::vector<pid_t> list_threads(pid_t pid);

// The processes of process group `pgid` (zombies included), from a scan of all /proc:
// for occasional use (stopping a server), not for sampling.
std::vector<ProcessId> list_group(pid_t pgid);

class TreeTracker {
 public:
  using Method = TreeMethod;
  using Member = ProcessId;

  // Finds the tree of `root` at once. Throws Error if `method` is children_files and the
  // kernel has none.
  explicit TreeTracker(pid_t root, TreeMethod method = TreeMethod::automatic);

  // Brings the membership up to date and returns it: root first (while it lives), then
  // the others in the order they were found. Not thread-safe (one sampler owns it).
  const std::vector<pid_t>& refresh();

  // The membership found by the last refresh().
  const std::vector<pid_t>& pids() const { return pids_; }
  const std::vector<Member>& members() const { return members_; }
  pid_t root() const { return root_; }
  // children_files or proc_scan, never automatic.
  Method method() const { return method_; }
  // How many times a refresh looked for new processes (children files or a /proc
  // scan), as opposed to only checking members: a figure of the probe's own cost.
  std::uint64_t searches() const { return searches_; }

 private:
  void search();
  void prune();
  void set_pids();

  pid_t root_;
  Method method_;
  std::vector<Member> members_;
  std::vector<pid_t> pids_;
  std::optional<long> last_pid_;  // /proc/loadavg's last PID at the last search
  std::uint64_t searches_ = 0;
};

// What to read from each process (each item costs one file read, fd targets one
// readlink per fd).
struct ReadOptions {
  bool memory = true;
  bool io = true;
  bool fd_count = true;
  bool fd_targets = false;  // implies the count
  bool cpu_clock = true;    // CPU time in ns (two system calls, no file); else ticks only
};

struct ProcessReading {
  Stat stat;                     // always read: identity, parent, CPU time in ticks
  CpuTime cpu;                   // the ticks, and the ns when the clock was asked and read
  std::optional<Memory> memory;  // empty for a zombie, or when not asked
  std::optional<IoCounters> io;  // empty when not asked
  std::optional<std::size_t> fd_count;
  std::vector<FdInfo> fds;  // when fd_targets was asked
};

// One process; std::nullopt when it is gone. Throws Error as the proc.hpp readers do.
std::optional<ProcessReading> read_process(pid_t pid, const ReadOptions& options = {});

struct TreeReading {
  std::vector<ProcessReading> processes;  // those that were still there
  std::uint64_t rss_kib = 0;              // sum of VmRSS
  std::uint64_t hwm_kib = 0;              // sum of VmHWM (an upper bound of the tree's peak)
  std::uint64_t cpu_ns = 0;               // sum of each process's CpuTime::best_ns()
  IoCounters io;                          // sum over the tree
  std::size_t fd_count = 0;               // sum of open fds
  std::size_t deleted_open = 0;           // fds on unlinked files (with fd_targets)

  const ProcessReading* find(pid_t pid) const;
};

// Reads each of `pids` and sums; processes gone meanwhile are skipped. The difference
// of two readings' cpu_ns is off by up to two ticks for a process that had the clock in
// one and not the other; cpu_ns_between() per process avoids that.
TreeReading read_tree(std::span<const pid_t> pids, const ReadOptions& options = {});

// The summed PSS of `pids` (proc::read_pss; one gone meanwhile, or a zombie, counts 0):
// status read with pss_kib and rss_kib summed, or the first unavailable reading. Never
// throws. Its cost is the page-table walks of proc::read_pss.
Pss sum_pss(std::span<const pid_t> pids);

// Resets VmHWM of each of `pids`; returns how many were reset (gone ones are skipped,
// not-permitted ones are not counted).
std::size_t reset_hwm_all(std::span<const pid_t> pids);

}  // namespace streamcheck::bench::proc
