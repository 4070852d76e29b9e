// Uploads under load: 64 at once, each its own session, every 4th aborted midway.
//   P1FlatMemory.*Concurrent: 16 MiB each; while they run, memory per connection stays
//     in budget (p1_load.hpp); afterwards the server's memory and descriptors are back
//     where they were.
//   P6AtomicCommit.*ConcurrentAbortedLeaveNothing: 4 MiB each; afterwards nothing is
//     under the root but the finished files (no staging, temp or partial file). A test of
//     its own, so that a server that keeps partial uploads is told so under P6, where
//     it belongs, and not under P1.
#include <chrono>
#include <cstdio>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "bench/lib/error.hpp"
#include "conformance/ops.hpp"
#include "conformance/p1_load.hpp"
#include "conformance/root_watch.hpp"

namespace streamcheck::conformance {
namespace {

using namespace std::chrono_literals;
using load::kBudgetKiB;

constexpr Requirement kGivenBack{"P1",
                                 "What concurrent uploads cost in memory, aborted ones too, is "
                                 "given back when they end."};
constexpr Requirement kFdsBack{"P4",
                               "Every transfer, finished or aborted, gives its descriptors "
                               "back: none are left open, none on deleted files."};
constexpr Requirement kNothingLeft{"P6",
                                   "An aborted upload leaves nothing of itself behind: no "
                                   "staging, temp or partial file under the root."};
constexpr int kUploads = 64;
constexpr int kAbortEvery = 4;  // 16 of the 64, midway

bool meant_to_abort(std::size_t i) {
  return i % kAbortEvery == kAbortEvery - 1;
}

// A session the server turned away at its start, as a server may beyond its limit of
// sessions (vsftpd allows 50 per address by default): FTP 421 before any byte, HTTP 503.
// It costs the server nothing and is not counted as a connection.
bool refused(Op op, const bench::Transfer& t) {
  return is_http(op) ? t.status == 503 : t.status == 421 && t.body_bytes == 0;
}

// The reply that turned a session away: "421 There are too many connections ...".
std::string refusal_text(const bench::Transfer& t) {
  for (auto it = t.headers.rbegin(); it != t.headers.rend(); ++it)
    if (it->first == std::to_string(t.status)) return it->first + " " + it->second;
  return std::to_string(t.status);
}

// One burst and what it left. The probe (begun before the sessions opened) stays, for
// readings after it.
struct Burst {
  std::unique_ptr<bench::Probe> probe;
  bench::Measurement m;
  Suite::Fds fds_before;
  std::optional<RootWatch> watch;
  std::set<std::string> finished;  // "dir/file" of each finished upload
  std::string failures;            // " #3 (to abort): status 500 ..."
  std::string refusal;             // the last reply that turned a session away
  int served = 0;                  // sessions the server took
  int aborted = 0;                 // of which aborted midway on purpose
};

Burst burst(Op op, std::uint64_t size) {
  auto& s = suite();
  {  // the uploads' directory exists and first-use allocations are made
    OpRunner warm(op);
    const auto plan = warm.plan(size);
    const auto t = warm.run(plan, {.hash = false});
    if (const auto why = warm.verify(plan, t); !why.empty())
      throw bench::Error("the warm-up upload: " + why);
  }
  std::vector<std::unique_ptr<OpRunner>> runners;
  std::vector<Plan> plans;
  for (int i = 0; i < kUploads; ++i) {
    runners.push_back(std::make_unique<OpRunner>(op));
    plans.push_back(runners.back()->plan(size));
  }
  Burst b;
  s.one_more_connection(is_http(op));  // see Suite::one_more_connection
  b.fds_before = s.settled_fds();
  b.watch.emplace(s.target().root);
  b.probe = load::session_probe();
  b.probe->begin();
  std::vector<bench::PreparedTransfer> batch;
  for (std::size_t i = 0; i < runners.size(); ++i) {
    bench::TransferOptions o{.hash = false};
    if (meant_to_abort(i)) o.abort_after = size / 2;
    batch.push_back(runners[i]->prepare(plans[i], o));
  }
  const auto results = bench::run_concurrently(std::move(batch));
  runners.clear();  // the sessions close
  b.m = b.probe->end();
  for (std::size_t i = 0; i < results.size(); ++i) {
    const auto& t = results[i];
    if (refused(op, t)) {
      b.refusal = refusal_text(t);
      continue;
    }
    ++b.served;
    b.aborted += meant_to_abort(i);
    const bool ok =
        meant_to_abort(i) ? t.aborted : t.completed() && (!is_http(op) || t.status < 300);
    if (ok && !meant_to_abort(i))  // relative to the root, or to a directory under it
      b.finished.insert(plans[i].path.substr(plans[i].path.starts_with('/') ? 1 : 0));
    if (!ok && b.failures.size() < 500)
      b.failures += " #" + std::to_string(i) + (meant_to_abort(i) ? " (to abort)" : "") + ": " +
                    (t.completed() ? "status " + std::to_string(t.status) : t.curl_error);
  }
  const int turned_away = kUploads - b.served;
  record("sessions_refused", std::to_string(turned_away));
  if (turned_away > 0) {
    std::fprintf(stderr, "%s: the server turned %d of %d sessions away (%s); judged on %d\n",
                 std::string(op_id(op)).c_str(), turned_away, kUploads, b.refusal.c_str(),
                 b.served);
  }
  return b;
}

// GTEST_SKIP() when the server turned most of the burst away: too few ran to judge.
#define SKIP_UNLESS_MOST_SERVED(b)                                                        \
  do {                                                                                    \
    if ((b).served < kUploads / 2)                                                        \
      GTEST_SKIP() << "the server turned " << kUploads - (b).served << " of " << kUploads \
                   << " concurrent sessions from one address away (" << (b).refusal       \
                   << "): too few ran to judge it under load";                            \
  } while (0)

// The tree's memory, of the kind `m` measured in (so it compares with its
// memory_before_kib()), once it is back within `at_most` KiB, or its last reading after
// `timeout`: a server may free what a session held a moment after the session ends.
std::uint64_t settled_memory_kib(bench::Probe& probe, const bench::Measurement& m,
                                 std::uint64_t at_most, std::chrono::milliseconds timeout = 5s) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    const auto now = probe.memory_now_kib(m.memory_kind());
    if (now <= at_most || std::chrono::steady_clock::now() >= deadline) return now;
    std::this_thread::sleep_for(100ms);
  }
}

void concurrent_uploads_memory(Op op) {
  SKIP_UNLESS_APPLIES(op);
  constexpr std::uint64_t kSize = 16 * MiB;
  auto b = burst(op, kSize);
  SKIP_UNLESS_MOST_SERVED(b);
  EXPECT_EQ(b.failures, "") << op_id(op) << ": uploads that failed before their end or abort";
  const auto& m = b.m;
  const auto per_conn = load::per_connection(m, b.served);
  record("rss_peak_kib_concurrent", std::to_string(m.peak_growth_kib()));
  record("rss_per_conn_kib_concurrent", std::to_string(per_conn));
  check(per_conn <= kBudgetKiB, load::kPerConnection,
        "peak memory growth of the server tree <= " + std::to_string(kBudgetKiB) +
            " KiB per connection, with " + std::to_string(b.served) + " uploads of " +
            bench::format_size(kSize) + " at once (" + std::to_string(b.aborted) +
            " aborted midway)",
        std::string(op_id(op)) + ": " + load::growth_text(m, b.served, "uploading", kSize));

  auto& s = suite();
  s.one_more_connection(is_http(op));
  const auto before = m.memory_before_kib();
  // VmRSS for a VmHWM figure, whose baseline it is.
  const std::string kind = m.memory_kind() == bench::MemoryKind::pss ? "PSS" : "VmRSS";
  const auto memory_after = settled_memory_kib(*b.probe, m, before + kBudgetKiB);
  const auto fds_after = s.settled_fds(b.fds_before.count);
  const auto memory_delta = static_cast<long long>(memory_after) - static_cast<long long>(before);
  const auto fd_delta = static_cast<long>(fds_after.count) - static_cast<long>(b.fds_before.count);
  record("rss_after_delta_kib", std::to_string(memory_delta));
  record("fd_delta", std::to_string(fd_delta));
  check(memory_after <= before + kBudgetKiB, kGivenBack,
        "the tree's memory back within " + std::to_string(kBudgetKiB) + " KiB of the " +
            std::to_string(before) + " KiB it had before the uploads (" + kind + ")",
        std::to_string(memory_after) + " KiB, " + std::to_string(memory_delta) +
            " KiB more, after " + std::to_string(b.served) + " uploads (peak " +
            std::to_string(m.peak_growth_kib()) + " KiB more)");
  std::string deleted;
  for (const auto& d : fds_after.deleted) deleted += "\n    " + d;
  check(fds_after.count <= b.fds_before.count && fds_after.deleted.empty(), kFdsBack,
        "the tree's fd count back to " + std::to_string(b.fds_before.count) +
            " and no descriptor on a deleted file",
        std::to_string(fds_after.count) + " fds (" + std::to_string(fd_delta) + " more), " +
            std::to_string(fds_after.deleted.size()) + " on deleted files" + deleted);
}

void concurrent_aborted_leave_nothing(Op op) {
  SKIP_UNLESS_APPLIES(op);
  if (!suite().target().root)
    GTEST_SKIP() << "the store root is unknown (give it with --root): nothing to look under";
  auto b = burst(op, 4 * MiB);
  SKIP_UNLESS_MOST_SERVED(b);
  EXPECT_EQ(b.failures, "") << op_id(op) << ": uploads that failed before their end or abort";
  const auto left = b.watch->new_entry_list(b.finished);
  std::string names;
  for (std::size_t i = 0; i < left.size() && i < 20; ++i) names += " " + left[i];
  if (left.size() > 20) names += " ...";
  record("leftovers", std::to_string(left.size()));
  check(left.empty(), kNothingLeft,
        "nothing new under the root but the " + std::to_string(b.finished.size()) +
            " finished uploads, after " + std::to_string(b.aborted) + " of " +
            std::to_string(b.served) + " concurrent uploads were aborted midway",
        std::to_string(left.size()) + " new files under the root besides them:" + names);
}

TEST(P1FlatMemory, HttpPutConcurrent) {
  concurrent_uploads_memory(Op::http_put);
}
TEST(P1FlatMemory, FtpStorConcurrent) {
  concurrent_uploads_memory(Op::ftp_stor);
}
TEST(P6AtomicCommit, HttpPutConcurrentAbortedLeaveNothing) {
  concurrent_aborted_leave_nothing(Op::http_put);
}
TEST(P6AtomicCommit, FtpStorConcurrentAbortedLeaveNothing) {
  concurrent_aborted_leave_nothing(Op::ftp_stor);
}

}  // namespace
}  // namespace streamcheck::conformance
