#include "bench/lib/proc.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cstdio>
#include <cstring>
#include <string_view>

#include "bench/lib/error.hpp"

namespace streamcheck::bench::proc {
namespace {

bool is_gone_errno(int err) {
  return err == ENOENT || err == ESRCH;
}

std::string proc_path(pid_t pid, const char* leaf) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "/proc/%d/%s", static_cast<int>(pid), leaf);
  return buf;
}

[[noreturn]] void throw_proc_errno(int err, const char* call, const std::string& path) {
  std::string message = errno_message(err, call, path);
  if (err == EACCES || err == EPERM) {
    message += " (the probe must run as the server's user or as root)";
  }
  throw Error(message);
}

// Reads a whole small /proc file into `out`. False when the process is gone.
bool read_file(const std::string& path, std::string& out) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    if (is_gone_errno(errno)) return false;
    throw_proc_errno(errno, "open", path);
  }
  out.clear();
  char buf[4096];
  for (;;) {
    const auto n = ::read(fd, buf, sizeof buf);
    if (n > 0) {
      out.append(buf, static_cast<std::size_t>(n));
      continue;
    }
    if (n == 0) break;
    if (errno == EINTR) continue;
    const int err = errno;
    ::close(fd);
    if (is_gone_errno(err)) return false;
    throw_proc_errno(err, "read", path);
  }
  ::close(fd);
  return true;
}

// The unsigned number after `key` (e.g. "VmRSS:") at the start of a line.
std::optional<std::uint64_t> field_after(std::string_view text, std::string_view key) {
  std::size_t at = 0;
  for (;;) {
    at = text.find(key, at);
    if (at == std::string_view::npos) return std::nullopt;
    if (at == 0 || text[at - 1] == '\n') break;
    at += key.size();
  }
  auto p = at + key.size();
  while (p < text.size() && (text[p] == ' ' || text[p] == '\t')) ++p;
  std::uint64_t value = 0;
  const auto* begin = text.data() + p;
  const auto [end, ec] = std::from_chars(begin, text.data() + text.size(), value);
  if (ec != std::errc() || end == begin) return std::nullopt;
  return value;
}

[[noreturn]] void throw_parse(const std::string& path, std::string_view what) {
  throw Error("cannot parse " + path + ": " + std::string(what));
}

}  // namespace

IoCounters& IoCounters::operator+=(const IoCounters& o) {
  rchar += o.rchar;
  wchar += o.wchar;
  read_bytes += o.read_bytes;
  write_bytes += o.write_bytes;
  return *this;
}

IoCounters operator-(const IoCounters& a, const IoCounters& b) {
  const auto sub = [](std::uint64_t x, std::uint64_t y) { return x > y ? x - y : 0; };
  return {sub(a.rchar, b.rchar), sub(a.wchar, b.wchar), sub(a.read_bytes, b.read_bytes),
          sub(a.write_bytes, b.write_bytes)};
}

long clock_ticks_per_second() {
  static const long ticks = [] {
    const long t = ::sysconf(_SC_CLK_TCK);
    return t > 0 ? t : 100;
  }();
  return ticks;
}

std::uint64_t ticks_to_ns(std::uint64_t ticks) {
  return ticks * (1'000'000'000 / static_cast<std::uint64_t>(clock_ticks_per_second()));
}

std::uint64_t Stat::cpu_ms() const {
  return cpu_ticks() * 1000 / static_cast<std::uint64_t>(clock_ticks_per_second());
}

std::uint64_t CpuTime::best_ns() const {
  return ns ? *ns : ticks_to_ns(ticks);
}

std::uint64_t cpu_ns_between(const CpuTime& from, const CpuTime& to) {
  const auto sub = [](std::uint64_t a, std::uint64_t b) { return a > b ? a - b : 0; };
  if (from.ns && to.ns) return sub(*to.ns, *from.ns);
  return ticks_to_ns(sub(to.ticks, from.ticks));
}

const char* to_string(FdKind kind) {
  switch (kind) {
    case FdKind::file:
      return "file";
    case FdKind::socket:
      return "socket";
    case FdKind::pipe:
      return "pipe";
    case FdKind::anon_inode:
      return "anon_inode";
    case FdKind::other:
      break;
  }
  return "other";
}

FdKind classify_fd_target(const std::string& target) {
  if (target.starts_with("/")) return FdKind::file;
  if (target.starts_with("socket:")) return FdKind::socket;
  if (target.starts_with("pipe:")) return FdKind::pipe;
  if (target.starts_with("anon_inode:")) return FdKind::anon_inode;
  return FdKind::other;
}

std::optional<Stat> read_stat(pid_t pid) {
  const auto path = proc_path(pid, "stat");
  std::string text;
  if (!read_file(path, text)) return std::nullopt;
  // "pid (comm) state ppid ...": comm may hold spaces and ')', so split at the last ')'.
  const auto open = text.find('(');
  const auto close = text.rfind(')');
  if (open == std::string::npos || close == std::string::npos || close < open) {
    throw_parse(path, "no (comm)");
  }
  Stat st;
  st.pid = pid;
  st.comm = text.substr(open + 1, close - open - 1);
  // Fields from 3 (state) on, 0-based here: [0] state, [1] ppid, ... [19] starttime.
  std::string_view rest(text);
  rest.remove_prefix(close + 1);
  std::vector<std::string_view> fields;
  fields.reserve(24);
  std::size_t i = 0;
  while (i < rest.size() && fields.size() < 20) {
    while (i < rest.size() && rest[i] == ' ') ++i;
    const auto begin = i;
    while (i < rest.size() && rest[i] != ' ' && rest[i] != '\n') ++i;
    if (i > begin) fields.push_back(rest.substr(begin, i - begin));
    if (i < rest.size() && rest[i] == '\n') break;
  }
  if (fields.size() < 20) throw_parse(path, "fewer fields than proc(5) lists");
  const auto num = [&](std::size_t k) -> std::int64_t {
    std::int64_t v = 0;
    const auto f = fields[k];
    const auto [end, ec] = std::from_chars(f.data(), f.data() + f.size(), v);
    if (ec != std::errc() || end != f.data() + f.size()) {
      throw_parse(path, "field " + std::to_string(k + 3) + " is not a number");
    }
    return v;
  };
  const auto unum = [&](std::size_t k) {
    return static_cast<std::uint64_t>(std::max<std::int64_t>(0, num(k)));
  };
  st.state = fields[0].front();
  st.ppid = static_cast<pid_t>(num(1));
  st.pgrp = static_cast<pid_t>(num(2));
  st.session = static_cast<pid_t>(num(3));
  st.utime_ticks = unum(11);
  st.stime_ticks = unum(12);
  st.cutime_ticks = unum(13);
  st.cstime_ticks = unum(14);
  st.num_threads = static_cast<long>(num(17));
  st.start_ticks = unum(19);
  return st;
}

std::optional<Memory> read_memory(pid_t pid) {
  const auto path = proc_path(pid, "status");
  std::string text;
  if (!read_file(path, text)) return std::nullopt;
  const auto rss = field_after(text, "VmRSS:");
  const auto hwm = field_after(text, "VmHWM:");
  if (!rss || !hwm) return std::nullopt;  // a zombie (or a kernel thread): no memory
  return Memory{*rss, *hwm};
}

std::optional<IoCounters> read_io(pid_t pid) {
  const auto path = proc_path(pid, "io");
  std::string text;
  if (!read_file(path, text)) return std::nullopt;
  const auto rchar = field_after(text, "rchar:");
  const auto wchar = field_after(text, "wchar:");
  const auto read_bytes = field_after(text, "read_bytes:");
  const auto write_bytes = field_after(text, "write_bytes:");
  if (!rchar || !wchar || !read_bytes || !write_bytes) throw_parse(path, "missing counters");
  return IoCounters{*rchar, *wchar, *read_bytes, *write_bytes};
}

Pss read_pss(pid_t pid) {
  const auto path = proc_path(pid, "smaps_rollup");
  Pss pss;
  const auto unavailable = [&](std::string why) {
    pss.status = Pss::Status::unavailable;
    pss.why = std::move(why);
    return pss;
  };
  // Not read_file(): its errors throw, and these are a fallback's reasons. The open
  // checks the permission (PTRACE_MODE_READ, as for /proc/PID/io); a zombie opens but
  // its read fails with ESRCH.
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    const int err = errno;
    if (is_gone_errno(err) && !exists(pid)) return pss;
    if (err == ENOENT) return unavailable(path + " does not exist (Linux < 4.14)");
    if (err == ESRCH) return pss;
    auto why = errno_message(err, "open", path);
    if (err == EACCES || err == EPERM) why += " (the probe must run as the server's user or root)";
    return unavailable(why);
  }
  std::string text;
  char buf[2048];
  for (;;) {
    const auto n = ::read(fd, buf, sizeof buf);
    if (n > 0) {
      text.append(buf, static_cast<std::size_t>(n));
      continue;
    }
    if (n == 0) break;
    if (errno == EINTR) continue;
    const int err = errno;
    ::close(fd);
    if (is_gone_errno(err)) return pss;
    return unavailable(errno_message(err, "read", path));
  }
  ::close(fd);
  if (text.empty()) return pss;  // no address space left to add up
  const auto value = field_after(text, "Pss:");
  const auto rss = field_after(text, "Rss:");
  if (!value || !rss) return unavailable(path + " has no Pss or Rss line");
  pss.status = Pss::Status::read;
  pss.pss_kib = *value;
  pss.rss_kib = *rss;
  return pss;
}

std::optional<std::uint64_t> read_cpu_ns(pid_t pid) {
  // The process clock (CPUCLOCK_SCHED): for another process the kernel sums its threads'
  // runtime as of their last scheduler event or tick (a thread running now may lack up to
  // one kernel tick, 1-10 ms, as its schedstat does; a settled server runs none) plus the
  // exited threads' runtime.
  clockid_t clock{};
  if (::clock_getcpuclockid(pid, &clock) != 0) return std::nullopt;
  return read_clock_ns(clock);
}

std::optional<std::uint64_t> read_clock_ns(clockid_t clock) {
  timespec ts{};
  if (::clock_gettime(clock, &ts) != 0) return std::nullopt;
  return static_cast<std::uint64_t>(ts.tv_sec) * 1'000'000'000 +
         static_cast<std::uint64_t>(ts.tv_nsec);
}

namespace {

// Calls on_entry(dir, name) for each fd of `pid`; false when the process is gone.
template <class F>
bool for_each_fd(pid_t pid, F&& on_entry) {
  const auto path = proc_path(pid, "fd");
  DIR* dir = ::opendir(path.c_str());
  if (dir == nullptr) {
    if (is_gone_errno(errno)) return false;
    throw_proc_errno(errno, "opendir", path);
  }
  for (;;) {
    errno = 0;
    const dirent* ent = ::readdir(dir);
    if (ent == nullptr) break;
    if (ent->d_name[0] == '.') continue;
    on_entry(dir, ent->d_name);
  }
  const int err = errno;
  ::closedir(dir);
  if (err != 0) {
    if (is_gone_errno(err)) return false;
    throw_proc_errno(err, "readdir", path);
  }
  return true;
}

}  // namespace

std::optional<std::vector<FdInfo>> read_fds(pid_t pid) {
  std::vector<FdInfo> fds;
  const bool alive = for_each_fd(pid, [&](DIR* dir, const char* name) {
    char target[4096 + 64];
    const auto n = ::readlinkat(::dirfd(dir), name, target, sizeof target);
    if (n < 0) return;  // closed since the listing
    FdInfo info;
    info.fd = std::atoi(name);
    info.target.assign(target, static_cast<std::size_t>(n));
    info.deleted = info.target.ends_with(" (deleted)");
    info.kind = classify_fd_target(info.target);
    fds.push_back(std::move(info));
  });
  if (!alive) return std::nullopt;
  std::sort(fds.begin(), fds.end(), [](const FdInfo& a, const FdInfo& b) { return a.fd < b.fd; });
  return fds;
}

std::optional<std::size_t> count_fds(pid_t pid) {
  std::size_t count = 0;
  if (!for_each_fd(pid, [&](DIR*, const char*) { ++count; })) return std::nullopt;
  return count;
}

std::optional<std::size_t> count_fds_by_stat(pid_t pid) {
  struct stat st {};
  if (::stat(proc_path(pid, "fd").c_str(), &st) != 0 || st.st_size <= 0) return std::nullopt;
  return static_cast<std::size_t>(st.st_size);
}

HwmReset reset_hwm(pid_t pid) {
  const auto path = proc_path(pid, "clear_refs");
  const int fd = ::open(path.c_str(), O_WRONLY | O_CLOEXEC);
  if (fd < 0) {
    if (is_gone_errno(errno)) return HwmReset::gone;
    if (errno == EACCES || errno == EPERM) return HwmReset::not_permitted;
    throw_errno(errno, "open", path);
  }
  ssize_t n;
  do {
    n = ::write(fd, "5", 1);
  } while (n < 0 && errno == EINTR);
  const int err = errno;
  ::close(fd);
  if (n == 1) return HwmReset::done;
  if (is_gone_errno(err)) return HwmReset::gone;
  if (err == EACCES || err == EPERM) return HwmReset::not_permitted;
  throw_errno(err, "write", path);
}

bool exists(pid_t pid) {
  const auto path = proc_path(pid, "");
  return ::access(path.c_str(), F_OK) == 0;
}

}  // namespace streamcheck::bench::proc
