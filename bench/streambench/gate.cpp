#include "bench/streambench/gate.hpp"

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <regex>
#include <set>
#include <sstream>

#include "bench/lib/size_parse.hpp"
#include "bench/streambench/baseline.hpp"
#include "bench/streambench/stats.hpp"

namespace streamcheck::streambench {
namespace {

GateRules::Ratios parse_ratios(const std::string& text) {
  if (text == "same-machine") return GateRules::Ratios::same_machine;
  if (text == "always") return GateRules::Ratios::always;
  if (text == "never") return GateRules::Ratios::never;
  throw GateInputError("ratios: \"" + text + "\" is not same-machine, always or never");
}

using nlohmann::json;

constexpr double kMiB = 1024.0 * 1024.0;

std::string fmt(const char* format, double v) {
  char buf[64];
  std::snprintf(buf, sizeof buf, format, v);
  return buf;
}

std::string mb_per_s(double bytes_per_second) {
  return fmt("%.1f MB/s", bytes_per_second / 1e6);
}
std::string ms(double us) {
  return fmt("%.2f ms", us / 1000.0);
}
std::string kib(double k) {
  return k >= 1024 || k <= -1024 ? fmt("%.1f MiB", k / 1024) : fmt("%.0f KiB", k);
}
std::string num(double v) {
  return fmt("%g", v);
}

// A benchmark name split as streambench writes it: TARGET/PROTO/OP/SIZE[/suffix...].
struct NameParts {
  std::string series;  // the name without its size: TARGET/PROTO/OP[/suffix...]
  std::uint64_t size = 0;
  bool download = false;
  unsigned long concurrency = 1;  // the N of a /cN suffix
};

std::optional<NameParts> split_name(const std::string& name) {
  std::vector<std::string> parts;
  std::stringstream s(name);
  for (std::string p; std::getline(s, p, '/');) parts.push_back(p);
  if (parts.size() < 4) return std::nullopt;
  NameParts out;
  try {
    out.size = bench::parse_size(parts[3]);
  } catch (const std::exception&) {
    return std::nullopt;
  }
  out.series = parts[0] + "/" + parts[1] + "/" + parts[2];
  for (std::size_t i = 4; i < parts.size(); ++i) {
    out.series += "/" + parts[i];
    const auto& p = parts[i];
    // from_chars, not stoul: a count past unsigned long is no concurrency, where stoul
    // threw out_of_range through run_gate and gate_main.
    unsigned long n = 0;
    if (p.size() > 1 && p[0] == 'c' && p.find_first_not_of("0123456789", 1) == std::string::npos &&
        std::from_chars(p.data() + 1, p.data() + p.size(), n).ec == std::errc())
      out.concurrency = n;
  }
  const auto& op = parts[2];
  out.download = op == "get" || op == "range" || op == "retr" || op == "rest";
  return out;
}

// The name without the parts Google Benchmark appends ("/iterations:1/manual_time").
std::string strip_decorations(std::string name) {
  static const std::regex decoration(
      "/(iterations|repeats|threads|min_time|min_warmup_time):[^/]*$|/(manual_time|real_time|"
      "process_time)$");
  for (std::smatch m; std::regex_search(name, m, decoration);) name.erase(m.position(0));
  return name;
}

// The harness's checks on itself (checks.hpp): not figures of the server, so their
// invariants are checked but neither their ratios nor their memory series.
bool is_check_run(const std::string& name) {
  return name.ends_with("/checks");
}

void set_rule(GateRules& rules, const std::string& key, const json& value) {
  const auto number = [&](double& field) {
    if (!value.is_number()) throw GateInputError("rules: \"" + key + "\" must be a number");
    field = value.get<double>();
  };
  if (key == "throughput_min_ratio") return number(rules.throughput_min_ratio);
  if (key == "ttfb_max_ratio") return number(rules.ttfb_max_ratio);
  if (key == "ttfb_slack_ms") return number(rules.ttfb_slack_ms);
  if (key == "copies_max") return number(rules.copies_max);
  if (key == "flat_memory_kib") return number(rules.flat_memory_kib);
  if (key == "first_byte_read_kib") return number(rules.first_byte_read_kib);
  if (key == "first_byte_read_fraction") return number(rules.first_byte_read_fraction);
  if (key == "ratio_skip") {
    if (!value.is_string()) throw GateInputError("rules: \"ratio_skip\" must be a string");
    rules.ratio_skip = value.get<std::string>();
    return;
  }
  const auto flag = [&](bool& field) {
    if (!value.is_boolean()) throw GateInputError("rules: \"" + key + "\" must be true/false");
    field = value.get<bool>();
  };
  if (key == "fail_on_missing") return flag(rules.fail_on_missing);
  if (key == "ratios") {
    if (!value.is_string()) throw GateInputError("rules: \"ratios\" must be a string");
    rules.ratios = parse_ratios(value.get<std::string>());
    return;
  }
  throw GateInputError(
      "rules: unknown key \"" + key +
      "\" (known: throughput_min_ratio, ttfb_max_ratio, ttfb_slack_ms, copies_max, "
      "flat_memory_kib, first_byte_read_kib, first_byte_read_fraction, ratio_skip, "
      "fail_on_missing, ratios)");
}

void print_machine_line(const std::vector<std::string>& differences, GateRules::Ratios ratios) {
  using R = GateRules::Ratios;
  if (differences.empty()) {
    std::printf("\nmachine: the baseline's; throughput and TTFB %s\n",
                ratios == R::never ? "are notes, not judged (ratios: never)" : "judged against it");
    return;
  }
  std::printf("\nmachine: not the baseline's (");
  for (std::size_t i = 0; i < differences.size(); ++i)
    std::printf("%s%s", i ? "; " : "", differences[i].c_str());
  std::printf(")%s\n", ratios == R::always
                           ? "; throughput and TTFB judged all the same (ratios: always)"
                           : "; throughput and TTFB are notes, for information only");
}

void print_table(const std::vector<Check>& checks, bool only_failures) {
  std::size_t w[5] = {9, 5, 8, 7, 5};
  for (const auto& c : checks) {
    w[0] = std::max(w[0], c.benchmark.size());
    w[1] = std::max(w[1], c.check.size());
    w[2] = std::max(w[2], c.baseline.size());
    w[3] = std::max(w[3], c.current.size());
    w[4] = std::max(w[4], c.limit.size());
  }
  const auto row = [&](const std::string& a, const std::string& b, const std::string& c,
                       const std::string& d, const std::string& e, const char* verdict) {
    std::printf("%-*s  %-*s  %*s  %*s  %-*s  %s\n", static_cast<int>(w[0]), a.c_str(),
                static_cast<int>(w[1]), b.c_str(), static_cast<int>(w[2]), c.c_str(),
                static_cast<int>(w[3]), d.c_str(), static_cast<int>(w[4]), e.c_str(), verdict);
  };
  row("BENCHMARK", "CHECK", "BASELINE", "CURRENT", "LIMIT", "VERDICT");
  for (const auto& c : checks) {
    if (only_failures && c.verdict == Verdict::ok) continue;
    row(c.benchmark, c.check, c.baseline, c.current, c.limit,
        c.verdict == Verdict::ok     ? "ok"
        : c.verdict == Verdict::fail ? "FAIL"
                                     : "note");
  }
}

}  // namespace

std::optional<double> BenchResult::get(const std::string& key) const {
  const auto it = figures.find(key);
  if (it == figures.end()) return std::nullopt;
  return it->second;
}

const BenchResult* Results::find(const std::string& name) const {
  for (const auto& b : benchmarks)
    if (b.name == name) return &b;
  return nullptr;
}

nlohmann::json read_results_json(const std::string& path) {
  std::ifstream f(path);
  if (!f) throw GateInputError(path + ": cannot read");
  std::stringstream text;
  text << f.rdbuf();
  return parse_results_json(text.str(), path);
}

nlohmann::json parse_results_json(const std::string& text, const std::string& path) {
  // Google Benchmark writes what JSON has no number for as NaN or Infinity: the
  // coefficient of variation of repetitions of a counter that stays 0, say.
  static const std::regex not_a_number(R"(": -?(NaN|Infinity)([,\n}]))");
  json doc;
  try {
    doc = json::parse(std::regex_replace(text, not_a_number, "\": null$2"));
  } catch (const json::exception& e) {  // parse_error, and out_of_range for 1e999
    throw GateInputError(path + ": not JSON (" + e.what() + ")");
  }
  if (!doc.is_object() || !doc.contains("benchmarks") || !doc["benchmarks"].is_array() ||
      !doc.contains("context") || !doc["context"].is_object())
    throw GateInputError(path +
                         ": not a Google Benchmark JSON file (no \"context\" and \"benchmarks\"); "
                         "write one with streambench --benchmark_out=FILE "
                         "--benchmark_out_format=json");
  const auto& context = doc["context"];
  if (!context.contains("target") || !context["target"].is_string())
    throw GateInputError(path +
                         ": Google Benchmark JSON, but not from streambench (no "
                         "context.target)");
  return doc;
}

namespace {

// The fields of an entry that the gate reads with json::value(), which throws nlohmann's
// type_error for a field of another type: gate_main catches GateInputError only.
void check_field_types(const json& b, const std::string& path) {
  for (const char* key : {"run_name", "error_message", "run_type", "aggregate_name"}) {
    if (b.contains(key) && !b[key].is_string())
      throw GateInputError(path + ": benchmark " + b["name"].dump() + ": \"" + key +
                           "\" is not a string");
  }
  if (b.contains("error_occurred") && !b["error_occurred"].is_boolean())
    throw GateInputError(path + ": benchmark " + b["name"].dump() +
                         ": \"error_occurred\" is not true or false");
}

}  // namespace

std::string benchmark_name(const json& b) {
  return strip_decorations(b.value("run_name", b["name"].get<std::string>()));
}

Results load_results(const std::string& path) {
  return load_results(path, read_results_json(path));
}

Results load_results(const std::string& path, const json& doc) {
  const auto& context = doc["context"];
  Results out;
  out.path = path;
  out.target = context["target"].get<std::string>();
  for (const auto& [key, value] : context.items())
    if ((key.starts_with("machine_") || key == "root_fs") && value.is_string())
      out.machine[key] = value.get<std::string>();

  struct Pending {
    std::vector<std::map<std::string, double>> runs;
    std::optional<std::map<std::string, double>> median;
    std::string error;
  };
  std::vector<std::string> order;
  std::map<std::string, Pending> pending;
  for (const auto& b : doc["benchmarks"]) {
    if (!b.is_object() || !b.contains("name") || !b["name"].is_string())
      throw GateInputError(path + ": a benchmark without a name");
    check_field_types(b, path);
    const std::string name = benchmark_name(b);
    if (!pending.count(name)) order.push_back(name);
    auto& p = pending[name];
    const bool failed = b.value("error_occurred", false) ||
                        (b.contains("skipped") && b["skipped"].is_boolean() && b["skipped"]);
    if (failed) {
      p.error = b.value("error_message", std::string("failed"));
      if (p.error.empty()) p.error = "failed";
      continue;
    }
    std::map<std::string, double> figures;
    for (const auto& [key, value] : b.items())
      if (value.is_number()) figures[key] = value.get<double>();
    if (b.value("run_type", std::string("iteration")) == "aggregate") {
      if (b.value("aggregate_name", std::string()) == "median") p.median = figures;
    } else {
      p.runs.push_back(std::move(figures));
    }
  }
  for (const auto& name : order) {
    auto& p = pending[name];
    BenchResult r;
    r.name = name;
    r.error = p.error;
    if (p.median) {
      r.figures = *p.median;
    } else if (!p.runs.empty()) {
      std::map<std::string, std::vector<double>> values;
      for (const auto& run : p.runs)
        for (const auto& [k, v] : run) values[k].push_back(v);
      for (auto& [k, v] : values) r.figures[k] = median(std::move(v));
    }
    out.benchmarks.push_back(std::move(r));
  }
  if (out.benchmarks.empty()) throw GateInputError(path + ": no benchmarks in it");
  return out;
}

void load_rules(const std::string& path, GateRules& rules) {
  std::ifstream f(path);
  if (!f) throw GateInputError(path + ": cannot read");
  json doc;
  try {
    doc = json::parse(f, nullptr, true, /*ignore_comments=*/true);
  } catch (const json::exception& e) {  // parse_error, and out_of_range for 1e999
    throw GateInputError(path + ": not JSON (" + e.what() + ")");
  }
  if (!doc.is_object()) throw GateInputError(path + ": rules must be a JSON object");
  try {
    for (const auto& [key, value] : doc.items()) set_rule(rules, key, value);
  } catch (const GateInputError& e) {
    throw GateInputError(path + ": " + e.what());
  }
}

std::vector<Check> run_gate(const Results& baseline, const Results& current,
                            const GateRules& rules) {
  std::vector<Check> out;
  std::optional<std::regex> skip;
  if (!rules.ratio_skip.empty()) {
    try {
      skip.emplace(rules.ratio_skip);
    } catch (const std::regex_error& e) {
      throw GateInputError("ratio_skip: invalid regex \"" + rules.ratio_skip + "\": " + e.what());
    }
  }
  const auto add = [&](const std::string& bench, const std::string& check, std::string base,
                       std::string cur, std::string limit, bool ok) {
    out.push_back({bench, check, std::move(base), std::move(cur), std::move(limit),
                   ok ? Verdict::ok : Verdict::fail});
  };
  // Speed measured on one machine says nothing about another's: there a ratio is shown,
  // as a note, and judged only when the machines are the same.
  const bool same_machine = machine_differences(baseline, current).empty();
  const bool judged = rules.ratios == GateRules::Ratios::always ||
                      (rules.ratios == GateRules::Ratios::same_machine && same_machine);
  const std::string why_not = same_machine ? "not judged" : "other machine";
  const auto add_ratio = [&](const std::string& bench, const std::string& check, std::string base,
                             std::string cur, std::string limit, bool ok) {
    if (judged) return add(bench, check, std::move(base), std::move(cur), std::move(limit), ok);
    out.push_back({bench, check, std::move(base), std::move(cur),
                   limit + (ok ? " met" : " not met") + ", " + why_not, Verdict::note});
  };

  // Per benchmark: failure, invariants, ratios.
  for (const auto& b : current.benchmarks) {
    if (!b.error.empty()) {
      add(b.name, "ran", "-", "error: " + b.error, "no error", false);
      continue;
    }
    if (const auto v = b.get("sha256_ok")) add(b.name, "sha256_ok", "-", num(*v), "= 1", *v == 1);
    // A leak is growth; a negative delta is a descriptor of an earlier exchange (a
    // keep-alive connection, say) that closed while this one was measured.
    if (const auto v = b.get("fd_delta")) add(b.name, "fd_delta", "-", num(*v), "<= 0", *v <= 0);
    if (const auto v = b.get("deleted_open"))
      add(b.name, "deleted_open", "-", num(*v), "= 0", *v == 0);
    if (const auto v = b.get("copies"))
      add(b.name, "copies", "-", fmt("%.2f", *v), "<= " + fmt("%.2f", rules.copies_max),
          *v <= rules.copies_max);

    const auto* base = baseline.find(b.name);
    if (!base) {
      out.push_back({b.name, "in baseline", "-", "new", "-", Verdict::note});
      continue;
    }
    if (!base->error.empty()) {
      out.push_back({b.name, "in baseline", "error: " + base->error, "ran", "-", Verdict::note});
      continue;
    }
    if (is_check_run(b.name)) {
      out.push_back(
          {b.name, "ratios", "-", "not compared", "the harness's own check", Verdict::note});
      continue;
    }
    if (skip && std::regex_search(b.name, *skip)) {
      out.push_back(
          {b.name, "ratios", "-", "skipped", "ratio_skip " + rules.ratio_skip, Verdict::note});
      continue;
    }
    const auto bt = base->get("bytes_per_second");
    const auto ct = b.get("bytes_per_second");
    if (bt && ct && *bt > 0) {
      const double floor = rules.throughput_min_ratio * *bt;
      add_ratio(b.name, "throughput", mb_per_s(*bt), mb_per_s(*ct),
                ">= " + mb_per_s(floor) + fmt(" (%.2gx)", rules.throughput_min_ratio),
                *ct >= floor);
    }
    const auto bf = base->get("ttfb_us");
    const auto cf = b.get("ttfb_us");
    if (bf && cf) {
      const double ceiling = rules.ttfb_max_ratio * *bf + rules.ttfb_slack_ms * 1000;
      add_ratio(b.name, "ttfb", ms(*bf), ms(*cf),
                "<= " + ms(ceiling) + fmt(" (%gx", rules.ttfb_max_ratio) +
                    fmt(" + %g ms)", rules.ttfb_slack_ms),
                *cf <= ceiling);
    }
  }

  // Per op (the same name but for its size): flat memory, bytes read before the first byte.
  std::vector<std::string> series_order;
  std::map<std::string, std::vector<std::pair<std::uint64_t, const BenchResult*>>> series;
  for (const auto& b : current.benchmarks) {
    if (!b.error.empty() || is_check_run(b.name)) continue;
    const auto parts = split_name(b.name);
    if (!parts) continue;
    if (!series.count(parts->series)) series_order.push_back(parts->series);
    series[parts->series].emplace_back(parts->size, &b);
  }
  for (const auto& s : series_order) {
    auto& runs = series[s];
    std::stable_sort(runs.begin(), runs.end(),
                     [](const auto& a, const auto& b) { return a.first < b.first; });
    const auto& [small_size, small] = runs.front();
    const auto& [large_size, large] = runs.back();
    const auto large_rss = large->get("rss_peak_kib");
    if (large_rss) {
      if (runs.size() > 1 && small_size < large_size) {
        const double small_rss = small->get("rss_peak_kib").value_or(0);
        const double growth = *large_rss - small_rss;
        add(s, "flat_memory", bench::format_size(small_size) + ": " + kib(small_rss),
            bench::format_size(large_size) + ": " + kib(*large_rss) + " (+" + kib(growth) + ")",
            "growth <= " + kib(rules.flat_memory_kib), growth <= rules.flat_memory_kib);
      } else if (const auto per_conn = large->get("rss_per_conn_kib");
                 per_conn && split_name(large->name)->concurrency > 1) {
        // One size under load: the peak is N connections' worth, and P1 is what each costs.
        add(s, "memory_per_conn", "-", bench::format_size(large_size) + ": " + kib(*per_conn),
            "<= " + kib(rules.flat_memory_kib), *per_conn <= rules.flat_memory_kib);
      } else {  // one size: its peak growth is the growth from nothing
        add(s, "flat_memory", "-", bench::format_size(large_size) + ": " + kib(*large_rss),
            "<= " + kib(rules.flat_memory_kib), *large_rss <= rules.flat_memory_kib);
      }
    }
    if (!split_name(large->name)->download) continue;
    if (const auto v = large->get("first_byte_read_kib")) {
      const double limit =
          std::min(rules.first_byte_read_kib,
                   rules.first_byte_read_fraction * static_cast<double>(large_size) / 1024);
      add(large->name, "first_byte_read", "-", kib(*v), "<= " + kib(limit), *v <= limit);
    }
  }

  // What the baseline has and the current run does not.
  for (const auto& b : baseline.benchmarks) {
    if (current.find(b.name)) continue;
    out.push_back({b.name, "in current", "ran", "missing", "-",
                   rules.fail_on_missing ? Verdict::fail : Verdict::note});
  }
  return out;
}

int gate_main(int argc, char** argv) {
  CLI::App app(
      "Checks a streambench results file (CURRENT) against invariants that need no baseline and "
      "against a BASELINE results file, and prints a table of every check.\n"
      "Invariants, on every benchmark of CURRENT: sha256_ok = 1, fd_delta <= 0 (no growth), "
      "deleted_open = 0, "
      "copies <= --copies-max; per op, rss_peak_kib growth from the smallest to the largest "
      "size <= --flat-memory-kib (with one size: its rss_peak_kib, or at concurrency N > 1 "
      "(.../cN) its rss_per_conn_kib); on the largest size of a "
      "download op, first_byte_read_kib <= min(--first-byte-read-kib, "
      "--first-byte-read-fraction x size).\n"
      "Against BASELINE, by benchmark name: bytes_per_second >= --throughput-min-ratio x "
      "baseline; ttfb_us <= --ttfb-max-ratio x baseline + --ttfb-slack-ms. Benchmarks in only "
      "one of the files are listed (note; FAIL with --fail-on-missing).\n"
      "Limits: defaults, then --rules FILE (a JSON object with keys throughput_min_ratio, "
      "ttfb_max_ratio, ttfb_slack_ms, copies_max, flat_memory_kib, first_byte_read_kib, "
      "first_byte_read_fraction, ratio_skip, fail_on_missing, ratios), then "
      "flags.\n"
      "Speed is compared only on the same machine: the ratios are judged when both files "
      "record the same machine (context machine_cpu, machine_cores, machine_memory, "
      "machine_kernel, machine_virtualization and root_fs); against another machine's "
      "baseline, or one that records none, they are printed as notes, for information, and "
      "the differences are named (--ratios always judges them all the same; --ratios never "
      "only prints them, for tests on shared machines).\n"
      "Exit status: 0 every check holds; 1 a regression or a broken invariant; 2 unusable "
      "input or usage.",
      "streambench gate");
  std::string baseline_path, current_path, rules_path;
  GateRules flags;
  bool only_failures = false;
  app.add_option("BASELINE", baseline_path, "Baseline results (streambench JSON)")->required();
  app.add_option("CURRENT", current_path, "Current results (streambench JSON)")->required();
  app.add_option("--rules", rules_path, "JSON file of limits");
  auto* o_tput = app.add_option("--throughput-min-ratio", flags.throughput_min_ratio,
                                "Throughput may fall to this fraction of the baseline")
                     ->capture_default_str();
  auto* o_ttfb = app.add_option("--ttfb-max-ratio", flags.ttfb_max_ratio,
                                "Time to first byte may rise to this multiple of the baseline...")
                     ->capture_default_str();
  auto* o_slack = app.add_option("--ttfb-slack-ms", flags.ttfb_slack_ms, "...plus this (ms)")
                      ->capture_default_str();
  auto* o_copies = app.add_option("--copies-max", flags.copies_max, "Most copies per payload byte")
                       ->capture_default_str();
  auto* o_mem = app.add_option("--flat-memory-kib", flags.flat_memory_kib,
                               "Most peak-RSS growth from the smallest to the largest size (KiB)")
                    ->capture_default_str();
  auto* o_fbr = app.add_option("--first-byte-read-kib", flags.first_byte_read_kib,
                               "Most KiB read by the server before the client's first byte")
                    ->capture_default_str();
  auto* o_fbf = app.add_option("--first-byte-read-fraction", flags.first_byte_read_fraction,
                               "...and at most this fraction of the payload")
                    ->capture_default_str();
  auto* o_skip = app.add_option("--ratio-skip", flags.ratio_skip,
                                "No ratio checks for benchmarks matching this regex (listed)");
  auto* o_missing = app.add_flag("--fail-on-missing", flags.fail_on_missing,
                                 "A baseline benchmark missing from CURRENT fails the gate");
  std::string ratios;
  auto* o_ratios = app.add_option("--ratios", ratios,
                                  "When throughput and TTFB ratios are judged: same-machine "
                                  "(default), always, never (printed as notes)");
  app.add_flag("--only-failures", only_failures, "Print only the rows that are not ok");
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    const int code = app.exit(e);
    return code == 0 ? 0 : 2;
  }
  try {
    GateRules rules;
    if (!rules_path.empty()) load_rules(rules_path, rules);
    if (o_tput->count()) rules.throughput_min_ratio = flags.throughput_min_ratio;
    if (o_ttfb->count()) rules.ttfb_max_ratio = flags.ttfb_max_ratio;
    if (o_slack->count()) rules.ttfb_slack_ms = flags.ttfb_slack_ms;
    if (o_copies->count()) rules.copies_max = flags.copies_max;
    if (o_mem->count()) rules.flat_memory_kib = flags.flat_memory_kib;
    if (o_fbr->count()) rules.first_byte_read_kib = flags.first_byte_read_kib;
    if (o_fbf->count()) rules.first_byte_read_fraction = flags.first_byte_read_fraction;
    if (o_skip->count()) rules.ratio_skip = flags.ratio_skip;
    if (o_missing->count()) rules.fail_on_missing = flags.fail_on_missing;
    if (o_ratios->count()) rules.ratios = parse_ratios(ratios);
    const auto baseline = load_results(baseline_path);
    const auto current = load_results(current_path);
    const auto checks = run_gate(baseline, current, rules);
    print_table(checks, only_failures);
    print_machine_line(machine_differences(baseline, current), rules.ratios);
    std::size_t failed = 0, notes = 0;
    for (const auto& c : checks) {
      failed += c.verdict == Verdict::fail ? 1 : 0;
      notes += c.verdict == Verdict::note ? 1 : 0;
    }
    std::printf(
        "%zu checks on %zu benchmarks of %s (target %s) against %s: %zu failed, %zu "
        "notes\n",
        checks.size(), current.benchmarks.size(), current.path.c_str(), current.target.c_str(),
        baseline.path.c_str(), failed, notes);
    std::printf("gate: %s\n", failed ? "FAIL" : "PASS");
    return failed ? 1 : 0;
  } catch (const GateInputError& e) {
    std::fprintf(stderr, "streambench gate: %s\n", e.what());
    return 2;
  }
}

}  // namespace streamcheck::streambench
