#include "bench/streambench/baseline.hpp"

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <optional>
#include <set>

namespace streamcheck::streambench {
namespace {

using nlohmann::json;

void write_whole(const std::string& path, const json& doc) {
  const std::filesystem::path target(path);
  if (target.has_parent_path()) std::filesystem::create_directories(target.parent_path());
  const auto temp = target.string() + ".tmp";
  {
    std::ofstream out(temp);
    out << doc.dump(2) << "\n";
    if (!out.flush()) throw GateInputError(temp + ": cannot write");
  }
  std::error_code ec;
  std::filesystem::rename(temp, target, ec);
  if (ec) throw GateInputError("rename " + temp + " to " + path + ": " + ec.message());
}

}  // namespace

std::vector<std::string> machine_differences(const Results& baseline, const Results& current) {
  const auto records_machine = [](const Results& r) {
    for (const auto& [key, value] : r.machine)
      if (key.starts_with("machine_")) return true;
    return false;
  };
  if (!records_machine(baseline)) return {"the baseline records no machine"};
  if (!records_machine(current)) return {"the current run records no machine"};
  std::set<std::string> keys;
  for (const auto& [key, value] : baseline.machine) keys.insert(key);
  for (const auto& [key, value] : current.machine) keys.insert(key);
  std::vector<std::string> out;
  for (const auto& key : keys) {
    const auto b = baseline.machine.count(key) ? baseline.machine.at(key) : "(none)";
    const auto c = current.machine.count(key) ? current.machine.at(key) : "(none)";
    if (b != c) out.push_back(key + ": " + b + " (baseline) vs " + c);
  }
  return out;
}

Recorded record_baseline(const std::string& local, const std::string& current) {
  const auto doc = read_results_json(current);
  const auto now = load_results(current, doc);
  Recorded out;
  std::optional<json> kept;
  if (!std::filesystem::exists(local)) {
    out.kind = Recorded::Kind::created;
  } else {
    kept = read_results_json(local);
    out.reasons = machine_differences(load_results(local, *kept), now);
    if (!out.reasons.empty()) out.kind = Recorded::Kind::replaced;
  }
  if (out.kind != Recorded::Kind::unchanged) {
    out.added = now.benchmarks.size();
    write_whole(local, doc);
    return out;
  }
  std::set<std::string> have;
  for (const auto& b : (*kept)["benchmarks"]) have.insert(benchmark_name(b));
  std::set<std::string> added;
  for (const auto& b : doc["benchmarks"]) {
    const auto name = benchmark_name(b);
    if (have.count(name)) continue;
    (*kept)["benchmarks"].push_back(b);
    added.insert(name);
  }
  if (added.empty()) return out;
  out.kind = Recorded::Kind::extended;
  out.added = added.size();
  write_whole(local, *kept);
  return out;
}

int baseline_main(int argc, char** argv) {
  CLI::App app(
      "Makes LOCAL this machine's baseline from a streambench results file (CURRENT): writes it "
      "when there is none, replaces it when it was made on another machine (see streambench "
      "gate --help: machine), and otherwise adds the benchmarks it lacks. A figure it has is "
      "never changed, so a slow drift cannot follow the baseline down; refresh one on purpose "
      "by removing it.\n"
      "Exit status: 0 done; 2 unusable input or usage.",
      "streambench baseline");
  std::string local, current;
  app.add_option("LOCAL", local, "This machine's baseline (written)")->required();
  app.add_option("CURRENT", current, "A results file (streambench JSON)")->required();
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    const int code = app.exit(e);
    return code == 0 ? 0 : 2;
  }
  try {
    const auto r = record_baseline(local, current);
    switch (r.kind) {
      case Recorded::Kind::created:
        std::printf("baseline: recorded %s, this machine's baseline (%zu benchmarks)\n",
                    local.c_str(), r.added);
        break;
      case Recorded::Kind::replaced:
        std::printf("baseline: replaced %s, another machine's (", local.c_str());
        for (std::size_t i = 0; i < r.reasons.size(); ++i)
          std::printf("%s%s", i ? "; " : "", r.reasons[i].c_str());
        std::printf("), with this machine's (%zu benchmarks)\n", r.added);
        break;
      case Recorded::Kind::extended:
        std::printf("baseline: added %zu benchmarks to %s\n", r.added, local.c_str());
        break;
      case Recorded::Kind::unchanged:
        std::printf("baseline: %s is this machine's and has every benchmark of %s\n", local.c_str(),
                    current.c_str());
        break;
    }
    return 0;
  } catch (const GateInputError& e) {
    std::fprintf(stderr, "streambench baseline: %s\n", e.what());
    return 2;
  }
}

}  // namespace streamcheck::streambench
