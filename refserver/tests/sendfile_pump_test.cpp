// sendfile_some with 64-bit counts and offsets: Linux moves at most 0x7ffff000 bytes per
// sendfile(2) call, so a count past 2^31 must take several calls, each short one carried
// on from where it stopped. The file is a sparse one on tmpfs (its holes cost neither
// memory nor disk), sent to /dev/null.
#include "refserver/sendfile_pump.hpp"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <limits>
#include <vector>

namespace streamcheck {
namespace {

constexpr uint64_t k4GiB = uint64_t{1} << 32;
constexpr uint64_t kFileSize = k4GiB + 4097;
constexpr uint64_t kLinuxMaxPerCall = 0x7ffff000;
constexpr uint64_t kNoBudget = std::numeric_limits<uint64_t>::max();

class SendfilePump : public ::testing::Test {
 protected:
  void SetUp() override {
    char pattern[] = "/dev/shm/sc-sendfile-XXXXXX";
    file_ = ::mkstemp(pattern);
    ASSERT_GE(file_, 0);
    ::unlink(pattern);
    ASSERT_EQ(::ftruncate(file_, static_cast<off_t>(kFileSize)), 0);
    sink_ = ::open("/dev/null", O_WRONLY);
    ASSERT_GE(sink_, 0);
  }
  void TearDown() override {
    ::close(file_);
    ::close(sink_);
  }

  int file_ = -1;
  int sink_ = -1;
  std::vector<uint64_t> calls_;  // what each sendfile call moved
};

TEST_F(SendfilePump, ACountPast2GiBTakesSeveralCallsAndAllOfIt) {
  off_t offset = 4096;
  const uint64_t total = (uint64_t{1} << 31) + 4097;
  uint64_t remaining = total;
  auto state = sendfile_some(
      sink_, file_, offset, remaining, [&](uint64_t n) { calls_.push_back(n); }, kNoBudget);
  EXPECT_EQ(state, SendfileState::done);
  EXPECT_EQ(remaining, 0u);
  EXPECT_EQ(static_cast<uint64_t>(offset), 4096 + total);
  ASSERT_GE(calls_.size(), 2u);  // the kernel's cap cut the first call short
  uint64_t sum = 0;
  for (uint64_t n : calls_) {
    EXPECT_LE(n, kLinuxMaxPerCall);
    sum += n;
  }
  EXPECT_EQ(sum, total);
}

TEST_F(SendfilePump, OffsetsPast4GiBReachTheEndExactly) {
  off_t offset = static_cast<off_t>(k4GiB - 10);
  uint64_t remaining = kFileSize - (k4GiB - 10);
  auto state =
      sendfile_some(sink_, file_, offset, remaining, [&](uint64_t n) { calls_.push_back(n); });
  EXPECT_EQ(state, SendfileState::done);
  EXPECT_EQ(static_cast<uint64_t>(offset), kFileSize);
  EXPECT_EQ(remaining, 0u);
}

TEST_F(SendfilePump, AFileThatEndsEarlyPast4GiBFails) {
  off_t offset = static_cast<off_t>(k4GiB);
  uint64_t remaining = 4097 + 100;  // 100 bytes more than the file has
  auto state = sendfile_some(
      sink_, file_, offset, remaining, [](uint64_t) {}, kNoBudget);
  EXPECT_EQ(state, SendfileState::failed);
  EXPECT_EQ(static_cast<uint64_t>(offset), kFileSize);
  EXPECT_EQ(remaining, 100u);
}

TEST_F(SendfilePump, TheBudgetYieldsAndTheNextCallGoesOn) {
  off_t offset = static_cast<off_t>(k4GiB);
  uint64_t remaining = 4097;
  auto state = sendfile_some(
      sink_, file_, offset, remaining, [](uint64_t) {}, 1000);
  EXPECT_EQ(state, SendfileState::yield);
  EXPECT_EQ(remaining, 4097u - 1000u);
  state = sendfile_some(
      sink_, file_, offset, remaining, [](uint64_t) {}, kNoBudget);
  EXPECT_EQ(state, SendfileState::done);
  EXPECT_EQ(static_cast<uint64_t>(offset), kFileSize);
}

}  // namespace
}  // namespace streamcheck
