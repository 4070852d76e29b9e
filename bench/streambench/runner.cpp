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

std::string proto_name(Proto p) {
  return p == Proto::http ? "http" : "ftp";
}

// TARGET/PROTO/OP/SIZE, then /cN at concurrency N: always in a sweep (several values),
// else only above 1, as before sweeps, so that baselines keep matching; then the mix and
// the slow clients (slow_suffix).
std::string bench_name(const Run& run, const OpInfo& op, std::uint64_t size, unsigned n) {
  std::string name = run.target->name + "/" + proto_name(op.proto) + "/" + std::string(op.name) +
                     "/" + bench::format_size(size);
  if (n > 1 || run.options.concurrency.size() > 1) name += "/c" + std::to_string(n);
  return name + slow_suffix(run.options, op.upload);
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
  const std::string line = name + ": " + why;
  if (line == run.last_failure) {
    ++run.last_failure_repeats;  // a dead server fails every repetition alike: said once
  } else {
    say_repeats(run);
    std::fprintf(stderr, "%s%s\n", line_start(), line.c_str());
    run.last_failure = line;
  }
  state.SkipWithError(why.c_str());
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
std::string warm_up(Run& run, const OpInfo& op, Client& client, std::uint64_t size, unsigned n,
                    unsigned count) {
  bench::TransferOptions o;
  o.hash = false;  // its bytes count for nothing; its answer is checked
  for (unsigned k = 0; k < count; ++k) {
    const auto plan = set_up(op, client, size, run.options, k % n, next_seed(run.options));
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
// listener) is no leak; one that outlives the session is.
std::int64_t fd_delta_after_close(const bench::Target& target, const Measurement& m,
                                  std::vector<Client>& clients, std::vector<bench::TreeFd>& held) {
  const auto delta = m.fd_delta();
  if (delta <= 0 || m.new_fds.empty()) return delta;
  clients.clear();
  held = bench::still_held(target.pid, m.new_fds, std::chrono::seconds(5));
  return std::min<std::int64_t>(delta, static_cast<std::int64_t>(held.size()));
}

void run_op(benchmark::State& state, Run& run, const OpInfo& op, std::uint64_t size, unsigned n,
            bool with_probe, const std::string& name) {
  const auto& opt = run.options;
  Figures figures;
  const unsigned warmups = warmups_for(opt, op);
  unsigned warmed = 0;  // the warm-ups that ran: the benchmark's counter "warmup"
  try {
    std::optional<Probe> probe;
    for (auto _ : state) {
      // Made in the loop, as everything that can fail: Google Benchmark counts a failure
      // before it as 0 iterations, and aborts the program when the repetitions of one
      // benchmark disagree on their count (a server that died after the first, say).
      if (with_probe && !probe) {
        // Descriptors are judged once the sessions are closed (fd_delta_after_close), not
        // with them open, where a session's own (a passive listener) would be waited for.
        bench::ProbeOptions o;
        o.fd_grace = std::chrono::milliseconds(0);
        probe.emplace(run.target->pid, o);
      }
      // The set-up (an upload of the object a download reads, say) runs on a session of
      // its own, open until the end of the iteration so that its closing is not measured.
      // Each measured transfer gets a new one, opened before the measurement: a
      // connection that has just carried a 1 GiB upload ran the GET after it 20% slower.
      auto setup = make_client(*run.target, op.proto);
      // In the first iteration only: the later ones follow a timed transfer of their own.
      // Before the probe's begin() (in measure()) and the memory read before the sessions,
      // so that no figure of the row sees them.
      const bool warm_now = warmups > 0 && warmed == 0;
      if (warm_now) {
        std::string why;
        {
          Paused untimed(state);
          why = warm_up(run, op, setup, size, n, warmups);
        }
        if (!why.empty()) {
          fail(state, run, name, why);
          return;
        }
        warmed = warmups;
      }
      std::vector<Plan> plans;
      for (unsigned i = 0; i < n; ++i)
        plans.push_back(set_up(op, setup, size, opt, i, next_seed(opt)));
      const auto rss_before_sessions = probe ? probe->rss_now_kib() : 0;
      const auto pss_before_sessions = probe ? probe->memory_now_kib(bench::MemoryKind::pss) : 0;
      std::vector<Client> clients;
      for (unsigned i = 0; i < n; ++i) clients.push_back(make_client(*run.target, op.proto));
      for (auto& c : clients) touch(c);  // sessions open before the measurement
      // The pre-fault's share is twice each transfer's bytes; a warm-up just wrote and freed
      // one transfer's own footprint (whatever the server allocates for it: a staging file,
      // a spool, buffers), which is the exact pre-fault for it, so only the batch's other
      // transfers get one (none at --concurrency 1).
      // A MOVE renames: it writes no page to pre-fault.
      if (op.upload && op.id != "http-move")
        prefault_again(run, 2 * size * (n - (warm_now ? 1 : 0)));
      bench::TransferOptions topt;
      topt.hash = false;  // the bytes are checked by verify(), in an untimed read
      const auto slow = slow_transfers(opt, op.upload, n);
      std::optional<bench::proc::IoCounters> at_first_byte;
      std::vector<bench::PreparedTransfer> batch;
      for (unsigned i = 0; i < n; ++i) {
        auto o = topt;
        if (slow[i]) make_slow(opt, op.upload, plans[i].bytes, o);
        // Alone, what the server read before the first byte is this transfer's; with
        // others at once it is theirs too, and means nothing.
        if (n == 1 && probe && !op.upload)
          o.on_first_byte = [&] { at_first_byte = probe->io_now(); };
        batch.push_back(prepare(op, clients[i], plans[i], o));
      }
      auto measured = measure(clients, std::move(batch), probe ? &*probe : nullptr);
      const auto& results = measured.transfers;
      double seconds = 0;
      for (const auto& t : results) seconds = std::max(seconds, t.seconds);
      state.SetIterationTime(seconds);
      progress(run, name, results.front());
      std::vector<std::uint64_t> bytes;
      for (unsigned i = 0; i < n; ++i) {
        if (auto why = verify(op, clients[i], plans[i], results[i]); !why.empty()) {
          fail(state, run, name, why);  // the object stays, to be looked at
          return;
        }
        remove_or_say(run, op, clients[i], plans[i]);
        bytes.push_back(plans[i].bytes);
      }
      const auto first = op.server_side ? FirstByte::answer
                         : op.upload    ? FirstByte::sent
                                        : FirstByte::received;
      figures.add_batch(results, bytes, first, opt.mix ? slow : std::vector<bool>{});
      if (!measured.probed) continue;
      const auto& m = *measured.probed;
      ProbedBatch probed{m, 0,           n, op.upload, rss_before_sessions, pss_before_sessions,
                         0, std::nullopt};
      for (const auto b : bytes) probed.bytes += b;
      std::vector<bench::TreeFd> held;  // named on stderr: what a leak holds
      probed.fd_delta = fd_delta_after_close(*run.target, m, clients, held);
      if (at_first_byte) probed.read_at_first_byte = at_first_byte->rchar;
      figures.add_probe(probed);
      for (const auto& f : held)
        std::fprintf(stderr, "%s: new descriptor in pid %d: fd %d -> %s\n", name.c_str(),
                     static_cast<int>(f.pid), f.fd.fd, f.fd.target.c_str());
    }
  } catch (const std::exception& e) {
    fail(state, run, name, e.what());
    return;
  }
  figures.set_counters(state, with_probe);
  state.counters["warmup"] = static_cast<double>(warmed);
  auto& repeated = run.repeated[name];
  repeated.ttfb_ns.merge(figures.ttfb_ns());
  ++repeated.repetitions;
}

}  // namespace

void register_benchmarks(Run& run) {
  const auto& opt = run.options;
  std::vector<const OpInfo*> ops;
  for (const auto& id : opt.ops) {
    const auto* op = find_op(id);
    if (op->proto == Proto::ftp && !run.target->has_ftp()) {
      std::fprintf(stderr, "streambench: skipping %s: target %s has no FTP URL\n", op->id.data(),
                   run.target->name.c_str());
      continue;
    }
    if (op->proto == Proto::http && !run.target->has_http()) {
      std::fprintf(stderr, "streambench: skipping %s: target %s has no HTTP URL\n", op->id.data(),
                   run.target->name.c_str());
      continue;
    }
    if (op->server_side && has_slow_mode(opt, op->upload)) {
      std::fprintf(stderr, "streambench: skipping %s: no body goes over the wire to slow down\n",
                   op->id.data());
      continue;
    }
    if (opt.mix && !has_slow_mode(opt, op->upload)) {
      std::fprintf(stderr, "streambench: skipping %s: --mix has no slow mode for %s (%s)\n",
                   op->id.data(), op->upload ? "uploads" : "downloads",
                   op->upload ? "--slow-writer" : "--slow-reader or --stalled-reader");
      continue;
    }
    if (const auto why = unsupported(*op, *run.target, opt); !why.empty()) {
      std::fprintf(stderr, "streambench: skipping %s: %s\n", op->id.data(), why.c_str());
      continue;
    }
    ops.push_back(op);
  }
  const auto add = [](const std::string& name, auto fn, std::uint64_t iterations = 1) {
    benchmark::RegisterBenchmark(name.c_str(), fn)
        ->UseManualTime()
        ->Iterations(static_cast<benchmark::IterationCount>(iterations))
        ->Unit(benchmark::kMillisecond);
  };
  for (const auto size : opt.sizes) {
    for (const auto* op : ops) {
      for (const unsigned n : opt.concurrency) {
        const auto name = bench_name(run, *op, size, n);
        const auto per_iteration = size * n;
        add(
            name,
            [&run, op, size, n, name](benchmark::State& s) {
              run_op(s, run, *op, size, n, run.options.probe, name);
            },
            std::max<std::uint64_t>(1, (opt.min_bytes + per_iteration - 1) / per_iteration));
      }
    }
  }
  // The checks run on the largest size, where fixed costs (the probe's begin and end,
  // starting the curl tool) weigh least.
  const bool has_get =
      std::any_of(ops.begin(), ops.end(), [](auto* op) { return op->id == "http-get"; });
  if (opt.checks && has_get) {
    const auto largest = *std::max_element(opt.sizes.begin(), opt.sizes.end());
    // Named after the first benchmark of a sweep, though its GETs run one at a time.
    const auto name =
        bench_name(run, *find_op("http-get"), largest, opt.concurrency.front()) + "/checks";
    add(name, [&run, largest, name](benchmark::State& s) { run_checks(s, run, largest, name); });
  }
}

}  // namespace streamcheck::streambench
