#include "bench/lib/latency_histogram.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <random>
#include <vector>

#include "bench/lib/tests/exact_percentile.hpp"

namespace streamcheck::bench {
namespace {

using testing::exact_percentile;

constexpr std::uint64_t kMax = std::numeric_limits<std::uint64_t>::max();

// |reported - wanted| <= wanted / 256, the bound the header promises.
::testing::AssertionResult within_bound(std::uint64_t reported, std::uint64_t wanted) {
  const auto diff = reported > wanted ? reported - wanted : wanted - reported;
  if (diff <= wanted / 256) return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure() << "reported " << reported << " for " << wanted
                                       << ": off by " << diff << ", more than " << wanted / 256;
}

// Log-uniform values from 1 to 2^bits: every magnitude equally represented.
std::vector<std::uint64_t> log_uniform(std::size_t n, unsigned bits, std::uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::uniform_real_distribution<double> exponent(0, bits);
  std::vector<std::uint64_t> out;
  for (std::size_t i = 0; i < n; ++i)
    out.push_back(static_cast<std::uint64_t>(std::exp2(exponent(rng))));
  return out;
}

TEST(LatencyHistogram, BucketsTileEveryUint64ValueFinelyEnough) {
  EXPECT_EQ(LatencyHistogram::lowest_in(0), 0u);
  EXPECT_EQ(LatencyHistogram::bucket_of(kMax), LatencyHistogram::kBuckets - 1);
  EXPECT_EQ(LatencyHistogram::highest_in(LatencyHistogram::kBuckets - 1), kMax);
  for (std::size_t b = 0; b < LatencyHistogram::kBuckets; ++b) {
    SCOPED_TRACE(b);
    const auto lowest = LatencyHistogram::lowest_in(b);
    const auto highest = LatencyHistogram::highest_in(b);
    ASSERT_LE(lowest, highest);
    ASSERT_EQ(LatencyHistogram::bucket_of(lowest), b);
    ASSERT_EQ(LatencyHistogram::bucket_of(highest), b);
    if (b + 1 < LatencyHistogram::kBuckets) {
      ASSERT_EQ(LatencyHistogram::lowest_in(b + 1), highest + 1);  // no gap, no overlap
    }
    // A bucket is at most 1/128 of its values wide, so its middle is within 1/256.
    ASSERT_LE(highest - lowest, lowest / 128);
  }
}

// One value between a far smaller and a far larger one: the median is the value's bucket,
// and no clamping to min or max can help it.
TEST(LatencyHistogram, MedianIsWithinTheBoundAtEveryMagnitude) {
  std::mt19937_64 rng(7);
  for (unsigned power = 1; power < 63; ++power) {
    const std::uint64_t base = 1ull << power;
    for (const std::uint64_t value : {base, base + rng() % base, 2 * base - 1}) {
      SCOPED_TRACE(value);
      LatencyHistogram h;
      h.record(0);
      h.record(value);
      h.record(kMax);
      EXPECT_TRUE(within_bound(h.percentile(50), value));
      if (value < 256) {
        EXPECT_EQ(h.percentile(50), value);  // below 256, exact
      }
    }
  }
}

TEST(LatencyHistogram, SmallValuesAreExactAtEveryPercentile) {
  LatencyHistogram h;
  for (std::uint64_t v = 100; v >= 1; --v) h.record(v);
  for (int p = 1; p <= 100; ++p) EXPECT_EQ(h.percentile(p), static_cast<std::uint64_t>(p)) << p;
  EXPECT_EQ(h.percentile(0), 1u);
  EXPECT_EQ(h.percentile(-5), 1u);
  EXPECT_EQ(h.percentile(250), 100u);
  EXPECT_EQ(h.percentile(99.5), 100u);  // rank 99.5 rounds up to 100
}

TEST(LatencyHistogram, PercentilesOfKnownDistributionsAreWithinTheBound) {
  std::vector<std::uint64_t> uniform;
  for (std::uint64_t v = 1; v <= 10000; ++v) uniform.push_back(v * 1000);
  std::mt19937_64 rng(42);
  std::exponential_distribution<double> exp_ms(1.0 / 5e6);  // mean 5 ms in ns
  std::vector<std::uint64_t> exponential;
  for (int i = 0; i < 100000; ++i) exponential.push_back(static_cast<std::uint64_t>(exp_ms(rng)));
  auto every_magnitude = log_uniform(50000, 60, 3);
  for (auto* sample : {&uniform, &exponential, &every_magnitude}) {
    LatencyHistogram h;
    for (const auto v : *sample) h.record(v);
    std::sort(sample->begin(), sample->end());
    for (const double p : {0.0, 0.1, 1.0, 10.0, 25.0, 50.0, 75.0, 90.0, 99.0, 99.9, 99.99, 100.0}) {
      SCOPED_TRACE(p);
      EXPECT_TRUE(within_bound(h.percentile(p), exact_percentile(*sample, p)));
    }
    EXPECT_EQ(h.min(), sample->front());
    EXPECT_EQ(h.max(), sample->back());
    EXPECT_EQ(h.percentile(100), sample->back());
    EXPECT_EQ(h.count(), sample->size());
  }
  LatencyHistogram h;
  for (const auto v : uniform) h.record(v);
  EXPECT_DOUBLE_EQ(h.mean(), 5000.5 * 1000);
}

TEST(LatencyHistogram, MergeIsRecordingEverythingIntoOne) {
  const auto values = log_uniform(40000, 50, 11);
  LatencyHistogram all;
  std::vector<LatencyHistogram> parts(4);
  for (std::size_t i = 0; i < values.size(); ++i) {
    all.record(values[i]);
    parts[i * 7 % parts.size()].record(values[i]);
  }
  LatencyHistogram merged;
  for (const auto& p : parts) merged.merge(p);
  EXPECT_TRUE(merged == all);
  EXPECT_EQ(merged.count(), all.count());
  EXPECT_EQ(merged.min(), all.min());
  EXPECT_EQ(merged.max(), all.max());
  EXPECT_EQ(merged.mean(), all.mean());
  for (const double p : {1.0, 50.0, 90.0, 99.0, 99.9})
    EXPECT_EQ(merged.percentile(p), all.percentile(p)) << p;
  // And not the same as averaging the parts' percentiles, which is why it exists: a part
  // of only slow samples moves the mean of p99s, not the p99 of all.
  LatencyHistogram fast, slow;
  for (int i = 0; i < 1000; ++i) fast.record(1000);
  for (int i = 0; i < 5; ++i) slow.record(1'000'000);
  LatencyHistogram both = fast;
  both.merge(slow);
  EXPECT_TRUE(within_bound(both.percentile(99), 1000));
  EXPECT_FALSE(within_bound((fast.percentile(99) + slow.percentile(99)) / 2, 1000));
}

TEST(LatencyHistogram, EmptyHistogramReportsZerosAndMergesAsNothing) {
  const LatencyHistogram empty;
  EXPECT_TRUE(empty.empty());
  EXPECT_EQ(empty.count(), 0u);
  EXPECT_EQ(empty.min(), 0u);
  EXPECT_EQ(empty.max(), 0u);
  EXPECT_EQ(empty.mean(), 0);
  EXPECT_EQ(empty.percentile(50), 0u);
  LatencyHistogram h;
  h.record(500);
  h.record(700);
  const LatencyHistogram before = h;
  h.merge(empty);
  EXPECT_TRUE(h == before);
  EXPECT_EQ(h.min(), 500u);  // an empty histogram's 0 is no sample
  LatencyHistogram into_empty;
  into_empty.merge(h);
  EXPECT_TRUE(into_empty == h);
  EXPECT_FALSE(empty == h);
  h.record(9, 0);  // zero times is nothing
  EXPECT_TRUE(h == before);
}

TEST(LatencyHistogram, CountMinMaxAndMeanAreExactWhereASumOf64BitsOverflows) {
  LatencyHistogram h;
  h.record(kMax, 3);
  h.record(kMax - 1);
  EXPECT_EQ(h.count(), 4u);
  EXPECT_EQ(h.min(), kMax - 1);
  EXPECT_EQ(h.max(), kMax);
  EXPECT_DOUBLE_EQ(h.mean(), static_cast<double>(kMax));
  LatencyHistogram twice = h;
  twice.merge(h);
  EXPECT_EQ(twice.count(), 8u);
  EXPECT_DOUBLE_EQ(twice.mean(), static_cast<double>(kMax));
}

}  // namespace
}  // namespace streamcheck::bench

namespace streamcheck::bench {
namespace {

// How streambench --mpi merges: each rank's histogram as words, read back on rank 0 and
// merged bucket by bucket. The p99 of 1 000 samples spread over 4 ranks, each with its own
// distribution, is the p99 of all the raw samples, within the stated bound.
TEST(LatencyHistogram, WordsOfSeveralProcessesMergeToThePercentilesOfAllTheirSamples) {
  std::mt19937_64 rng(7);
  std::vector<std::uint64_t> all;
  LatencyHistogram merged;
  for (int rank = 0; rank < 4; ++rank) {
    std::lognormal_distribution<double> ttfb(10.0 + rank, 0.5 + 0.3 * rank);  // a slow rank too
    LatencyHistogram mine;
    for (int i = 0; i < 250; ++i) {
      const auto v = static_cast<std::uint64_t>(ttfb(rng));
      mine.record(v);
      all.push_back(v);
    }
    const auto words = mine.to_words();
    EXPECT_LT(words.size(), 5 + 2 * 250 + 1);  // buckets in use only
    const auto back = LatencyHistogram::from_words(words);
    EXPECT_EQ(back, mine);
    merged.merge(back);
  }
  std::sort(all.begin(), all.end());
  EXPECT_EQ(merged.count(), all.size());
  EXPECT_EQ(merged.min(), all.front());
  EXPECT_EQ(merged.max(), all.back());
  for (const double p : {50.0, 90.0, 99.0, 99.9})
    EXPECT_TRUE(within_bound(merged.percentile(p), exact_percentile(all, p))) << "p" << p;
}

TEST(LatencyHistogram, WordsNoHistogramGivesAreRefused) {
  LatencyHistogram h;
  h.record(1000, 3);
  h.record(kMax);
  auto words = h.to_words();
  EXPECT_EQ(LatencyHistogram::from_words(words), h);  // the sum's high half too
  EXPECT_EQ(LatencyHistogram::from_words(LatencyHistogram().to_words()), LatencyHistogram());
  auto short_count = words;
  short_count[0] += 1;  // the buckets count one less
  EXPECT_THROW(LatencyHistogram::from_words(short_count), std::invalid_argument);
  auto far_bucket = words;
  far_bucket[5] = LatencyHistogram::kBuckets;
  EXPECT_THROW(LatencyHistogram::from_words(far_bucket), std::invalid_argument);
  words.pop_back();  // a bucket without its count
  EXPECT_THROW(LatencyHistogram::from_words(words), std::invalid_argument);
  EXPECT_THROW(LatencyHistogram::from_words({}), std::invalid_argument);
}

}  // namespace
}  // namespace streamcheck::bench
