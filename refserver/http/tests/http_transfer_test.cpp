// Integration tests of the HTTP front end: the real refserver, spawned on an ephemeral
// port in a temp root, driven by libcurl (bench/lib's HttpClient) and measured from
// outside through /proc, as the harness measures any server.
#include <gtest/gtest.h>

#include <filesystem>
#include <thread>

#include "bench/lib/http_client.hpp"
#include "bench/lib/payload.hpp"
#include "bench/lib/proc.hpp"
#include "bench/lib/sha256.hpp"
#include "refserver/testing/shared_refserver.hpp"
#include "refserver/testing/spawned_refserver.hpp"

namespace streamcheck {
namespace {

using bench::HttpClient;
using bench::Payload;
using bench::payload_sha256;
using bench::PayloadKind;
using bench::TransferOptions;

constexpr uint64_t MiB = 1024 * 1024;

class HttpTransfer : public testing::SharedRefserverSuite<HttpTransfer> {
 protected:
  HttpClient client() { return HttpClient(server_->http()); }
};

TEST_F(HttpTransfer, Put64MiBThenGetIsByteExact) {
  auto c = client();
  Payload p{11, 64 * MiB, PayloadKind::random};
  auto put = c.put("/big.bin", p);
  ASSERT_TRUE(put.completed()) << put.curl_error;
  EXPECT_EQ(put.status, 201) << put.response_text;
  auto get = c.get("/big.bin");
  ASSERT_TRUE(get.completed()) << get.curl_error;
  EXPECT_EQ(get.status, 200);
  EXPECT_EQ(get.body_bytes, p.size);
  EXPECT_EQ(get.sha256, payload_sha256(p.seed, p.size, p.kind));
  EXPECT_EQ(get.header("Accept-Ranges"), "bytes");
  EXPECT_FALSE(get.header("ETag").empty());
  EXPECT_FALSE(get.header("Last-Modified").empty());
  // Replacing it answers 204 and changes the strong ETag.
  auto again = c.put("/big.bin", {12, MiB, PayloadKind::random});
  EXPECT_EQ(again.status, 204);
  EXPECT_NE(again.header("ETag"), get.header("ETag"));
}

TEST_F(HttpTransfer, ChunkedPutWithoutLengthIsByteExact) {
  auto c = client();
  Payload p{21, 10 * MiB + 1, PayloadKind::adversarial};
  auto put = c.put("/chunked.bin", p, /*chunked=*/true);
  ASSERT_TRUE(put.completed()) << put.curl_error;
  EXPECT_EQ(put.status, 201) << put.response_text;
  auto get = c.get("/chunked.bin");
  EXPECT_EQ(get.sha256, payload_sha256(p.seed, p.size, p.kind));
}

TEST_F(HttpTransfer, EmptyAndBoundarySizedObjects) {
  auto c = client();
  for (uint64_t size : {0ull, 1ull, 65535ull, 65536ull, 65537ull, 262144ull, 262145ull}) {
    Payload p{size + 3, size, PayloadKind::adversarial};
    auto path = "/sized-" + std::to_string(size);
    ASSERT_EQ(c.put(path, p).status, 201) << size;
    auto get = c.get(path);
    EXPECT_EQ(get.body_bytes, size);
    EXPECT_EQ(get.sha256, payload_sha256(p.seed, p.size, p.kind)) << size;
  }
}

TEST_F(HttpTransfer, MultipartPostOfTwoFilesThenGetEach) {
  auto c = client();
  ASSERT_EQ(c.mkcol("/inbox/").status, 201);
  std::vector<bench::MultipartFile> files = {
      {"a", "first.bin", {31, 3 * MiB + 7, PayloadKind::adversarial}},
      {"b", "second.bin", {32, 5 * MiB, PayloadKind::random}},
  };
  for (bool unknown_size : {false, true}) {
    auto post = c.post_multipart("/inbox/", files, unknown_size);
    ASSERT_TRUE(post.completed()) << post.curl_error;
    ASSERT_EQ(post.status, 201) << post.response_text;
    EXPECT_NE(post.response_text.find("\"/inbox/first.bin\""), std::string::npos)
        << post.response_text;
    for (const auto& f : files) {
      auto want = payload_sha256(f.payload.seed, f.payload.size, f.payload.kind);
      EXPECT_NE(post.response_text.find(want), std::string::npos) << post.response_text;
      auto get = c.get("/inbox/" + f.filename);
      EXPECT_EQ(get.sha256, want) << f.filename << (unknown_size ? " chunked" : "");
    }
  }
}

TEST_F(HttpTransfer, RangeGetsStitchedEqualTheWhole) {
  auto c = client();
  Payload p{41, 10 * MiB + 1, PayloadKind::random};
  ASSERT_EQ(c.put("/ranged.bin", p).status, 201);
  bench::Sha256 stitched;
  const uint64_t piece = 3 * MiB + 5;
  for (uint64_t first = 0; first < p.size; first += piece) {
    uint64_t last = std::min(first + piece, p.size) - 1;
    auto r = c.get_range("/ranged.bin", first, last, {.keep_body = false});
    ASSERT_EQ(r.status, 206);
    ASSERT_EQ(r.body_bytes, last - first + 1);
    EXPECT_EQ(r.header("Content-Range"), "bytes " + std::to_string(first) + "-" +
                                             std::to_string(last) + "/" + std::to_string(p.size));
    // Re-read the piece's bytes through the payload to stitch the hash.
    bench::PayloadStream s(p.seed, last + 1, p.kind, first);
    std::vector<std::byte> buf(1 << 20);
    bench::Sha256 piece_hash;
    while (size_t n = s.fill(buf)) {
      stitched.update(std::span<const std::byte>(buf.data(), n));
      piece_hash.update(std::span<const std::byte>(buf.data(), n));
    }
    EXPECT_EQ(r.sha256, piece_hash.final_hex()) << "range " << first << "-" << last;
  }
  EXPECT_EQ(stitched.final_hex(), payload_sha256(p.seed, p.size, p.kind));
}

TEST_F(HttpTransfer, AbortedPutLeavesPreviousVersionAndNoStagingFile) {
  auto c = client();
  Payload v1{51, 2 * MiB, PayloadKind::random};
  ASSERT_EQ(c.put("/atomic.bin", v1).status, 201);
  for (bool chunked : {false, true}) {
    auto aborted = c.put("/atomic.bin", {52, 32 * MiB, PayloadKind::random}, chunked,
                         {.abort_after = 16 * MiB});
    EXPECT_FALSE(aborted.completed());
    c.forget_connection();
    EXPECT_TRUE(server_->wait_staging_empty()) << server_->staging_listing();
    auto get = c.get("/atomic.bin");
    EXPECT_EQ(get.sha256, payload_sha256(v1.seed, v1.size, v1.kind));
  }
}

TEST_F(HttpTransfer, ReaderOfOldVersionFinishesItWhileNewOneCommits) {
  auto c = client();
  Payload v1{61, 64 * MiB, PayloadKind::random};
  Payload v2{62, 1 * MiB, PayloadKind::random};
  ASSERT_EQ(c.put("/busy.bin", v1).status, 201);
  bench::Transfer during;
  bool replaced = false;
  TransferOptions slow;
  slow.on_first_byte = [&] {
    // The reader has its first byte: commit a new version under it.
    HttpClient writer(server_->http());
    replaced = writer.put("/busy.bin", v2).status == 204;
  };
  during = c.get("/busy.bin", slow);
  EXPECT_TRUE(replaced);
  EXPECT_EQ(during.sha256, payload_sha256(v1.seed, v1.size, v1.kind));
  EXPECT_EQ(c.get("/busy.bin").sha256, payload_sha256(v2.seed, v2.size, v2.kind));
}

}  // namespace
}  // namespace streamcheck
