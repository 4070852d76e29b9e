// What the iterations of one benchmark add up to, and the counters they give.
//
// An iteration is a batch of N transfers begun at one instant (N = --concurrency; 1
// outside load mode). Every time below counts from that instant, when each transfer was
// meant to start, so a transfer that waited behind the others counts its wait (no
// coordinated omission). Times and rates go into histograms (latency_histogram.hpp),
// merged over the iterations, never averaged; the probe's figures are means over the
// iterations.
//
// In a mix (--mix) the fast and the slow transfers of each batch are also counted apart,
// each group with its own first bytes and throughputs.
#pragma once

#include <benchmark/benchmark.h>

#include <array>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "bench/lib/latency_histogram.hpp"
#include "bench/lib/probe.hpp"
#include "bench/lib/transfer.hpp"

namespace streamcheck::streambench {

// What a transfer's first byte is: the first body byte received (downloads), the first
// sent (uploads), or, where no body goes either way (COPY, MOVE), the answer: its end.
enum class FirstByte { received, sent, answer };

// A transfer's time to its first byte, in ns, as the figures count it.
std::uint64_t first_byte_ns(const bench::Transfer& t, FirstByte first);

// What the probe saw of one batch, with what the runner read around it.
struct ProbedBatch {
  bench::Measurement measurement;
  std::uint64_t bytes = 0;  // payload bytes of the whole batch
  unsigned transfers = 1;
  bool upload = false;
  // The tree's memory before the batch's sessions were opened, as VmRSS and as summed
  // PSS: they are opened before the measurement (so that opening them is not timed), and
  // what a session holds is part of what a connection costs the server. Which one counts
  // is the measurement's memory_kind() (PSS for a tree of several processes).
  std::uint64_t rss_before_sessions_kib = 0;
  std::uint64_t pss_before_sessions_kib = 0;
  std::int64_t fd_delta = 0;  // descriptors still held once the sessions closed
  // Downloads one at a time: what the server had read (rchar) when the client got its
  // first byte.
  std::optional<std::uint64_t> read_at_first_byte;
};

class Figures {
 public:
  // A batch's transfers and the payload bytes each moved, their first byte as `first`
  // says. In a mix, `slow` says which transfers are the slow ones (empty outside a mix).
  void add_batch(const std::vector<bench::Transfer>& transfers,
                 const std::vector<std::uint64_t>& bytes, FirstByte first,
                 const std::vector<bool>& slow = {});
  void add_probe(const ProbedBatch& batch);

  // The counters (`streambench --help` lists them); the probe's only when `probed`.
  // Nothing when no batch was added.
  void set_counters(benchmark::State& state, bool probed) const;

  const bench::LatencyHistogram& ttfb_ns() const { return all_.ttfb_ns; }
  std::uint64_t bytes() const { return all_.bytes; }
  // Summed over the batches: each from its start to its last transfer's end.
  double seconds() const { return all_.seconds; }

  // What add_batch() recorded (not the probe's figures, nor a mix's groups), as words for
  // another process to merge: under --mpi each load rank sends its own to the probe rank.
  std::vector<std::uint64_t> transfer_words() const;
  // Throws std::invalid_argument on words transfer_words() does not give.
  static Figures from_transfer_words(const std::vector<std::uint64_t>& words);
  // Adds another process's transfers of the same batches: histograms merged bucket by
  // bucket, bytes and seconds summed (seconds: the caller times the batches as a whole).
  void merge_transfers(const Figures& other);

 private:
  // Transfers over the iterations: all of them, or one group of a mix.
  struct Group {
    bench::LatencyHistogram ttfb_ns;
    bench::LatencyHistogram transfer_bytes_per_second;
    std::uint64_t bytes = 0;
    double seconds = 0;  // summed over the batches: the start to the group's last end
    void record(const bench::Transfer& t, std::uint64_t bytes, FirstByte first);
    // A group of a mix: PREFIXttfb_p50_us, ... (`streambench --help` lists them).
    void set_counters(benchmark::State& state, const std::string& prefix) const;
  };
  Group all_;
  std::optional<std::array<Group, 2>> mix_;  // fast, slow
  int batches_ = 0;
  unsigned transfers_ = 1;  // per batch
  struct ProbeSums {
    double first_byte_read_kib = 0;
    double rss_peak_kib = 0;
    double rss_per_conn_kib = 0;
    double copies = 0;
    double fd_delta = 0;
    double fd_peak = 0;
    double deleted_open = 0;
    double cpu_ms_per_gib = 0;
    double samples = 0;
  } probe_;
};

// A benchmark's first bytes over all its repetitions (--benchmark_repetitions): each
// repetition's row has the percentiles of its own transfers, and Google Benchmark's
// aggregate rows average them, which a percentile must not be; these are the merged ones.
struct Repeated {
  bench::LatencyHistogram ttfb_ns;
  int repetitions = 0;
};

// One line on stderr per benchmark that ran more than once: its TTFB percentiles over all
// repetitions.
void print_repeated(const std::map<std::string, Repeated>& by_benchmark);

}  // namespace streamcheck::streambench
