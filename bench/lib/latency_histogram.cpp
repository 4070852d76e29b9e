#include "bench/lib/latency_histogram.hpp"

#include <algorithm>
#include <bit>
#include <cmath>
#include <stdexcept>

namespace streamcheck::bench {
namespace {

constexpr unsigned kSubBits = 7;  // 128 buckets per power of two
constexpr std::uint64_t kSubBuckets = 1ull << kSubBits;
constexpr std::uint64_t kExact = 2 * kSubBuckets;  // below it, a bucket per value
constexpr unsigned kFirstPower = kSubBits + 1;     // 2^8 = kExact

}  // namespace

LatencyHistogram::LatencyHistogram() : counts_(kBuckets, 0) {}

std::size_t LatencyHistogram::bucket_of(std::uint64_t value) {
  if (value < kExact) return static_cast<std::size_t>(value);
  const unsigned power = static_cast<unsigned>(std::bit_width(value)) - 1;
  const std::uint64_t sub = (value >> (power - kSubBits)) - kSubBuckets;
  return static_cast<std::size_t>(kExact + (power - kFirstPower) * kSubBuckets + sub);
}

std::uint64_t LatencyHistogram::lowest_in(std::size_t bucket) {
  if (bucket < kExact) return bucket;
  const std::uint64_t above = bucket - kExact;
  const unsigned power = kFirstPower + static_cast<unsigned>(above / kSubBuckets);
  return (kSubBuckets + above % kSubBuckets) << (power - kSubBits);
}

std::uint64_t LatencyHistogram::highest_in(std::size_t bucket) {
  if (bucket < kExact) return bucket;
  const unsigned power = kFirstPower + static_cast<unsigned>((bucket - kExact) / kSubBuckets);
  return lowest_in(bucket) + ((1ull << (power - kSubBits)) - 1);
}

void LatencyHistogram::record(std::uint64_t value, std::uint64_t times) {
  if (times == 0) return;
  counts_[bucket_of(value)] += times;
  min_ = count_ == 0 ? value : std::min(min_, value);
  max_ = std::max(max_, value);
  count_ += times;
  sum_ += static_cast<Sum>(value) * times;
}

void LatencyHistogram::merge(const LatencyHistogram& other) {
  if (other.count_ == 0) return;
  for (std::size_t i = 0; i < kBuckets; ++i) counts_[i] += other.counts_[i];
  min_ = count_ == 0 ? other.min_ : std::min(min_, other.min_);
  max_ = std::max(max_, other.max_);
  count_ += other.count_;
  sum_ += other.sum_;
}

double LatencyHistogram::mean() const {
  if (count_ == 0) return 0;
  return static_cast<double>(sum_) / static_cast<double>(count_);
}

std::uint64_t LatencyHistogram::percentile(double p) const {
  if (count_ == 0) return 0;
  p = std::clamp(p, 0.0, 100.0);
  // Nearest rank; the tolerance keeps a rank that is whole on paper (99% of 100) from
  // rounding up to the next because p / 100 is not exact in binary.
  const double exact = p * static_cast<double>(count_) / 100.0;
  const auto rank = std::clamp<std::uint64_t>(
      static_cast<std::uint64_t>(std::ceil(exact - 1e-9 * std::max(1.0, exact))), 1, count_);
  if (rank == 1) return min_;
  if (rank == count_) return max_;
  std::uint64_t seen = 0;
  for (std::size_t i = 0; i < kBuckets; ++i) {
    seen += counts_[i];
    if (seen < rank) continue;
    const std::uint64_t lowest = lowest_in(i);
    const std::uint64_t middle = lowest + (highest_in(i) - lowest) / 2;
    return std::clamp(middle, min_, max_);
  }
  return max_;  // not reached: the counts add up to count_
}

bool LatencyHistogram::operator==(const LatencyHistogram& other) const {
  return count_ == other.count_ && min() == other.min() && max_ == other.max_ &&
         sum_ == other.sum_ && counts_ == other.counts_;
}

std::vector<std::uint64_t> LatencyHistogram::to_words() const {
  std::vector<std::uint64_t> out = {count_, min(), max_, static_cast<std::uint64_t>(sum_),
                                    static_cast<std::uint64_t>(sum_ >> 64)};
  for (std::size_t i = 0; i < kBuckets; ++i)
    if (counts_[i] != 0) out.insert(out.end(), {i, counts_[i]});
  return out;
}

LatencyHistogram LatencyHistogram::from_words(const std::vector<std::uint64_t>& words) {
  if (words.size() < 5 || words.size() % 2 == 0)
    throw std::invalid_argument("latency histogram: " + std::to_string(words.size()) +
                                " words, want 5 + 2 per bucket");
  LatencyHistogram h;
  h.count_ = words[0];
  h.min_ = words[1];
  h.max_ = words[2];
  h.sum_ = (static_cast<Sum>(words[4]) << 64) | words[3];
  std::uint64_t counted = 0;
  for (std::size_t i = 5; i < words.size(); i += 2) {
    if (words[i] >= kBuckets || words[i + 1] > h.count_ - counted)
      throw std::invalid_argument("latency histogram: bucket " + std::to_string(words[i]) +
                                  " out of range or counting past the count");
    h.counts_[words[i]] += words[i + 1];
    counted += words[i + 1];
  }
  if (counted != h.count_ || (h.count_ > 0 && h.min_ > h.max_))
    throw std::invalid_argument("latency histogram: buckets count " + std::to_string(counted) +
                                ", the header " + std::to_string(h.count_));
  return h;
}

}  // namespace streamcheck::bench
