// P4 no leaked descriptors: after 100 transfers of an op, 20 of them aborted by the
// client at random points, the server's tree holds no more descriptors than before and
// none on an unlinked file ("(deleted)": a temp file kept open until exit fills the disk).
#include <sys/socket.h>

#include <random>

#include "conformance/ops.hpp"

namespace streamcheck::conformance {
namespace {

constexpr Requirement kP4{"P4",
                          "Every transfer, finished or aborted, gives its descriptors back: "
                          "none are left open, none on deleted files."};
constexpr int kTransfers = 100;
constexpr int kAborted = 20;
constexpr std::uint64_t kSize = 256 * KiB;

// An FTP transfer aborted by the client at `at` bytes: the data connection reset (in
// stream mode a plain close would mean end of file). Done on a raw control connection:
// curl's own abort waits up to a second for the server's reply each time.
// Returns what went wrong before the abort ("" when the transfer started): a transfer
// that never started would count as aborted without having tested anything.
std::string ftp_abort(Op op, const Plan& plan, std::uint64_t at) {
  auto c = suite().ftp_raw();
  if (op == Op::ftp_rest) c->command("REST " + std::to_string(plan.expect_from));
  auto data = c->open_passive();
  const std::string verb = op == Op::ftp_stor ? "STOR " : op == Op::ftp_appe ? "APPE " : "RETR ";
  const auto start = c->command(verb + plan.path);
  if (start.code != 150 && start.code != 125)
    return verb + plan.path + " did not start: " + std::to_string(start.code) + " " + start.text;
  if (is_upload(op)) {
    data->send(std::string(at, 'x'));
  } else {
    std::vector<char> buf(64 * KiB);
    for (std::uint64_t got = 0; got < at;) {
      const auto n =
          ::recv(data->fd(), buf.data(), std::min<std::uint64_t>(buf.size(), at - got), 0);
      if (n <= 0) break;
      got += static_cast<std::uint64_t>(n);
    }
  }
  data->reset();
  c->read_reply(std::chrono::seconds(5));
  return "";
}

void fd_leaks(Op op) {
  SKIP_UNLESS_RUNNABLE(op);  // downloads read an object the suite uploads first
  std::mt19937_64 rng(suite().config.seed * 7919 + static_cast<std::uint64_t>(op));
  std::vector<bool> abort(kTransfers, false);
  for (int i = 0; i < kAborted; ++i) abort[static_cast<size_t>(i)] = true;
  std::shuffle(abort.begin(), abort.end(), rng);
  {
    OpRunner warm(op);  // the object to download exists, first-use descriptors are open
    const auto plan = warm.plan(kSize);
    const auto t = warm.run(plan);
    ASSERT_EQ(warm.verify(plan, t), "");
  }
  suite().one_more_connection(is_http(op));
  const auto before = suite().settled_fds();
  std::string failures;
  int aborted = 0;
  {
    OpRunner runner(op);
    for (int i = 0; i < kTransfers; ++i) {
      const auto plan = runner.plan(kSize);
      bench::TransferOptions o;
      o.hash = false;
      if (abort[static_cast<size_t>(i)]) {
        o.abort_after = std::uniform_int_distribution<std::uint64_t>(0, plan.bytes - 1)(rng);
        ++aborted;
      }
      if (o.abort_after && !is_http(op)) {  // FTP: reset the data connection (see below)
        if (const auto why = ftp_abort(op, plan, *o.abort_after);
            !why.empty() && failures.size() < 500)
          failures += " #" + std::to_string(i) + " (to abort): " + why;
        continue;
      }
      const auto t = runner.run(plan, o);
      if (!o.abort_after && (!t.completed() || (is_http(op) && t.status >= 300)) &&
          failures.size() < 500)
        failures += " #" + std::to_string(i) + ": " +
                    (t.completed() ? "status " + std::to_string(t.status) : t.curl_error);
    }
  }  // the client's connections close here
  EXPECT_EQ(failures, "") << op_id(op) << ": transfers failed before their end or abort";
  suite().one_more_connection(is_http(op));
  const auto after = suite().settled_fds(before.count);
  std::string deleted;
  for (const auto& d : after.deleted) deleted += "\n    " + d;
  record("fd_delta",
         std::to_string(static_cast<long>(after.count) - static_cast<long>(before.count)));
  check(after.count <= before.count && after.deleted.empty(), kP4,
        "the tree's fd count back to " + std::to_string(before.count) +
            " and no descriptor on a deleted file, after " + std::to_string(kTransfers) + " " +
            std::string(op_id(op)) + " transfers (" + std::to_string(aborted) + " aborted)",
        std::to_string(after.count) + " fds (" +
            std::to_string(static_cast<long>(after.count) - static_cast<long>(before.count)) +
            " more), " + std::to_string(after.deleted.size()) + " on deleted files" + deleted);
}

TEST(P4FdLeaks, HttpGet) {
  fd_leaks(Op::http_get);
}
TEST(P4FdLeaks, HttpRange) {
  fd_leaks(Op::http_range);
}
TEST(P4FdLeaks, HttpPut) {
  fd_leaks(Op::http_put);
}
TEST(P4FdLeaks, HttpPutChunked) {
  fd_leaks(Op::http_put_chunked);
}
TEST(P4FdLeaks, HttpPost) {
  fd_leaks(Op::http_post);
}
TEST(P4FdLeaks, HttpPostChunked) {
  fd_leaks(Op::http_post_chunked);
}
TEST(P4FdLeaks, FtpRetr) {
  fd_leaks(Op::ftp_retr);
}
TEST(P4FdLeaks, FtpRest) {
  fd_leaks(Op::ftp_rest);
}
TEST(P4FdLeaks, FtpStor) {
  fd_leaks(Op::ftp_stor);
}
TEST(P4FdLeaks, FtpAppe) {
  fd_leaks(Op::ftp_appe);
}

}  // namespace
}  // namespace streamcheck::conformance
