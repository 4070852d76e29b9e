#include "bench/streambench/latency_log.hpp"

#include <cerrno>
#include <cstring>

#include "bench/lib/error.hpp"

namespace streamcheck::streambench {

LatencyLog::LatencyLog(const std::string& path) : path_(path) {
  file_ = std::fopen(path.c_str(), "w");
  if (!file_)
    throw bench::Error("--latency-log: cannot write " + path + ": " + std::strerror(errno));
  std::fputs("benchmark,rank,batch,transfer,first_byte_ns,seconds,bytes\n", file_);
}

LatencyLog::~LatencyLog() {
  if (file_) std::fclose(file_);
}

void LatencyLog::add(const std::string& benchmark, int rank, int batch, unsigned first,
                     const std::vector<bench::Transfer>& transfers,
                     const std::vector<std::uint64_t>& bytes, FirstByte kind) {
  for (std::size_t i = 0; i < transfers.size(); ++i)
    std::fprintf(file_, "%s,%d,%d,%u,%llu,%.9f,%llu\n", benchmark.c_str(), rank, batch,
                 first + static_cast<unsigned>(i),
                 static_cast<unsigned long long>(first_byte_ns(transfers[i], kind)),
                 transfers[i].seconds, static_cast<unsigned long long>(bytes[i]));
  if (std::fflush(file_) != 0 || std::ferror(file_))
    throw bench::Error("--latency-log: writing " + path_ + ": " + std::strerror(errno));
}

}  // namespace streamcheck::streambench
