// Status codes and hostile input, sent byte for byte with a raw socket: each case gets
// a clear answer and the server goes on serving the next client.
#include <gtest/gtest.h>

#include <chrono>

#include "bench/lib/http_client.hpp"
#include "bench/lib/raw_client.hpp"
#include "bench/lib/tests/eventually.hpp"
#include "refserver/testing/shared_refserver.hpp"
#include "refserver/testing/spawned_refserver.hpp"

namespace streamcheck {
namespace {

using bench::RawConnection;
using namespace std::chrono_literals;

class HttpStatus : public testing::SharedRefserverSuite<HttpStatus> {
 public:
  // The suite's server: see SharedRefserverSuite.
  static std::vector<std::string> server_args() {
    return {"--max-upload", "1MiB", "--header-timeout", "1", "--max-connections", "8"};
  }
  static void prepare(testing::SpawnedRefserver& server) {
    bench::HttpClient c(server.http());
    ASSERT_EQ(c.mkcol("/dir/").status, 201);
    ASSERT_EQ(c.put("/dir/file.txt", {1, 1000, bench::PayloadKind::random}).status, 201);
  }

 protected:
  RawConnection connect() { return RawConnection("127.0.0.1", server_->http().port); }
  std::string auth() const { return "Authorization: Basic " + server_->basic_token() + "\r\n"; }

  // Sends `request` on a fresh connection and returns the response's status.
  int status_of(const std::string& request, bool head = false) {
    auto conn = connect();
    conn.send(request);
    auto res = conn.read_http_response(10s, head);
    return res ? res->status : 0;
  }

  // The server still answers a plain GET on a new connection.
  void expect_still_serving() {
    EXPECT_EQ(status_of("GET /dir/file.txt HTTP/1.1\r\nHost: x\r\n\r\n"), 200)
        << "the server stopped serving after the previous case";
  }
};

TEST_F(HttpStatus, Rfc9110ConditionalGet304) {
  bench::HttpClient c(server_->http());
  auto etag = c.head("/dir/file.txt").header("ETag");
  ASSERT_FALSE(etag.empty());
  EXPECT_EQ(c.get("/dir/file.txt", {.headers = {"If-None-Match: " + etag}}).status, 304);
  auto lm = c.head("/dir/file.txt").header("Last-Modified");
  EXPECT_EQ(c.get("/dir/file.txt", {.headers = {"If-Modified-Since: " + lm}}).status, 304);
  EXPECT_EQ(c.get("/dir/file.txt", {.headers = {"If-None-Match: \"other\""}}).status, 200);
}

TEST_F(HttpStatus, Rfc9110IfMatchMismatchIs412) {
  bench::HttpClient c(server_->http());
  auto put = c.put("/dir/file.txt", {2, 10, bench::PayloadKind::random}, false,
                   {.headers = {"If-Match: \"not-the-etag\""}});
  EXPECT_EQ(put.status, 412);
  EXPECT_EQ(c.get("/dir/file.txt", {.headers = {"If-Match: \"nope\""}}).status, 412);
}

TEST_F(HttpStatus, Rfc9110RangeUnsatisfiableIs416) {
  bench::HttpClient c(server_->http());
  auto r = c.get("/dir/file.txt", {.headers = {"Range: bytes=5000-"}});
  EXPECT_EQ(r.status, 416);
  EXPECT_EQ(r.header("Content-Range"), "bytes */1000");
}

TEST_F(HttpStatus, Rfc4918PutWithMissingParentIs409) {
  bench::HttpClient c(server_->http());
  EXPECT_EQ(c.put("/no/such/dir/x", {3, 10, bench::PayloadKind::random}).status, 409);
  EXPECT_EQ(c.mkcol("/no/such/").status, 409);
}

TEST_F(HttpStatus, Rfc4918PutOnCollectionIs405AndMkcolOnExistingIs405) {
  bench::HttpClient c(server_->http());
  EXPECT_EQ(c.put("/dir/", {3, 10, bench::PayloadKind::random}).status, 405);
  EXPECT_EQ(c.put("/dir", {3, 10, bench::PayloadKind::random}).status, 405);
  EXPECT_EQ(c.mkcol("/dir/").status, 405);
}

TEST_F(HttpStatus, Rfc4918DeleteAndOptions) {
  bench::HttpClient c(server_->http());
  ASSERT_EQ(c.put("/dir/gone.txt", {4, 10, bench::PayloadKind::random}).status, 201);
  EXPECT_EQ(c.remove("/dir/gone.txt").status, 204);
  EXPECT_EQ(c.remove("/dir/gone.txt").status, 404);
  // RFC 4918 §9.6.1: a collection's DELETE takes its members with it.
  ASSERT_EQ(c.mkcol("/full/").status, 201);
  ASSERT_EQ(c.put("/full/member.txt", {4, 10, bench::PayloadKind::random}).status, 201);
  EXPECT_EQ(c.remove("/full/").status, 204);
  EXPECT_EQ(c.get("/full/member.txt").status, 404);
  auto options = c.custom("OPTIONS", "/");
  EXPECT_EQ(options.status, 200);
  for (auto method : {"MKCOL", "PROPFIND", "PROPPATCH", "COPY", "MOVE", "LOCK", "UNLOCK"})
    EXPECT_NE(options.header("Allow").find(method), std::string::npos) << method;
  EXPECT_EQ(options.header("DAV"), "1, 2");
  EXPECT_EQ(status_of("MKCOL /withbody/ HTTP/1.1\r\nHost: x\r\n" + auth() +
                      "Content-Length: 3\r\n\r\nabc"),
            415);
}

TEST_F(HttpStatus, WritesWithoutCredentialsAre401) {
  auto conn = connect();
  conn.send("PUT /dir/x HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n\r\nabc");
  auto res = conn.read_http_response();
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 401);
  EXPECT_NE(res->header("WWW-Authenticate").find("Basic"), std::string::npos);
  EXPECT_EQ(status_of("DELETE /dir/file.txt HTTP/1.1\r\nHost: x\r\n"
                      "Authorization: Basic c3RyZWFtY2hlY2s6d3Jvbmc=\r\n\r\n"),
            401);
  expect_still_serving();
}

TEST_F(HttpStatus, UploadOverMaxUploadIs413) {
  // Announced too large: refused before a byte of body is read.
  EXPECT_EQ(status_of("PUT /dir/huge HTTP/1.1\r\nHost: x\r\n" + auth() +
                      "Content-Length: 2000000\r\nExpect: 100-continue\r\n\r\n"),
            413);
  // Chunked, found too large on the way: refused, and nothing stays.
  bench::HttpClient c(server_->http());
  auto put = c.put("/dir/huge", {5, 3 * 1024 * 1024, bench::PayloadKind::random}, true);
  EXPECT_EQ(put.status, 413);
  EXPECT_EQ(c.head("/dir/huge").status, 404);
  EXPECT_TRUE(server_->wait_staging_empty()) << server_->staging_listing();
  expect_still_serving();
}

TEST_F(HttpStatus, Rfc9112LongTargetIs414AndHugeHeaderIs431) {
  EXPECT_EQ(status_of("GET /" + std::string(9000, 'a') + " HTTP/1.1\r\nHost: x\r\n\r\n"), 414);
  EXPECT_EQ(
      status_of("GET / HTTP/1.1\r\nHost: x\r\nX-Big: " + std::string(20000, 'b') + "\r\n\r\n"),
      431);
  expect_still_serving();
}

TEST_F(HttpStatus, Rfc9112GarbageAndBadFramingAre400) {
  for (std::string bad : {
           std::string("garbage\r\n\r\n"),
           std::string("GET / HTTP/9.9\r\n\r\n"),
           std::string("GET /\x01 HTTP/1.1\r\nHost: x\r\n\r\n"),
           "PUT /dir/cl HTTP/1.1\r\nHost: x\r\n" + auth() +
               "Content-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
           "PUT /dir/cl HTTP/1.1\r\nHost: x\r\n" + auth() +
               "Transfer-Encoding: chunked\r\n\r\nzz\r\nabc\r\n0\r\n\r\n",
           "PUT /dir/cl HTTP/1.1\r\nHost: x\r\n" + auth() + "Content-Length: -5\r\n\r\n",
           std::string("GET /a%zz HTTP/1.1\r\nHost: x\r\n\r\n"),
           std::string("GET /a%00b HTTP/1.1\r\nHost: x\r\n\r\n"),
       }) {
    EXPECT_EQ(status_of(bad), 400) << bad.substr(0, 60);
  }
  expect_still_serving();
  EXPECT_TRUE(server_->wait_staging_empty());
}

TEST_F(HttpStatus, TraversalNeverLeavesTheRoot) {
  EXPECT_EQ(status_of("GET /../../../../etc/passwd HTTP/1.1\r\nHost: x\r\n\r\n"), 400);
  EXPECT_EQ(status_of("GET /%2e%2e/%2e%2e/etc/passwd HTTP/1.1\r\nHost: x\r\n\r\n"), 400);
  EXPECT_EQ(status_of("GET /.staging/ HTTP/1.1\r\nHost: x\r\n\r\n"), 404);
  EXPECT_EQ(status_of("GET /etc/passwd HTTP/1.1\r\nHost: x\r\n\r\n"), 404);
}

TEST_F(HttpStatus, BytesAfterALyingContentLengthAre400) {
  auto conn = connect();
  conn.send("PUT /dir/liar HTTP/1.1\r\nHost: x\r\n" + auth() +
            "Content-Length: 3\r\n\r\nabcdefghij\r\n\r\n");
  auto first = conn.read_http_response();
  ASSERT_TRUE(first);
  EXPECT_EQ(first->status, 201);  // the three announced bytes make the object
  auto second = conn.read_http_response();
  ASSERT_TRUE(second);
  EXPECT_EQ(second->status, 400);  // the rest is not a request
  EXPECT_TRUE(conn.wait_closed());
  bench::HttpClient c(server_->http());
  EXPECT_EQ(c.get("/dir/liar").body_bytes, 3u);
}

TEST_F(HttpStatus, SilentClientIsCutOffByHeaderTimeout) {
  auto conn = connect();
  conn.send("GET / HTTP/1.1\r\nHost: x\r\n");  // and never the blank line
  auto start = std::chrono::steady_clock::now();
  EXPECT_TRUE(conn.wait_closed(15s)) << "a slowloris client kept its connection";
  EXPECT_LT(std::chrono::steady_clock::now() - start, 14s);
  expect_still_serving();
}

TEST_F(HttpStatus, OverMaxConnectionsIs503) {
  std::vector<std::unique_ptr<RawConnection>> held;
  for (int i = 0; i < 8; ++i) {
    held.push_back(std::make_unique<RawConnection>("127.0.0.1", server_->http().port));
    held.back()->send("GET /dir/file.txt HTTP/1.1\r\nHost: x\r\n\r\n");
    ASSERT_TRUE(held.back()->read_http_response());  // accepted and served: it holds a slot
  }
  EXPECT_EQ(status_of("GET / HTTP/1.1\r\nHost: x\r\n\r\n"), 503);
  held.clear();
  // Served again once the server has seen the held connections close: until then a new
  // one still gets the 503.
  int status = 0;
  EXPECT_TRUE(bench::testing::eventually([&] {
    status = status_of("GET /dir/file.txt HTTP/1.1\r\nHost: x\r\n\r\n");
    return status == 200;
  })) << "the server stopped serving after the previous case: the last status was "
      << status;
}

}  // namespace
}  // namespace streamcheck
