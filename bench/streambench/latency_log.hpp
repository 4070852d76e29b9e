// streambench --latency-log PATH: each timed transfer's figures, a CSV line each, as fio's
// write_lat_log keeps them, for whoever wants the raw samples behind the percentiles (a
// row's ttfb_p99_us is the p99 of these first_byte_ns, to a histogram bucket: 1/256).
// Under --mpi each load rank writes its own, PATH.rankN, on its host.
//
//   benchmark,rank,batch,transfer,first_byte_ns,seconds,bytes
//
// batch counts the benchmark's batches (its iterations) from 0; transfer is the
// transfer's index in its batch (the same index under MPI as alone); seconds from the
// batch's start to the transfer's end.
#pragma once

#include <cstdint>
#include <cstdio>
#include <string>
#include <vector>

#include "bench/lib/transfer.hpp"
#include "bench/streambench/figures.hpp"

namespace streamcheck::streambench {

class LatencyLog {
 public:
  // Creates (or empties) `path` and writes the header. Throws bench::Error naming it.
  explicit LatencyLog(const std::string& path);
  ~LatencyLog();
  LatencyLog(const LatencyLog&) = delete;
  LatencyLog& operator=(const LatencyLog&) = delete;

  // A batch's transfers of this process, the first being transfer `first` of the batch.
  // Throws bench::Error when the file cannot be written (a full disk).
  void add(const std::string& benchmark, int rank, int batch, unsigned first,
           const std::vector<bench::Transfer>& transfers, const std::vector<std::uint64_t>& bytes,
           FirstByte kind);

 private:
  std::string path_;
  std::FILE* file_ = nullptr;
};

}  // namespace streamcheck::streambench
