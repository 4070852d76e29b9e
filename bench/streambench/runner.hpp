// Registers streambench's benchmarks with Google Benchmark and runs one of them: the
// transfers of one (target, protocol, op, size), measured with the probe.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "bench/lib/target.hpp"
#include "bench/streambench/options.hpp"

namespace streamcheck::streambench {

struct Run {
  bench::Target* target = nullptr;
  Options options;
  std::map<std::string, std::vector<double>> throughput;  // name -> bytes/s of each run
  int failures = 0;  // benchmarks that ended with SkipWithError
};

// Registers `target/proto/op/size` for each op and size (FTP ops only when the target
// has FTP, HTTP ops only with HTTP: the others are named on stderr), plus, for the largest
// size of http-get, `.../probe_off` and `.../curl_cli`: the probe's cost and the
// client's speed against the curl command-line tool, in the same run.
void register_benchmarks(Run& run);

// Google Benchmark context: target, server version, kernel, root filesystem, ...
void add_context(Run& run);

// The probe on/off and client/curl ratios, on stderr, after the run.
void print_checks(const Run& run);

}  // namespace streamcheck::streambench
