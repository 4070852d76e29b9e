// Issue 17's object past 4 GiB for the Large.* tests (run with --large): 2^32 + 4097
// bytes, so that sizes and offsets cross 2^31 and 2^32 and a 32-bit size reads 4097.
// Uploading it costs seconds, so each protocol's copy is made once per process and
// shared, and no test changes it (REST+STOR and APPE finish objects of their own).
#pragma once

#include <cstdint>
#include <string>
#include <utility>

#include "bench/lib/probe.hpp"
#include "bench/lib/transfer.hpp"
#include "conformance/suite.hpp"

namespace streamcheck::conformance {

constexpr std::uint64_t kLargeSize = (std::uint64_t{1} << 32) + 4097;

// The object as the suite made it: where, and the payload it holds.
struct LargeObject {
  std::string path;  // HTTP "/conformance-1/large/obj.bin", FTP "conformance-1/large/obj.bin"
  bench::Payload payload;
  std::string sha256;         // of the whole payload, computed once (streamed)
  bench::Measurement upload;  // the server's tree over the upload
};

// The object uploaded over HTTP with PUT (Content-Length) / over FTP with STOR, on first
// use. Throws bench::Error naming the upload's outcome when it failed (and again on each
// later call, without a second try: one failed 4 GiB upload is enough).
const LargeObject& http_large();
const LargeObject& ftp_large();

// The server's tree over `transfer` (a probe begun just before it, ended after).
template <typename Transfer>
auto probed(Transfer&& transfer) {
  bench::Probe probe(suite().target().pid);
  probe.begin();
  auto t = transfer();
  return std::pair{std::move(t), probe.end()};
}

// P1 and P2 at 2^32 + 4097 bytes, for one whole transfer of the object (`what`: "HTTP
// PUT", "FTP RETR", ...): the server's peak memory growth stays under kLargeFlatKiB, and it
// wrote (an upload) or read (a download) the object once: Δwchar or Δrchar / size <= 1.1.
inline constexpr std::uint64_t kLargeFlatKiB = 64 * 1024;
void check_flat_and_once(const bench::Measurement& m, bool upload, const std::string& what);

// Payload bytes [from, from + n) (n small: a window at a boundary), made by the stream
// from `from` on without generating what comes before.
std::string payload_bytes(const bench::Payload& p, std::uint64_t from, std::size_t n);
// "" when `got` is the payload's bytes from `from` on; else where they first differ:
// "4096 bytes from 4294967295: first differs at 4294967296 (0x1f, want 0x8a)".
std::string compare_window(const bench::Payload& p, std::uint64_t from, const std::string& got);

// Binds `o` to the shared object of `make` (http_large or ftp_large), after the skips:
// not --large, or `op` (what reads it back) not runnable; a failed upload fails the test.
#define LARGE_OBJECT(o, make, op)                                   \
  SKIP_UNLESS_LARGE();                                              \
  SKIP_UNLESS_RUNNABLE(op);                                         \
  const ::streamcheck::conformance::LargeObject* o##_ptr = nullptr; \
  try {                                                             \
    o##_ptr = &make();                                              \
  } catch (const std::exception& e) {                               \
    FAIL() << e.what();                                             \
  }                                                                 \
  const ::streamcheck::conformance::LargeObject& o = *o##_ptr

// GTEST_SKIP() unless the run was started with --large.
#define SKIP_UNLESS_LARGE()                                                         \
  do {                                                                              \
    if (!::streamcheck::conformance::suite().config.large_tests)                    \
      GTEST_SKIP() << "run with --large (an object of 2^32 + 4097 bytes, on disk)"; \
  } while (0)

}  // namespace streamcheck::conformance
