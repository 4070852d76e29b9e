// P1 under load, downloads: 8 readers at 2 MiB/s on one object, and 8 readers that stop
// reading after 1 MiB (p1_load.hpp). Each reader is its own session on its own thread.
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <thread>
#include <vector>

#include "conformance/ops.hpp"
#include "conformance/p1_load.hpp"

namespace streamcheck::conformance {
namespace {

using namespace std::chrono_literals;
using load::growth_text;
using load::kBudgetKiB;
using load::kPerConnection;
using load::per_connection;
using load::session_probe;

constexpr int kReaders = 8;
// Slower than any disk, so a server that reads ahead of the socket has all the time it
// needs to queue the object; ended after the window (an aborted download is fine: what
// is judged is the memory while they read).
constexpr std::uint64_t kSlowRate = 2 * MiB;
constexpr std::uint64_t kSlowSeconds = 5;
// A stalled reader reads this much, then stops reading for kStall: its receive window
// shuts, and what the server does meanwhile with the rest of the object shows.
constexpr std::uint64_t kStallAfter = 1 * MiB;
constexpr auto kStall = 3s;
// The longest a stall goes on after kStall while the server's memory is still rising.
constexpr auto kStallMore = 10s;
// Time for every reader to reach its stall; far above what 1 MiB takes on any server.
constexpr auto kReachStall = 30s;

// Readers of one object, each with its own client on its own thread: a slow client
// paces itself by sleeping in its callbacks, which on a shared curl multi handle would
// hold up the others. A stalled reader blocks in stall() (called from its data
// callback) until release(). The destructor releases and joins, so a failed assertion
// leaves no thread behind.
class Readers {
 public:
  Readers(Op op, Plan plan) : plan_(std::move(plan)) {
    for (int i = 0; i < kReaders; ++i) runners_.push_back(std::make_unique<OpRunner>(op));
    results_.resize(kReaders);
    errors_.resize(kReaders);
  }
  ~Readers() { join(); }
  Readers(const Readers&) = delete;
  Readers& operator=(const Readers&) = delete;

  void start(const std::function<bench::TransferOptions(int)>& options) {
    for (int i = 0; i < kReaders; ++i) {
      threads_.emplace_back([this, i, o = options(i)] {
        const auto k = static_cast<std::size_t>(i);
        try {
          results_[k] = runners_[k]->run(plan_, o);
        } catch (const std::exception& e) {
          errors_[k] = e.what();
        }
        std::lock_guard lock(mu_);
        ++ended_;
        cv_.notify_all();
      });
    }
  }
  void stall() {
    std::unique_lock lock(mu_);
    ++stalled_;
    cv_.notify_all();
    cv_.wait(lock, [this] { return released_; });
  }
  // Waits until every reader has stalled (true) or one has ended first, or `timeout`.
  bool all_stalled(std::chrono::seconds timeout) {
    std::unique_lock lock(mu_);
    cv_.wait_for(lock, timeout, [this] { return stalled_ == kReaders || ended_ > 0; });
    return stalled_ == kReaders;
  }
  int stalled() {
    std::lock_guard lock(mu_);
    return stalled_;
  }
  void release() {
    std::lock_guard lock(mu_);
    released_ = true;
    cv_.notify_all();
  }
  void join() {
    release();
    for (auto& t : threads_)
      if (t.joinable()) t.join();
  }
  // What went wrong with each reader, by `judge` (which says "" for a good result), on
  // one line per reader: "" when nothing.
  std::string problems(const std::function<std::string(OpRunner&, const bench::Transfer&)>& judge) {
    std::string out;
    for (std::size_t i = 0; i < runners_.size(); ++i) {
      const auto why = errors_[i].empty() ? judge(*runners_[i], results_[i]) : errors_[i];
      if (!why.empty()) out += "\n    reader " + std::to_string(i) + ": " + why;
    }
    return out;
  }
  const Plan& plan() const { return plan_; }

 private:
  Plan plan_;
  std::vector<std::unique_ptr<OpRunner>> runners_;
  std::vector<bench::Transfer> results_;
  std::vector<std::string> errors_;
  std::vector<std::thread> threads_;
  std::mutex mu_;
  std::condition_variable cv_;
  int stalled_ = 0;
  int ended_ = 0;
  bool released_ = false;
};

// 8 readers at 2 MiB/s for 5 s on one object of `size`: the peak memory growth per
// connection (KiB), or nullopt when the readers did not all read through the window.
std::optional<std::uint64_t> slow_readers(Op op, std::uint64_t size) {
  OpRunner maker(op);
  Readers readers(op, maker.plan(size));  // the object exists before the probe starts
  auto probe = session_probe();
  probe->begin();
  readers.start([](int) {
    return bench::TransferOptions{
        .abort_after = kSlowRate * kSlowSeconds, .max_bytes_per_second = kSlowRate, .hash = false};
  });
  readers.join();
  const auto m = probe->end();
  const auto whole = readers.plan().bytes;
  const auto problems =
      readers.problems([whole](OpRunner&, const bench::Transfer& t) -> std::string {
        // Read its share, then hung up, as meant; or read all of an object smaller than that.
        if (t.aborted || (t.completed() && t.body_bytes == whole)) return "";
        if (!t.completed())
          return "ended after " + std::to_string(t.body_bytes) + " B: " + t.curl_error;
        return "ended after " + std::to_string(t.body_bytes) + " B (status " +
               std::to_string(t.status) + ")";
      });
  EXPECT_EQ(problems, "") << op_id(op) << " of " << bytes(size)
                          << ": slow readers that did not read through the window";
  if (!problems.empty()) return std::nullopt;
  const auto suffix = bench::format_size(size);
  record("rss_peak_kib_slow_" + suffix, std::to_string(m.peak_growth_kib()));
  record("rss_per_conn_kib_slow_" + suffix, std::to_string(per_connection(m, kReaders)));
  check(per_connection(m, kReaders) <= kBudgetKiB, kPerConnection,
        "peak memory growth of the server tree <= " + std::to_string(kBudgetKiB) +
            " KiB per connection, with " + std::to_string(kReaders) + " readers at " +
            bench::format_size(kSlowRate) + "/s on one " + bench::format_size(size) + " object",
        std::string(op_id(op)) + ": " + growth_text(m, kReaders, "reading", size));
  return per_connection(m, kReaders);
}

void slow_readers_test(Op op) {
  SKIP_UNLESS_RUNNABLE(op);  // the object is one the suite uploads first
  const auto& c = suite().config;
  // Two sizes, the same budget: what a slow reader costs does not depend on the size.
  const auto large = slow_readers(op, c.large);
  const auto first_byte = slow_readers(op, c.first_byte);
  if (large && first_byte) {
    std::fprintf(stderr, "%s slow readers: %llu KiB per connection on %s, %llu KiB on %s\n",
                 std::string(op_id(op)).c_str(), static_cast<unsigned long long>(*large),
                 bench::format_size(c.large).c_str(), static_cast<unsigned long long>(*first_byte),
                 bench::format_size(c.first_byte).c_str());
  }
}

// A reader that failed: "failed after N B: why"; "" for one that did not.
std::string ended_early(OpRunner&, const bench::Transfer& t) {
  return t.completed() ? ""
                       : "failed after " + std::to_string(t.body_bytes) + " B: " + t.curl_error;
}

void stalled_readers_test(Op op) {
  SKIP_UNLESS_RUNNABLE(op);
  const auto size = suite().config.large;
  if (size < 4 * kStallAfter)
    GTEST_SKIP() << "--sizes: the large size (" << bytes(size) << ") leaves too little after "
                 << bytes(kStallAfter) << " to stall on";
  OpRunner maker(op);
  Readers readers(op, maker.plan(size));
  auto probe = session_probe();
  probe->begin();
  readers.start([&readers](int) {
    bench::TransferOptions o;  // hashed: each must finish byte-exact
    o.on_data = [&readers, got = std::uint64_t{0}](std::span<const std::byte> piece) mutable {
      const bool was_below = got < kStallAfter;
      got += piece.size();
      if (was_below && got >= kStallAfter) readers.stall();  // the client reads nothing more
    };
    return o;
  });
  const bool stalled = readers.all_stalled(kReachStall);
  if (stalled) {
    std::this_thread::sleep_for(kStall);
    // A server still queueing the object after kStall (a busy machine slows it) is given
    // the time to show all it will hold; one that holds nothing does not move and is
    // judged at once.
    load::wait_while_memory(load::Trend::rising, *probe, kStallMore);
  }
  const auto m = probe->end();  // while they are stalled
  readers.join();
  ASSERT_TRUE(stalled) << op_id(op) << ": " << readers.stalled() << " of " << kReaders
                       << " readers reached their stall at " << bytes(kStallAfter)
                       << readers.problems(ended_early);
  record("rss_peak_kib_stalled", std::to_string(m.peak_growth_kib()));
  record("rss_per_conn_kib_stalled", std::to_string(per_connection(m, kReaders)));
  check(per_connection(m, kReaders) <= kBudgetKiB, kPerConnection,
        "peak memory growth of the server tree <= " + std::to_string(kBudgetKiB) +
            " KiB per connection while " + std::to_string(kReaders) + " readers of one " +
            bench::format_size(size) + " object stop reading for at least " +
            std::to_string(std::chrono::seconds(kStall).count()) + " s after " +
            bench::format_size(kStallAfter),
        std::string(op_id(op)) + ": " + growth_text(m, kReaders, "reading", size));
  // Then each reads on to the end, byte-exact.
  const auto& plan = readers.plan();
  EXPECT_EQ(readers.problems(
                [&plan](OpRunner& r, const bench::Transfer& t) { return r.verify(plan, t); }),
            "")
      << op_id(op) << ": stalled readers that did not finish byte-exact";
}

TEST(P1FlatMemory, HttpGetSlowReaders) {
  slow_readers_test(Op::http_get);
}
TEST(P1FlatMemory, FtpRetrSlowReaders) {
  slow_readers_test(Op::ftp_retr);
}
TEST(P1FlatMemory, HttpGetStalledReaders) {
  stalled_readers_test(Op::http_get);
}
TEST(P1FlatMemory, FtpRetrStalledReaders) {
  stalled_readers_test(Op::ftp_retr);
}

}  // namespace
}  // namespace streamcheck::conformance
