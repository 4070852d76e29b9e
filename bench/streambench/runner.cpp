#include "bench/streambench/runner.hpp"

#include <unistd.h>

#include <benchmark/benchmark.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <iostream>
#include <optional>
#include <sstream>

#include "bench/lib/error.hpp"
#include "bench/lib/prefault.hpp"
#include "bench/lib/probe.hpp"
#include "bench/lib/size_parse.hpp"
#include "bench/streambench/checks.hpp"
#include "bench/streambench/cohort.hpp"
#include "bench/streambench/figures.hpp"
#include "bench/streambench/ops.hpp"
#include "bench/streambench/slow_clients.hpp"
#include "bench/streambench/warmup.hpp"

namespace streamcheck::streambench {
namespace {

using bench::Measurement;
using bench::Probe;
using bench::Transfer;

constexpr double kGiB = 1024.0 * 1024.0 * 1024.0;

std::uint64_t next_seed(const Options& o) {
  static std::uint64_t uploads = 0;
  return o.seed * 1000003 + ++uploads;  // each upload its own content
}

void progress(const Run& run, const std::string& name, const Transfer& t) {
  if (!run.options.progress || !::isatty(STDERR_FILENO)) return;
  const double mb = static_cast<double>(t.body_bytes) / 1e6;
  std::fprintf(stderr, "\r\033[K  %s: %.1f MB in %.3f s (%.0f MB/s)%s", name.c_str(), mb, t.seconds,
               t.seconds > 0 ? mb / t.seconds : 0.0, t.completed() ? "" : " FAILED");
  std::fflush(stderr);
}

}  // namespace

const char* line_start() {
  return ::isatty(STDERR_FILENO) ? "\r\033[K" : "";
}

void fail(benchmark::State& state, Run& run, const std::string& name, const std::string& why) {
  ++run.failures;
  state.SkipWithError(why.c_str());
  if (!run.cohort->probes()) return;  // under MPI the probe rank says it, once
  const std::string line = name + ": " + why;
  if (line == run.last_failure) {
    ++run.last_failure_repeats;  // a dead server fails every repetition alike: said once
  } else {
    say_repeats(run);
    std::fprintf(stderr, "%s%s\n", line_start(), line.c_str());
    run.last_failure = line;
  }
}

void say_repeats(Run& run) {
  if (run.last_failure_repeats > 0)
    std::fprintf(stderr, "  (the same %d more time%s)\n", run.last_failure_repeats,
                 run.last_failure_repeats == 1 ? "" : "s");
  run.last_failure_repeats = 0;
}

namespace {

// Just before a timed upload, untimed: memory freed a while ago may have gone back to the
// host (a VM reports its free pages), and the run's first pre-fault may be a minute old.
// Pages freed just now are the ones the kernel hands out next.
void prefault_again(const Run& run, std::uint64_t bytes) {
  if (!run.prefault_at || bytes == 0) return;
  try {
    bench::prefault(*run.prefault_at,
                    bench::prefault_bytes(bytes, bench::space_for_prefault(run.prefault_at->dir)));
  } catch (const std::exception&) {
    // Said once already by prefault() if the place is unusable; a full disk now costs
    // only this upload's speed, which the run reports.
  }
}

void remove_or_say(Run& run, const OpInfo& op, Client& client, const Plan& plan) {
  if (auto why = remove_upload(op, client, plan); !why.empty() && !run.said_uploads_stay) {
    std::fprintf(stderr, "%sstreambench: uploads stay on the server (/%s: %s)\n", line_start(),
                 plan.verify_path.c_str(), why.c_str());
    run.said_uploads_stay = true;
  }
}

// The benchmark's warm-ups (warmup.hpp), before its first timed batch: each set up as
// timed transfer k % n is, so an upload writes the path that transfer will write and is
// removed as it will be: the kernel's pages, the server's staging file and its buffers are
// then the ones the timed transfer gets, freed just before it. One at a time at full
// speed, whatever the concurrency or the slow clients: they prepare the server and the
// machine, they do not load them (the rest of a batch's pages come from the pre-fault).
// On the set-up's session, open across the measurement anyway, so that no session opens
// or closes around it. Returns "" when all completed, else why not.
std::string warm_up(Run& run, const OpInfo& op, Client& client, std::uint64_t size,
                    Cohort::Share mine, unsigned count) {
  bench::TransferOptions o;
  o.hash = false;  // its bytes count for nothing; its answer is checked
  for (unsigned k = 0; k < count; ++k) {
    const auto plan =
        set_up(op, client, size, run.options, mine.first + k % mine.count, next_seed(run.options));
    const auto t = bench::run(prepare(op, client, plan, o));
    if (auto why = check_answer(op, plan, t); !why.empty()) return "warm-up: " + why;
    remove_or_say(run, op, client, plan);
  }
  return "";
}

// Google Benchmark's timer stopped while it lives, so its CPU time leaves out what runs
// then; started again before a failure (SkipWithError) or an exception is handled, as
// Google Benchmark requires.
class Paused {
 public:
  explicit Paused(benchmark::State& state) : state_(state) { state_.PauseTiming(); }
  ~Paused() { state_.ResumeTiming(); }
  Paused(const Paused&) = delete;
  Paused& operator=(const Paused&) = delete;

 private:
  benchmark::State& state_;
};

// The descriptors the server gained over the transfer and still holds once the client's
// sessions are closed (`held`): one a session keeps until it ends (pure-ftpd's passive
// listener) is no leak; one that outlives the session is. The sessions are closed by then.
std::int64_t fd_delta_after_close(const bench::Target& target, const Measurement& m,
                                  std::vector<bench::TreeFd>& held) {
  const auto delta = m.fd_delta();
  if (delta <= 0 || m.new_fds.empty()) return delta;
  held = bench::still_held(target.pid, m.new_fds, std::chrono::seconds(5));
  return std::min<std::int64_t>(delta, static_cast<std::int64_t>(held.size()));
}

// "why", or with several of a process's transfers failing, how many and the first's why.
std::string first_of(unsigned failed, unsigned of, const std::string& why) {
  if (failed <= 1) return why;
  return std::to_string(failed) + " of " + std::to_string(of) +
         " transfers failed; the first: " + why;
}

// One benchmark's batches, in the steps of its cohort (cohort.hpp): the probing process
// measures the server around them, the transferring ones run their share of each batch.
// Alone, one process does both, in the same order.
}  // namespace

void run_op(benchmark::State& state, Run& run, const OpInfo& op, std::uint64_t size, unsigned n,
            bool with_probe, const std::string& name) {
  auto& cohort = *run.cohort;
  const auto& opt = run.options;
  const auto mine = cohort.share(n);
  const bool probing = with_probe && cohort.probes();
  const bool loading = cohort.transfers() && mine.count > 0;
  Figures figures;
  const unsigned warmups = warmups_for(opt, op);
  unsigned warmed = 0;  // the warm-ups that ran: the benchmark's counter "warmup"
  // Made in the loop, as everything that can fail: Google Benchmark counts a failure
  // before it as 0 iterations, and aborts the program when the repetitions of one
  // benchmark disagree on their count (a server that died after the first, say).
  std::optional<Probe> probe;
  int iteration = -1;  // from 0: the latency log's batch
  for (auto _ : state) {
    ++iteration;
    const auto failed = [&](const std::string& why) {
      if (why.empty()) return false;
      fail(state, run, name, why);
      return true;
    };
    if (failed(cohort.broken())) return;
    // The set-up (an upload of the object a download reads, say) runs on a session of
    // its own, open until the end of the iteration so that its closing is not measured.
    // Each measured transfer gets a new one, opened before the measurement: a
    // connection that has just carried a 1 GiB upload ran the GET after it 20% slower.
    std::optional<Client> setup;
    std::vector<Plan> plans;
    // In the first iteration only: the later ones follow a timed transfer of their own.
    // Before the probe's begin() and the memory read before the sessions, so that no
    // figure of the row sees them.
    const bool warm_now = warmups > 0 && warmed == 0;
    if (failed(cohort.step("set-up", [&]() -> std::string {
          if (probing && !probe) {
            // Descriptors are judged once the sessions are closed (fd_delta_after_close),
            // not with them open, where a session's own (a passive listener) would be
            // waited for.
            bench::ProbeOptions o;
            o.fd_grace = std::chrono::milliseconds(0);
            probe.emplace(run.target->pid, o);
          }
          if (!loading) return "";
          setup.emplace(make_client(*run.target, op.proto));
          if (warm_now) {
            Paused untimed(state);
            if (auto why = warm_up(run, op, *setup, size, mine, warmups); !why.empty()) return why;
          }
          for (unsigned i = 0; i < mine.count; ++i)
            plans.push_back(set_up(op, *setup, size, opt, mine.first + i, next_seed(opt)));
          return "";
        })))
      return;
    warmed = warmups;
    std::uint64_t rss_before_sessions = 0, pss_before_sessions = 0;
    if (failed(cohort.step("memory before the sessions", [&]() -> std::string {
          if (!probe) return "";
          rss_before_sessions = probe->rss_now_kib();
          pss_before_sessions = probe->memory_now_kib(bench::MemoryKind::pss);
          return "";
        })))
      return;
    std::vector<Client> clients;
    if (failed(cohort.step("sessions", [&]() -> std::string {
          for (unsigned i = 0; i < (loading ? mine.count : 0); ++i)
            clients.push_back(make_client(*run.target, op.proto));
          for (auto& c : clients) touch(c);  // sessions open before the measurement
          // The pre-fault's share is twice each transfer's bytes; a warm-up just wrote and
          // freed one transfer's own footprint (whatever the server allocates for it: a
          // staging file, a spool, buffers), which is the exact pre-fault for it, so only
          // the batch's other transfers get one (none at --concurrency 1). On the
          // server's host: where the probe runs. A MOVE renames: it writes no page.
          if (cohort.probes() && op.upload && op.id != "http-move")
            prefault_again(run, 2 * size * (n - (warm_now ? cohort.loaded(n) : 0)));
          return "";
        })))
      return;
    const auto slow = slow_transfers(opt, op.upload, n);
    std::vector<bench::PreparedTransfer> batch;
    std::optional<bench::proc::IoCounters> at_first_byte;
    if (failed(cohort.step("probe began", [&]() -> std::string {
          bench::TransferOptions topt;
          topt.hash = false;  // the bytes are checked by verify(), in an untimed read
          // Alone, what the server read before the first byte is this transfer's; with
          // others at once it is theirs too, and means nothing.
          std::function<void()> first_byte_hook;
          if (n == 1 && with_probe && !op.upload)
            first_byte_hook = cohort.at_first_byte([&] { at_first_byte = probe->io_now(); });
          for (unsigned i = 0; i < clients.size(); ++i) {
            auto o = topt;
            if (slow[mine.first + i]) make_slow(opt, op.upload, plans[i].bytes, o);
            o.on_first_byte = first_byte_hook;
            batch.push_back(prepare(op, clients[i], plans[i], o));
          }
          if (probe) probe->begin();
          return "";
        })))
      return;
    std::vector<Transfer> results;
    double longest = 0;
    if (failed(cohort.step("transfers", [&]() -> std::string {
          if (batch.size() == 1) {
            results.push_back(bench::run(std::move(batch.front())));
          } else if (!batch.empty()) {
            results = bench::run_concurrently(std::move(batch));
          }
          for (const auto& t : results) longest = std::max(longest, t.seconds);
          return "";
        })))
      return;
    cohort.at_first_byte(nullptr);  // the hook's captures end with the iteration
    state.SetIterationTime(cohort.batch_seconds(longest));
    if (!results.empty()) progress(run, name, results.front());
    // A cheap request on each session, so the server settles before the client would
    // close it; then the probe's end.
    std::optional<Measurement> measured;
    if (failed(cohort.step("settled",
                           [&]() -> std::string {
                             for (auto& c : clients) touch(c);
                             return "";
                           })) ||
        failed(cohort.step("probe ended", [&]() -> std::string {
          if (probe) measured = probe->end();
          return "";
        })))
      return;
    std::vector<std::uint64_t> bytes;
    if (failed(cohort.step("verified", [&]() -> std::string {
          std::string first_why;
          unsigned bad = 0;
          for (unsigned i = 0; i < results.size(); ++i) {
            if (auto why = verify(op, clients[i], plans[i], results[i]); !why.empty()) {
              if (bad++ == 0) first_why = why;  // the object stays, to be looked at
              continue;
            }
            remove_or_say(run, op, clients[i], plans[i]);
            bytes.push_back(plans[i].bytes);
          }
          return first_of(bad, static_cast<unsigned>(results.size()), first_why);
        })))
      return;
    const auto first = op.server_side ? FirstByte::answer
                       : op.upload    ? FirstByte::sent
                                      : FirstByte::received;
    if (!results.empty())
      figures.add_batch(results, bytes, first,
                        opt.mix ? std::vector<bool>(slow.begin() + mine.first,
                                                    slow.begin() + mine.first + mine.count)
                                : std::vector<bool>{});
    if (failed(cohort.step("sessions closed", [&]() -> std::string {
          clients.clear();
          setup.reset();
          if (run.latency_log && !results.empty())
            run.latency_log->add(name, cohort.rank(), iteration, mine.first, results, bytes, first);
          return "";
        })))
      return;
    // Every process runs every step (each waits for the others at it), probing or not.
    if (!with_probe) continue;
    if (failed(cohort.step("descriptors", [&]() -> std::string {
          if (!measured) return "";
          const auto& m = *measured;
          ProbedBatch probed{m,
                             transfer_bytes(op, size) * n,
                             n,
                             op.upload,
                             rss_before_sessions,
                             pss_before_sessions,
                             0,
                             std::nullopt};
          std::vector<bench::TreeFd> held;  // named on stderr: what a leak holds
          probed.fd_delta = fd_delta_after_close(*run.target, m, held);
          if (at_first_byte) probed.read_at_first_byte = at_first_byte->rchar;
          figures.add_probe(probed);
          for (const auto& f : held)
            std::fprintf(stderr, "%s: new descriptor in pid %d: fd %d -> %s\n", name.c_str(),
                         static_cast<int>(f.pid), f.fd.fd, f.fd.target.c_str());
          return "";
        })))
      return;
  }
  if (auto why = cohort.merge(figures, state); !why.empty()) {
    fail(state, run, name, why);
    return;
  }
  figures.set_counters(state, probing);
  state.counters["warmup"] = static_cast<double>(warmed);
  auto& repeated = run.repeated[name];
  repeated.ttfb_ns.merge(figures.ttfb_ns());
  ++repeated.repetitions;
}

}  // namespace streamcheck::streambench
