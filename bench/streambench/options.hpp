// streambench's own command-line options (Google Benchmark's --benchmark_* flags are
// passed on to it untouched).
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "bench/lib/cpu_pin.hpp"
#include "bench/lib/payload.hpp"
#include "bench/lib/target_options.hpp"

namespace streamcheck::streambench {

struct Options {
  // Target: spawn a command, attach to a running server, or (neither) spawn the refserver
  // (bench/lib/target_options.hpp).
  bench::TargetOptions target;
  std::string legacy;  // the spawned refserver's --legacy profiles, when set

  std::vector<std::uint64_t> sizes;  // default 16 MiB and 256 MiB
  std::vector<std::string> ops;      // default: every op the target supports
  // Transfers at once, each on its own connection: every benchmark runs at each of these
  // (a sweep when there are several: load mode).
  std::vector<unsigned> concurrency = {1};
  // Each benchmark repeats its transfer until it has moved this much (at least once): one
  // 16 MiB transfer lasts milliseconds, too short for its time to mean much alone.
  std::uint64_t min_bytes = 0;
  // The slow and stalled clients (slow_clients.hpp): every transfer of the op's direction,
  // or the slow ones of a mix.
  std::optional<std::uint64_t> slow_reader;  // bytes/s for downloads
  std::optional<std::uint64_t> slow_writer;  // bytes/s for uploads
  // Downloads take their first MiB, then nothing for this long, then the rest.
  std::optional<std::chrono::milliseconds> stalled_reader;
  // Fast and slow transfers started together in one batch; `concurrency` is then their sum.
  struct Mix {
    unsigned fast = 0;
    unsigned slow = 0;
  };
  std::optional<Mix> mix;
  bench::PayloadKind payload = bench::PayloadKind::random;
  std::uint64_t seed = 1;
  bool probe = true;
  bool checks = true;          // probe on/off and client vs curl CLI (checks.hpp)
  unsigned check_rounds = 15;  // one GET of each kind per round
  // The harness and the server on CPUs of their own (cpu_pin.hpp): for the whole run when
  // `pin` is given; otherwise for the checks alone, unless check_pinning is off.
  std::optional<bench::Placement> pin;
  bool check_pinning = true;
  bool progress = true;
  bool prefault = true;  // write and remove a scratch file first (runner.hpp: prefault)
  // Untimed transfers before each benchmark's timed ones (warmup.hpp); unset: the op's
  // default (warmups_for).
  std::optional<unsigned> warmup;
};

}  // namespace streamcheck::streambench
