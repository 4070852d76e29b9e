// P3 first byte at once: when the client gets its first byte of a big object, the
// server has read only a little of it (rchar, which counts read() and sendfile()). A
// server that prepares the whole response first (a temp-file copy, a read into memory)
// has read all of it. Bytes, not seconds: the verdict holds on a busy machine.
#include "bench/lib/size_parse.hpp"
#include "conformance/ops.hpp"

namespace streamcheck::conformance {
namespace {

constexpr Requirement kP3{"P3",
                          "The first byte of a download goes out at once: the server does not "
                          "read (or copy) the object before it starts sending."};
constexpr std::uint64_t kMaxRead = 16 * MiB;

void first_byte(Op op) {
  SKIP_UNLESS_RUNNABLE(op);  // downloads read an object the suite uploads first
  const auto size = suite().config.first_byte;
  MeasureOptions o;
  o.stop_at_first_byte = true;
  const auto r = measure(op, size, o);
  ASSERT_TRUE(r.at_first_byte.has_value())
      << op_id(op) << " of " << bytes(size) << ": no body byte came ("
      << (r.transfer.completed() ? "status " + std::to_string(r.transfer.status)
                                 : r.transfer.curl_error)
      << ")";
  const auto read = r.at_first_byte->rchar;
  record("first_byte_read_kib", std::to_string(read / 1024));
  check(read <= kMaxRead, kP3,
        "the server has read <= " + bench::format_size(kMaxRead) +
            " when the client gets its "
            "first byte of a " +
            bench::format_size(size) + " object",
        std::string(op_id(op)) + ": the server had read " + bytes(read) +
            " (rchar) at the first byte, after " + fixed(r.transfer.ttfb_seconds * 1000, 1) +
            " ms");
}

TEST(P3FirstByte, HttpGet) {
  first_byte(Op::http_get);
}
TEST(P3FirstByte, HttpRange) {
  first_byte(Op::http_range);
}
TEST(P3FirstByte, FtpRetr) {
  first_byte(Op::ftp_retr);
}
TEST(P3FirstByte, FtpRest) {
  first_byte(Op::ftp_rest);
}

}  // namespace
}  // namespace streamcheck::conformance
