// What streambench's main() does differently under --mpi (mpi_cohort.hpp), apart from
// the benchmarks' steps: the target and the benchmarks to run come from the probe rank,
// and only the probe rank writes results.
#pragma once

#include <benchmark/benchmark.h>

#include <memory>
#include <string>
#include <vector>

#include "bench/lib/target.hpp"
#include "bench/streambench/mpi_cohort.hpp"

namespace streamcheck::streambench {

// The target on every rank: rank 0's own (`on_probe_rank`, which it made as without MPI);
// on a load rank, one at rank 0's URLs, or at `http` / `ftp` where given (the server as
// that rank's host reaches it). Throws bench::Error.
std::unique_ptr<bench::Target> share_target(MpiCohort& mpi,
                                            std::unique_ptr<bench::Target> on_probe_rank,
                                            const std::string& http, const std::string& ftp);

// Rank 0's list on every rank: the benchmarks' ops, which rank 0 alone asks the server
// about, so that every rank registers the same benchmarks in the same order.
std::vector<std::string> share_list(MpiCohort& mpi, std::string_view step,
                                    const std::vector<std::string>& on_probe_rank);

// The ranks and their hosts in the results' context: mpi_ranks, mpi_rankN_host.
void add_mpi_context(const MpiCohort& mpi);

// Google Benchmark's flags for a load rank: without --benchmark_out and its format, as
// only rank 0 writes the results.
std::vector<char*> without_output_flags(const std::vector<char*>& args);

// What a load rank shows of its benchmarks: nothing (rank 0 shows the merged rows).
class SilentReporter : public benchmark::BenchmarkReporter {
 public:
  bool ReportContext(const Context&) override { return true; }
  void ReportRuns(const std::vector<Run>&) override {}
};

}  // namespace streamcheck::streambench
