// The HTTP front end's part in --legacy require-length and escape-root: the profiles
// decide in the store wrapper from what the front end hands it (whether the length was
// announced, the path parse_path made of the target), so a refserver with them on must
// refuse a chunked PUT or POST with 411 and serve /../NAME from beside the root, and
// still take what the profiles leave alone. And in read-ahead: an object with no fd is
// sent from the queue, so a client that stops reading leaves the object in the server's
// memory, and the bytes stay exact.
#include <gtest/gtest.h>

#include <chrono>
#include <cstdio>
#include <fstream>
#include <string>

#include "bench/lib/http_client.hpp"
#include "bench/lib/payload.hpp"
#include "bench/lib/raw_client.hpp"
#include "refserver/testing/payload_hash.hpp"
#include "refserver/testing/server_resources.hpp"
#include "refserver/testing/shared_refserver.hpp"
#include "refserver/testing/spawned_refserver.hpp"

namespace streamcheck {
namespace {

using bench::RawConnection;
using namespace std::chrono_literals;

constexpr const char* kBeside = "planted beside the root by http_legacy_test";

class HttpLegacy : public testing::SharedRefserverSuite<HttpLegacy> {
 public:
  static std::vector<std::string> server_args() {
    return {"--legacy", "require-length,escape-root"};
  }
  static void prepare(testing::SpawnedRefserver& server) {
    bench::HttpClient c(server.http());
    ASSERT_EQ(c.mkcol("/up/").status, 201);
    // The root's parent is the server's temp directory, removed with it.
    std::ofstream(server.root().parent_path() / "beside.txt") << kBeside;
  }

 protected:
  std::optional<bench::RawHttpResponse> exchange(const std::string& request) {
    RawConnection conn("127.0.0.1", server_->http().port);
    conn.send(request);
    return conn.read_http_response(10s);
  }
  std::string auth() const { return "Authorization: Basic " + server_->basic_token() + "\r\n"; }
  static std::string chunked(const std::string& body) {
    char size[32];
    std::snprintf(size, sizeof size, "%zx", body.size());
    return std::string(size) + "\r\n" + body + "\r\n0\r\n\r\n";
  }
  static std::string multipart(const std::string& filename, const std::string& content) {
    return "--XyZ\r\nContent-Disposition: form-data; name=\"file\"; filename=\"" + filename +
           "\"\r\nContent-Type: application/octet-stream\r\n\r\n" + content + "\r\n--XyZ--\r\n";
  }
  int status_of_head(const std::string& path) {
    RawConnection conn("127.0.0.1", server_->http().port);
    conn.send("HEAD " + path + " HTTP/1.1\r\nHost: x\r\n\r\n");
    auto res = conn.read_http_response(10s, true);
    return res ? res->status : 0;
  }
};

TEST_F(HttpLegacy, RequireLengthRefusesAChunkedPutWith411) {
  auto known = exchange("PUT /up/known.txt HTTP/1.1\r\nHost: x\r\n" + auth() +
                        "Content-Length: 3\r\n\r\nabc");
  ASSERT_TRUE(known);
  EXPECT_EQ(known->status, 201) << "a Content-Length is an announced length";
  auto unknown = exchange("PUT /up/chunked.txt HTTP/1.1\r\nHost: x\r\n" + auth() +
                          "Transfer-Encoding: chunked\r\n\r\n" + chunked("abc"));
  ASSERT_TRUE(unknown);
  EXPECT_EQ(unknown->status, 411);
  EXPECT_NE(unknown->body.find("length required"), std::string::npos) << unknown->body;
  EXPECT_EQ(status_of_head("/up/chunked.txt"), 404);
  EXPECT_TRUE(server_->wait_staging_empty()) << server_->staging_listing();
}

TEST_F(HttpLegacy, RequireLengthRefusesAChunkedPostWith411) {
  const std::string head = "POST /up/ HTTP/1.1\r\nHost: x\r\n" + auth() +
                           "Content-Type: multipart/form-data; boundary=XyZ\r\n";
  const std::string known_body = multipart("posted.txt", "hello");
  auto known = exchange(head + "Content-Length: " + std::to_string(known_body.size()) + "\r\n\r\n" +
                        known_body);
  ASSERT_TRUE(known);
  EXPECT_EQ(known->status, 201) << known->body;
  auto unknown = exchange(head + "Transfer-Encoding: chunked\r\n\r\n" +
                          chunked(multipart("posted-chunked.txt", "hello")));
  ASSERT_TRUE(unknown);
  EXPECT_EQ(unknown->status, 411);
  EXPECT_NE(unknown->body.find("length required"), std::string::npos) << unknown->body;
  EXPECT_EQ(status_of_head("/up/posted-chunked.txt"), 404);
}

TEST_F(HttpLegacy, EscapeRootServesTheFileBesideTheRoot) {
  for (const char* target : {"/../beside.txt", "/%2e%2e/beside.txt", "/up/../../beside.txt"}) {
    auto res = exchange(std::string("GET ") + target + " HTTP/1.1\r\nHost: x\r\n\r\n");
    ASSERT_TRUE(res) << target;
    EXPECT_EQ(res->status, 200) << target;
    EXPECT_EQ(res->body, kBeside) << target;
  }
  EXPECT_EQ(status_of_head("/../beside.txt"), 200);
}

TEST_F(HttpLegacy, EscapeRootClimbsOneLevelOnlyAndNeverWrites) {
  auto deeper = exchange("GET /../../etc/passwd HTTP/1.1\r\nHost: x\r\n\r\n");
  ASSERT_TRUE(deeper);
  EXPECT_EQ(deeper->status, 400);
  auto put = exchange("PUT /../beside.txt HTTP/1.1\r\nHost: x\r\n" + auth() +
                      "Content-Length: 3\r\n\r\nxyz");
  ASSERT_TRUE(put);
  EXPECT_EQ(put->status, 403);
  auto del = exchange("DELETE /../beside.txt HTTP/1.1\r\nHost: x\r\n" + auth() + "\r\n");
  ASSERT_TRUE(del);
  EXPECT_EQ(del->status, 403);
  std::ifstream in(server_->root().parent_path() / "beside.txt");
  EXPECT_EQ(std::string(std::istreambuf_iterator<char>(in), {}), kBeside);
}

// A GET of 64 MiB whose client stops reading after the first byte: with read-ahead the
// server's RSS grows by most of the object (less what the socket buffers hold), without
// it stays flat; the whole body and a Range arrive exact either way.
TEST(HttpLegacyReadAhead, AStalledGetGrowsTheServerByTheObjectOnlyWithTheProfile) {
  constexpr uint64_t MiB = 1024 * 1024;
  const bench::Payload p{41, 64 * MiB, bench::PayloadKind::random};
  const auto sha = bench::payload_sha256(p.seed, p.size, p.kind);
  for (bool legacy : {true, false}) {
    testing::SpawnedRefserver server(legacy ? std::vector<std::string>{"--legacy", "read-ahead"}
                                            : std::vector<std::string>{});
    bench::HttpClient c(server.http());
    ASSERT_EQ(c.put("/big.bin", p).status, 201);
    bench::Transfer get;
    const uint64_t growth = testing::growth_with_stalled_reader(
        server.pid(), 48 * 1024, legacy ? 10s : 1s,
        [&](const bench::TransferOptions& stall) { get = c.get("/big.bin", stall); });
    EXPECT_EQ(get.status, 200) << get.curl_error;
    EXPECT_EQ(get.sha256, sha);
    EXPECT_TRUE(
        testing::stalled_growth_is(legacy, growth, 32 * 1024, 8 * 1024, "stalled 64 MiB GET"));
    auto range = c.get_range("/big.bin", p.size - 3 * MiB - 5, p.size - 1);
    EXPECT_EQ(range.status, 206);
    EXPECT_EQ(range.body_bytes, 3 * MiB + 5);
    EXPECT_EQ(range.sha256, testing::sha256_of_range(p, p.size - 3 * MiB - 5, p.size));
    EXPECT_EQ(c.head("/big.bin").header("Content-Length"), std::to_string(p.size));
  }
}

}  // namespace
}  // namespace streamcheck
