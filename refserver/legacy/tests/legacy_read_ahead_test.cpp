// --legacy read-ahead really reads ahead: a reader that is slow or stops makes this
// process's RSS grow by most of the object (the queue), the store without the profile
// does not grow, and whoever reads gets the exact bytes from any offset. RSS is read
// from /proc/self/status, as a harness reads a server's.
#include <gtest/gtest.h>

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include "refserver/legacy/legacy_store.hpp"

namespace streamcheck::legacy {
namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;
using namespace std::chrono_literals;

constexpr uint64_t KiB = 1024;
constexpr uint64_t MiB = 1024 * KiB;

uint64_t rss_kib() {
  std::ifstream in("/proc/self/status");
  std::string key;
  uint64_t value = 0;
  while (in >> key) {
    if (key == "VmRSS:" && in >> value) return value;
    in.ignore(1 << 12, '\n');
  }
  ADD_FAILURE() << "no VmRSS in /proc/self/status";
  return 0;
}

// The byte at `offset` of every object here: a period of 251, prime, so a byte served
// from the wrong offset (a chunk dropped, doubled or swapped) shows.
std::byte byte_at(uint64_t offset) {
  return static_cast<std::byte>(offset % 251);
}

// The first offset in [offset, offset + data.size()) whose byte is wrong, or -1.
int64_t first_wrong(std::span<const std::byte> data, uint64_t offset) {
  for (size_t i = 0; i < data.size(); ++i)
    if (data[i] != byte_at(offset + i)) return static_cast<int64_t>(offset + i);
  return -1;
}

class LegacyReadAhead : public ::testing::Test {
 protected:
  void SetUp() override {
    char pattern[] = "/tmp/sc-read-ahead-XXXXXX";
    ASSERT_TRUE(::mkdtemp(pattern));
    root_ = pattern;
  }
  void TearDown() override { fs::remove_all(root_); }

  std::unique_ptr<store::Store> open_store(const std::string& profile) {
    auto inner = store::Store::open({root_, store::FsyncPolicy::never});
    EXPECT_TRUE(inner.ok()) << inner.status().to_string();
    return wrap_store(std::move(inner).value(), *LegacyProfile::parse(profile), "/tmp");
  }
  static store::ObjectPath path(const char* p) { return store::ObjectPath::parse(p).value(); }

  void put(store::Store& s, const char* p, uint64_t size) {
    auto up = s.begin_upload(path(p));
    ASSERT_TRUE(up.ok()) << up.status().to_string();
    for (uint64_t at = 0; at < size; at += buffer_.size()) {
      const auto n = static_cast<size_t>(std::min<uint64_t>(buffer_.size(), size - at));
      for (size_t i = 0; i < n; ++i) buffer_[i] = byte_at(at + i);
      ASSERT_TRUE(up.value()->write(std::span(buffer_).first(n)).is_ok());
    }
    ASSERT_TRUE(up.value()->commit().ok());
  }

  // Reads `object` from `offset` to its end in pieces of `piece` bytes, as fast as it
  // can; false (with a failure) on a wrong byte or a short read.
  bool read_rest_exactly(const store::Object& object, uint64_t offset, size_t piece) {
    while (offset < object.size()) {
      auto n = object.read_at(offset, std::span(buffer_).first(piece));
      if (!n.ok() || *n == 0) {
        ADD_FAILURE() << "read at " << offset << " of " << object.size() << ": "
                      << (n.ok() ? std::string("end") : n.status().to_string());
        return false;
      }
      if (auto wrong = first_wrong(std::span(buffer_).first(*n), offset); wrong >= 0) {
        ADD_FAILURE() << "wrong byte at offset " << wrong;
        return false;
      }
      offset += *n;
    }
    auto end = object.read_at(offset, std::span(buffer_).first(piece));
    EXPECT_TRUE(end.ok() && *end == 0) << "nothing after the end";
    return true;
  }

  // Peak RSS growth (KiB) over `before` while a reader takes `rate` bytes a second of
  // `object` (0: reads 1 MiB, then nothing), for `at_least`, and on until the growth
  // reaches `enough` KiB or `at_most` has passed; then the rest is read and checked.
  uint64_t growth_with_slow_reader(const store::Object& object, uint64_t rate, uint64_t before,
                                   std::chrono::milliseconds at_least,
                                   std::chrono::milliseconds at_most, uint64_t enough) {
    constexpr size_t kPiece = 64 * KiB;
    uint64_t offset = 0, peak = 0;
    const auto start = Clock::now();
    auto take = [&](size_t bytes) {
      auto n = object.read_at(offset, std::span(buffer_).first(bytes));
      EXPECT_TRUE(n.ok() && *n == bytes) << "read at " << offset;
      if (!n.ok()) return;
      EXPECT_EQ(first_wrong(std::span(buffer_).first(*n), offset), -1);
      offset += *n;
    };
    take(MiB);
    for (;;) {
      peak = std::max(peak, rss_kib());
      const auto elapsed = Clock::now() - start;
      if (elapsed >= at_most || (elapsed >= at_least && peak >= before + enough)) break;
      std::this_thread::sleep_for(10ms);
      const auto due = MiB + rate * std::chrono::duration<double>(Clock::now() - start).count();
      while (rate && offset + kPiece <= due && offset + kPiece <= object.size()) take(kPiece);
    }
    EXPECT_TRUE(read_rest_exactly(object, offset, 256 * KiB));
    return peak > before ? peak - before : 0;
  }

  // The 64 MiB object read at `rate` bytes a second, or stalled after its first MiB
  // (rate 0), through `profile`: the peak growth, and the RSS once the object is closed.
  // A second at least, long enough for any read-ahead to show; with `patience`, up to
  // 10 s for a busy machine's reader thread to have queued 7/8 of the object.
  struct Figures {
    uint64_t peak_growth_kib = 0;
    int64_t left_after_kib = 0;
  };
  Figures slow_read(const std::string& profile, uint64_t rate, bool patience) {
    auto s = open_store(profile);
    put(*s, "big.bin", kObject);
    auto object = s->open(path("big.bin"));
    EXPECT_TRUE(object.ok()) << object.status().to_string();
    if (!object.ok()) return {};
    const uint64_t before = rss_kib();
    Figures f;
    f.peak_growth_kib = growth_with_slow_reader(**object, rate, before, 1s, patience ? 10s : 1s,
                                                kObject / KiB * 7 / 8);
    object.value().reset();
    f.left_after_kib = static_cast<int64_t>(rss_kib()) - static_cast<int64_t>(before);
    return f;
  }

  static constexpr uint64_t kObject = 64 * MiB;
  fs::path root_;
  std::vector<std::byte> buffer_ = std::vector<std::byte>(MiB);
};

TEST_F(LegacyReadAhead, AStalledReaderMakesTheQueueHoldMostOfTheObject) {
  auto f = slow_read("read-ahead", 0, true);
  std::printf(
      "read-ahead, reader stalled after 1 MiB of 64: peak RSS growth %llu KiB, %lld KiB "
      "left after the object closed\n",
      static_cast<unsigned long long>(f.peak_growth_kib), static_cast<long long>(f.left_after_kib));
  EXPECT_GE(f.peak_growth_kib, 48 * 1024) << "the queue should hold most of the 64 MiB";
  EXPECT_LT(f.left_after_kib, 4 * 1024) << "the queue is freed as it drains";
}

TEST_F(LegacyReadAhead, AReaderAt4MiBPerSecondMakesTheQueueHoldMostOfTheObject) {
  auto f = slow_read("read-ahead", 4 * MiB, true);
  std::printf("read-ahead, reader at 4 MiB/s: peak RSS growth %llu KiB\n",
              static_cast<unsigned long long>(f.peak_growth_kib));
  EXPECT_GE(f.peak_growth_kib, 48 * 1024) << "the queue should hold most of the 64 MiB";
  EXPECT_LT(f.left_after_kib, 4 * 1024) << "the queue is freed as it drains";
}

TEST_F(LegacyReadAhead, WithoutTheProfileSlowAndStalledReadersCostNoMemory) {
  for (uint64_t rate : {uint64_t{0}, 4 * MiB}) {
    auto f = slow_read("", rate, false);
    std::printf("no profile, reader at %llu B/s: peak RSS growth %llu KiB\n",
                static_cast<unsigned long long>(rate),
                static_cast<unsigned long long>(f.peak_growth_kib));
    EXPECT_LT(f.peak_growth_kib, 4 * 1024) << "rate " << rate;
  }
}

TEST_F(LegacyReadAhead, AFastReaderGetsTheExactBytesFromAnyOffset) {
  auto plain = open_store("");
  auto s = open_store("read-ahead");
  const uint64_t size = 8 * MiB + 13;
  put(*s, "f.bin", size);
  auto object = s->open(path("f.bin"));
  ASSERT_TRUE(object.ok()) << object.status().to_string();
  auto reference = plain->open(path("f.bin"));
  ASSERT_TRUE(reference.ok());
  const store::Object& o = **object;
  EXPECT_EQ(o.fd(), -1) << "no fd: a front end must send from the queue, not by sendfile";
  EXPECT_EQ(o.size(), size);
  EXPECT_EQ(o.etag(), (*reference)->etag());

  EXPECT_TRUE(read_rest_exactly(o, 0, 100 * KiB + 7)) << "from the start (GET, RETR)";
  EXPECT_TRUE(read_rest_exactly(o, 5 * MiB + 3, 256 * KiB)) << "from an offset (Range, REST)";
  EXPECT_TRUE(read_rest_exactly(o, 17, 1)) << "back again, byte by byte at first";
  auto past = o.read_at(size + 1, std::span(buffer_).first(10));
  EXPECT_TRUE(past.ok() && *past == 0);

  auto head_only = s->open(path("f.bin"));
  ASSERT_TRUE(head_only.ok()) << "opened and closed unread, as a HEAD does";
}

TEST_F(LegacyReadAhead, IsAProfileOfItsOwn) {
  auto p = LegacyProfile::parse("read-ahead");
  ASSERT_TRUE(p);
  EXPECT_TRUE(p->read_ahead && p->any() && !p->load_whole);
  EXPECT_EQ(p->to_string(), "read-ahead");
  EXPECT_NE(LegacyProfile::kNames.find("read-ahead"), std::string_view::npos);
  EXPECT_FALSE(LegacyProfile::parse("load-whole")->read_ahead);
}

}  // namespace
}  // namespace streamcheck::legacy
