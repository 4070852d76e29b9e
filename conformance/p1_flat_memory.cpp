// P1 flat memory: the server's peak memory must not grow with the size of what it moves
// (VmHWM of a server that is one process, the sampled PSS of a tree: bench/lib/probe.hpp).
// Measured as the slope between two sizes (default 16 MiB and 64 MiB) in one run, so
// the figure is the body held in memory and not the machine's speed or a fixed cost.
#include "conformance/ops.hpp"

namespace streamcheck::conformance {
namespace {

constexpr Requirement kP1{"P1",
                          "A transfer's peak memory does not grow with its size: the body "
                          "goes through a fixed buffer, never held whole."};
// Growth allowed from the small to the large size (48 MiB more by default): a body held
// in memory shows the whole difference.
constexpr std::uint64_t kSlopeKiB = 4 * 1024;

void flat_memory(Op op) {
  SKIP_UNLESS_RUNNABLE(op);  // downloads read an object the suite uploads first
  const auto& c = suite().config;
  measure(op, c.small);  // warm-up: first-use allocations are not the body
  const auto small = measure(op, c.small);
  ASSERT_EQ(small.verify_error, "") << op_id(op) << " of " << bytes(c.small);
  const auto large = measure(op, c.large);
  ASSERT_EQ(large.verify_error, "") << op_id(op) << " of " << bytes(c.large);
  const auto a = small.m.peak_growth_kib();
  const auto b = large.m.peak_growth_kib();
  const auto slope = b > a ? b - a : 0;
  record("rss_peak_kib_small", std::to_string(a));
  record("rss_peak_kib_large", std::to_string(b));
  check(slope < kSlopeKiB, kP1,
        "peak memory growth of the server tree rises by < " + std::to_string(kSlopeKiB) +
            " KiB from " + bench::format_size(c.small) + " to " + bench::format_size(c.large),
        std::string(op_id(op)) + ": peak memory growth " + std::to_string(a) + " KiB at " +
            bench::format_size(c.small) + ", " + std::to_string(b) + " KiB at " +
            bench::format_size(c.large) + ": rises by " + std::to_string(slope) + " KiB (" +
            bench::to_string(large.m.memory_kind()) + ")");
}

TEST(P1FlatMemory, HttpGet) {
  flat_memory(Op::http_get);
}
TEST(P1FlatMemory, HttpRange) {
  flat_memory(Op::http_range);
}
TEST(P1FlatMemory, HttpPut) {
  flat_memory(Op::http_put);
}
TEST(P1FlatMemory, HttpPutChunked) {
  flat_memory(Op::http_put_chunked);
}
TEST(P1FlatMemory, HttpPost) {
  flat_memory(Op::http_post);
}
TEST(P1FlatMemory, HttpPostChunked) {
  flat_memory(Op::http_post_chunked);
}
TEST(P1FlatMemory, FtpRetr) {
  flat_memory(Op::ftp_retr);
}
TEST(P1FlatMemory, FtpRest) {
  flat_memory(Op::ftp_rest);
}
TEST(P1FlatMemory, FtpStor) {
  flat_memory(Op::ftp_stor);
}
TEST(P1FlatMemory, FtpAppe) {
  flat_memory(Op::ftp_appe);
}

}  // namespace
}  // namespace streamcheck::conformance
