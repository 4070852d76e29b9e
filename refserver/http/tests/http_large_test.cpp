// Issue 17 over HTTP: 64-bit sizes and offsets at the 2^32 boundary. A sparse file of
// 2^32 + 4097 bytes (ftruncate: no disk) under the server's root is served with its
// exact length and ranges past 4 GiB read the right bytes; a PUT announcing a length no
// file can have (2^63 and more, 2^64 + 1 that no uint64 holds) is refused with nothing
// staged.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>

#include "bench/lib/raw_client.hpp"
#include "refserver/testing/shared_refserver.hpp"
#include "refserver/testing/spawned_refserver.hpp"

namespace streamcheck {
namespace {

using bench::RawConnection;
using namespace std::chrono_literals;
constexpr uint64_t k4GiB = uint64_t{1} << 32;
constexpr uint64_t kBigSize = k4GiB + 4097;

class HttpLarge : public testing::SharedRefserverSuite<HttpLarge> {
 public:
  // No --max-upload: only the server's own 64-bit limits stand between a huge
  // Content-Length and the store.
  static void prepare(testing::SpawnedRefserver& server) {
    int fd = ::open((server.root() / "big.bin").c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    ASSERT_GE(fd, 0);
    ASSERT_EQ(::ftruncate(fd, static_cast<off_t>(kBigSize)), 0);
    for (auto [offset, text] : {std::pair<uint64_t, std::string_view>{k4GiB - 2, "ab"},
                                {k4GiB, "BOUND"},
                                {kBigSize - 10, "0123456789"}})
      ASSERT_EQ(::pwrite(fd, text.data(), text.size(), static_cast<off_t>(offset)),
                static_cast<ssize_t>(text.size()));
    ::close(fd);
  }

 protected:
  std::optional<bench::RawHttpResponse> get(const std::string& headers, bool head = false) {
    RawConnection conn("127.0.0.1", server_->http().port);
    conn.send(std::string(head ? "HEAD" : "GET") + " /big.bin HTTP/1.1\r\nHost: x\r\n" + headers +
              "Connection: close\r\n\r\n");
    return conn.read_http_response(10s, head);
  }
  size_t staged_now() const {
    size_t n = 0;
    for ([[maybe_unused]] const auto& e :
         std::filesystem::directory_iterator(server_->root() / ".staging"))
      ++n;
    return n;
  }
};

TEST_F(HttpLarge, HeadCarriesTheExact64BitLength) {
  auto res = get("", true);
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 200);
  EXPECT_EQ(res->header("Content-Length"), "4294971393");
}

TEST_F(HttpLarge, RangePast4GiBReadsTheBytesThere) {
  auto res = get("Range: bytes=4294967296-4294967300\r\n");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 206);
  EXPECT_EQ(res->header("Content-Range"), "bytes 4294967296-4294967300/4294971393");
  EXPECT_EQ(res->body, "BOUND");                        // a 32-bit offset would read the zeros at 0
  res = get("Range: bytes=4294967294-4294967297\r\n");  // across the boundary
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 206);
  EXPECT_EQ(res->body, "abBO");
  res = get("Range: bytes=-10\r\n");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 206);
  EXPECT_EQ(res->header("Content-Range"), "bytes 4294971383-4294971392/4294971393");
  EXPECT_EQ(res->body, "0123456789");
  res = get("Range: bytes=4294971393-\r\n");  // one past the end
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 416);
}

// Each length is past what off_t holds (2^63 - 1), or past uint64 itself: no upload can
// be that long, so the server must say so at the header and stage nothing. The request
// stays open while the staging area is looked at: a server that took the length would
// be waiting for the body, its staging file there.
TEST_F(HttpLarge, PutOfAnImpossibleLengthIsRefusedWithNothingStaged) {
  for (const char* length : {"9223372036854775808", "18446744073709551615", "18446744073709551616",
                             "18446744073709551617"}) {
    RawConnection conn("127.0.0.1", server_->http().port);
    conn.send(std::string("PUT /huge.bin HTTP/1.1\r\nHost: x\r\nAuthorization: Basic ") +
              server_->basic_token() + "\r\nContent-Length: " + length + "\r\n\r\n");
    auto res = conn.read_http_response(5s);
    ASSERT_TRUE(res) << "no answer to Content-Length " << length;
    EXPECT_TRUE(res->status == 400 || res->status == 413) << length << ": " << res->status;
    EXPECT_EQ(staged_now(), 0u) << length << ": " << server_->staging_listing();
    EXPECT_FALSE(std::filesystem::exists(server_->root() / "huge.bin")) << length;
  }
}

}  // namespace
}  // namespace streamcheck
