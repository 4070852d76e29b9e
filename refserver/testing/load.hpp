// Helpers of the refserver's load tests (a thousand sessions at once): descriptor limits
// on both sides, a batch of transfers run at once with the server's peak memory and
// descriptors sampled from /proc meanwhile, and the verdict on its figures.
#pragma once

#include <gtest/gtest.h>
#include <sys/resource.h>
#include <sys/types.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <fstream>
#include <memory>
#include <optional>
#include <sstream>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "bench/lib/proc.hpp"
#include "bench/lib/transfer.hpp"
#include "bench/lib/url.hpp"
#include "refserver/testing/spawned_refserver.hpp"

namespace streamcheck::testing {

// Raises this process's soft RLIMIT_NOFILE to its hard limit: the client side of a
// thousand sessions needs a descriptor or two each. False when even the hard limit is
// below `need`.
inline bool raise_own_fd_limit(rlim_t need) {
  rlimit limit{};
  if (::getrlimit(RLIMIT_NOFILE, &limit) != 0) return false;
  if (limit.rlim_cur < limit.rlim_max) {
    limit.rlim_cur = limit.rlim_max;
    if (::setrlimit(RLIMIT_NOFILE, &limit) != 0) return false;
  }
  return limit.rlim_cur >= need;
}

// While it lives, this process's soft limit is `soft` (the usual 1024 of a login shell or
// a systemd service), so that a server started meanwhile inherits it and has to raise it
// itself, as it would in the field. The hard limit is left alone.
class SoftFdLimit {
 public:
  explicit SoftFdLimit(rlim_t soft) {
    ::getrlimit(RLIMIT_NOFILE, &saved_);
    rlimit lowered = saved_;
    lowered.rlim_cur = std::min(soft, saved_.rlim_max);
    ::setrlimit(RLIMIT_NOFILE, &lowered);
  }
  ~SoftFdLimit() { ::setrlimit(RLIMIT_NOFILE, &saved_); }
  SoftFdLimit(const SoftFdLimit&) = delete;
  SoftFdLimit& operator=(const SoftFdLimit&) = delete;

 private:
  rlimit saved_{};
};

// The soft and hard "Max open files" of `pid`, from /proc/PID/limits.
inline std::optional<std::pair<uint64_t, uint64_t>> fd_limits(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/limits");
  std::string line;
  while (std::getline(in, line)) {
    if (!line.starts_with("Max open files")) continue;
    std::istringstream fields(line.substr(sizeof("Max open files") - 1));
    uint64_t soft = 0, hard = 0;
    if (fields >> soft >> hard) return std::pair{soft, hard};
  }
  return std::nullopt;
}

// Samples the RSS and descriptor count of `pid` every few milliseconds from construction
// to stop(), keeping the peaks: a batch of short transfers has its peak between two
// readings a test could take before and after.
class PeakSampler {
 public:
  explicit PeakSampler(pid_t pid)
      : thread_([this, pid] {
          while (!stop_) {
            if (auto m = bench::proc::read_memory(pid))
              rss_kib_ = std::max<uint64_t>(rss_kib_, m->rss_kib);
            if (auto n = bench::proc::count_fds(pid)) fds_ = std::max<uint64_t>(fds_, *n);
            std::this_thread::sleep_for(std::chrono::milliseconds(5));
          }
        }) {}
  ~PeakSampler() { stop(); }
  PeakSampler(const PeakSampler&) = delete;
  PeakSampler& operator=(const PeakSampler&) = delete;

  void stop() {
    stop_ = true;
    if (thread_.joinable()) thread_.join();
  }
  uint64_t rss_kib() const { return rss_kib_; }
  uint64_t fds() const { return fds_; }

 private:
  std::atomic<bool> stop_ = false;
  std::atomic<uint64_t> rss_kib_ = 0;
  std::atomic<uint64_t> fds_ = 0;
  std::thread thread_;
};

// The refserver started as the field starts it, with a soft descriptor limit of 1024
// under a higher hard one; checks that it raised its soft limit to the hard one.
inline std::unique_ptr<SpawnedRefserver> spawn_with_usual_fd_limit() {
  std::unique_ptr<SpawnedRefserver> server;
  {
    SoftFdLimit usual(1024);
    server = std::make_unique<SpawnedRefserver>();
  }
  const auto limits = fd_limits(server->pid());
  EXPECT_TRUE(limits && limits->first == limits->second)
      << "the server did not raise its soft limit of open files to the hard one: "
      << (limits ? std::to_string(limits->first) + " of " + std::to_string(limits->second)
                 : std::string("no /proc/PID/limits"));
  return server;
}

// `n` clients of type Client on `url`, and the transfer `prepare(client)` of each, made
// ready for run_measured().
template <class Client, class Prepare>
std::pair<std::vector<std::unique_ptr<Client>>, std::vector<bench::PreparedTransfer>>
prepare_clients(size_t n, const bench::Url& url, Prepare prepare) {
  std::pair<std::vector<std::unique_ptr<Client>>, std::vector<bench::PreparedTransfer>> out;
  for (size_t i = 0; i < n; ++i) {
    out.first.push_back(std::make_unique<Client>(url));
    out.second.push_back(prepare(*out.first.back()));
  }
  return out;
}

struct BatchRun {
  std::vector<bench::Transfer> results;
  double seconds = 0;
  uint64_t peak_fds = 0;
  uint64_t peak_rss_kib = 0;  // the server's VmHWM over the batch
};

// Runs `batch` at once (curl multi) against the server `pid`, sampling its peak memory
// and descriptors meanwhile.
inline BatchRun run_measured(pid_t pid, std::vector<bench::PreparedTransfer> batch) {
  EXPECT_EQ(bench::proc::reset_hwm(pid), bench::proc::HwmReset::done);
  PeakSampler sampler(pid);
  const auto start = std::chrono::steady_clock::now();
  BatchRun run;
  run.results = bench::run_concurrently(std::move(batch));
  run.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  sampler.stop();
  run.peak_fds = sampler.fds();
  if (auto m = bench::proc::read_memory(pid)) run.peak_rss_kib = m->hwm_kib;
  return run;
}

struct LoadExpectations {
  std::string what;  // for the printed figures and the messages
  uint64_t size = 0;
  std::string sha256;
  long status_low = 200, status_high = 299;
  size_t fds_before = 0;  // the server's at rest before the batch
};

// Prints `run`'s figures and checks them: every transfer moved exactly the expected bytes
// with a good status, the sessions were open at once, and the server's RSS stayed within
// the issue's budget of 4 MiB + 1 MiB a session.
inline void expect_held(const BatchRun& run, const LoadExpectations& e) {
  const size_t n = run.results.size();
  size_t exact = 0;
  std::string others;
  for (size_t i = 0; i < n; ++i) {
    const auto& r = run.results[i];
    if (r.completed() && r.status >= e.status_low && r.status <= e.status_high &&
        r.body_bytes == e.size && r.sha256 == e.sha256) {
      ++exact;
    } else if (i - exact < 5) {
      others += "\n  #" + std::to_string(i) + ": status " + std::to_string(r.status) + ", " +
                std::to_string(r.body_bytes) + " bytes, " +
                (r.completed() ? "hash " + r.sha256.substr(0, 12) : r.curl_error);
    }
  }
  std::printf(
      "%zu %s: %zu exact in %.2f s; server at the peak: %llu fds, RSS %llu KiB (%.1f "
      "KiB a session)\n",
      n, e.what.c_str(), exact, run.seconds, static_cast<unsigned long long>(run.peak_fds),
      static_cast<unsigned long long>(run.peak_rss_kib),
      static_cast<double>(run.peak_rss_kib) / static_cast<double>(n));
  EXPECT_EQ(exact, n) << e.what << ": not all byte-exact; the first others:" << others;
  EXPECT_GE(run.peak_fds, e.fds_before + n - 1) << e.what << ": the sessions were not open at once";
  EXPECT_LE(run.peak_rss_kib, 4 * 1024 + n * 1024) << e.what << ": over 4 MiB + 1 MiB a session";
}

}  // namespace streamcheck::testing
