// Registers streambench's benchmarks with Google Benchmark and runs one of them: the
// transfers of one (target, protocol, op, size), measured with the probe.
#pragma once

#include <benchmark/benchmark.h>

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "bench/lib/prefault.hpp"
#include "bench/lib/target.hpp"
#include "bench/streambench/cohort.hpp"
#include "bench/streambench/figures.hpp"
#include "bench/streambench/latency_log.hpp"
#include "bench/streambench/options.hpp"
#include "bench/streambench/stats.hpp"

namespace streamcheck::streambench {

struct OpInfo;  // ops.hpp

// What the checks of checks.hpp found: medians over their rounds, and the two ratios
// with their 95% intervals (ratio_of_medians in stats.hpp).
struct CheckResult {
  unsigned rounds = 0;
  std::string placement;  // where harness and server ran, or why they were not pinned
  bool pinned = false;
  double probe_on_bytes_per_second = 0;   // our GET, measured with the probe
  double probe_off_bytes_per_second = 0;  // our GET, no probe
  double curl_bytes_per_second = 0;       // the curl tool to /dev/null
  double client_cpu_ms_per_gib = 0;       // our client's CPU time (no probe)
  double curl_cpu_ms_per_gib = 0;         // the curl tool's
  // The probe's own CPU time (its begin and end readings, its sampler) over the time of
  // the transfer it measured: what it takes from the machine, whatever the scheduler did.
  double probe_cpu_percent = 0;
  RatioEstimate on_vs_off;     // probe on / probe off
  RatioEstimate ours_vs_curl;  // probe off / the curl tool

  // How much slower the probed GETs were, in percent (negative: faster), and its interval.
  double probe_cost_percent() const { return 100.0 * (1 - on_vs_off.ratio); }
  double probe_cost_low_percent() const { return 100.0 * (1 - on_vs_off.high); }
  double probe_cost_high_percent() const { return 100.0 * (1 - on_vs_off.low); }
  double client_vs_curl() const { return ours_vs_curl.ratio; }
};

struct Run {
  bench::Target* target = nullptr;
  // The processes the benchmarks run on: this one alone, or the ranks of --mpi.
  std::shared_ptr<Cohort> cohort = std::make_shared<Alone>();
  Options options;
  std::map<std::string, CheckResult> checks;  // by benchmark name
  std::map<std::string, Repeated> repeated;   // by benchmark name, over its repetitions
  int failures = 0;                           // benchmarks that ended with SkipWithError
  std::string last_failure;                   // the last failure said on stderr
  int last_failure_repeats = 0;               // the same since, not said yet
  bool said_uploads_stay = false;             // an upload could not be removed (said once)
  // --latency-log: every timed transfer of this process, a CSV line each (latency_log.hpp).
  std::unique_ptr<LatencyLog> latency_log;
  // Where prefault() wrote its scratch file, when it did: each upload benchmark does it
  // again there first.
  std::optional<bench::PrefaultLocation> prefault_at;
};

// Ends a benchmark as failed: SkipWithError, and `name: why` on stderr, unless it is the
// failure just said (then it is counted, and say_repeats() tells how often).
// Call it inside `for (auto _ : state)`, or after a failure that left it.
void fail(benchmark::State& state, Run& run, const std::string& name, const std::string& why);
void say_repeats(Run& run);

// What starts a line on stderr: on a terminal, it first clears the progress line.
const char* line_start();

// One benchmark `name`: the batches of `n` transfers of `op` on objects of `size`, in the
// steps of the run's cohort (cohort.hpp), measured by the probe when `with_probe`.
void run_op(benchmark::State& state, Run& run, const OpInfo& op, std::uint64_t size, unsigned n,
            bool with_probe, const std::string& name);

// The ops of the options that the target can run: FTP ops only when it has FTP, HTTP ops
// only with HTTP, COPY and MOVE only when it does not refuse them; each left out is named
// on stderr with why.
std::vector<std::string> usable_ops(const Run& run);

// Registers `target/proto/op/size[/cN]` for each of `ops`, size and concurrency N, plus,
// for the largest size of http-get, `.../checks` (checks.hpp): the probe's cost and the
// client's speed against the curl command-line tool, in the same run.
void register_benchmarks(Run& run, const std::vector<std::string>& ops);

}  // namespace streamcheck::streambench
