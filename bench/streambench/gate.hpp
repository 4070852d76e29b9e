// `streambench gate BASELINE.json CURRENT.json`: turns a streambench results file into a
// red/green CI verdict. Two kinds of checks:
//
//  - invariants, which need no baseline, on every benchmark of CURRENT: sha256_ok = 1,
//    fd_delta = 0, deleted_open = 0, copies <= limit, flat memory (rss_peak_kib growth
//    from the smallest to the largest size of an op; with one size, its rss_peak_kib),
//    first_byte_read_kib under a limit on the largest size of each download op;
//  - ratios against BASELINE, by benchmark name: throughput may not fall, and time to
//    first byte may not rise, beyond a factor (loose by default: a shared 2-core machine
//    is noisy; the invariants are the strict part). Only against a baseline made on the
//    same machine (baseline.hpp): against another machine's, the ratios are printed as
//    notes, for information, with the reason.
//
// Benchmarks in one file and not the other are listed, never silently dropped.
#pragma once

#include <nlohmann/json_fwd.hpp>

#include <map>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

namespace streamcheck::streambench {

// The limits. Defaults < a rules file (--rules, JSON object with these keys) < flags.
struct GateRules {
  double throughput_min_ratio = 0.3;  // current/baseline bytes_per_second at least this
  double ttfb_max_ratio = 5.0;        // current ttfb_us at most ratio x baseline + slack
  double ttfb_slack_ms = 50.0;
  double copies_max = 1.1;
  double flat_memory_kib = 8192;          // rss_peak_kib growth from smallest to largest size
  double first_byte_read_kib = 16384;     // on the largest size of a download op, at most this
  double first_byte_read_fraction = 0.5;  // ... and at most this fraction of the payload
  bool fail_on_missing = false;           // a baseline benchmark absent from CURRENT fails
  // Benchmarks whose names match this (ECMAScript regex, searched) get no ratio checks,
  // only invariants; each skipped one is listed as a note. For figures known to be noisy
  // beyond any sane ratio (e.g. curl's FTP data-connection stall, see reports/README.md).
  std::string ratio_skip;
  // When throughput and TTFB ratios are judged: against a baseline from the same machine
  // only (other machines' give notes), always, or never (notes only: a test on a shared
  // runner judges invariants; speed belongs to benchmarks).
  enum class Ratios { same_machine, always, never };
  Ratios ratios = Ratios::same_machine;
};

// One benchmark of a results file: its counters (every numeric field of Google
// Benchmark's JSON: bytes_per_second, ttfb_us, copies, ...), the median over
// repetitions when there are several.
struct BenchResult {
  std::string name;
  std::map<std::string, double> figures;
  std::string error;  // non-empty when the benchmark failed (error_message)

  std::optional<double> get(const std::string& key) const;
};

struct Results {
  std::string path;
  std::string target;  // context.target
  // What the figures depend on besides the server: context.machine_* (bench/lib/machine.hpp)
  // and context.root_fs. Empty for a file made before streambench recorded its machine.
  std::map<std::string, std::string> machine;
  std::vector<BenchResult> benchmarks;  // in the file's order
  const BenchResult* find(const std::string& name) const;
};

// Unusable input: not readable, not JSON, not a streambench results file.
class GateInputError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// Reads a streambench (Google Benchmark JSON) results file. Throws GateInputError.
Results load_results(const std::string& path);
// The same in two steps, for a caller that also needs the document itself: the file
// read and checked to be streambench's, then its figures (`path` names it in messages).
nlohmann::json read_results_json(const std::string& path);
// The checks of read_results_json on a document's text (`path` names it in messages).
nlohmann::json parse_results_json(const std::string& text, const std::string& path);
Results load_results(const std::string& path, const nlohmann::json& doc);
// The name a benchmark entry is known by: its run_name (shared by its repetitions and
// aggregates) without what Google Benchmark appends ("/iterations:16/manual_time").
std::string benchmark_name(const nlohmann::json& entry);

// Reads a rules file over `rules`. Throws GateInputError (unknown key, wrong type).
void load_rules(const std::string& path, GateRules& rules);

enum class Verdict { ok, fail, note };

struct Check {
  std::string benchmark;  // a benchmark name, or an op's name without the size
  std::string check;      // "sha256_ok", "throughput", "flat_memory", "missing", ...
  std::string baseline;   // formatted figures ("-" when none)
  std::string current;
  std::string limit;
  Verdict verdict = Verdict::ok;
};

// Every check of `current` (and against `baseline`) under `rules`, in a stable order.
// Ratio checks are notes, not failures, when the two files are from different machines
// (machine_differences() in baseline.hpp), as rules.ratios says.
std::vector<Check> run_gate(const Results& baseline, const Results& current,
                            const GateRules& rules);

// argv[0] is "gate". Exit status: 0 every check holds; 1 a regression or a broken
// invariant (each named in the table); 2 unusable input or usage.
int gate_main(int argc, char** argv);

}  // namespace streamcheck::streambench
