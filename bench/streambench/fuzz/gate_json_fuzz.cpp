// The gate's reader of results files (gate.hpp): parse_results_json (what
// read_results_json does once it has the file's text: NaN and Infinity made null, then
// the checks that it is streambench's Google Benchmark JSON) and load_results (the rows:
// one per benchmark name, the median over repetitions), then run_gate on them.
//
// Input: the document's text. Checked:
//   - nothing but GateInputError comes out of the reader, and run_gate throws nothing
//     on what the reader accepted (gate_main catches GateInputError only: anything else
//     ends the CI gate with std::terminate instead of exit status 2);
//   - every row has a name, and names are unique and without Google Benchmark's suffixes;
//   - the rows written back as a results file (one entry per row with its figures, one
//     more with its error) read back as the same rows (but for an infinite median, which
//     JSON cannot hold);
//   - a file gated against itself has no failed ratio (throughput, time to first byte
//     when it is not negative) and nothing missing on either side.
#include <nlohmann/json.hpp>

#include <cmath>
#include <map>
#include <set>
#include <string>

#include "bench/streambench/gate.hpp"
#include "fuzz/fuzz_check.hpp"

namespace {

using namespace streamcheck::streambench;
using streamcheck::fuzz::printable;

nlohmann::json write_back(const Results& results) {
  nlohmann::json doc;
  doc["context"]["target"] = results.target;
  for (const auto& [key, value] : results.machine) doc["context"][key] = value;
  doc["benchmarks"] = nlohmann::json::array();
  for (const auto& row : results.benchmarks) {
    // A failed run gives the row its error; the figures come from the runs that did not
    // fail, so they go in an entry of their own.
    if (!row.error.empty())
      doc["benchmarks"].push_back(
          {{"name", row.name}, {"error_occurred", true}, {"error_message", row.error}});
    if (!row.error.empty() && row.figures.empty()) continue;
    nlohmann::json entry;
    entry["name"] = row.name;
    for (const auto& [key, value] : row.figures)
      if (std::isfinite(value)) entry[key] = value;
    doc["benchmarks"].push_back(entry);
  }
  return doc;
}

// JSON has no infinity: a median of two figures near double's largest is one. Those are
// left out when written, so they are left out of the comparison too.
std::map<std::string, double> finite(const std::map<std::string, double>& figures) {
  std::map<std::string, double> out;
  for (const auto& [key, value] : figures)
    if (std::isfinite(value)) out.emplace(key, value);
  return out;
}

bool same_rows(const Results& a, const Results& b) {
  if (a.target != b.target || a.machine != b.machine || a.benchmarks.size() != b.benchmarks.size())
    return false;
  for (size_t i = 0; i < a.benchmarks.size(); ++i) {
    const auto& x = a.benchmarks[i];
    const auto& y = b.benchmarks[i];
    if (x.name != y.name || x.error != y.error || finite(x.figures) != y.figures) return false;
  }
  return true;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  Results results;
  try {
    results = load_results("fuzz.json", parse_results_json(text, "fuzz.json"));
  } catch (const GateInputError&) {
    return 0;
  }
  FUZZ_CHECK(!results.benchmarks.empty());
  std::set<std::string> names;
  for (const auto& row : results.benchmarks) {
    FUZZ_CHECK_MSG(names.insert(row.name).second, printable(row.name));
    FUZZ_CHECK_MSG(benchmark_name(nlohmann::json{{"name", row.name}}) == row.name,
                   printable(row.name));
  }

  const std::string written = write_back(results).dump();
  Results again;
  try {
    again = load_results("again.json", parse_results_json(written, "again.json"));
  } catch (const GateInputError& e) {
    FUZZ_CHECK_MSG(false, printable(text) + " -> " + printable(written) + ": " + e.what());
  }
  FUZZ_CHECK_MSG(same_rows(again, results), printable(text) + " -> " + printable(written));

  GateRules rules;
  rules.ratios = GateRules::Ratios::always;
  for (const auto& check : run_gate(results, results, rules)) {
    if (check.verdict != Verdict::fail) continue;
    const auto* row = results.find(check.benchmark);
    const bool negative_ttfb = row && row->get("ttfb_us").value_or(0) < 0;
    FUZZ_CHECK_MSG(check.check != "throughput" && (check.check != "ttfb" || negative_ttfb) &&
                       check.check != "in current",
                   printable(text) + ": " + check.benchmark + " " + check.check);
  }
  return 0;
}
