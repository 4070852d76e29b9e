#include "bench/lib/cpu_pin.hpp"

#include <unistd.h>
#include <algorithm>
#include <cerrno>
#include <charconv>
#include <set>

#include "bench/lib/error.hpp"
#include "bench/lib/proc_tree.hpp"

namespace streamcheck::bench {
namespace {

constexpr int kMaxCpu = CPU_SETSIZE - 1;

int parse_cpu(std::string_view part, std::string_view whole) {
  int cpu = -1;
  const auto [end, ec] = std::from_chars(part.data(), part.data() + part.size(), cpu);
  if (part.empty() || ec != std::errc() || end != part.data() + part.size() || cpu < 0 ||
      cpu > kMaxCpu)
    throw Error("invalid CPU list \"" + std::string(whole) + "\": \"" + std::string(part) +
                "\" is not a CPU number (0.." + std::to_string(kMaxCpu) + ")");
  return cpu;
}

cpu_set_t to_set(const CpuList& cpus) {
  cpu_set_t set;
  CPU_ZERO(&set);
  for (const int c : cpus) CPU_SET(c, &set);
  return set;
}

}  // namespace

CpuList parse_cpu_list(std::string_view text) {
  std::set<int> cpus;
  std::string_view rest = text;
  while (true) {
    const auto comma = rest.find(',');
    const auto part = rest.substr(0, comma);
    const auto dash = part.find('-');
    if (dash == std::string_view::npos) {
      cpus.insert(parse_cpu(part, text));
    } else {
      const int low = parse_cpu(part.substr(0, dash), text);
      const int high = parse_cpu(part.substr(dash + 1), text);
      if (high < low)
        throw Error("invalid CPU list \"" + std::string(text) + "\": range \"" + std::string(part) +
                    "\" runs backwards");
      for (int c = low; c <= high; ++c) cpus.insert(c);
    }
    if (comma == std::string_view::npos) break;
    rest = rest.substr(comma + 1);
  }
  return {cpus.begin(), cpus.end()};
}

std::string format_cpu_list(const CpuList& cpus) {
  std::string out;
  for (std::size_t i = 0; i < cpus.size();) {
    std::size_t j = i;
    while (j + 1 < cpus.size() && cpus[j + 1] == cpus[j] + 1) ++j;
    if (!out.empty()) out += ',';
    out += std::to_string(cpus[i]);
    if (j > i) out += '-' + std::to_string(cpus[j]);
    i = j + 1;
  }
  return out;
}

CpuList allowed_cpus() {
  cpu_set_t set;
  CPU_ZERO(&set);
  if (::sched_getaffinity(0, sizeof set, &set) != 0)
    throw_errno(errno, "sched_getaffinity", "self");
  CpuList cpus;
  for (int c = 0; c <= kMaxCpu; ++c)
    if (CPU_ISSET(c, &set)) cpus.push_back(c);
  return cpus;
}

Placement parse_placement(std::string_view text) {
  const auto colon = text.find(':');
  if (colon == std::string_view::npos)
    throw Error("invalid placement \"" + std::string(text) +
                "\": expected CLIENT_CPUS:SERVER_CPUS, e.g. 1:0 or 3:0-2");
  Placement p{parse_cpu_list(text.substr(0, colon)), parse_cpu_list(text.substr(colon + 1))};
  for (const int c : p.client)
    for (const int s : p.server)
      if (c == s)
        throw Error("invalid placement \"" + std::string(text) + "\": CPU " + std::to_string(c) +
                    " is on both sides; harness and server must not share a CPU");
  return p;
}

std::string format_placement(const Placement& p) {
  const auto cpus = [](const CpuList& l) {
    return (l.size() == 1 ? "CPU " : "CPUs ") + format_cpu_list(l);
  };
  return "harness on " + cpus(p.client) + ", server on " + cpus(p.server);
}

std::optional<Placement> default_placement(const CpuList& allowed) {
  if (allowed.size() < 2) return std::nullopt;
  return Placement{{allowed.back()}, {allowed.begin(), allowed.end() - 1}};
}

PinnedThreads::PinnedThreads(std::function<std::vector<pid_t>()> pids, const CpuList& cpus)
    : pids_(std::move(pids)) {
  if (cpus.empty()) throw Error("pinning to no CPU at all");
  const cpu_set_t target = to_set(cpus);
  try {
    for (const pid_t pid : pids_()) {
      for (const pid_t tid : proc::list_threads(pid)) {
        cpu_set_t own;
        CPU_ZERO(&own);
        if (::sched_getaffinity(tid, sizeof own, &own) != 0) {
          if (errno == ESRCH) continue;  // ended meanwhile
          throw_errno(errno, "sched_getaffinity", "thread " + std::to_string(tid));
        }
        if (tid == pid) process_sets_.emplace(pid, own);
        if (::sched_setaffinity(tid, sizeof target, &target) != 0) {
          if (errno == ESRCH) continue;
          throw_errno(errno, "sched_setaffinity",
                      "thread " + std::to_string(tid) + " of pid " + std::to_string(pid));
        }
        thread_sets_.emplace(tid, own);
      }
    }
  } catch (...) {
    put_back_pinned();  // only those: the tree's other threads were never touched
    throw;
  }
}

PinnedThreads::~PinnedThreads() {
  restore();
}

void PinnedThreads::put_back_pinned() noexcept {
  for (const auto& [tid, set] : thread_sets_) ::sched_setaffinity(tid, sizeof set, &set);
}

void PinnedThreads::restore() noexcept {
  if (thread_sets_.empty()) return;
  const cpu_set_t fallback =
      process_sets_.empty() ? thread_sets_.begin()->second : process_sets_.begin()->second;
  std::vector<pid_t> pids;
  try {
    pids = pids_();
  } catch (...) {
    put_back_pinned();  // the tree cannot be listed now: at least these
    return;
  }
  for (const pid_t pid : pids) {
    const auto process = process_sets_.find(pid);
    const cpu_set_t& process_set = process == process_sets_.end() ? fallback : process->second;
    for (const pid_t tid : proc::list_threads(pid)) {
      const auto thread = thread_sets_.find(tid);
      const cpu_set_t& set = thread == thread_sets_.end() ? process_set : thread->second;
      ::sched_setaffinity(tid, sizeof set, &set);  // a thread that ended needs nothing
    }
  }
}

PinnedPlacement::PinnedPlacement(pid_t server_root, const Placement& placement) {
  const auto allowed = allowed_cpus();
  for (const auto* side : {&placement.client, &placement.server})
    for (const int c : *side)
      if (std::find(allowed.begin(), allowed.end(), c) == allowed.end())
        throw Error("CPU " + std::to_string(c) +
                    " is not one this process may run on (it may use " + format_cpu_list(allowed) +
                    ")");
  server_.emplace([server_root] { return proc::list_tree(server_root); }, placement.server);
  harness_.emplace([] { return std::vector<pid_t>{::getpid()}; }, placement.client);
  undo_.emplace([this] {
    harness_.reset();
    server_.reset();
  });
}

}  // namespace streamcheck::bench
