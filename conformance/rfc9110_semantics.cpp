// RFC 9110 HTTP Semantics: methods (§9), validators (§8.8), conditional requests (§13)
// and Range requests (§14), over raw connections so every byte is what the RFC says.
#include "conformance/raw.hpp"

namespace streamcheck::conformance {
namespace {

std::string get(const std::string& path, const std::string& headers = "") {
  return "GET " + path + " HTTP/1.1\r\nHost: x\r\n" + headers + "\r\n";
}

TEST(Rfc9110Methods, GetGives200WithContentLengthAndBody) {
  SKIP_UNLESS_HTTP_KNOWN();
  const auto& k = http_known();
  const auto r = http_exchange(get(k.path));
  CHECK_STATUS(r, (Requirement{"RFC 9110 §9.3.1", "GET transfers the target's representation."}),
               200);
  if (!r) return;
  check(r->header("Content-Length") == "1000" && r->body == k.content,
        {"RFC 9110 §8.6", "Content-Length gives the size of the content, and the content follows."},
        "Content-Length: 1000 and the 1000 bytes stored",
        "Content-Length: " + r->header("Content-Length") + ", " + std::to_string(r->body.size()) +
            " bytes" + (r->body == k.content ? "" : " that differ"));
}

TEST(Rfc9110Methods, HeadGivesGetHeadersWithoutBody) {
  SKIP_UNLESS_HTTP_KNOWN();
  const auto& k = http_known();
  auto conn = suite().http_raw();
  conn->send("HEAD " + k.path + " HTTP/1.1\r\nHost: x\r\n\r\n" + get(k.path));
  const auto head = conn->read_http_response(std::chrono::seconds(10), true);
  const auto after = conn->read_http_response();
  constexpr Requirement req{"RFC 9110 §9.3.2",
                            "HEAD is GET without content: same header fields, no body."};
  CHECK_STATUS(head, req, 200);
  if (!head) return;
  check(head->header("Content-Length") == "1000", req, "Content-Length: 1000",
        "Content-Length: " + head->header("Content-Length"));
  // A body after HEAD would be read as the next response's status line.
  check(after && after->status == 200 && after->body == k.content, req,
        "the next response on the connection is the GET's 200 with 1000 bytes",
        status_text(after) + (after ? ", " + std::to_string(after->body.size()) + " bytes" : ""));
}

TEST(Rfc9110Methods, MissingResourceIs404) {
  SKIP_UNLESS_HTTP();
  const auto r = http_exchange(get(suite().http_dir("rfc") + "no-such-object"));
  CHECK_STATUS(r, (Requirement{"RFC 9110 §15.5.5", "A target that does not exist gets 404."}), 404);
}

// The method is judged before the target: "/" serves on any server, with or without
// an object of the suite's.
TEST(Rfc9110Methods, UnknownMethodIs501Or405) {
  SKIP_UNLESS_HTTP();
  const auto r = http_exchange("FROB / HTTP/1.1\r\nHost: x\r\n\r\n");
  CHECK_STATUS(r, (Requirement{"RFC 9110 §9.1", "An unrecognized method gets 501 (or 405)."}), 501,
               405);
}

TEST(Rfc9110Methods, PutCreates201AndReplaces200Or204) {
  SKIP_UNLESS_APPLIES(Op::http_put);
  const auto path = suite().http_dir("rfc") + fresh_name("put-status", ".bin");
  const auto put = [&](const std::string& body) {
    return http_exchange("PUT " + path + " HTTP/1.1\r\n" + write_headers() +
                         "Content-Length: " + std::to_string(body.size()) + "\r\n\r\n" + body);
  };
  CHECK_STATUS(put("first"), (Requirement{"RFC 9110 §9.3.4", "A PUT that creates gets 201."}), 201);
  CHECK_STATUS(put("second"),
               (Requirement{"RFC 9110 §9.3.4", "A PUT that replaces gets 200 or 204."}), 200, 204);
  const auto r = http_exchange(get(path));
  check(r && r->body == "second", {"RFC 9110 §9.3.4", "GET after PUT gives what was PUT."},
        "\"second\"", r ? "\"" + r->body + "\"" : status_text(r));
}

TEST(Rfc9110Validators, StrongEtagChangesWithContent) {
  SKIP_UNLESS_APPLIES(Op::http_put);
  const auto path = suite().http_dir("rfc") + "etag.bin";
  constexpr Requirement req{"RFC 9110 §8.8.3",
                            "A strong ETag changes whenever the representation changes."};
  std::string etags[2];
  for (int i = 0; i < 2; ++i) {
    const std::string body = i == 0 ? "version one" : "version two";
    http_exchange("PUT " + path + " HTTP/1.1\r\n" + write_headers() +
                  "Content-Length: " + std::to_string(body.size()) + "\r\n\r\n" + body);
    const auto r = http_exchange(get(path));
    if (!r) return (void)check(false, req, "a response", status_text(r));
    etags[i] = r->header("ETag");
  }
  if (etags[0].empty()) GTEST_SKIP() << "the server sends no ETag (RFC 9110 §8.8.3: SHOULD)";
  if (etags[0].starts_with("W/") || etags[1].starts_with("W/"))
    GTEST_SKIP() << "the server sends weak ETags (" << etags[0] << " then " << etags[1]
                 << "), which RFC 9110 §8.8.1 allows; this test is about strong ones";
  check(etags[0] != etags[1], req, "two different strong ETags", etags[0] + " then " + etags[1]);
}

TEST(Rfc9110Conditional, IfNoneMatchGives304) {
  SKIP_UNLESS_HTTP_KNOWN();
  const auto& k = http_known();
  const auto first = http_exchange(get(k.path));
  if (!first || first->header("ETag").empty()) GTEST_SKIP() << "the server sends no ETag";
  const auto r = http_exchange(get(k.path, "If-None-Match: " + first->header("ETag") + "\r\n"));
  CHECK_STATUS(r, (Requirement{"RFC 9110 §13.1.2", "GET with a matching If-None-Match gets 304."}),
               304);
  const auto other = http_exchange(get(k.path, "If-None-Match: \"not-it\"\r\n"));
  CHECK_STATUS(other,
               (Requirement{"RFC 9110 §13.1.2", "GET with a non-matching If-None-Match gets 200."}),
               200);
}

TEST(Rfc9110Conditional, IfModifiedSinceGives304) {
  SKIP_UNLESS_HTTP_KNOWN();
  const auto& k = http_known();
  const auto first = http_exchange(get(k.path));
  if (!first || first->header("Last-Modified").empty())
    GTEST_SKIP() << "the server sends no Last-Modified";
  const auto r =
      http_exchange(get(k.path, "If-Modified-Since: " + first->header("Last-Modified") + "\r\n"));
  CHECK_STATUS(r,
               (Requirement{"RFC 9110 §13.1.3",
                            "GET with If-Modified-Since at the Last-Modified date gets 304."}),
               304);
}

// The two conditional PUTs below expect to be refused, so each writes to an object of
// its own: a server that wrongly performs the PUT fails that test alone, while the
// known object that the Range, framing and hostile-input tests compare against stays
// as it was.
void expect_unchanged(const Known& k, const Requirement& req) {
  const auto now = http_exchange(get(k.path));
  check(now && now->status == 200 && now->body == k.content, req, "the 1000 bytes stored",
        status_text(now) + (now ? ", " + std::to_string(now->body.size()) + " bytes" +
                                      (now->body == k.content ? "" : " that differ")
                                : ""));
}

TEST(Rfc9110Conditional, IfMatchMismatchIs412AndNothingChanges) {
  SKIP_UNLESS_APPLIES(Op::http_put);
  const auto k = http_object("if-match.bin");
  const auto r = http_exchange("PUT " + k.path + " HTTP/1.1\r\n" + write_headers() +
                               "If-Match: \"not-the-etag\"\r\nContent-Length: 3\r\n\r\nabc");
  CHECK_STATUS(r,
               (Requirement{"RFC 9110 §13.1.1",
                            "A PUT whose If-Match does not match is not performed: 412."}),
               412);
  expect_unchanged(k, {"RFC 9110 §13.1.1", "The refused PUT leaves the object as it was."});
}

TEST(Rfc9110Conditional, IfNoneMatchStarOnExistingIs412) {
  SKIP_UNLESS_APPLIES(Op::http_put);
  const auto k = http_object("if-none-match.bin");
  const auto r = http_exchange("PUT " + k.path + " HTTP/1.1\r\n" + write_headers() +
                               "If-None-Match: *\r\nContent-Length: 3\r\n\r\nabc");
  CHECK_STATUS(r,
               (Requirement{"RFC 9110 §13.1.2",
                            "PUT with If-None-Match: * on an existing object gets 412."}),
               412);
  expect_unchanged(k, {"RFC 9110 §13.1.2", "The refused PUT leaves the object as it was."});
}

// Range is optional (RFC 9110 §14.2: a server MAY ignore it): a server that ignores it is
// judged only where the RFC binds every server (unknown units, If-Range); one that
// honours it (206 to the profile's probe) must honour it right.
#define SKIP_UNLESS_RANGE_HONOURED()                                                            \
  do {                                                                                          \
    SKIP_UNLESS_HTTP_KNOWN();                                                                   \
    if (const auto& range_ = suite().profile().range; range_.no())                              \
      GTEST_SKIP() << "the server ignores Range (" << range_.how                                \
                   << "), which RFC 9110 §14.2 allows: its 206 and 416 replies are not judged"; \
  } while (0)

constexpr Requirement kRange206{"RFC 9110 §14.2, §15.3.7",
                                "A satisfiable single Range gets 206 with Content-Range and "
                                "exactly those bytes."};

void expect_range(const std::string& range, std::uint64_t first, std::uint64_t last) {
  const auto& k = http_known();
  const auto r = http_exchange(get(k.path, "Range: " + range + "\r\n"));
  const std::string want_cr =
      "bytes " + std::to_string(first) + "-" + std::to_string(last) + "/1000";
  const std::string want_body = k.content.substr(first, last - first + 1);
  check(r && r->status == 206 && r->header("Content-Range") == want_cr && r->body == want_body,
        kRange206,
        range + ": 206, Content-Range: " + want_cr + ", " + std::to_string(want_body.size()) +
            " bytes",
        status_text(r) + (r ? ", Content-Range: " + r->header("Content-Range") + ", " +
                                  std::to_string(r->body.size()) + " bytes" +
                                  (r->body == want_body ? "" : " (not those)")
                            : ""));
}

TEST(Rfc9110Range, SingleRangeGets206) {
  SKIP_UNLESS_RANGE_HONOURED();
  expect_range("bytes=100-199", 100, 199);
}
TEST(Rfc9110Range, OpenEndedRangeGets206) {
  SKIP_UNLESS_RANGE_HONOURED();
  expect_range("bytes=900-", 900, 999);
}
TEST(Rfc9110Range, SuffixRangeGets206) {
  SKIP_UNLESS_RANGE_HONOURED();
  expect_range("bytes=-100", 900, 999);
}
TEST(Rfc9110Range, RangePastTheEndIsTrimmed) {
  SKIP_UNLESS_RANGE_HONOURED();
  expect_range("bytes=990-5000", 990, 999);
}

TEST(Rfc9110Range, UnsatisfiableRangeIs416) {
  SKIP_UNLESS_RANGE_HONOURED();
  const auto r = http_exchange(get(http_known().path, "Range: bytes=5000-6000\r\n"));
  constexpr Requirement req{"RFC 9110 §15.5.17", "A Range that no byte satisfies gets 416."};
  CHECK_STATUS(r, req, 416);
  // Content-Range on a 416 is a SHOULD (§15.5.17): recorded, not judged.
  if (r && r->status == 416) record("content_range_416", r->header("Content-Range"));
}

TEST(Rfc9110Range, UnknownRangeUnitIsIgnored) {
  SKIP_UNLESS_HTTP_KNOWN();
  const auto r = http_exchange(get(http_known().path, "Range: items=0-5\r\n"));
  CHECK_STATUS(r,
               (Requirement{"RFC 9110 §14.2",
                            "A Range with a unit the server does not know is ignored: 200."}),
               200);
}

TEST(Rfc9110Range, IfRangeMismatchGivesWholeObject) {
  SKIP_UNLESS_HTTP_KNOWN();
  const auto r =
      http_exchange(get(http_known().path, "Range: bytes=0-9\r\nIf-Range: \"not-it\"\r\n"));
  constexpr Requirement req{"RFC 9110 §13.1.5",
                            "A Range whose If-Range does not match is ignored: 200 and the "
                            "whole object."};
  check(r && r->status == 200 && r->body.size() == 1000, req, "status 200 and 1000 bytes",
        status_text(r) + (r ? ", " + std::to_string(r->body.size()) + " bytes" : ""));
}

}  // namespace
}  // namespace streamcheck::conformance
