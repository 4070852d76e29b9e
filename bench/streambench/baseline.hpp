// Baselines know their machine. Throughput and time to first byte measured on one machine
// say nothing about another's (a fresh VM's first writes into memory run 3x slower than
// later ones; another CPU, kernel or filesystem moves every figure), so the gate judges
// speed only against a baseline from the same machine, and a machine without one records
// its own:
//
//   streambench baseline reports/local/baseline.json run.json
//     -> created / replaced (it was another machine's) / added N benchmarks / unchanged
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include "bench/streambench/gate.hpp"

namespace streamcheck::streambench {

// How the machines of two results files differ, one entry per field that differs
// ("machine_kernel: 6.1.0 (baseline) vs 6.18.4"), or one saying the baseline records no
// machine. Empty: the same machine.
std::vector<std::string> machine_differences(const Results& baseline, const Results& current);

struct Recorded {
  enum class Kind { created, replaced, extended, unchanged } kind = Kind::unchanged;
  std::size_t added = 0;             // benchmarks written into the baseline
  std::vector<std::string> reasons;  // replaced: how the old one's machine differed
};

// Makes `local` this machine's baseline from the results file `current`: writes it when
// there is none, replaces it when it is another machine's, and otherwise adds the
// benchmarks of `current` it lacks. A figure it already has is never changed: a baseline
// that followed every run would let a slow drift through. Written whole or not at all
// (a temp file renamed). Throws GateInputError.
Recorded record_baseline(const std::string& local, const std::string& current);

// argv[0] is "baseline". Exit status: 0 recorded (or nothing to add); 2 unusable input.
int baseline_main(int argc, char** argv);

}  // namespace streamcheck::streambench
