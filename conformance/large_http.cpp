// Large.Http*: issue 17 over HTTP. An object of 2^32 + 4097 bytes goes up with a
// Content-Length past 2^32 and comes back byte-exact; HEAD and Range replies carry
// 64-bit sizes and offsets; a Content-Length past 2^63 - 1 is refused with nothing staged.
#include <cstdint>
#include <string>

#include "bench/lib/http_client.hpp"
#include "conformance/large.hpp"
#include "conformance/ops.hpp"
#include "conformance/raw.hpp"
#include "conformance/root_watch.hpp"

namespace streamcheck::conformance {
namespace {

constexpr Requirement kExact{"issue 17",
                             "An object past 2^32 bytes reads back byte-exact, every byte "
                             "at its 64-bit offset."};

// The whole object's GET, hashed as it streams: "" when it is the payload.
std::string read_back(const std::string& path, const LargeObject& o) {
  bench::HttpClient c(*suite().target().http);
  const auto t = c.get(path, {.hash = true});
  if (!t.completed() || t.status != 200)
    return "GET answered " + std::to_string(t.status) + " " + t.curl_error;
  if (t.body_bytes != o.payload.size || t.sha256 != o.sha256)
    return std::to_string(t.body_bytes) + " bytes, SHA-256 " + t.sha256;
  return "";
}

#define LARGE_HTTP_OBJECT(o) LARGE_OBJECT(o, http_large, Op::http_get)

TEST(Large, HttpPut) {
  LARGE_HTTP_OBJECT(o);
  check_flat_and_once(o.upload, /*upload=*/true, "HTTP PUT");
  const auto [got, m] = probed([&] { return read_back(o.path, o); });
  check(got.empty(), kExact, std::to_string(o.payload.size) + " bytes, SHA-256 " + o.sha256, got);
  if (got.empty()) check_flat_and_once(m, /*upload=*/false, "HTTP GET");
}

TEST(Large, HttpPutChunked) {
  SKIP_UNLESS_LARGE();
  SKIP_UNLESS_RUNNABLE(Op::http_put_chunked);
  LargeObject o;
  o.payload = bench::Payload{suite().next_seed(), kLargeSize};
  o.path = suite().http_dir("large") + "chunked.bin";
  bench::HttpClient c(*suite().target().http);
  const auto [put, up] = probed([&] { return c.put(o.path, o.payload, /*chunked=*/true); });
  ASSERT_TRUE(put.completed() && put.status < 300)
      << "chunked PUT of " << bytes(kLargeSize) << ": status " << put.status << " "
      << put.curl_error << " after " << bytes(put.body_bytes);
  check_flat_and_once(up, /*upload=*/true, "HTTP chunked PUT");
  o.sha256 = sha256_of(o.payload);
  const auto got = read_back(o.path, o);
  check(got.empty(), kExact, std::to_string(o.payload.size) + " bytes, SHA-256 " + o.sha256, got);
  c.remove(o.path);  // 4 GiB less on the root for the tests after
}

TEST(Large, HttpHeadContentLength) {
  LARGE_HTTP_OBJECT(o);
  bench::HttpClient c(*suite().target().http);
  const auto t = c.head(o.path);
  check(t.completed() && t.header("Content-Length") == std::to_string(kLargeSize),
        {"RFC 9110 §8.6", "HEAD's Content-Length is the object's size, past 2^32."},
        "Content-Length: " + std::to_string(kLargeSize),
        "status " + std::to_string(t.status) + ", Content-Length: " + t.header("Content-Length"));
}

// A 4 KiB window across each boundary a 31- or 32-bit offset breaks at, and the last
// bytes by a suffix range: each compared with the payload's bytes at those offsets.
TEST(Large, HttpRangeAcrossBoundaries) {
  LARGE_HTTP_OBJECT(o);
  constexpr Requirement kRange{"RFC 9110 §14.1.2",
                               "A byte range past 2^31 or 2^32 sends the bytes at those "
                               "offsets, in a 206 whose Content-Range names them."};
  bench::HttpClient c(*suite().target().http);
  for (const std::uint64_t boundary :
       {std::uint64_t{1} << 31, std::uint64_t{0x7ffff000}, std::uint64_t{1} << 32}) {
    const std::uint64_t first = boundary - 2048;
    const std::uint64_t last = boundary + 2047;
    const auto t = c.get_range(o.path, first, last, {.keep_body = true});
    const std::string range = "bytes " + std::to_string(first) + "-" + std::to_string(last) + "/" +
                              std::to_string(kLargeSize);
    const std::string differs =
        t.status == 206 ? compare_window(o.payload, first, t.response_text) : "";
    check(t.completed() && t.status == 206 && t.header("Content-Range") == range &&
              t.response_text.size() == 4096 && differs.empty(),
          kRange, "206, Content-Range: " + range + ", the payload's 4096 bytes",
          std::to_string(t.status) + ", Content-Range: " + t.header("Content-Range") + ", " +
              (differs.empty() ? std::to_string(t.response_text.size()) + " bytes" : differs));
  }
  const auto t = c.get(o.path, {.headers = {"Range: bytes=-4096"}, .keep_body = true});
  const std::string differs =
      t.status == 206 ? compare_window(o.payload, kLargeSize - 4096, t.response_text) : "";
  check(t.completed() && t.status == 206 && t.response_text.size() == 4096 && differs.empty(),
        kRange, "206 and the last 4096 bytes (from " + std::to_string(kLargeSize - 4096) + ")",
        std::to_string(t.status) + ", " +
            (differs.empty() ? std::to_string(t.response_text.size()) + " bytes" : differs));
}

// A Content-Length no 63-bit size holds: refused at the header (413, or 400 for a value
// that is no valid length), nothing staged under the root and nothing at the path.
TEST(Large, HttpContentLengthPast2To63Refused) {
  SKIP_UNLESS_LARGE();
  SKIP_UNLESS_RUNNABLE(Op::http_put);
  for (const char* length : {"9223372036854775808", "18446744073709551617"}) {
    const std::string path = suite().http_dir("large") + fresh_name("huge", ".bin");
    RootWatch watch(suite().target().root);
    const auto r =
        http_exchange("PUT " + path + " HTTP/1.1\r\n" + write_headers() +
                      "Content-Length: " + length + "\r\nConnection: close\r\n\r\n0123456789");
    check(status_in(r, {413, 400}),
          {"RFC 9110 §15.5.14", "A Content-Length past 2^63 - 1 is refused."}, "status 413 or 400",
          (r && r->status / 100 == 2 ? "accepted: " : "") + status_text(r) +
              " to Content-Length: " + length);
    const auto head = http_exchange(
        "HEAD " + path + " HTTP/1.1\r\n" + write_headers() + "Connection: close\r\n\r\n",
        /*head=*/true);
    const auto left = watch.new_entries({});
    check(status_in(head, {404}) && left.empty(),
          {"issue 17", "A refused upload stages nothing and makes nothing at its path."},
          "HEAD 404, no new entries under the root",
          "HEAD " + status_text(head) + ", new entries:" + (left.empty() ? " none" : left) +
              " (Content-Length: " + length + ")");
  }
}

}  // namespace
}  // namespace streamcheck::conformance
