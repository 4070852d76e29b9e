// A latency histogram that merges exactly: every latency figure of the harness (TTFB
// percentiles, transfer times) comes from one of these, and figures over many transfers,
// iterations or runs come from merging histograms, never from averaging percentiles.
//
//   LatencyHistogram h;
//   h.record(ttfb_ns);                  // any uint64 value; the unit is the caller's
//   ...
//   other.merge(h);                     // adds the counts: the same as recording both into one
//   other.percentile(99);               // within 1/256 of a recorded value of that rank
//
// Buckets are log-linear, as in HdrHistogram: values below 256 each have their own;
// from 256 on, each power of two [2^k, 2^(k+1)) is cut into 128 equal buckets. A
// percentile reports the middle of its bucket, so it is within 1/256 (0.4%) of the
// recorded value of the asked rank; count, min, max and mean are exact. The buckets cover
// every uint64 value in 7424 counters (58 KiB, allocated once at construction): memory
// does not grow with the number of samples, and no value is clamped.
//
// Debian (bookworm) packages HdrHistogram for Java and Go only, and Boost.Histogram has
// neither a log-linear axis nor quantiles: with it we would still write the bucketing and
// the percentile walk, which is all of this.
//
// Not thread-safe: one histogram per thread, merged after.
#pragma once

#include <cstdint>
#include <vector>

namespace streamcheck::bench {

class LatencyHistogram {
 public:
  LatencyHistogram();

  void record(std::uint64_t value) { record(value, 1); }
  // `times` samples of `value` at once.
  void record(std::uint64_t value, std::uint64_t times);
  // Adds `other`'s samples to this one's: afterwards every figure is what recording both
  // histograms' samples into one would have given.
  void merge(const LatencyHistogram& other);

  std::uint64_t count() const { return count_; }
  bool empty() const { return count_ == 0; }
  // Exact; 0 when empty.
  std::uint64_t min() const { return count_ ? min_ : 0; }
  std::uint64_t max() const { return max_; }
  double mean() const;

  // The value at or below which `p` percent of the samples lie (nearest rank: the
  // ceil(p/100 * count)-th smallest sample, at least the first), reported as the middle
  // of that sample's bucket and clamped to [min, max]: percentile(0) is min() and
  // percentile(100) is max(), exactly. `p` is clamped to [0, 100]. 0 when empty.
  std::uint64_t percentile(double p) const;

  // Same samples, bucket by bucket.
  bool operator==(const LatencyHistogram& other) const;

  // The histogram as words, for another process to merge (streambench --mpi): count, min,
  // max, the sum's low and high halves, then (bucket, count) for each bucket in use only,
  // so an empty histogram is 5 words and one of N distinct buckets 5 + 2N.
  std::vector<std::uint64_t> to_words() const;
  // The histogram to_words() gave. Throws std::invalid_argument on words that no
  // histogram gives (a bucket out of range, counts that do not add up to the count).
  static LatencyHistogram from_words(const std::vector<std::uint64_t>& words);

  // The bucket of `value` and the range of values it holds, [lowest, highest]: for tests
  // and for anyone reading the counts directly.
  static std::size_t bucket_of(std::uint64_t value);
  static std::uint64_t lowest_in(std::size_t bucket);
  static std::uint64_t highest_in(std::size_t bucket);
  static constexpr std::size_t kBuckets = 256 + 56 * 128;

 private:
  std::vector<std::uint64_t> counts_;  // kBuckets, sized once
  std::uint64_t count_ = 0;
  std::uint64_t min_ = 0;
  std::uint64_t max_ = 0;
  // The exact sum, for the mean: values are any uint64, so 64 bits could overflow.
  __extension__ using Sum = unsigned __int128;
  Sum sum_ = 0;
};

}  // namespace streamcheck::bench
