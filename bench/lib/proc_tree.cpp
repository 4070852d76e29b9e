#include "bench/lib/proc_tree.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cstdio>
#include <deque>
#include <string>
#include <unordered_map>

#include "bench/lib/error.hpp"

namespace streamcheck::bench::proc {
namespace {

// Reads a small file; empty optional when it does not exist (or the process is gone).
std::optional<std::string> slurp(const char* path) {
  const int fd = ::open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return std::nullopt;
  std::string out;
  char buf[4096];
  for (;;) {
    const auto n = ::read(fd, buf, sizeof buf);
    if (n > 0) {
      out.append(buf, static_cast<std::size_t>(n));
    } else if (n < 0 && errno == EINTR) {
      continue;
    } else {
      break;
    }
  }
  ::close(fd);
  return out;
}

// Numbers separated by blanks.
void append_numbers(std::string_view text, std::vector<pid_t>& out) {
  const char* p = text.data();
  const char* end = p + text.size();
  while (p < end) {
    while (p < end && (*p < '0' || *p > '9')) ++p;
    int v = 0;
    const auto [next, ec] = std::from_chars(p, end, v);
    if (ec == std::errc() && next != p) out.push_back(v);
    p = next == p ? p + 1 : next;
  }
}

// The numeric entries of a /proc directory ("/proc", "/proc/PID/task").
std::vector<pid_t> numeric_entries(const char* path) {
  std::vector<pid_t> out;
  DIR* dir = ::opendir(path);
  if (dir == nullptr) return out;
  while (const dirent* ent = ::readdir(dir)) {
    int v = 0;
    const char* name = ent->d_name;
    const char* end = name + std::char_traits<char>::length(name);
    const auto [next, ec] = std::from_chars(name, end, v);
    if (ec == std::errc() && next == end && v > 0) out.push_back(v);
  }
  ::closedir(dir);
  return out;
}

// Children of `pid`, from the children file of each of its threads.
std::vector<pid_t> children_of(pid_t pid) {
  std::vector<pid_t> out;
  char path[96];
  for (const pid_t tid : list_threads(pid)) {
    std::snprintf(path, sizeof path, "/proc/%d/task/%d/children", static_cast<int>(pid),
                  static_cast<int>(tid));
    if (const auto text = slurp(path)) append_numbers(*text, out);
  }
  return out;
}

struct Parent {
  pid_t ppid;
  pid_t pgrp;
  std::uint64_t start_ticks;
};

// Every process's parent, from a scan of /proc/*/stat.
std::unordered_map<pid_t, Parent> scan_parents() {
  std::unordered_map<pid_t, Parent> parents;
  for (const pid_t pid : numeric_entries("/proc")) {
    try {
      if (const auto st = read_stat(pid)) {
        parents.emplace(pid, Parent{st->ppid, st->pgrp, st->start_ticks});
      }
    } catch (const Error&) {
      // /proc/PID/stat is world-readable; one that does not parse is skipped.
    }
  }
  return parents;
}

// /proc/loadavg's last field: the PID most recently handed out on the system.
std::optional<long> last_pid() {
  const auto text = slurp("/proc/loadavg");
  if (!text) return std::nullopt;
  std::string_view s(*text);
  while (!s.empty() && (s.back() == '\n' || s.back() == ' ')) s.remove_suffix(1);
  const auto space = s.rfind(' ');
  if (space == std::string_view::npos) return std::nullopt;
  long v = 0;
  const auto [next, ec] = std::from_chars(s.data() + space + 1, s.data() + s.size(), v);
  if (ec != std::errc()) return std::nullopt;
  return v;
}

std::optional<std::uint64_t> start_ticks_of(pid_t pid) {
  const auto st = read_stat(pid);
  if (!st) return std::nullopt;
  return st->start_ticks;
}

}  // namespace

bool children_files_supported() {
  static const bool supported = [] {
    char path[96];
    std::snprintf(path, sizeof path, "/proc/self/task/%ld/children",
                  static_cast<long>(::syscall(SYS_gettid)));
    return ::access(path, R_OK) == 0;
  }();
  return supported;
}

namespace {

TreeMethod resolve(TreeMethod method) {
  if (method == TreeMethod::automatic) {
    return children_files_supported() ? TreeMethod::children_files : TreeMethod::proc_scan;
  }
  if (method == TreeMethod::children_files && !children_files_supported()) {
    throw Error("this kernel has no /proc/PID/task/TID/children files (CONFIG_PROC_CHILDREN)");
  }
  return method;
}

}  // namespace

std::vector<pid_t> list_threads(pid_t pid) {
  char path[48];
  std::snprintf(path, sizeof path, "/proc/%d/task", static_cast<int>(pid));
  return numeric_entries(path);
}

std::vector<pid_t> list_tree(pid_t root, TreeMethod method) {
  method = resolve(method);
  std::vector<pid_t> tree;
  if (!exists(root)) return tree;
  tree.push_back(root);
  if (method == TreeMethod::children_files) {
    for (std::size_t i = 0; i < tree.size(); ++i) {
      for (const pid_t child : children_of(tree[i])) {
        if (std::find(tree.begin(), tree.end(), child) == tree.end()) tree.push_back(child);
      }
    }
    return tree;
  }
  std::unordered_multimap<pid_t, pid_t> children;
  for (const auto& [pid, parent] : scan_parents()) children.emplace(parent.ppid, pid);
  for (std::size_t i = 0; i < tree.size(); ++i) {
    const auto [begin, end] = children.equal_range(tree[i]);
    std::vector<pid_t> kids;
    for (auto it = begin; it != end; ++it) kids.push_back(it->second);
    std::sort(kids.begin(), kids.end());
    for (const pid_t kid : kids) {
      if (std::find(tree.begin(), tree.end(), kid) == tree.end()) tree.push_back(kid);
    }
  }
  return tree;
}

std::vector<ProcessId> list_group(pid_t pgid) {
  std::vector<ProcessId> group;
  for (const auto& [pid, parent] : scan_parents()) {
    if (parent.pgrp == pgid) group.push_back({pid, parent.start_ticks});
  }
  std::sort(group.begin(), group.end(),
            [](const ProcessId& a, const ProcessId& b) { return a.pid < b.pid; });
  return group;
}

TreeTracker::TreeTracker(pid_t root, TreeMethod method) : root_(root), method_(resolve(method)) {
  if (const auto start = start_ticks_of(root)) members_.push_back({root, *start});
  refresh();
}

const std::vector<pid_t>& TreeTracker::refresh() {
  // Read the last PID before looking, so a process created during the search is caught
  // by the next refresh.
  const auto now = last_pid();
  if (!now || !last_pid_ || *now != *last_pid_) {
    search();
  } else {
    prune();
  }
  last_pid_ = now;
  set_pids();
  return pids_;
}

void TreeTracker::prune() {
  std::erase_if(members_, [](const Member& m) {
    const auto start = start_ticks_of(m.pid);
    return !start || *start != m.start_ticks;
  });
}

void TreeTracker::search() {
  ++searches_;
  const auto is_member = [this](pid_t pid) {
    return std::any_of(members_.begin(), members_.end(),
                       [pid](const Member& m) { return m.pid == pid; });
  };
  if (method_ == Method::children_files) {
    prune();
    for (std::size_t i = 0; i < members_.size(); ++i) {
      for (const pid_t child : children_of(members_[i].pid)) {
        if (is_member(child)) continue;
        if (const auto start = start_ticks_of(child)) members_.push_back({child, *start});
      }
    }
    return;
  }
  const auto parents = scan_parents();
  std::erase_if(members_, [&](const Member& m) {
    const auto it = parents.find(m.pid);
    return it == parents.end() || it->second.start_ticks != m.start_ticks;
  });
  std::unordered_multimap<pid_t, pid_t> children;
  for (const auto& [pid, parent] : parents) children.emplace(parent.ppid, pid);
  for (std::size_t i = 0; i < members_.size(); ++i) {
    const auto [begin, end] = children.equal_range(members_[i].pid);
    std::vector<pid_t> kids;
    for (auto it = begin; it != end; ++it) kids.push_back(it->second);
    std::sort(kids.begin(), kids.end());
    for (const pid_t kid : kids) {
      if (!is_member(kid)) members_.push_back({kid, parents.at(kid).start_ticks});
    }
  }
}

void TreeTracker::set_pids() {
  pids_.clear();
  for (const auto& m : members_) pids_.push_back(m.pid);
}

std::optional<ProcessReading> read_process(pid_t pid, const ReadOptions& options) {
  ProcessReading r;
  auto st = read_stat(pid);
  if (!st) return std::nullopt;
  r.stat = std::move(*st);
  r.cpu.ticks = r.stat.cpu_ticks();
  if (options.cpu_clock) {
    r.cpu.ns = read_cpu_ns(pid);
    // No clock for a process whose stat was just read: it is gone, or the clock is not
    // readable here and the ticks stand in.
    if (!r.cpu.ns && !exists(pid)) return std::nullopt;
  }
  if (r.stat.zombie()) {
    // Its memory and descriptors are released; its io and CPU counters are final.
    if (options.io) r.io = read_io(pid);
    if (options.fd_count || options.fd_targets) r.fd_count = 0;
    return r;
  }
  if (options.memory) r.memory = read_memory(pid);
  if (options.io) {
    r.io = read_io(pid);
    if (!r.io) return std::nullopt;
  }
  if (options.fd_targets) {
    auto fds = read_fds(pid);
    if (!fds) return std::nullopt;
    r.fd_count = fds->size();
    r.fds = std::move(*fds);
  } else if (options.fd_count) {
    r.fd_count = count_fds(pid);
    if (!r.fd_count) return std::nullopt;
  }
  return r;
}

const ProcessReading* TreeReading::find(pid_t pid) const {
  for (const auto& p : processes) {
    if (p.stat.pid == pid) return &p;
  }
  return nullptr;
}

TreeReading read_tree(std::span<const pid_t> pids, const ReadOptions& options) {
  TreeReading tree;
  tree.processes.reserve(pids.size());
  for (const pid_t pid : pids) {
    auto r = read_process(pid, options);
    if (!r) continue;
    if (r->memory) {
      tree.rss_kib += r->memory->rss_kib;
      tree.hwm_kib += r->memory->hwm_kib;
    }
    tree.cpu_ns += r->cpu.best_ns();
    if (r->io) tree.io += *r->io;
    if (r->fd_count) tree.fd_count += *r->fd_count;
    tree.deleted_open += static_cast<std::size_t>(
        std::count_if(r->fds.begin(), r->fds.end(), [](const FdInfo& f) { return f.deleted; }));
    tree.processes.push_back(std::move(*r));
  }
  return tree;
}

Pss sum_pss(std::span<const pid_t> pids) {
  Pss sum;
  sum.status = Pss::Status::read;
  for (const pid_t pid : pids) {
    auto one = read_pss(pid);
    if (one.status == Pss::Status::unavailable) return one;
    sum.pss_kib += one.pss_kib;
    sum.rss_kib += one.rss_kib;
  }
  return sum;
}

std::size_t reset_hwm_all(std::span<const pid_t> pids) {
  std::size_t count = 0;
  for (const pid_t pid : pids) {
    if (reset_hwm(pid) == HwmReset::done) ++count;
  }
  return count;
}

}  // namespace streamcheck::bench::proc
