#include "bench/streambench/checks.hpp"

#include <sys/resource.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdio>
#include <optional>
#include <thread>

#include "bench/lib/boost_process.hpp"

#include "bench/lib/cpu_pin.hpp"
#include "bench/lib/error.hpp"
#include "bench/lib/probe.hpp"
#include "bench/lib/proc.hpp"
#include "bench/streambench/ops.hpp"
#include "bench/streambench/stats.hpp"

namespace streamcheck::streambench {
namespace {

namespace bp = boost::process;
using bench::Probe;

constexpr double kGiB = 1024.0 * 1024.0 * 1024.0;

enum Variant { kProbeOn, kProbeOff, kCurl, kVariants };

// Every order of the three, one per round in turn: each GET comes after each other kind
// as often, and first as often. (Turning one order round, as before, put the GET without
// the probe after the probed one in two rounds of three: after the probe's settling.)
constexpr std::array<std::array<Variant, kVariants>, 6> kOrders{{{kProbeOn, kProbeOff, kCurl},
                                                                 {kProbeOff, kCurl, kProbeOn},
                                                                 {kCurl, kProbeOn, kProbeOff},
                                                                 {kProbeOn, kCurl, kProbeOff},
                                                                 {kCurl, kProbeOff, kProbeOn},
                                                                 {kProbeOff, kProbeOn, kCurl}}};
// A pause before each timed GET, so that each starts on a machine that has done what the
// GET before left it (socket teardown, the curl tool's exit, the probe's settling) alike.
constexpr std::chrono::milliseconds kRest{50};

struct Timed {
  double seconds = 0;
  double cpu_seconds = 0;        // the client's
  double probe_cpu_seconds = 0;  // the probe's: begin() and end() here, and its sampler
};

double children_cpu_seconds() {
  rusage ru{};
  ::getrusage(RUSAGE_CHILDREN, &ru);
  const auto s = [](const timeval& tv) {
    return static_cast<double>(tv.tv_sec) + static_cast<double>(tv.tv_usec) / 1e6;
  };
  return s(ru.ru_utime) + s(ru.ru_stime);
}

// Our GET of the plan's object, timed and measured as streambench measures every
// transfer (ops.hpp: measure), with or without the probe; on a new connection each time,
// as the curl tool's.
Timed our_get(const bench::Target& target, const Plan& plan, Probe* probe) {
  const auto& get = *find_op("http-get");
  std::vector<Client> clients;
  clients.push_back(make_client(target, Proto::http));
  touch(clients.front());
  bench::TransferOptions options;
  options.hash = false;
  std::vector<bench::PreparedTransfer> batch;
  batch.push_back(prepare(get, clients.front(), plan, options));
  const auto m = measure(clients, std::move(batch), probe);
  const auto& t = m.transfers.front();
  if (!t.completed() || t.status != 200 || t.body_bytes != plan.bytes)
    throw bench::Error("our GET: HTTP " + std::to_string(t.status) + ", " +
                       std::to_string(t.body_bytes) + " bytes, " + t.curl_error);
  const double sampler = m.probed ? m.probed->sampler_cpu_ms / 1e3 : 0;
  return {t.seconds, m.transfer_cpu_seconds, m.probe_cpu_seconds + sampler};
}

// The curl tool's GET of the same object to /dev/null, timed by curl (%{time_total}).
Timed curl_get(const bench::Url& base, const Plan& plan, std::uint64_t size) {
  const auto exe = bp::search_path("curl");
  if (exe.empty()) throw bench::Error("curl is not installed");
  const std::string url = base.scheme + "://" + base.authority() + "/" + plan.path;
  bp::ipstream out;
  bp::opstream in;
  const double cpu0 = children_cpu_seconds();
  bp::child child(
      exe,
      bp::args({"-s", "-K", "-", "-o", "/dev/null", "-w",
                "%{time_total} %{size_download} %{http_code}", url}),
      bp::std_out > out, bp::std_in<in, bp::std_err> bp::null,
      bp::extend::on_exec_setup = [](auto&) { bench::reset_signals_in_child(); });
  // The password goes through stdin, not the command line other users can read.
  if (base.has_userinfo) in << "user = \"" << base.user << ":" << base.password << "\"\n";
  in.flush();
  in.pipe().close();
  double seconds = 0;
  std::uint64_t bytes = 0;
  int code = 0;
  out >> seconds >> bytes >> code;
  child.wait();
  const double cpu = children_cpu_seconds() - cpu0;
  if (code != 200 || bytes != size)
    throw bench::Error("curl got HTTP " + std::to_string(code) + " and " + std::to_string(bytes) +
                       " bytes");
  return {seconds, cpu};
}

// Pins harness and server apart for the checks (the run's --pin already did, or was
// turned off; see --help). Says where they run, or why they were not pinned.
std::string pin_for_checks(const Run& run, std::optional<bench::PinnedPlacement>& pinned) {
  if (run.options.pin) return bench::format_placement(*run.options.pin) + " (--pin)";
  if (!run.options.check_pinning) return "not pinned (--no-check-pinning)";
  const auto placement = bench::default_placement(bench::allowed_cpus());
  if (!placement) return "not pinned: this process may run on one CPU only";
  try {
    pinned.emplace(run.target->pid, *placement);
  } catch (const std::exception& e) {
    return std::string("not pinned: ") + e.what();
  }
  return bench::format_placement(*placement);
}

}  // namespace

void run_checks(benchmark::State& state, Run& run, std::uint64_t size, const std::string& name) {
  const auto& get = *find_op("http-get");
  const unsigned rounds = std::max(1u, run.options.check_rounds);
  try {
    for (auto _ : state) {
      // Everything that can fail inside the loop (see run_op in runner.cpp).
      auto client = make_client(*run.target, Proto::http);
      const auto plan = set_up(get, client, size, run.options, 0, 0);
      std::optional<bench::PinnedPlacement> pinned;
      const auto placement = pin_for_checks(run, pinned);
      Probe probe(run.target->pid);
      std::array<std::vector<Timed>, kVariants> timed;
      // The object is read back whole with the hash once; the timed GETs do not hash.
      const auto first = bench::run(prepare(get, client, plan, {}));
      if (const auto why = verify(get, client, plan, first); !why.empty()) throw bench::Error(why);
      for (unsigned r = 0; r < rounds; ++r) {
        for (const Variant v : kOrders[r % kOrders.size()]) {
          std::this_thread::sleep_for(kRest);
          if (v == kCurl) {
            timed[v].push_back(curl_get(*run.target->http, plan, size));
          } else {
            timed[v].push_back(our_get(*run.target, plan, v == kProbeOn ? &probe : nullptr));
          }
        }
      }
      std::array<std::vector<double>, kVariants> rates, cpu_ms_per_gib;
      for (int v = 0; v < kVariants; ++v) {
        for (const auto& t : timed[v]) {
          rates[v].push_back(static_cast<double>(size) / t.seconds);
          cpu_ms_per_gib[v].push_back(1e3 * t.cpu_seconds / (static_cast<double>(size) / kGiB));
        }
      }
      CheckResult result;
      result.rounds = rounds;
      result.placement = placement;
      result.pinned = pinned.has_value() || run.options.pin.has_value();
      result.probe_on_bytes_per_second = median(rates[kProbeOn]);
      result.probe_off_bytes_per_second = median(rates[kProbeOff]);
      result.curl_bytes_per_second = median(rates[kCurl]);
      state.SetIterationTime(static_cast<double>(size) / result.probe_off_bytes_per_second);
      result.on_vs_off = ratio_of_medians(rates[kProbeOn], rates[kProbeOff]);
      result.ours_vs_curl = ratio_of_medians(rates[kProbeOff], rates[kCurl]);
      result.client_cpu_ms_per_gib = median(cpu_ms_per_gib[kProbeOff]);
      result.curl_cpu_ms_per_gib = median(cpu_ms_per_gib[kCurl]);
      std::vector<double> probe_share;
      for (const auto& t : timed[kProbeOn])
        probe_share.push_back(100.0 * t.probe_cpu_seconds / t.seconds);
      result.probe_cpu_percent = median(probe_share);
      run.checks[name] = result;
    }
  } catch (const std::exception& e) {
    fail(state, run, name, e.what());
    return;
  }
  const auto& r = run.checks[name];
  state.SetBytesProcessed(static_cast<std::int64_t>(size));
  state.counters["sha256_ok"] = 1;
  state.counters["rounds"] = r.rounds;
  state.counters["check_pinned"] = r.pinned ? 1 : 0;
  state.counters["probe_on_MBps"] = r.probe_on_bytes_per_second / 1e6;
  state.counters["probe_off_MBps"] = r.probe_off_bytes_per_second / 1e6;
  state.counters["curl_MBps"] = r.curl_bytes_per_second / 1e6;
  state.counters["probe_cost_pct"] = r.probe_cost_percent();
  state.counters["probe_cost_low_pct"] = r.probe_cost_low_percent();
  state.counters["probe_cost_high_pct"] = r.probe_cost_high_percent();
  state.counters["probe_cost_verdict"] = static_cast<double>(judge_probe_cost(r).verdict);
  state.counters["probe_cpu_pct"] = r.probe_cpu_percent;
  state.counters["client_vs_curl"] = r.client_vs_curl();
  state.counters["client_vs_curl_low"] = r.ours_vs_curl.low;
  state.counters["client_vs_curl_high"] = r.ours_vs_curl.high;
  state.counters["client_verdict"] = static_cast<double>(judge_client(r).verdict);
  state.counters["client_cpu_ms_per_gib"] = r.client_cpu_ms_per_gib;
  state.counters["curl_cpu_ms_per_gib"] = r.curl_cpu_ms_per_gib;
  state.counters["harness_rss_kib"] = static_cast<double>(bench::own_peak_rss_kib());
}

namespace {

// The rounds that would bring the interval's half-width (`half`) under the distance of
// the estimate to the goal's boundary (`margin`): the width shrinks as 1/sqrt(rounds).
unsigned rounds_for(unsigned rounds, double half, double margin) {
  if (margin <= 0) return 0;
  const double need = static_cast<double>(rounds) * (half / margin) * (half / margin);
  return static_cast<unsigned>(std::min(std::ceil(need), 1e6));
}

std::string verdict_text(const Judgement& j) {
  switch (j.verdict) {
    case GoalVerdict::met:
      return "met";
    case GoalVerdict::not_met:
      return "NOT met";
    case GoalVerdict::undecided:
      break;
  }
  if (j.rounds_to_decide == 0 || j.rounds_to_decide > kMaxCheckRounds)
    return "undecided: the estimate sits too near the goal to decide in " +
           std::to_string(kMaxCheckRounds) + " rounds";
  return "undecided at this noise: about " + std::to_string(j.rounds_to_decide) +
         " rounds would decide (--check-rounds)";
}

}  // namespace

Judgement judge_probe_cost(const CheckResult& r) {
  const double low = r.probe_cost_low_percent(), high = r.probe_cost_high_percent();
  const double goal = kProbeCostGoalPercent;
  if (low > -goal && high < goal) return {GoalVerdict::met};
  if (low >= goal || high <= -goal) return {GoalVerdict::not_met};
  const double margin = std::abs(goal - std::abs(r.probe_cost_percent()));
  return {GoalVerdict::undecided, rounds_for(r.rounds, (high - low) / 2, margin)};
}

Judgement judge_client(const CheckResult& r) {
  if (r.ours_vs_curl.low >= kClientVsCurlGoal) return {GoalVerdict::met};
  if (r.ours_vs_curl.high < kClientVsCurlGoal) return {GoalVerdict::not_met};
  const double margin = std::abs(r.client_vs_curl() - kClientVsCurlGoal);
  return {GoalVerdict::undecided,
          rounds_for(r.rounds, (r.ours_vs_curl.high - r.ours_vs_curl.low) / 2, margin)};
}

void print_checks(const Run& run) {
  for (const auto& [name, r] : run.checks) {
    std::fprintf(stderr,
                 "probe cost: %s (%s), medians of %u rounds: %.0f MB/s with the probe, %.0f "
                 "without: %+.1f%% (95%%: %+.1f..%+.1f; goal within +-%.0f%%): %s; the probe's "
                 "own CPU: %.1f%% of a core\n",
                 name.c_str(), r.placement.c_str(), r.rounds, r.probe_on_bytes_per_second / 1e6,
                 r.probe_off_bytes_per_second / 1e6, r.probe_cost_percent(),
                 r.probe_cost_low_percent(), r.probe_cost_high_percent(), kProbeCostGoalPercent,
                 verdict_text(judge_probe_cost(r)).c_str(), r.probe_cpu_percent);
    std::fprintf(stderr,
                 "client check: our GET %.0f MB/s, curl to /dev/null %.0f MB/s: %.2fx (95%%: "
                 "%.2f..%.2f; goal >= %.1fx): %s; client CPU %.0f ms/GiB, curl's %.0f ms/GiB\n",
                 r.probe_off_bytes_per_second / 1e6, r.curl_bytes_per_second / 1e6,
                 r.client_vs_curl(), r.ours_vs_curl.low, r.ours_vs_curl.high, kClientVsCurlGoal,
                 verdict_text(judge_client(r)).c_str(), r.client_cpu_ms_per_gib,
                 r.curl_cpu_ms_per_gib);
  }
}

}  // namespace streamcheck::streambench
