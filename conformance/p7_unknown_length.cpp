// P7 unknown length, unseekable input: uploads whose size nobody announces (HTTP
// chunked PUT and POST, FTP STOR, which never has one) are accepted and stored
// byte-exact, streamed from a generator that cannot seek.
#include "conformance/ops.hpp"
#include "conformance/raw.hpp"

namespace streamcheck::conformance {
namespace {

constexpr Requirement kP7{"P7",
                          "An upload of unknown length (chunked, or FTP STOR) is accepted "
                          "and stored byte-exact, with no seek and no Content-Length."};

void unknown_length(Op op) {
  SKIP_UNLESS_APPLIES(op);
  const auto size = suite().config.large;
  OpRunner runner(op);
  const auto plan = runner.plan(size);
  const auto t = runner.run(plan);
  const auto error = runner.verify(plan, t);
  check(error.empty(), kP7,
        "2xx and the object reads back with the SHA-256 of the " + bytes(size) + " sent",
        std::string(op_id(op)) + ": " + error);
}

TEST(P7UnknownLength, HttpPutChunked) {
  unknown_length(Op::http_put_chunked);
}
TEST(P7UnknownLength, HttpPostChunked) {
  unknown_length(Op::http_post_chunked);
}
TEST(P7UnknownLength, FtpStor) {
  unknown_length(Op::ftp_stor);
}

// Odd chunk sizes: 1-byte chunks, chunk extensions, a trailer, upper-case hex.
TEST(P7UnknownLength, HttpPutOddChunks) {
  SKIP_UNLESS_APPLIES(Op::http_put_chunked);
  const std::string path = suite().http_dir("uploads") + "odd-chunks.bin";
  auto conn = suite().http_raw();
  std::string body;
  std::string sent;
  for (int i = 0; i < 20; ++i) {
    body += "1\r\n" + std::string(1, static_cast<char>('a' + i)) + "\r\n";
    sent += static_cast<char>('a' + i);
  }
  body += "A;name=value\r\n0123456789\r\n";
  sent += "0123456789";
  body += "0\r\nX-Trailer: yes\r\n\r\n";
  conn->send("PUT " + path + " HTTP/1.1\r\nHost: x\r\n" + suite().http_auth_header() +
             "Transfer-Encoding: chunked\r\n\r\n" + body);
  const auto res = conn->read_http_response();
  ASSERT_TRUE(res) << "no response to a chunked PUT";
  check(outcome_is(res, "PUT", HttpOutcome::stored), kP7,
        "a chunked PUT with odd chunks stored: " +
            statuses_text(allowed_statuses("PUT", HttpOutcome::stored)->codes),
        "status " + std::to_string(res->status));
  bench::HttpClient c(*suite().target().http);
  const auto get = c.get(path, {.keep_body = true});
  check(get.response_text == sent, kP7,
        "the object is the " + std::to_string(sent.size()) + " bytes sent",
        std::to_string(get.body_bytes) + " bytes: \"" + get.response_text.substr(0, 40) + "\"");
}

}  // namespace
}  // namespace streamcheck::conformance
