// P2 no intermediate copies: an upload is written once (Δwchar / payload), a download
// read once (Δrchar / payload), over the server's process tree. A temp-file spool shows
// 2.0; sendfile is 1.0; splice or mmap may show less, which is fine.
#include "conformance/ops.hpp"

namespace streamcheck::conformance {
namespace {

constexpr Requirement kP2Up{"P2",
                            "An upload is written to the store once, with no temp-file spool "
                            "or copy in between."};
constexpr Requirement kP2Down{"P2",
                              "A download is read from the store once, with no temp-file copy "
                              "before it is sent."};
constexpr double kMaxCopies = 1.1;

void no_copies(Op op) {
  SKIP_UNLESS_RUNNABLE(op);  // downloads read an object the suite uploads first
  const auto size = suite().config.large;
  const auto r = measure(op, size);
  ASSERT_EQ(r.verify_error, "") << op_id(op) << " of " << bytes(size);
  const bool up = is_upload(op);
  const auto moved = up ? r.m.io.wchar : r.m.io.rchar;
  const double copies =
      static_cast<double>(moved) / static_cast<double>(std::max<std::uint64_t>(1, r.plan.bytes));
  record("copies", fixed(copies));
  check(
      copies <= kMaxCopies, up ? kP2Up : kP2Down,
      std::string("copies (") + (up ? "Δwchar" : "Δrchar") + " / payload) <= " + fixed(kMaxCopies),
      std::string(op_id(op)) + ": copies = " + fixed(copies) + " (" + (up ? "wchar" : "rchar") +
          " grew " + std::to_string(moved) + " B for a " + bytes(r.plan.bytes) +
          " payload; write_bytes " + std::to_string(r.m.io.write_bytes) + ")");
}

TEST(P2NoCopies, HttpGet) {
  no_copies(Op::http_get);
}
TEST(P2NoCopies, HttpRange) {
  no_copies(Op::http_range);
}
TEST(P2NoCopies, HttpPut) {
  no_copies(Op::http_put);
}
TEST(P2NoCopies, HttpPutChunked) {
  no_copies(Op::http_put_chunked);
}
TEST(P2NoCopies, HttpPost) {
  no_copies(Op::http_post);
}
TEST(P2NoCopies, HttpPostChunked) {
  no_copies(Op::http_post_chunked);
}
TEST(P2NoCopies, FtpRetr) {
  no_copies(Op::ftp_retr);
}
TEST(P2NoCopies, FtpRest) {
  no_copies(Op::ftp_rest);
}
TEST(P2NoCopies, FtpStor) {
  no_copies(Op::ftp_stor);
}
TEST(P2NoCopies, FtpAppe) {
  no_copies(Op::ftp_appe);
}

}  // namespace
}  // namespace streamcheck::conformance
