// The schedule of a slow or stalled client, on given instants (the clients that follow it
// on real sockets are in clients_test.cpp).
#include "bench/lib/pace.hpp"

#include <gtest/gtest.h>

#include <chrono>

namespace streamcheck::bench::detail {
namespace {

using namespace std::chrono_literals;
using Clock = Pace::Clock;

const Clock::time_point kStart{1000s};

TEST(Pace, NoLimitsNeverHolds) {
  Pace p;
  EXPECT_FALSE(p.limits());
  EXPECT_FALSE(p.hold(1 << 30, kStart, kStart));
}

TEST(Pace, ARateHoldsEachByteUntilItIsDue) {
  Pace p(1000, std::nullopt, 0s);  // 1000 B/s
  EXPECT_FALSE(p.hold(0, kStart, kStart));
  EXPECT_EQ(p.hold(500, kStart, kStart + 100ms), kStart + 500ms);
  EXPECT_FALSE(p.hold(500, kStart, kStart + 500ms));  // due now: goes
  EXPECT_FALSE(p.hold(500, kStart, kStart + 2s));     // late: goes at once, no debt
}

TEST(Pace, TheStallComesOnceAfterItsBytes) {
  Pace p(std::nullopt, 1000, 30s);
  EXPECT_FALSE(p.hold(999, kStart, kStart + 1ms));
  EXPECT_EQ(p.hold(1200, kStart, kStart + 2ms), kStart + 2ms + 30s);
  // Resumed: the same bytes go, and nothing after them is held again.
  EXPECT_FALSE(p.hold(1200, kStart, kStart + 2ms + 30s));
  EXPECT_FALSE(p.hold(1 << 20, kStart, kStart + 31s));
}

TEST(Pace, AfterAStallTheRateGoesOnWithoutABurst) {
  Pace p(1000, 500, 10s);
  EXPECT_EQ(p.hold(500, kStart, kStart + 500ms), kStart + 10s + 500ms);  // the stall
  // Without counting the stall out, every byte up to 10 500 would be overdue here.
  EXPECT_EQ(p.hold(600, kStart, kStart + 10s + 500ms), kStart + 10s + 600ms);
}

TEST(Pace, ZeroMeansNoLimit) {
  EXPECT_FALSE(Pace(0, std::nullopt, 0s).limits());
  EXPECT_FALSE(Pace(std::nullopt, 1000, 0s).limits());
  EXPECT_TRUE(Pace(std::nullopt, 0, 1s).limits());  // stalls before the first byte
}

}  // namespace
}  // namespace streamcheck::bench::detail
