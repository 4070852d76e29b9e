// streambench: measures a file server from outside while it moves big files over HTTP
// and FTP. See --help, and DESIGN.md (bench) for what each figure means.
#include <unistd.h>

#include <benchmark/benchmark.h>
#include <CLI/CLI.hpp>

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <cstring>
#include <iostream>
#include <memory>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include "bench/lib/cpu_pin.hpp"
#include "bench/lib/error.hpp"
#include "bench/lib/fd_limit.hpp"
#include "bench/lib/interrupt.hpp"
#include "bench/lib/size_parse.hpp"
#include "bench/lib/target.hpp"
#include "bench/lib/target_options.hpp"
#include "bench/streambench/baseline.hpp"
#include "bench/streambench/checks.hpp"
#include "bench/streambench/context.hpp"
#include "bench/streambench/fds.hpp"
#include "bench/streambench/gate.hpp"
#include "bench/streambench/help.hpp"
#ifdef STREAMCHECK_HAVE_MPI
#include "bench/streambench/mpi_setup.hpp"
#endif
#include "bench/streambench/ops.hpp"
#include "bench/streambench/runner.hpp"
#include "bench/streambench/slow_clients.hpp"
#include "bench/streambench/warmup.hpp"

namespace sb = streamcheck::streambench;
namespace bench = streamcheck::bench;

namespace {

// Far past what a loopback load test needs; a typo of 100000 would take the run down.
constexpr unsigned kMaxConcurrency = 10000;

// From here on a tmpfs root would hold gigabytes of RAM per object (and the pre-fault twice
// that): such runs belong on disk unless asked otherwise.
constexpr std::uint64_t kLargeSize = 2ull << 30;

std::vector<unsigned> parse_concurrency(const std::string& text) {
  std::vector<unsigned> out;
  std::stringstream items(text + ",");  // so that a trailing comma leaves an empty item
  for (std::string item; std::getline(items, item, ',');) {
    std::size_t used = 0;
    unsigned long n = 0;
    try {
      n = std::stoul(item, &used);
    } catch (const std::exception&) {
    }
    if (item.empty() || !std::isdigit(static_cast<unsigned char>(item[0])) || used != item.size() ||
        n < 1 || n > kMaxConcurrency)
      throw bench::Error("--concurrency: \"" + item + "\" is not a number from 1 to " +
                         std::to_string(kMaxConcurrency));
    if (std::find(out.begin(), out.end(), n) != out.end())
      throw bench::Error("--concurrency: " + item + " is listed twice");
    out.push_back(static_cast<unsigned>(n));
  }
  return out;
}

// Up to the hard limit, and said when even that is short of what the largest N needs: a
// connection per transfer, an FTP data connection, and a wake-up pair per curl handle.
void raise_fd_limit_for(const std::vector<unsigned>& concurrency) {
  constexpr std::uint64_t kPerTransfer = 4, kSpare = 64;
  const auto limits = bench::raise_fd_limit();
  const auto n = *std::max_element(concurrency.begin(), concurrency.end());
  const auto wanted = kPerTransfer * n + kSpare;
  if (limits.soft >= wanted) return;
  std::fprintf(stderr,
               "streambench: --concurrency %u may want %llu descriptors (%llu per transfer at "
               "most), but the hard limit on open files (RLIMIT_NOFILE) is %llu: transfers "
               "may fail with \"Too many open files\" (raise it with ulimit -Hn, as root)\n",
               n, static_cast<unsigned long long>(wanted),
               static_cast<unsigned long long>(kPerTransfer),
               static_cast<unsigned long long>(limits.hard));
}

std::string ops_help() {
  std::string out = "Operations, comma-separated (default: all the target supports):";
  for (const auto& op : sb::kOps) out += "\n  " + std::string(op.id) + ": " + std::string(op.help);
  return out;
}

}  // namespace

int main(int argc, char** argv) {
  streamcheck::bench::cleanup_on_signals();
  if (argc > 1 && std::strcmp(argv[1], "fds") == 0) return sb::fds_main(argc - 1, argv + 1);
  if (argc > 1 && std::strcmp(argv[1], "gate") == 0) return sb::gate_main(argc - 1, argv + 1);
  if (argc > 1 && std::strcmp(argv[1], "baseline") == 0)
    return sb::baseline_main(argc - 1, argv + 1);

  // Google Benchmark's flags go to it; the rest are ours.
  std::vector<char*> ours = {argv[0]};
  std::vector<char*> theirs = {argv[0]};
  for (int i = 1; i < argc; ++i) {
    (std::strncmp(argv[i], "--benchmark_", 12) == 0 || std::strncmp(argv[i], "--v=", 4) == 0
         ? theirs
         : ours)
        .push_back(argv[i]);
  }

  sb::Options opt;
  std::string sizes = "16MiB,256MiB";
  std::string ops;
  std::string payload = "random";
  std::string root_on = "disk";
  std::string slow_reader;
  std::string slow_writer;
  std::string stalled_reader;
  std::string mix;
  std::string min_bytes;
  std::string concurrency = "1";
  std::string warmup;
  bool no_probe = false;
  bool no_checks = false;
  bool no_check_pinning = false;
  std::string pin;
  bool use_mpi = false;
  long mpi_timeout = 600;
  std::string mpi_http, mpi_ftp;
  CLI::App app(
      "streambench: measure an FTP/HTTP server from outside while it moves big files.\n"
      "With no target flags it spawns the refserver (found next to this program) in a temp "
      "root.",
      "streambench");
  app.footer(ops_help() + "\n\n" + sb::help_text());
  bench::add_target_options(app, opt.target);
  app.get_option("--root")->description("The server's store root, when known (for the context)");
  app.get_option("--name")->description("The target's name in benchmark names");
  app.add_option(
      "--legacy", opt.legacy,
      "Spawned refserver: reproduce seed defects (--legacy PROFILE[,PROFILE] of the "
      "refserver: buffer-upload, spool-upload, leak-tempfile, spool-download, "
      "load-whole, no-transaction, read-ahead, flip-byte, require-length, escape-root); the "
      "target is named legacy-PROFILE[+PROFILE]");
  app.add_option("--root-on", root_on,
                 "Spawned refserver's root: tmpfs (/dev/shm: the server's own cost) or disk "
                 "($TMPDIR or /var/tmp); a root with no room for the pre-fault is refused "
                 "(see Pre-fault below)")
      ->capture_default_str();
  app.add_option("--sizes", sizes,
                 "Payload sizes, e.g. 16MiB,256MiB,1GiB (B, KiB, MiB, GiB, kB, MB, GB)")
      ->capture_default_str();
  app.add_option("--ops", ops, "Operations (listed below)");
  app.add_option("--concurrency", concurrency,
                 "Transfers at once per benchmark, each on its own connection (curl multi), "
                 "1 to " +
                     std::to_string(kMaxConcurrency) +
                     "; a list (1,16,256,1000) runs each benchmark at each and names them "
                     ".../cN (load mode)")
      ->capture_default_str();
  app.add_option("--min-bytes", min_bytes,
                 "Repeat each benchmark's transfer until it has moved this much, e.g. 256MiB "
                 "(figures are means over the repeats; a 16 MiB transfer alone lasts "
                 "milliseconds, too short to time well)");
  app.add_option("--warmup", warmup,
                 "Untimed transfers of each benchmark's own op, size and paths before its "
                 "timed ones, 0 to " +
                     std::to_string(sb::kMaxWarmup) +
                     " (default: 1 for uploads, 0 for downloads; 0 turns it off): see Warm-up "
                     "below");
  app.add_option("--slow-reader", slow_reader,
                 "Downloads read at most RATE bytes/s (e.g. 10MiB): .../slow (see Slow and "
                 "stalled clients below)");
  app.add_option("--stalled-reader", stalled_reader,
                 "Downloads read their first MiB, then nothing for SECONDS (e.g. 30 or 0.5), "
                 "then the rest: .../stalled");
  app.add_option("--slow-writer", slow_writer,
                 "Uploads send at most RATE bytes/s (e.g. 2MiB): .../slow-writer");
  app.add_option("--mix", mix,
                 "fast:N,slow:M: N fast and M slow transfers (of the slow modes above) at once "
                 "in one batch, each group's figures apart; instead of --concurrency: "
                 ".../cN+M/mix-fN-sM (see Mix below)");
  app.add_option("--payload", payload, "random or adversarial")->capture_default_str();
  app.add_option("--seed", opt.seed, "Payload seed")->capture_default_str();
  app.add_flag("--no-probe", no_probe, "Do not probe the server (throughput and TTFB only)");
  app.add_flag("--no-checks", no_checks,
               "Skip the .../checks benchmark (probe cost, client vs curl)");
  app.add_option("--check-rounds", opt.check_rounds,
                 "Rounds of the checks (three GETs of the largest size each)")
      ->check(CLI::Range(1u, streamcheck::streambench::kMaxCheckRounds))
      ->capture_default_str();
  app.add_flag("--no-check-pinning", no_check_pinning,
               "Run the checks wherever the scheduler puts harness and server (by default "
               "they are pinned apart for the checks: see below)");
  app.add_option("--pin", pin,
                 "CLIENT_CPUS:SERVER_CPUS, e.g. 1:0 or 3:0-2: the whole run with the harness "
                 "(client, probe, curl tool) and the server's process tree each on its own "
                 "CPUs; put back at the end");
  app.add_flag(
      "--no-prefault", [&](std::int64_t) { opt.prefault = false; },
      "Do not write and remove a scratch file of the run's size on the root's filesystem "
      "before the first benchmark (on a fresh VM the first writes into memory run about 3x "
      "slower: see Pre-fault below)");
  app.add_flag(
      "--no-progress", [&](std::int64_t) { opt.progress = false; }, "No progress line on stderr");
  std::string latency_log;
  app.add_option("--latency-log", latency_log,
                 "Write each timed transfer's first byte, time and bytes to this CSV file "
                 "(under --mpi, PATH.rankN on each load rank's host)");
  app.add_flag("--mpi", use_mpi,
               "Under mpirun: rank 0 probes the server (run it on the server's host) and the "
               "other ranks, on any hosts, share each batch's transfers (README: Across hosts)");
  app.add_option("--mpi-timeout", mpi_timeout,
                 "--mpi: seconds a rank may keep the others waiting at any step of a benchmark "
                 "(its transfers included) before it is named and the run ends")
      ->check(CLI::Range(1L, 86400L))
      ->capture_default_str();
  app.add_option("--mpi-http", mpi_http,
                 "--mpi, on a load rank: the server's HTTP URL as this rank's host reaches it "
                 "(default: the probe rank's)");
  app.add_option("--mpi-ftp", mpi_ftp, "--mpi, on a load rank: the same for FTP");
  try {
    app.parse(static_cast<int>(ours.size()), ours.data());
  } catch (const CLI::ParseError& e) {
    const int code = app.exit(e);
    if (code == 0) benchmark::PrintDefaultHelp();
    return code == 0 ? 0 : 3;
  }

  // Before the target: under MPI, the world ends after the target has stopped.
  std::shared_ptr<sb::Cohort> cohort = std::make_shared<sb::Alone>();
#ifdef STREAMCHECK_HAVE_MPI
  std::shared_ptr<sb::MpiCohort> mpi;
#endif
  std::unique_ptr<bench::Target> target;
  sb::Run run;
  try {
    opt.sizes = bench::parse_size_list(sizes);
    opt.payload = bench::parse_payload_kind(payload);
    opt.target.root_on = bench::parse_root_on(root_on);
    if (app.count("--slow-reader")) opt.slow_reader = sb::parse_rate("--slow-reader", slow_reader);
    if (app.count("--slow-writer")) opt.slow_writer = sb::parse_rate("--slow-writer", slow_writer);
    if (app.count("--stalled-reader"))
      opt.stalled_reader = sb::parse_seconds("--stalled-reader", stalled_reader);
    if (!min_bytes.empty()) opt.min_bytes = bench::parse_size(min_bytes);
    opt.concurrency = parse_concurrency(concurrency);
    if (app.count("--warmup")) opt.warmup = sb::parse_warmup(warmup);
    if (app.count("--mix")) {
      opt.mix = sb::parse_mix(mix, kMaxConcurrency);
      opt.concurrency = {opt.mix->fast + opt.mix->slow};
    }
    raise_fd_limit_for(opt.concurrency);
    opt.probe = !no_probe;
    opt.checks = !no_checks && opt.probe && !use_mpi;
    opt.check_pinning = !no_check_pinning;
    if (!pin.empty()) opt.pin = bench::parse_placement(pin);
    if (!ops.empty()) {
      std::string_view rest(ops);
      while (!rest.empty()) {
        const auto comma = rest.find(',');
        const auto id = rest.substr(0, comma);
        if (!sb::find_op(id))
          throw bench::Error("unknown op \"" + std::string(id) + "\"\n" + ops_help());
        opt.ops.emplace_back(id);
        rest.remove_prefix(comma == std::string_view::npos ? rest.size() : comma + 1);
      }
    } else {
      for (const auto& op : sb::kOps) opt.ops.emplace_back(op.id);
    }
    sb::check_slow_options(opt, app.count("--concurrency") > 0);
    auto& t = opt.target;
    if (!opt.legacy.empty()) {
      if (!t.spawn.empty() || !t.http.empty() || !t.ftp.empty() || t.pid != 0)
        throw bench::Error("--legacy is for the refserver that streambench spawns by default");
      t.refserver_args.insert(t.refserver_args.begin(), {"--legacy", opt.legacy});
      if (t.name.empty()) {
        t.name = "legacy-" + opt.legacy;
        std::replace(t.name.begin(), t.name.end(), ',', '+');
      }
    }
    if (!use_mpi && (app.count("--mpi-http") || app.count("--mpi-ftp")))
      throw bench::Error("--mpi-http and --mpi-ftp go with --mpi");
    if (use_mpi) {
      if (opt.mix)
        throw bench::Error("--mix is not for --mpi yet: its groups' times would mix hosts");
      if (opt.pin)
        throw bench::Error(
            "--pin is not for --mpi: place the ranks with mpirun (--bind-to, "
            "--cpu-set)");
#ifdef STREAMCHECK_HAVE_MPI
      mpi = std::make_shared<sb::MpiCohort>(&argc, &argv, std::chrono::seconds(mpi_timeout));
      cohort = mpi;
#else
      throw bench::Error(
          "--mpi: this streambench was built without MPI (install "
          "libopenmpi-dev and build again: scripts/setup does)");
#endif
    }
  } catch (const std::exception& e) {
    std::fprintf(stderr, "streambench: %s\n", e.what());
    return 3;
  }
  // This process probes and says what the run does (under MPI, rank 0 alone).
  const bool probe_rank = cohort->probes();
  // Every rank's part of a step of the set-up, `why` this one's failure: false, said once,
  // when any failed.
  const auto all_set = [&](std::string_view step, const std::string& why) {
    const auto failures = cohort->step(step, [&] { return why; });
    if (failures.empty()) return true;
    if (probe_rank) std::fprintf(stderr, "streambench: %s\n", failures.c_str());
    return false;
  };
  // The target: made on the probe rank as without MPI, then shared with the load ranks.
  std::string why;
  try {
    auto& t = opt.target;
    const bool spawns_refserver = t.spawn.empty() && t.http.empty() && t.ftp.empty() && t.pid == 0;
    if (probe_rank && spawns_refserver && !app.count("--root-on") &&
        *std::max_element(opt.sizes.begin(), opt.sizes.end()) >= kLargeSize)
      std::fprintf(stderr,
                   "streambench: sizes of 2 GiB and more: the refserver's root on disk (the "
                   "default; on tmpfs every object would sit in memory)\n");
    if (probe_rank) {
      target = bench::make_target(t, "streambench", bench::exe_dir());
      sb::check_room(opt, *target);
    }
  } catch (const std::exception& e) {
    why = e.what();
  }
  if (!all_set("target", why)) return 3;
#ifdef STREAMCHECK_HAVE_MPI
  if (mpi) {
    try {
      target = sb::share_target(*mpi, std::move(target), mpi_http, mpi_ftp);
    } catch (const std::exception& e) {
      why = e.what();
    }
    if (!all_set("target's URLs", why)) return 3;
  }
#endif

#ifdef STREAMCHECK_HAVE_MPI
  if (!probe_rank) theirs = sb::without_output_flags(theirs);
#endif
  int bench_argc = static_cast<int>(theirs.size());
  benchmark::Initialize(&bench_argc, theirs.data());
  if (benchmark::ReportUnrecognizedArguments(bench_argc, theirs.data())) return 3;
  run.target = target.get();
  run.options = opt;
  run.cohort = cohort;
  if (!latency_log.empty() && cohort->transfers()) {
    const auto path = latency_log + (use_mpi ? ".rank" + std::to_string(cohort->rank()) : "");
    try {
      run.latency_log = std::make_unique<sb::LatencyLog>(path);
    } catch (const std::exception& e) {
      why = e.what();
    }
  }
  if (!all_set("latency log", why)) return 3;
  std::vector<std::string> usable;
  if (probe_rank) {
    std::fprintf(stderr, "streambench: target %s (%s), probing pid %d\n", target->name.c_str(),
                 target->description.c_str(), static_cast<int>(target->pid));
    sb::add_context(run);
    if (!opt.legacy.empty()) benchmark::AddCustomContext("legacy", opt.legacy);
    usable = sb::usable_ops(run);
  }
#ifdef STREAMCHECK_HAVE_MPI
  if (mpi) {
    if (probe_rank) sb::add_mpi_context(*mpi);
    try {
      usable = sb::share_list(*mpi, "ops", usable);
    } catch (const std::exception& e) {
      if (probe_rank) std::fprintf(stderr, "streambench: %s\n", e.what());
      return 3;
    }
  }
#endif
  sb::register_benchmarks(run, usable);
  if (probe_rank) sb::prefault(run);
  std::optional<bench::PinnedPlacement> pinned;
  if (opt.pin) {
    try {
      pinned.emplace(target->pid, *opt.pin);
    } catch (const std::exception& e) {
      std::fprintf(stderr, "streambench: --pin: %s\n", e.what());
      return 3;
    }
    std::fprintf(stderr, "streambench: %s\n", bench::format_placement(*opt.pin).c_str());
    benchmark::AddCustomContext("placement", bench::format_placement(*opt.pin));
  }
  if (probe_rank) {
    benchmark::RunSpecifiedBenchmarks();
  } else {
#ifdef STREAMCHECK_HAVE_MPI
    sb::SilentReporter silent;
    benchmark::RunSpecifiedBenchmarks(&silent);
#endif
  }
  if (opt.progress && ::isatty(STDERR_FILENO)) std::fprintf(stderr, "\r\033[K");
  if (probe_rank) {
    sb::say_repeats(run);
    sb::print_checks(run);
    sb::print_repeated(run.repeated);
  }
  benchmark::Shutdown();
  return run.failures > 0 ? 1 : 0;
}
