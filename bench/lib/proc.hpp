// Reading one process from outside, through /proc: the base of the probe.
//
// Every reader takes a PID and returns std::nullopt when the process is gone (it exited,
// or exits while being read): for a probe that samples a live server that is normal, not
// an error. Anything else that stops a reading, most often a permission error (reading
// another user's /proc/PID/io or fd list needs that user or root), throws Error naming
// the file and the reason, so a measurement never silently reads zero.
//
// Costs: each reader opens and reads one small file (fds: one directory, plus one
// readlink per fd when targets are wanted; the CPU clock is two system calls and no
// file). Nothing here scans all of /proc; see proc_tree.hpp for the tree. Thread-safe:
// no shared state.
#pragma once

#include <sys/types.h>
#include <time.h>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace streamcheck::bench::proc {

// From /proc/PID/status. Zombies have no memory lines and read as gone.
struct Memory {
  std::uint64_t rss_kib = 0;  // VmRSS: resident now
  std::uint64_t hwm_kib = 0;  // VmHWM: peak resident since start or the last reset_hwm()
};

// From /proc/PID/smaps_rollup (Linux >= 4.14): the process's proportional set size.
// A page mapped by N processes counts 1/N in each one's Pss, so over a tree of processes
// that fork from one parent (vsftpd, proftpd and pure-ftpd fork a process per session)
// the summed Pss counts each shared page (the C library, the binary, the parent's
// copy-on-write pages) once, where summed VmRSS counts it once per process; a page that
// only one process maps (memory it wrote itself) counts whole in either. Pages shared with
// processes outside the tree count their share only.
// Cost: the kernel walks the process's page tables under its mmap lock to add the pages
// up, time that grows with its resident size (see probe.hpp for the figures): read it
// less often than status or statm.
struct Pss {
  enum class Status {
    read,         // pss_kib and rss_kib hold the process's figures
    no_memory,    // gone, or a zombie whose memory is released: 0
    unavailable,  // no permission, or no smaps_rollup (Linux < 4.14): `why` says which
  };
  Status status = Status::no_memory;
  std::uint64_t pss_kib = 0;  // Pss
  std::uint64_t rss_kib = 0;  // Rss: the same pages, each counted whole
  std::string why;            // for unavailable: e.g. "open(/proc/12/smaps_rollup): ..."
};

// From /proc/PID/io (the whole process, all its threads, living and dead).
// rchar/wchar count read()/write()/sendfile() bytes and the like, but not send()/recv()
// on sockets; read_bytes/write_bytes are what reached the storage layer.
struct IoCounters {
  std::uint64_t rchar = 0;
  std::uint64_t wchar = 0;
  std::uint64_t read_bytes = 0;
  std::uint64_t write_bytes = 0;

  IoCounters& operator+=(const IoCounters& o);
  friend IoCounters operator+(IoCounters a, const IoCounters& b) { return a += b; }
  // Field-wise a - b, saturating at 0 (counters of a different process never go negative).
  friend IoCounters operator-(const IoCounters& a, const IoCounters& b);
  friend bool operator==(const IoCounters&, const IoCounters&) = default;
};

// From /proc/PID/stat (fields per proc(5)).
struct Stat {
  pid_t pid = 0;
  std::string comm;  // the command name, without the parentheses
  char state = '?';  // R, S, D, Z, T, ...
  pid_t ppid = 0;
  pid_t pgrp = 0;
  pid_t session = 0;
  std::uint64_t utime_ticks = 0;   // user CPU time, clock ticks
  std::uint64_t stime_ticks = 0;   // system CPU time, clock ticks
  std::uint64_t cutime_ticks = 0;  // of waited-for children
  std::uint64_t cstime_ticks = 0;
  long num_threads = 0;
  std::uint64_t start_ticks = 0;  // start time after boot: with pid, names a process

  bool zombie() const { return state == 'Z'; }
  std::uint64_t cpu_ticks() const { return utime_ticks + stime_ticks; }
  // utime + stime in milliseconds.
  std::uint64_t cpu_ms() const;
};

// The CPU time of a process: all its threads, living and exited, without its children.
// /proc/PID/stat has it in clock ticks (USER_HZ, 10 ms): a transfer of a few milliseconds reads
// as 0 or 10. The process's CPU-time clock (clock_getcpuclockid(3)) has it in ns: the
// scheduler's own runtime sum, which also keeps the time of threads that have exited
// (unlike the per-thread /proc/PID/task/TID/schedstat, which goes with its thread),
// readable for any process in our PID namespace without permission checks, with no
// file to open. The ticks are kept as the fallback where the clock cannot be read
// (a sandbox that filters clock_gettime, say).
struct CpuTime {
  std::uint64_t ticks = 0;          // utime + stime from /proc/PID/stat
  std::optional<std::uint64_t> ns;  // from the CPU-time clock, when it could be read

  // ns when known, else the ticks in ns.
  std::uint64_t best_ns() const;
};

// The CPU time from `from` to `to` (two readings of one process, `to` later) in ns,
// saturating at 0. In ns when both readings have the clock, else from the ticks: a
// difference of readings in two units would be off by up to two ticks (stat truncates
// utime and stime each).
std::uint64_t cpu_ns_between(const CpuTime& from, const CpuTime& to);

enum class FdKind { file, socket, pipe, anon_inode, other };

// One entry of /proc/PID/fd.
struct FdInfo {
  int fd = -1;
  std::string target;    // readlink() as the kernel gives it, e.g. "/tmp/x (deleted)",
                         // "socket:[1234]", "pipe:[99]", "anon_inode:[eventfd]"
  bool deleted = false;  // the target ends with " (deleted)": an unlinked file held open
  FdKind kind = FdKind::other;
};

// "file", "socket", ...
const char* to_string(FdKind kind);
// Classifies a readlink target of /proc/PID/fd/N.
FdKind classify_fd_target(const std::string& target);

std::optional<Stat> read_stat(pid_t pid);
std::optional<Memory> read_memory(pid_t pid);
std::optional<IoCounters> read_io(pid_t pid);
// Never throws: a PSS that cannot be read is a reason to fall back to VmRSS, not to
// stop a measurement.
Pss read_pss(pid_t pid);
// The process's CPU-time clock in ns (see CpuTime). nullopt when the process is gone,
// and also when the clock cannot be read here: callers that read /proc/PID/stat just
// before tell the two apart with exists(). Never throws. A zombie's clock is final and
// still readable.
std::optional<std::uint64_t> read_cpu_ns(pid_t pid);
// A clock's reading in ns (e.g. CLOCK_THREAD_CPUTIME_ID, or a thread's CPU-time clock
// from pthread_getcpuclockid); nullopt when it cannot be read.
std::optional<std::uint64_t> read_clock_ns(clockid_t clock);
// The fd numbers with their targets, sorted by fd. An fd closed between listing and
// readlink is left out.
std::optional<std::vector<FdInfo>> read_fds(pid_t pid);
// The number of open fds (one directory read, no readlink).
std::optional<std::size_t> count_fds(pid_t pid);
// The same from a single stat() of /proc/PID/fd, whose size Linux gives as the number of
// open fds since 6.2: cheap enough to sample every few ms however many fds there are.
// std::nullopt when the kernel gives no count (size 0) or the process is gone.
std::optional<std::size_t> count_fds_by_stat(pid_t pid);

enum class HwmReset {
  done,           // VmHWM now equals VmRSS
  not_permitted,  // clear_refs can only be written by the owner (or root)
  gone,
};
// Resets VmHWM by writing "5" to /proc/PID/clear_refs. Throws Error on other failures.
HwmReset reset_hwm(pid_t pid);

// Whether /proc/PID exists (a zombie still exists).
bool exists(pid_t pid);

// Clock ticks per second (sysconf(_SC_CLK_TCK)), read once.
long clock_ticks_per_second();
// Clock ticks in ns.
std::uint64_t ticks_to_ns(std::uint64_t ticks);

}  // namespace streamcheck::bench::proc
