// Which benchmarks a run has, by name, and their registration with Google Benchmark.
#include <benchmark/benchmark.h>

#include <algorithm>
#include <cstdio>

#include "bench/lib/size_parse.hpp"
#include "bench/streambench/checks.hpp"
#include "bench/streambench/ops.hpp"
#include "bench/streambench/runner.hpp"
#include "bench/streambench/slow_clients.hpp"

namespace streamcheck::streambench {
namespace {

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

}  // namespace

std::vector<std::string> usable_ops(const Run& run) {
  const auto& opt = run.options;
  std::vector<std::string> ops;
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
    ops.emplace_back(op->id);
  }
  return ops;
}

void register_benchmarks(Run& run, const std::vector<std::string>& op_ids) {
  const auto& opt = run.options;
  std::vector<const OpInfo*> ops;
  for (const auto& id : op_ids) ops.push_back(find_op(id));
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
