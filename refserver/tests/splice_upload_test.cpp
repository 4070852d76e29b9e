// Uploads by splice(2) (issue 15), on the real refserver: the bytes of a PUT (with a
// Content-Length or chunked), a STOR and an APPE go socket -> pipe -> file and never
// through write(2), so the server's wchar (/proc/PID/io: bytes passed to write and
// its kin, not splice) stays flat while the object arrives whole; with --no-splice the
// same uploads write every byte. A chunked body's framing is read to the byte, so the
// request pipelined after it is served; a malformed or oversized chunked body gets its
// error and leaves nothing behind.
#include <gtest/gtest.h>

#include <filesystem>
#include <string>

#include "bench/lib/ftp_client.hpp"
#include "bench/lib/http_client.hpp"
#include "bench/lib/payload.hpp"
#include "bench/lib/proc.hpp"
#include "bench/lib/raw_client.hpp"
#include "bench/lib/tests/eventually.hpp"
#include "refserver/testing/spawned_refserver.hpp"

namespace streamcheck {
namespace {

using bench::FtpClient;
using bench::HttpClient;
using bench::Payload;
using bench::payload_sha256;
using testing::SpawnedRefserver;
constexpr uint64_t MiB = 1024 * 1024;

uint64_t wchar(pid_t pid) {
  auto io = bench::proc::read_io(pid);
  return io ? io->wchar : 0;
}

std::string sha_of(const Payload& p) {
  return payload_sha256(p.seed, p.size, p.kind);
}

// What the server wrote with write(2) while `upload` ran, and that it ended byte-exact.
template <class Upload, class Download>
uint64_t written_during(const SpawnedRefserver& server, const Payload& whole, Upload upload,
                        Download download) {
  const uint64_t before = wchar(server.pid());
  auto sent = upload();
  EXPECT_TRUE(sent.completed()) << sent.curl_error;
  EXPECT_LT(sent.status, 300) << sent.response_text;
  const uint64_t written = wchar(server.pid()) - before;
  auto got = download();
  EXPECT_TRUE(got.completed()) << got.curl_error;
  EXPECT_EQ(got.sha256, sha_of(whole));
  return written;
}

class SpliceUpload : public ::testing::TestWithParam<bool> {
 protected:
  bool spliced() const { return GetParam(); }
  std::vector<std::string> args() const {
    return spliced() ? std::vector<std::string>{} : std::vector<std::string>{"--no-splice"};
  }
  // The expectation on bytes written for an upload of `bytes`.
  void expect_written(uint64_t written, uint64_t bytes, const char* what) {
    if (spliced()) {
      EXPECT_LT(written, bytes / 100) << what << ": " << written << " bytes went through write()";
    } else {
      EXPECT_GE(written, bytes) << what << ": the buffered path writes every byte";
    }
  }
};

TEST_P(SpliceUpload, HttpPutsGoAroundWriteAndArriveWhole) {
  SpawnedRefserver server(args());
  HttpClient http(server.http());
  const Payload p{7, 64 * MiB};
  for (bool chunked : {false, true}) {
    const auto written = written_during(
        server, p, [&] { return http.put("/put.bin", p, chunked); },
        [&] { return http.get("/put.bin"); });
    expect_written(written, p.size, chunked ? "chunked PUT" : "PUT");
  }
}

TEST_P(SpliceUpload, FtpStorAndAppeGoAroundWriteAndArriveWhole) {
  SpawnedRefserver server(args());
  FtpClient ftp(server.ftp());
  const Payload whole{8, 48 * MiB};
  const auto written = written_during(
      server, whole, [&] { return ftp.stor("/stor.bin", whole); },
      [&] { return ftp.retr("/stor.bin"); });
  expect_written(written, whole.size, "STOR");
  // APPE: the first 16 MiB, then the rest appended (the prefix is copied in the kernel).
  const Payload first{8, 16 * MiB};
  ASSERT_TRUE(ftp.stor("/appe.bin", first).completed());
  Payload rest = whole;
  rest.offset = 16 * MiB;
  const auto appended = written_during(
      server, whole, [&] { return ftp.appe("/appe.bin", rest); },
      [&] { return ftp.retr("/appe.bin"); });
  // The prefix's copy in the kernel counts as written where the filesystem copies rather
  // than shares pages (tmpfs, ext4): allowed for, it is no pass through user space.
  if (spliced()) {
    EXPECT_LT(appended, first.size + rest.length() / 100) << "APPE: through write()";
  } else {
    EXPECT_GE(appended, rest.length()) << "APPE: the buffered path writes every byte";
  }
}

TEST_P(SpliceUpload, TheRequestPipelinedAfterAChunkedBodyIsServed) {
  SpawnedRefserver server(args());
  bench::RawConnection c("127.0.0.1", server.http().port);
  const std::string auth = "Authorization: Basic " + server.basic_token() + "\r\n";
  // Chunks with an extension and a trailer, then a GET in the same write: the GET must
  // be read as a request, not as body or as garbage.
  const std::string chunk(100000, 'x');
  std::string put = "PUT /pipelined.txt HTTP/1.1\r\nHost: t\r\n" + auth +
                    "Transfer-Encoding: chunked\r\n\r\n" + "186a0;name=value\r\n" + chunk +
                    "\r\n5\r\nhello\r\n0\r\nX-Trailer: yes\r\n\r\n";
  put += "GET /pipelined.txt HTTP/1.1\r\nHost: t\r\n\r\n";
  ASSERT_TRUE(c.send(put));
  auto created = c.read_http_response();
  ASSERT_TRUE(created);
  EXPECT_EQ(created->status, 201);
  auto got = c.read_http_response(std::chrono::seconds(10), false, 1 << 20);
  ASSERT_TRUE(got);
  EXPECT_EQ(got->status, 200);
  EXPECT_TRUE(got->body == chunk + "hello") << got->body.size() << " bytes";
  // And a Content-Length body followed by its own pipelined request.
  ASSERT_TRUE(c.send("PUT /second.txt HTTP/1.1\r\nHost: t\r\n" + auth +
                     "Content-Length: 300000\r\n\r\n" + std::string(300000, 'y') +
                     "GET /second.txt HTTP/1.1\r\nHost: t\r\n\r\n"));
  auto second = c.read_http_response();
  ASSERT_TRUE(second);
  EXPECT_EQ(second->status, 201);
  auto second_get = c.read_http_response();
  ASSERT_TRUE(second_get);
  EXPECT_EQ(second_get->body.size(), 300000u);
}

TEST_P(SpliceUpload, AMalformedChunkAfterGoodOnesIs400AndLeavesNothing) {
  SpawnedRefserver server(args());
  bench::RawConnection c("127.0.0.1", server.http().port);
  std::string put = "PUT /bad.txt HTTP/1.1\r\nHost: t\r\nAuthorization: Basic " +
                    server.basic_token() + "\r\nTransfer-Encoding: chunked\r\n\r\n";
  put += "40000\r\n" + std::string(0x40000, 'z') + "\r\nzz-not-hex\r\n";
  ASSERT_TRUE(c.send(put));
  auto answer = c.read_http_response();
  ASSERT_TRUE(answer);
  EXPECT_EQ(answer->status, 400);
  EXPECT_TRUE(c.wait_closed());
  EXPECT_FALSE(std::filesystem::exists(server.root() / "bad.txt"));
  // Gone once a write still in flight has returned (the buffered path answers first).
  EXPECT_TRUE(bench::testing::eventually(
      [&] { return std::filesystem::is_empty(server.root() / ".staging"); }));
}

TEST_P(SpliceUpload, AChunkedBodyOverMaxUploadIs413BeforeItsBytesMove) {
  auto extra = args();
  extra.insert(extra.end(), {"--max-upload", "1MiB"});
  SpawnedRefserver server(extra);
  HttpClient http(server.http());
  auto put = http.put("/big.bin", Payload{9, 2 * MiB}, /*chunked=*/true);
  EXPECT_EQ(put.status, 413) << put.curl_error;
  EXPECT_FALSE(std::filesystem::exists(server.root() / "big.bin"));
  // Gone once a write still in flight has returned (the buffered path answers first).
  EXPECT_TRUE(bench::testing::eventually(
      [&] { return std::filesystem::is_empty(server.root() / ".staging"); }));
}

INSTANTIATE_TEST_SUITE_P(Paths, SpliceUpload, ::testing::Values(true, false),
                         [](const auto& param_info) {
                           return param_info.param ? "Splice" : "NoSplice";
                         });

}  // namespace
}  // namespace streamcheck
