// RFC 9112 HTTP/1.1: message framing (Content-Length, chunked), Host, persistence and
// pipelining, HTTP/1.0 clients and Expect: 100-continue.
#include "conformance/raw.hpp"

namespace streamcheck::conformance {
namespace {

using namespace std::chrono_literals;

TEST(Rfc9112Framing, ChunkedPutWithExtensionsAndTrailerIsStored) {
  SKIP_UNLESS_APPLIES(Op::http_put_chunked);
  const auto path = suite().http_dir("rfc") + "chunked.bin";
  const auto r = http_exchange("PUT " + path + " HTTP/1.1\r\n" + write_headers() +
                               "Transfer-Encoding: chunked\r\n\r\n"
                               "5;ext=1\r\nhello\r\n1\r\n \r\n5\r\nworld\r\n0\r\nX-T: y\r\n\r\n");
  CHECK_STATUS(r,
               (Requirement{"RFC 9112 §7.1",
                            "A server MUST be able to parse the chunked transfer "
                            "coding (extensions and trailer fields included)."}),
               200, 201, 204);
  const auto g = http_exchange("GET " + path + " HTTP/1.1\r\nHost: x\r\n\r\n");
  check(g && g->body == "hello world", {"RFC 9112 §7.1.3", "The decoded content is stored."},
        "\"hello world\"", g ? "\"" + g->body + "\"" : status_text(g));
}

TEST(Rfc9112Framing, PersistentConnectionServesSeveralRequests) {
  SKIP_UNLESS_HTTP_KNOWN();
  const auto& k = http_known();
  auto conn = suite().http_raw();
  constexpr Requirement req{"RFC 9112 §9.3",
                            "HTTP/1.1 connections persist: several requests, one after another, "
                            "on one connection."};
  for (int i = 0; i < 3; ++i) {
    conn->send("GET " + k.path + " HTTP/1.1\r\nHost: x\r\n\r\n");
    const auto r = conn->read_http_response();
    if (!check(r && r->status == 200 && r->body == k.content, req,
               "request " + std::to_string(i + 1) + ": 200 and the object", status_text(r)))
      return;
  }
}

TEST(Rfc9112Framing, PipelinedRequestsAreAnsweredInOrder) {
  SKIP_UNLESS_HTTP_KNOWN();
  const auto& k = http_known();
  auto conn = suite().http_raw();
  conn->send("GET " + k.path + " HTTP/1.1\r\nHost: x\r\n\r\nGET " + k.path +
             ".missing HTTP/1.1\r\nHost: x\r\n\r\nHEAD " + k.path + " HTTP/1.1\r\nHost: x\r\n\r\n");
  const auto a = conn->read_http_response();
  const auto b = conn->read_http_response();
  const auto c = conn->read_http_response(10s, true);
  check(a && b && c && a->status == 200 && b->status == 404 && c->status == 200,
        {"RFC 9112 §9.3.2", "A server responds to pipelined requests in the order received."},
        "200, 404, 200", status_text(a) + ", " + status_text(b) + ", " + status_text(c));
}

TEST(Rfc9112Framing, Http10RequestGetsResponse) {
  SKIP_UNLESS_HTTP_KNOWN();
  const auto& k = http_known();
  auto conn = suite().http_raw();
  conn->send("GET " + k.path + " HTTP/1.0\r\n\r\n");
  const auto r = conn->read_http_response();
  check(r && r->status == 200 && r->body == k.content,
        {"RFC 9112 §2.5", "A server answers an HTTP/1.0 request (without Host) with the object."},
        "200 and 1000 bytes", status_text(r));
  check(conn->wait_closed(5s),
        {"RFC 9112 §9.3", "Without keep-alive, an HTTP/1.0 connection closes after the response."},
        "the server closes the connection", "it stayed open 5 s");
}

// The header block is judged before the target: "/" serves on any server, with or
// without an object of the suite's.
TEST(Rfc9112Framing, MissingHostIs400) {
  SKIP_UNLESS_HTTP();
  const auto r = http_exchange("GET / HTTP/1.1\r\n\r\n");
  CHECK_STATUS(r,
               (Requirement{"RFC 9112 §3.2",
                            "A server MUST respond 400 to an HTTP/1.1 request "
                            "that lacks a Host header field."}),
               400);
}

TEST(Rfc9112Framing, TwoHostHeadersAre400) {
  SKIP_UNLESS_HTTP();
  const auto r = http_exchange("GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n");
  CHECK_STATUS(r,
               (Requirement{"RFC 9112 §3.2",
                            "A server MUST respond 400 to a request with more "
                            "than one Host header field."}),
               400);
}

TEST(Rfc9112Framing, WhitespaceBeforeColonIs400) {
  SKIP_UNLESS_HTTP();
  const auto r = http_exchange("GET / HTTP/1.1\r\nHost : x\r\n\r\n");
  CHECK_STATUS(r,
               (Requirement{"RFC 9112 §5.1",
                            "A server MUST reject a field line with whitespace "
                            "between the name and the colon: 400."}),
               400);
}

TEST(Rfc9112Framing, InvalidContentLengthIs400) {
  SKIP_UNLESS_APPLIES(Op::http_put);
  const auto r = http_exchange("PUT " + suite().http_dir("rfc") + "bad-cl HTTP/1.1\r\n" +
                               write_headers() + "Content-Length: 12abc\r\n\r\nabc");
  CHECK_STATUS(r,
               (Requirement{"RFC 9112 §6.3",
                            "An invalid Content-Length is an unrecoverable "
                            "framing error: 400."}),
               400);
}

TEST(Rfc9112Framing, ExpectContinueGets100BeforeTheBody) {
  SKIP_UNLESS_APPLIES(Op::http_put);
  auto conn = suite().http_raw();
  const auto path = suite().http_dir("rfc") + "expect.bin";
  conn->send("PUT " + path + " HTTP/1.1\r\n" + write_headers() +
             "Content-Length: 5\r\nExpect: 100-continue\r\n\r\n");
  // A 100 is a status line and a blank line; read it as lines (no body follows).
  const auto line = conn->read_line(5s);
  const bool got100 = line && line->starts_with("HTTP/1.1 100");
  if (got100) conn->read_line(5s);
  check(got100,
        {"RFC 9110 §10.1.1",
         "A server that will read the content answers Expect: 100-continue "
         "with 100 before the client sends it."},
        "HTTP/1.1 100 Continue", line ? "\"" + *line + "\"" : "nothing in 5 s");
  if (!got100) return;
  conn->send("hello");
  const auto final = conn->read_http_response();
  CHECK_STATUS(final, (Requirement{"RFC 9110 §9.3.4", "The PUT then completes."}), 200, 201, 204);
}

}  // namespace
}  // namespace streamcheck::conformance
