#include "bench/lib/probe.hpp"

#include <pthread.h>
#include <time.h>

#include <algorithm>

#include "bench/lib/error.hpp"

namespace streamcheck::bench {
namespace {

using Clock = std::chrono::steady_clock;
constexpr std::chrono::milliseconds kSettleStep{10};
constexpr std::chrono::milliseconds kFdGraceStep{100};

std::uint64_t saturating_sub(std::uint64_t a, std::uint64_t b) {
  return a > b ? a - b : 0;
}

bool same_fd(const TreeFd& a, const TreeFd& b) {
  return a.pid == b.pid && a.fd.fd == b.fd.fd && a.fd.target == b.fd.target;
}

}  // namespace

Probe::Probe(pid_t root, ProbeOptions options) : root_(root), options_(options), tracker_(root) {
  if (tracker_.pids().empty()) {
    throw Error("cannot probe process " + std::to_string(root) + ": no such process");
  }
  if (options_.sampler) sampler_ = std::thread([this] { sampler_loop(); });
}

Probe::~Probe() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  if (sampler_.joinable()) sampler_.join();
}

std::vector<pid_t> Probe::pids() {
  std::lock_guard lock(mu_);
  return tracker_.refresh();
}

std::uint64_t Probe::rss_now_kib() {
  return memory_now_kib(MemoryKind::vm_rss);
}

std::uint64_t Probe::memory_now_kib(MemoryKind kind) {
  std::lock_guard lock(mu_);
  std::uint64_t sum = 0;
  for (const pid_t pid : tracker_.refresh()) {
    if (kind == MemoryKind::pss) {
      const auto pss = proc::read_pss(pid);
      if (pss.status != proc::Pss::Status::unavailable) {
        sum += pss.pss_kib;
        continue;
      }
    }
    sum += read_statm_rss_kib(pid).value_or(0);
  }
  return sum;
}

std::optional<std::uint64_t> Probe::accept_pss_locked(const proc::Pss& sum) {
  if (!pss_.readable) return std::nullopt;
  if (sum.status != proc::Pss::Status::unavailable) return sum.pss_kib;
  pss_.readable = false;
  pss_.note =
      "PSS unreadable, so the summed VmRSS, which counts shared pages once per process: " + sum.why;
  return std::nullopt;
}

std::optional<std::uint64_t> Probe::pss_locked() {
  if (!pss_.readable) return std::nullopt;
  return accept_pss_locked(proc::sum_pss(tracker_.pids()));
}

proc::TreeReading Probe::read_locked(bool fd_targets) {
  const auto& pids = tracker_.refresh();
  return proc::read_tree(pids, {.memory = true,
                                .io = false,
                                .fd_count = true,
                                .fd_targets = fd_targets,
                                .cpu_clock = false});
}

void Probe::begin() {
  std::lock_guard lock(mu_);
  seen_.clear();
  searches_at_begin_ = tracker_.searches();
  const auto reading = read_locked(true);
  ++generation_;
  pss_ = {.readable = options_.pss,
          .note = options_.pss ? "" : "PSS not asked for (ProbeOptions::pss)",
          .several = reading.processes.size() > 1};
  if (const auto pss = pss_locked()) pss_.before = pss_.peak = *pss;
  processes_before_ = reading.processes.size();
  fds_before_.clear();
  for (const auto& p : reading.processes)
    for (const auto& f : p.fds) fds_before_.push_back({p.stat.pid, f});
  base_ = totals_locked(true);
  hwm_reset_ok_ = false;
  if (options_.reset_hwm) {
    hwm_reset_ok_ = proc::reset_hwm_all(tracker_.pids()) == tracker_.pids().size();
  }
  rss_before_ = reading.rss_kib;
  rss_peak_ = rss_before_;
  fds_peak_ = reading.fd_count;
  samples_ = 0;
  sampler_cpu_at_begin_ns_ = sampler_cpu_ns();
  started_ = Clock::now();
  measuring_ = true;
  cv_.notify_all();
}

Probe::Totals Probe::totals_locked(bool at_begin) {
  const auto& members = tracker_.refresh();
  (void)members;
  std::vector<std::pair<pid_t, std::uint64_t>> alive;
  for (const auto& m : tracker_.members()) {
    const auto r = proc::read_process(
        m.pid, {.memory = false, .io = true, .fd_count = false, .cpu_clock = options_.cpu_clock});
    if (!r || r->stat.start_ticks != m.start_ticks) continue;
    const auto [it, is_new] = seen_.try_emplace({m.pid, m.start_ticks});
    auto& s = it->second;
    s.ppid = r->stat.ppid;
    if (r->io) s.io = *r->io;
    s.cpu = r->cpu;
    if (at_begin) {
      s.cpu_at_begin = r->cpu;
    } else if (is_new) {
      // Started after begin(): all its CPU time is the measurement's. Zero in the unit it
      // was read in, so that it is counted in ns where the clock is readable.
      s.cpu_at_begin = {.ticks = 0,
                        .ns = r->cpu.ns ? std::optional<std::uint64_t>(0) : std::nullopt};
    }
    alive.emplace_back(m.pid, m.start_ticks);
  }
  const auto is_alive_pid = [&](pid_t pid) {
    return std::any_of(alive.begin(), alive.end(), [pid](const auto& a) { return a.first == pid; });
  };
  for (auto& [key, s] : seen_)
    if (std::find(alive.begin(), alive.end(), key) == alive.end()) s.gone = true;
  // Whether a gone process's io is in a live member's now: the parent that reaped it
  // added it to its own counters, and if that parent is gone too, its parent did the
  // same (vsftpd: the listener reaps a session that reaped the process that moved the
  // data). Counting such a process as well would count its bytes twice.
  const auto folded_into_the_living = [&](const Seen& gone) {
    pid_t parent = gone.ppid;
    for (std::size_t hops = 0; hops <= seen_.size(); ++hops) {
      if (is_alive_pid(parent)) return true;
      const auto it = std::find_if(seen_.begin(), seen_.end(), [parent](const auto& e) {
        return e.first.first == parent && e.second.gone;
      });
      if (it == seen_.end()) return false;  // reaped outside the tree, or never seen
      parent = it->second.ppid;
    }
    return false;
  };
  Totals t;
  for (auto& [key, s] : seen_) {
    t.cpu_ns += proc::cpu_ns_between(s.cpu_at_begin, s.cpu);
    if (!s.cpu_at_begin.ns || !s.cpu.ns) t.cpu_from_ticks = true;
    if (s.gone && folded_into_the_living(s)) continue;
    t.io += s.io;
  }
  return t;
}

void Probe::count_fds_locked(bool may_list) {
  std::size_t fds = 0;
  for (const pid_t pid : tracker_.pids()) {
    if (const auto n = proc::count_fds_by_stat(pid)) {
      fds += *n;
    } else if (may_list) {
      fds += proc::count_fds(pid).value_or(0);
    } else {
      return;  // a partial sum is no peak
    }
  }
  fds_peak_ = std::max(fds_peak_, fds);
}

void Probe::sample_locked(bool counters) {
  ++samples_;
  std::uint64_t rss = 0;
  for (const pid_t pid : tracker_.refresh()) rss += read_statm_rss_kib(pid).value_or(0);
  rss_peak_ = std::max(rss_peak_, rss);
  if (tracker_.pids().size() > 1) pss_.several = true;
  count_fds_locked(counters);
  if (counters) (void)totals_locked();
}

void Probe::sampler_loop() {
  std::unique_lock lock(mu_);
  std::uint64_t tick = 0;
  std::uint64_t quiet = 0;
  while (!stopping_) {
    if (!measuring_) {
      cv_.wait(lock, [this] { return stopping_ || measuring_; });
      continue;
    }
    cv_.wait_for(lock, options_.sample_interval, [this] { return stopping_ || !measuring_; });
    if (stopping_ || !measuring_) continue;
    // After the wait, not before: begin() has just read everything.
    try {
      // One process whose VmHWM was reset (and no other in the tree since begin()): its
      // peak is exact without the sampler, which then only has to notice forks, and can
      // do so at a tenth of the rate (its own CPU during 1 GiB GETs: 1.4% of a core at
      // 5 ms, 0.4% at 50 ms), with no PSS. Descriptors have no high-water mark: they are
      // still counted at every tick, by one stat().
      const bool one_process = hwm_reset_ok_ && !pss_.several && tracker_.pids().size() == 1;
      if (one_process && ++quiet % 10 != 0) {
        count_fds_locked(false);
        continue;
      }
      sample_locked(tick++ % 4 == 0);
      sample_pss(lock);
    } catch (const Error&) {
      // A reading that fails here fails again, loudly, in end().
    }
  }
}

void Probe::sample_pss(std::unique_lock<std::mutex>& lock) {
  // One process with an exact HWM needs no PSS; nor does a tree measured by VmRSS.
  if (!pss_.readable || (hwm_reset_ok_ && !pss_.several) || options_.pss_cpu_share <= 0) return;
  const auto now = Clock::now();
  if (now < pss_.next) return;
  const auto pids = tracker_.pids();
  const auto generation = generation_;
  const auto thread_cpu_ns = [] {
    return proc::read_clock_ns(CLOCK_THREAD_CPUTIME_ID).value_or(0);
  };
  lock.unlock();
  const auto cpu_before = thread_cpu_ns();
  const auto sum = proc::sum_pss(pids);
  const auto took_ns = saturating_sub(thread_cpu_ns(), cpu_before);
  lock.lock();
  if (generation != generation_ || !measuring_) return;  // ended meanwhile
  ++pss_.sweeps;
  pss_.cpu_ns += took_ns;
  // The spacing that keeps the sweeps within their share of a core, measured in CPU
  // time: the cost, which a busy machine's waits do not inflate.
  pss_.next = now + std::chrono::nanoseconds(static_cast<std::int64_t>(
                        static_cast<double>(took_ns) / options_.pss_cpu_share));
  if (const auto pss = accept_pss_locked(sum)) pss_.peak = std::max(pss_.peak, *pss);
}

proc::IoCounters Probe::io_now() {
  std::lock_guard lock(mu_);
  if (!measuring_) throw Error("Probe::io_now() outside a measurement");
  return totals_locked().io - base_.io;
}

std::uint64_t Probe::sampler_cpu_ns() {
  clockid_t clock{};
  if (!sampler_.joinable() || ::pthread_getcpuclockid(sampler_.native_handle(), &clock) != 0)
    return 0;
  return proc::read_clock_ns(clock).value_or(0);
}

Measurement Probe::end() {
  std::unique_lock lock(mu_);
  if (!measuring_) throw Error("Probe::end() without begin()");
  // Settle: the fd count and RSS the same on two readings in a row.
  const auto deadline = Clock::now() + options_.settle_timeout;
  std::optional<std::pair<std::size_t, std::uint64_t>> last;
  for (;;) {
    const auto r = read_locked(false);
    const std::pair now{r.fd_count, r.rss_kib};
    rss_peak_ = std::max(rss_peak_, r.rss_kib);
    fds_peak_ = std::max(fds_peak_, r.fd_count);
    if (last && *last == now) break;
    last = now;
    if (Clock::now() > deadline) break;
    lock.unlock();
    std::this_thread::sleep_for(kSettleStep);
    lock.lock();
  }
  for (const auto grace_end = Clock::now() + options_.fd_grace;
       last && last->first > fds_before_.size() && Clock::now() < grace_end;) {
    lock.unlock();
    std::this_thread::sleep_for(kFdGraceStep);
    lock.lock();
    last->first = read_locked(false).fd_count;
  }
  Measurement m;
  const auto reading = read_locked(true);
  const auto pss_after = pss_locked();
  const auto totals = totals_locked();
  m.seconds = std::chrono::duration<double>(Clock::now() - started_).count();
  m.processes_before = processes_before_;
  m.processes_after = reading.processes.size();
  m.processes_seen = seen_.size();
  m.rss_before_kib = rss_before_;
  m.rss_after_kib = reading.rss_kib;
  m.rss_sampled_peak_kib = std::max(rss_peak_, reading.rss_kib);
  m.hwm_after_kib = reading.hwm_kib;
  m.hwm_exact = hwm_reset_ok_ && m.processes_seen == 1 && m.processes_after == 1;
  if (pss_after) {
    m.pss_before_kib = pss_.before;
    m.pss_after_kib = *pss_after;
    m.pss_sampled_peak_kib = std::max(pss_.peak, *pss_after);
  }
  m.pss_sweeps = pss_.sweeps;
  m.pss_cpu_ms = static_cast<double>(pss_.cpu_ns) / 1e6;
  if (m.memory_kind() == MemoryKind::vm_rss) m.memory_note = pss_.note;
  m.io = totals.io - base_.io;
  m.cpu_ms = static_cast<double>(totals.cpu_ns) / 1e6;
  m.cpu_from_ticks = totals.cpu_from_ticks;
  m.fds_before = fds_before_.size();
  m.fds_after = reading.fd_count;
  m.fds_peak = std::max(fds_peak_, reading.fd_count);
  for (const auto& p : reading.processes) {
    for (const auto& f : p.fds) {
      TreeFd tf{p.stat.pid, f};
      if (f.deleted) m.deleted_fds.push_back(tf);
      if (std::none_of(fds_before_.begin(), fds_before_.end(),
                       [&](const TreeFd& b) { return same_fd(b, tf); })) {
        m.new_fds.push_back(tf);
      }
    }
  }
  m.samples = samples_;
  m.sampler_cpu_ms = static_cast<double>(sampler_cpu_ns() - sampler_cpu_at_begin_ns_) / 1e6;
  m.tree_searches = tracker_.searches() - searches_at_begin_;
  measuring_ = false;
  return m;
}

std::vector<TreeFd> still_held(pid_t root, const std::vector<TreeFd>& fds,
                               std::chrono::milliseconds grace) {
  const auto held_now = [&] {
    std::vector<TreeFd> now;
    for (const pid_t pid : proc::list_tree(root)) {
      const auto open = proc::read_fds(pid);
      if (!open) continue;
      for (const auto& f : *open) {
        const TreeFd tf{pid, f};
        if (std::any_of(fds.begin(), fds.end(), [&](const TreeFd& x) { return same_fd(x, tf); }))
          now.push_back(tf);
      }
    }
    return now;
  };
  const auto deadline = Clock::now() + grace;
  auto held = held_now();
  while (!held.empty() && Clock::now() < deadline) {
    std::this_thread::sleep_for(kFdGraceStep);
    held = held_now();
  }
  return held;
}

}  // namespace streamcheck::bench
