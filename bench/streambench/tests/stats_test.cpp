// The statistics behind the checks' verdicts: median, and the bootstrap interval of a
// ratio of medians, which must be honest about what a few noisy rounds can show.
#include "bench/streambench/stats.hpp"

#include <gtest/gtest.h>

#include <random>

namespace streamcheck::streambench {
namespace {

// Throughputs with the spread of a loopback GET on a 2-core VM: about 20% either way.
std::vector<double> noisy(double centre, std::size_t n, std::uint64_t seed) {
  std::mt19937_64 random(seed);
  std::normal_distribution<double> spread(1.0, 0.2);
  std::vector<double> v;
  for (std::size_t i = 0; i < n; ++i) v.push_back(centre * std::max(0.2, spread(random)));
  return v;
}

TEST(Median, OddAndEvenCounts) {
  EXPECT_EQ(median({3, 1, 2}), 2);
  EXPECT_EQ(median({4, 1, 3, 2}), 2.5);
  EXPECT_EQ(median({7}), 7);
}

TEST(RatioOfMedians, SameSourceGivesAnIntervalAroundOne) {
  const auto e = ratio_of_medians(noisy(3000, 40, 1), noisy(3000, 40, 2));
  EXPECT_LE(e.low, e.ratio);
  EXPECT_GE(e.high, e.ratio);
  EXPECT_LT(e.low, 1.0);
  EXPECT_GT(e.high, 1.0);
}

TEST(RatioOfMedians, ClearlyDifferentSourcesExcludeOne) {
  const auto e = ratio_of_medians(noisy(2000, 30, 3), noisy(4000, 30, 4));
  EXPECT_NEAR(e.ratio, 0.5, 0.1);
  EXPECT_LT(e.high, 1.0);
}

TEST(RatioOfMedians, MoreRoundsNarrowTheInterval) {
  const auto few = ratio_of_medians(noisy(3000, 8, 5), noisy(3000, 8, 6));
  const auto many = ratio_of_medians(noisy(3000, 400, 7), noisy(3000, 400, 8));
  EXPECT_LT(many.high - many.low, (few.high - few.low) / 3);
  // 400 rounds of 20% noise pin a ratio of medians to within a few percent.
  EXPECT_GT(many.low, 0.93);
  EXPECT_LT(many.high, 1.07);
}

TEST(RatioOfMedians, IsReproducibleAndNeedsTwoOfEach) {
  const auto a = noisy(3000, 20, 9), b = noisy(3100, 20, 10);
  const auto x = ratio_of_medians(a, b), y = ratio_of_medians(a, b);
  EXPECT_EQ(x.low, y.low);
  EXPECT_EQ(x.high, y.high);
  const auto single = ratio_of_medians({1000}, {2000});
  EXPECT_EQ(single.ratio, 0.5);
  EXPECT_EQ(single.low, 0.5);  // one round: no interval to speak of
  EXPECT_EQ(single.high, 0.5);
}

}  // namespace
}  // namespace streamcheck::streambench
