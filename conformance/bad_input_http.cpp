// Hostile input over HTTP (the runner is hostile.cpp): malformed framing and syntax
// (BadInput.Http*) and traversal, NUL, writes without credentials, slowloris
// (Security.Http*).
#include <unistd.h>

#include <thread>

#include "conformance/hostile.hpp"

namespace streamcheck::conformance::hostile {
namespace {

using namespace std::chrono_literals;

std::string put_head(const std::string& path, const std::string& extra) {
  return "PUT " + path + " HTTP/1.1\r\n" + write_headers() + extra;
}
std::string multipart(const std::string& dir, const std::string& type, const std::string& body) {
  return "POST " + dir + " HTTP/1.1\r\n" + write_headers() + "Content-Type: " + type +
         "\r\nContent-Length: " + std::to_string(body.size()) + "\r\n\r\n" + body;
}

// PUT /%2e%2e/%2e%2e/NAME. RFC 3986 §5.2.4 lets a server remove dot-segments, which
// keeps the object inside what it serves ("/NAME"); refusing (4xx) is as good. Only an
// object outside the served tree fails. As FtpMkdTraversal (bad_input_ftp.cpp):
//  - refused with 4xx: passes;
//  - 2xx: the object must be found by GET inside the served tree (at /NAME, or at the
//    path as sent for a server that keeps "%2e%2e" as a name), and is deleted;
//  - with the store root known (--root, white-box), a NAME beside the root or one level
//    above it is an escape whatever the server answered.
// NAME is unique to the run, so an earlier run's file cannot pass for this one's.
void put_traversal() {
  const std::string name = "conformance-escape-" + std::to_string(::getpid()) + ".bin";
  const std::string target = "/%2e%2e/%2e%2e/" + name;
  const std::string body = "abc";
  const EscapeWatch outside(name);
  const auto put = http_exchange(put_head(target, "Content-Length: 3\r\n\r\n" + body));
  if (!check(put.has_value(), kClear, "an answer to PUT " + target, status_text(put))) return;
  const auto escaped = outside.take_escaped();
  if (!check(escaped.empty(), kClear, "no file " + name + " outside the store root",
             "PUT " + target + " answered " + status_text(put) + " and wrote" + escaped))
    return;
  if (put->status >= 400 && put->status < 500) {
    record("put_traversal", "refused: " + status_text(put));
    return;
  }
  if (!check(put->status / 100 == 2, kClear, "PUT " + target + " refused (4xx) or confined (2xx)",
             status_text(put)))
    return;
  for (const auto& place : {"/" + name, target}) {
    const auto got = http_exchange("GET " + place + " HTTP/1.1\r\nHost: x\r\n\r\n");
    if (got && got->status == 200 && got->body == body) {
      const auto del =
          http_exchange("DELETE " + place + " HTTP/1.1\r\n" + write_headers() + "\r\n");
      record("put_traversal", "written inside the served tree at " + place + " (" +
                                  status_text(put) + "); DELETE: " + status_text(del));
      return;
    }
  }
  check(false, kClear,
        "PUT " + target + " refused (4xx), or the object written inside the served tree",
        status_text(put) + ", and GET finds it neither at /" + name + " nor at " + target +
            ": written outside what the server serves");
}

// Content-Length and Transfer-Encoding together: RFC 9112 §6.1 lets the server reject
// the request, or process it by Transfer-Encoding alone, and either way it MUST close
// the connection after responding (what follows could be a smuggled request). Here the
// chunked body is empty while Content-Length says 3 ("0\r\n"): a 2xx must have made an
// empty object, and the connection must close.
void content_length_and_chunked() {
  const std::string path = victim("cl-te");
  auto c = suite().http_raw();
  c->send(put_head(path, "Content-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n"));
  const auto r = c->read_http_response();
  if (!check(r && (r->status == 400 || r->status / 100 == 2), kClear,
             "400, or a 2xx by Transfer-Encoding alone (RFC 9112 §6.1)", status_text(r)))
    return;
  const bool closed = c->wait_closed(5s);
  if (r->status / 100 == 2) {
    const auto got = http_exchange("GET " + path + " HTTP/1.1\r\nHost: x\r\n\r\n");
    http_exchange("DELETE " + path + " HTTP/1.1\r\n" + write_headers() + "\r\n");
    check(got && got->status == 200 && got->body.empty(), kClear,
          "the object written by Transfer-Encoding alone: 0 bytes",
          status_text(got) + (got ? ", " + std::to_string(got->body.size()) + " bytes" : ""));
  }
  check(closed, kClear, "the connection closed after the response (RFC 9112 §6.1: MUST)",
        "still open 5 s after " + status_text(r));
}

// A case that sends a PUT (a chunked PUT, a multipart POST) names that op: declared
// unsupported (--without) or not allowed by OPTIONS, the case skips. The cases that
// check a refusal of writes without credentials do not: a server that offers no PUT
// (or POST, DELETE, MKCOL) refuses them as well, with 405, which they accept.
// The statuses RFC 9110 allows for a write refused for want of credentials.
std::vector<int> refused(std::string_view method) {
  return allowed_statuses(method, HttpOutcome::refused_without_credentials)->codes;
}

std::vector<Case> cases() {
  using P = Proto;
  std::vector<Case> v;
  const auto big = [](char ch, size_t n) { return std::string(n, ch); };
  // --- HTTP framing and syntax
  v.push_back(http_case("BadInput", "HttpGarbageRequestLine", std::nullopt,
                        [] { return "garbage\r\n\r\n"; }, {400}));
  v.push_back(http_case("BadInput", "HttpUnknownVersion", std::nullopt,
                        [] { return "GET / HTTP/9.9\r\nHost: x\r\n\r\n"; }, {400, 505}));
  v.push_back(http_case("BadInput", "HttpControlCharInTarget", std::nullopt,
                        [] { return "GET /a\x01z HTTP/1.1\r\nHost: x\r\n\r\n"; }, {400}));
  v.push_back(
      http_case("BadInput", "HttpOversizeRequestLine", std::nullopt,
                [big] { return "GET /" + big('a', 70000) + " HTTP/1.1\r\nHost: x\r\n\r\n"; },
                {414, 400, 431}));
  v.push_back(http_case(
      "BadInput", "HttpOversizeHeader", std::nullopt,
      [big] { return "GET / HTTP/1.1\r\nHost: x\r\nX-Big: " + big('b', 70000) + "\r\n\r\n"; },
      {431, 400, 413}));
  v.push_back(http_case("BadInput", "HttpTooManyHeaders", std::nullopt,
                        [] {
                          std::string r = "GET / HTTP/1.1\r\nHost: x\r\n";
                          for (int i = 0; i < 3000; ++i) r += "X-H" + std::to_string(i) + ": v\r\n";
                          return r + "\r\n";
                        },
                        {431, 400, 413}));
  v.push_back(http_case("BadInput", "HttpHeaderWithoutColon", std::nullopt,
                        [] { return "GET / HTTP/1.1\r\nHost: x\r\nNoColonHere\r\n\r\n"; }, {400}));
  v.push_back(Case{"BadInput", "HttpContentLengthAndChunked", P::http, content_length_and_chunked,
                   "cl-te", Op::http_put_chunked});
  v.push_back(http_case(
      "BadInput", "HttpNegativeContentLength", Op::http_put,
      [] { return put_head(victim("neg"), "Content-Length: -5\r\n\r\n"); }, {400}, "neg"));
  v.push_back(http_case(
      "BadInput", "HttpTwoDifferentContentLengths", Op::http_put,
      [] {
        return put_head(victim("two-cl"), "Content-Length: 3\r\nContent-Length: 5\r\n\r\nabcde");
      },
      {400}, "two-cl"));
  v.push_back(http_case(
      "BadInput", "HttpContentLengthOverflow", Op::http_put,
      [] {
        return put_head(victim("cl-overflow"),
                        "Content-Length: 99999999999999999999999\r\n\r\nabc");
      },
      {400, 413}, "cl-overflow"));
  v.push_back(http_case(
      "BadInput", "HttpBadChunkSize", Op::http_put_chunked,
      [] {
        return put_head(victim("bad-chunk"),
                        "Transfer-Encoding: chunked\r\n\r\nzz\r\nabc\r\n0\r\n\r\n");
      },
      {400}, "bad-chunk"));
  v.push_back(http_case(
      "BadInput", "HttpChunkSizeOverflow", Op::http_put_chunked,
      [] {
        return put_head(
            victim("chunk-overflow"),
            "Transfer-Encoding: chunked\r\n\r\nFFFFFFFFFFFFFFFFFFFF\r\nabc\r\n0\r\n\r\n");
      },
      {400, 413}, "chunk-overflow"));
  v.push_back(http_case(
      "BadInput", "HttpChunkWithoutCrlf", Op::http_put_chunked,
      [] {
        return put_head(victim("chunk-crlf"),
                        "Transfer-Encoding: chunked\r\n\r\n3\r\nabcXY4\r\nabcd\r\n0\r\n\r\n");
      },
      {400}, "chunk-crlf"));
  v.push_back(http_case(
      "BadInput", "HttpUnknownTransferCoding", Op::http_put,
      [] { return put_head(victim("te-gzip"), "Transfer-Encoding: gzip\r\n\r\nabc"); },
      {400, 501, 411}, "te-gzip"));
  v.push_back(Case{"BadInput", "HttpLyingContentLengthThenClose", P::http,
                   [] {
                     auto conn = suite().http_raw();
                     conn->send(put_head(victim("short-body"), "Content-Length: 100000\r\n\r\n") +
                                std::string(1000, 'x'));
                     conn->shutdown_write();
                     const auto r = conn->read_http_response(10s);
                     check(!r || r->status >= 400, kClear,
                           "no 2xx for a body cut short (an error or a close)", status_text(r));
                   },
                   "short-body", Op::http_put});
  v.push_back(Case{"BadInput", "HttpTruncatedChunkedBodyThenClose", P::http,
                   [] {
                     auto conn = suite().http_raw();
                     conn->send(put_head(victim("short-chunked"),
                                         "Transfer-Encoding: chunked\r\n\r\n1000\r\n") +
                                std::string(100, 'x'));
                     conn->shutdown_write();
                     const auto r = conn->read_http_response(10s);
                     check(!r || r->status >= 400, kClear, "no 2xx for a chunked body cut short",
                           status_text(r));
                   },
                   "short-chunked", Op::http_put_chunked});
  v.push_back(http_case(
      "BadInput", "HttpMultipartWithoutClosingBoundary", Op::http_post,
      [] {
        return multipart(suite().http_dir("hostile"), "multipart/form-data; boundary=XyZ",
                         "--XyZ\r\nContent-Disposition: form-data; name=\"f\"; "
                         "filename=\"mp-open\"\r\n\r\ndata");
      },
      {400}, "mp-open"));
  v.push_back(http_case(
      "BadInput", "HttpMultipartWrongBoundary", Op::http_post,
      [] {
        return multipart(suite().http_dir("hostile"), "multipart/form-data; boundary=XyZ",
                         "--Other\r\nContent-Disposition: form-data; name=\"f\"; "
                         "filename=\"mp-wrong\"\r\n\r\ndata\r\n--Other--\r\n");
      },
      {400}, "mp-wrong"));
  v.push_back(http_case("BadInput", "HttpMultipartWithoutBoundaryParameter", Op::http_post,
                        [] {
                          return multipart(suite().http_dir("hostile"), "multipart/form-data",
                                           "--a\r\n\r\nx\r\n--a--\r\n");
                        },
                        {400, 415}));
  v.push_back(http_case(
      "BadInput", "HttpMultipartPartWithoutHeaderEnd", Op::http_post,
      [] {
        return multipart(
            suite().http_dir("hostile"), "multipart/form-data; boundary=XyZ",
            "--XyZ\r\nContent-Disposition: form-data; name=\"f\"; filename=\"mp-head\"" +
                std::string(2000, ' ') + "\r\n--XyZ--\r\n");
      },
      {400, 431, 413}, "mp-head"));
  v.push_back(http_case("BadInput", "HttpInvalidPercentEscape", std::nullopt,
                        [] { return "GET /a%zz HTTP/1.1\r\nHost: x\r\n\r\n"; }, {400, 404}));
  // --- HTTP security
  v.push_back(http_case("Security", "HttpTraversalRaw", std::nullopt,
                        [] { return "GET /../../../../etc/passwd HTTP/1.1\r\nHost: x\r\n\r\n"; },
                        {400, 403, 404}));
  v.push_back(
      http_case("Security", "HttpTraversalPercentEncoded", std::nullopt,
                [] { return "GET /%2e%2e/%2e%2e/%2e%2e/etc/passwd HTTP/1.1\r\nHost: x\r\n\r\n"; },
                {400, 403, 404}));
  v.push_back(
      http_case("Security", "HttpTraversalDoubleEncoded", std::nullopt,
                [] { return "GET /%252e%252e/%252e%252e/etc/passwd HTTP/1.1\r\nHost: x\r\n\r\n"; },
                {400, 403, 404}));
  v.push_back(
      http_case("Security", "HttpTraversalBackslash", std::nullopt,
                [] { return "GET /..%5c..%5c..%5cetc%5cpasswd HTTP/1.1\r\nHost: x\r\n\r\n"; },
                {400, 403, 404}));
  v.push_back(Case{"Security", "HttpPutTraversal", P::http, put_traversal, "", Op::http_put});
  v.push_back(http_case("Security", "HttpNulInPathEncoded", std::nullopt,
                        [] { return "GET /a%00b HTTP/1.1\r\nHost: x\r\n\r\n"; }, {400, 404}));
  v.push_back(http_case("Security", "HttpNulInPathRaw", std::nullopt,
                        [] {
                          constexpr char kRequest[] = "GET /a\0b HTTP/1.1\r\nHost: x\r\n\r\n";
                          return std::string(kRequest, sizeof kRequest - 1);
                        },
                        {400}));
  v.push_back(http_case(
      "Security", "HttpPutWithoutCredentials", std::nullopt,
      [] {
        return "PUT " + victim("no-auth") + " HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n\r\nabc";
      },
      refused("PUT"), "no-auth"));
  v.push_back(http_case(
      "Security", "HttpPutWithWrongCredentials", std::nullopt,
      [] {
        return "PUT " + victim("bad-auth") +
               " HTTP/1.1\r\nHost: x\r\nAuthorization: Basic bm9ib2R5Ondyb25n\r\nContent-Length: "
               "3\r\n\r\nabc";
      },
      refused("PUT"), "bad-auth"));
  // DELETE without credentials, on an object of its own: a server that wrongly deletes
  // loses that one, not the known object that every case reads afterwards.
  v.push_back(
      Case{"Security", "HttpDeleteWithoutCredentials", P::http,
           [] {
             const auto k = http_object("no-auth-delete.bin", "hostile");
             const auto r = http_exchange("DELETE " + k.path + " HTTP/1.1\r\nHost: x\r\n\r\n");
             if (r && r->status >= 200 && r->status < 300) {
               check(false, kNeedsCredentials, statuses_text(refused("DELETE")),
                     status_text(r) + ": anonymous writes allowed (the object is gone)");
               return;
             }
             check_outcome(r, "DELETE", HttpOutcome::refused_without_credentials,
                           "A DELETE without credentials is refused.");
             const auto g = http_exchange("GET " + k.path + " HTTP/1.1\r\nHost: x\r\n\r\n");
             check(g && g->status == 200 && g->body == k.content, kAfter,
                   "the object is still there: 200 and its 1000 bytes",
                   status_text(g) + (g ? ", " + std::to_string(g->body.size()) + " bytes" : ""));
           },
           "", Op::http_put});
  v.push_back(http_case(
      "Security", "HttpMkcolWithoutCredentials", std::nullopt,
      [] { return "MKCOL " + victim("no-auth-dir/") + " HTTP/1.1\r\nHost: x\r\n\r\n"; },
      refused("MKCOL"), "no-auth-dir"));
  v.push_back(http_case(
      "Security", "HttpPostWithoutCredentials", std::nullopt,
      [] {
        const std::string body = "--b\r\nContent-Disposition: form-data; name=\"f\"; filename=\"" +
                                 victim_name("post-no-auth") + "\"\r\n\r\nx\r\n--b--\r\n";
        return "POST " + victim_dir() +
               " HTTP/1.1\r\nHost: x\r\nContent-Type: multipart/form-data; "
               "boundary=b\r\nContent-Length: " +
               std::to_string(body.size()) + "\r\n\r\n" + body;
      },
      refused("POST"), "post-no-auth"));
  v.push_back(Case{
      "Security", "HttpSlowlorisIsCutOff", P::http,
      [] {
        auto slow = suite().http_raw();
        slow->send("GET / HTTP/1.1\r\nHost: x\r\n");  // and never the blank line
        // Served: the known object when the suite can make it, else any answer below 500.
        if (suite().why_not(Op::http_put).empty()) {
          const auto r = http_exchange("GET " + http_known().path + " HTTP/1.1\r\nHost: x\r\n\r\n");
          check(r && r->status == 200, kAfter, "other clients are served while a slow one waits",
                status_text(r));
        } else {
          const auto r = http_exchange("HEAD / HTTP/1.1\r\nHost: x\r\n\r\n", true);
          check(r && r->status < 500, kAfter,
                "other clients are served while a slow one waits: HEAD / below 500",
                status_text(r));
        }
        const auto limit =
            std::chrono::milliseconds(static_cast<long>(suite().config.slowloris_seconds * 1000));
        // No RFC sets this time: it is the user's policy, judged against the flag.
        constexpr Requirement kSlowloris{
            "policy (--slowloris-seconds)",
            "A client that never finishes its header block is cut off in time, so idle "
            "connections cannot pile up."};
        check(slow->wait_closed(limit), kSlowloris,
              "cut off within " + fixed(suite().config.slowloris_seconds, 0) + " s",
              "still open after " + fixed(suite().config.slowloris_seconds, 0) + " s");
      },
      ""});
  return v;
}

[[maybe_unused]] const bool registered = register_cases(cases(), __FILE__, __LINE__);

}  // namespace
}  // namespace streamcheck::conformance::hostile
