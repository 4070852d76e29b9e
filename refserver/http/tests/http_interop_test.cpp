// Interop with real clients: the curl command line (-T, --data-binary, -F) and
// Python's http.client (/usr/bin/python3), each uploading a generated payload piped
// through its stdin and the download hashed as it streams back.
#include <gtest/gtest.h>

#include <cstdio>
#include <vector>

#include "bench/lib/command_pipe.hpp"
#include "bench/lib/http_client.hpp"
#include "bench/lib/payload.hpp"
#include "bench/lib/sha256.hpp"
#include "bench/lib/transfer.hpp"
#include "refserver/testing/interop.hpp"
#include "refserver/testing/shared_refserver.hpp"
#include "refserver/testing/spawned_refserver.hpp"

namespace streamcheck {
namespace {

using bench::Payload;
using bench::PayloadKind;
constexpr uint64_t MiB = 1024 * 1024;

class HttpInterop : public testing::SharedRefserverSuite<HttpInterop> {
 protected:
  std::string url(const std::string& path) const { return server_->http_base() + path; }
  std::string authed(const std::string& path) const {
    return server_->http_base_with_user() + path;
  }
};

TEST_F(HttpInterop, CurlUploadTStreamsChunkedAndDownloadsByteExact) {
  Payload p{71, 16 * MiB, PayloadKind::adversarial};
  testing::expect_round_trip("curl -sS --fail -o /dev/null -T - '" + authed("/curl-t.bin") + "'",
                             "curl -sS --fail '" + url("/curl-t.bin") + "'", p);
}

TEST_F(HttpInterop, CurlDataBinaryPutWithContentLength) {
  Payload p{72, 16 * MiB, PayloadKind::random};
  testing::expect_round_trip(
      "curl -sS --fail -o /dev/null -X PUT --data-binary @- '" + authed("/curl-data.bin") + "'",
      "curl -sS --fail '" + url("/curl-data.bin") + "'", p);
}

TEST_F(HttpInterop, CurlFormPostsMultipart) {
  Payload p{73, 16 * MiB, PayloadKind::adversarial};
  bench::HttpClient c(server_->http());
  ASSERT_EQ(c.mkcol("/forms/").status, 201);
  testing::expect_round_trip(
      "curl -sS --fail -o /dev/null -F 'upload=@-;filename=from-curl.bin' '" + authed("/forms/") +
          "'",
      "curl -sS --fail '" + url("/forms/from-curl.bin") + "'", p);
}

TEST_F(HttpInterop, PythonHttpClientRoundTrip) {
  Payload p{74, 16 * MiB, PayloadKind::random};
  const auto& http = server_->http();
  // Streams stdin up as the PUT body (Content-Length known), then GETs it back in
  // pieces and prints the SHA-256.
  std::string script =
      "import base64,hashlib,http.client,sys\n"
      "h,port,user,pw,n=sys.argv[1],int(sys.argv[2]),sys.argv[3],sys.argv[4],int(sys.argv[5])\n"
      "auth='Basic '+base64.b64encode(f'{user}:{pw}'.encode()).decode()\n"
      "c=http.client.HTTPConnection(h,port)\n"
      "c.request('PUT','/py.bin',body=sys.stdin.buffer,"
      "headers={'Authorization':auth,'Content-Length':str(n)})\n"
      "r=c.getresponse();r.read()\n"
      "assert r.status in (201,204),r.status\n"
      "c.request('GET','/py.bin');r=c.getresponse();d=hashlib.sha256()\n"
      "while True:\n"
      "  b=r.read(1<<20)\n"
      "  if not b: break\n"
      "  d.update(b)\n"
      "assert r.status==200\n"
      "open(sys.argv[6],'w').write(d.hexdigest())\n";
  auto out = server_->root().parent_path() / "py-sha.txt";
  std::string command = "/usr/bin/python3 -c \"$SCRIPT\" " + http.host + " " +
                        std::to_string(http.port) + " " + http.user + " " + http.password + " " +
                        std::to_string(p.size) + " " + out.string();
  ::setenv("SCRIPT", script.c_str(), 1);
  ASSERT_EQ(bench::run_with_payload(command, p.seed, p.size, p.kind), 0);
  FILE* f = std::fopen(out.c_str(), "r");
  ASSERT_TRUE(f);
  char hex[65] = {};
  EXPECT_EQ(std::fread(hex, 1, 64, f), 64u);
  std::fclose(f);
  std::filesystem::remove(out);
  EXPECT_EQ(std::string(hex), bench::payload_sha256(p.seed, p.size, p.kind));
}

}  // namespace
}  // namespace streamcheck
