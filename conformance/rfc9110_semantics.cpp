// RFC 9110 HTTP Semantics: methods (§9), validators (§8.8), conditional requests (§13)
// and Range requests (§14), over raw connections so every byte is what the RFC says.
#include <cctype>

#include "conformance/raw.hpp"

namespace streamcheck::conformance {
namespace {

std::string get(const std::string& path, const std::string& headers = "") {
  return "GET " + path + " HTTP/1.1\r\nHost: x\r\n" + headers + "\r\n";
}

// A response's framing (RFC 9112 §6.3): Content-Length when it has one, else chunked or
// the close. Content-Length is a SHOULD (RFC 9110 §8.6: an origin server "SHOULD send a
// Content-Length header field when the content size is known prior to sending the
// complete header section", absent Transfer-Encoding), so a chunked or close-delimited
// response is legal: the bytes read are judged, and a Content-Length, when sent, MUST
// match them.
bool chunked(const bench::RawHttpResponse& r) {
  auto te = r.header("Transfer-Encoding");
  for (auto& ch : te) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
  return te.find("chunked") != std::string::npos;
}

TEST(Rfc9110Methods, GetGives200AndTheStoredBytes) {
  SKIP_UNLESS_HTTP_KNOWN();
  const auto& k = http_known();
  const auto r = http_exchange(get(k.path));
  if (!check_outcome(r, "GET", HttpOutcome::ok, "GET transfers the target's representation."))
    return;
  check(r->body == k.content,
        {"RFC 9110 §9.3.1", "GET transfers the target's representation: the bytes stored."},
        "the 1000 bytes stored",
        std::to_string(r->body.size()) + " bytes" + (r->body == k.content ? "" : " that differ") +
            (chunked(*r) ? " (chunked)" : ""));
  const auto length = r->header("Content-Length");
  if (!length.empty()) {
    check(length == "1000", {"RFC 9110 §8.6", "A Content-Length sent is the size of the content."},
          "Content-Length: 1000", "Content-Length: " + length);
  } else if (!chunked(*r)) {
    check(false,
          {"RFC 9110 §8.6",
           "Without Transfer-Encoding, a response whose size is known carries Content-Length.",
           Level::should},
          "Content-Length: 1000", "no Content-Length, the body delimited by the close");
  }
}

// HEAD is GET without content (§9.3.2): the server MUST NOT send content, SHOULD send
// the header fields a GET would have. Content-Length on a HEAD is a MAY (§8.6), but when
// sent it MUST be what the GET's content would be; a GET that had one and a HEAD that
// lacks it is the SHOULD missed. A GET pipelined behind the HEAD shows that no content
// came: any byte of it would be read as the GET's status line. A HEAD answered with
// Connection: close ends the connection instead, and then nothing may follow it.
TEST(Rfc9110Methods, HeadGivesGetHeadersWithoutBody) {
  SKIP_UNLESS_HTTP_KNOWN();
  const auto& k = http_known();
  auto conn = suite().http_raw();
  conn->send("HEAD " + k.path + " HTTP/1.1\r\nHost: x\r\n\r\n" + get(k.path));
  const auto head = conn->read_http_response(std::chrono::seconds(10), true);
  if (!check_outcome(head, "HEAD", HttpOutcome::ok, "HEAD is answered as GET would be.")) return;
  std::optional<bench::RawHttpResponse> after;
  std::string garbage;
  try {
    after = conn->read_http_response();
  } catch (const std::exception& e) {
    garbage = e.what();
  }
  auto connection = head->header("Connection");
  for (auto& ch : connection) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
  const bool closes = connection.find("close") != std::string::npos;
  check(garbage.empty() && (after ? after->status == 200 && after->body == k.content : closes),
        {"RFC 9110 §9.3.2", "The server MUST NOT send content in the response to HEAD."},
        "the next response on the connection is the GET's 200 with 1000 bytes (or nothing, "
        "after Connection: close)",
        !garbage.empty() ? "bytes after the HEAD response: " + garbage
                         : status_text(after) +
                               (after ? ", " + std::to_string(after->body.size()) + " bytes" : ""));
  const auto length = head->header("Content-Length");
  const auto as_get = after ? after : http_exchange(get(k.path));
  if (!length.empty()) {
    check(length == "1000",
          {"RFC 9110 §8.6",
           "A Content-Length on a HEAD response is the size a GET's content would have."},
          "Content-Length: 1000", "Content-Length: " + length);
  } else if (as_get && !as_get->header("Content-Length").empty()) {
    check(false,
          {"RFC 9110 §9.3.2", "HEAD sends the header fields GET would have sent.", Level::should},
          "Content-Length: " + as_get->header("Content-Length") + ", as the GET",
          "no Content-Length");
  }
}

TEST(Rfc9110Methods, MissingResourceIs404Or410) {
  SKIP_UNLESS_HTTP();
  check_outcome(http_exchange(get(suite().http_dir("rfc") + "no-such-object")), "GET",
                HttpOutcome::missing, "A target that does not exist gets 404 (or 410).");
}

// The method is judged before the target: "/" serves on any server, with or without
// an object of the suite's.
TEST(Rfc9110Methods, UnknownMethodIs501Or405) {
  SKIP_UNLESS_HTTP();
  check_outcome(http_exchange("FROB / HTTP/1.1\r\nHost: x\r\n\r\n"), "FROB",
                HttpOutcome::unrecognized_method, "An unrecognized method gets 501 (or 405).");
}

TEST(Rfc9110Methods, PutCreates201AndReplaces200Or204) {
  SKIP_UNLESS_APPLIES(Op::http_put);
  const auto path = suite().http_dir("rfc") + fresh_name("put-status", ".bin");
  const auto put = [&](const std::string& body) {
    return http_exchange("PUT " + path + " HTTP/1.1\r\n" + write_headers() +
                         "Content-Length: " + std::to_string(body.size()) + "\r\n\r\n" + body);
  };
  check_outcome(put("first"), "PUT", HttpOutcome::created, "A PUT that creates gets 201.");
  check_outcome(put("second"), "PUT", HttpOutcome::replaced,
                "A PUT that replaces gets 200 or 204.");
  const auto r = http_exchange(get(path));
  check(r && r->body == "second", {"RFC 9110 §9.3.4", "GET after PUT gives what was PUT."},
        "\"second\"", r ? "\"" + r->body + "\"" : status_text(r));
}

// §8.8.3: an origin server SHOULD send an ETag; without one there is nothing of a
// validator to judge, which is said as a warning, and the rest of the test skips.
void warn_without(const char* field, const char* section, const std::string& how) {
  check(false,
        {section, "An origin server sends a validator for a representation it can tell apart.",
         Level::should},
        std::string(field) + " on a 200 to GET", how);
}

// The PUTs are those the profile says work, so each must be taken and the object then
// served: a PUT answered 404, or a GET of it answered 404, is a failure here, not a server
// without ETags. Only a strong ETag promises to change with every change (§8.8.1); a weak
// one (W/) may not, so this test judges strong ones only.
TEST(Rfc9110Validators, StrongEtagChangesWithContent) {
  SKIP_UNLESS_APPLIES(Op::http_put);
  const auto path = suite().http_dir("rfc") + "etag.bin";
  std::string etags[2];
  for (int i = 0; i < 2; ++i) {
    const std::string body = i == 0 ? "version one" : "version two";
    const auto put =
        http_exchange("PUT " + path + " HTTP/1.1\r\n" + write_headers() +
                      "Content-Length: " + std::to_string(body.size()) + "\r\n\r\n" + body);
    if (!check_outcome(put, "PUT", HttpOutcome::stored, "A PUT the server offers is taken."))
      return;
    const auto r = http_exchange(get(path));
    if (!check(r && r->status == 200 && r->body == body,
               {"RFC 9110 §9.3.4", "GET after PUT gives what was PUT."}, "200 and \"" + body + "\"",
               status_text(r) + (r ? ", \"" + r->body + "\"" : "")))
      return;
    etags[i] = r->header("ETag");
  }
  if (etags[0].empty() || etags[1].empty()) {
    warn_without("ETag", "RFC 9110 §8.8.3", "no ETag");
    GTEST_SKIP() << "the server sends no ETag (RFC 9110 §8.8.3: SHOULD, warned): no validator "
                    "to judge";
  }
  if (etags[0].starts_with("W/") || etags[1].starts_with("W/"))
    GTEST_SKIP() << "the server sends weak ETags (" << etags[0] << " then " << etags[1]
                 << "), which RFC 9110 §8.8.1 allows: a weak one need not change with every "
                    "change, so there is nothing of a strong one to judge";
  check(etags[0] != etags[1],
        {"RFC 9110 §8.8.1, §8.8.3", "A strong ETag changes whenever the representation changes."},
        "two different strong ETags", etags[0] + " then " + etags[1]);
}

TEST(Rfc9110Conditional, IfNoneMatchGives304) {
  SKIP_UNLESS_HTTP_KNOWN();
  const auto& k = http_known();
  const auto other = http_exchange(get(k.path, "If-None-Match: \"not-it\"\r\n"));
  check_outcome(other, "GET", HttpOutcome::ok,
                "GET with a non-matching If-None-Match is served: 200.");
  const auto first = http_exchange(get(k.path));
  if (!check_outcome(first, "GET", HttpOutcome::ok, "GET of the object: 200.")) return;
  if (first->header("ETag").empty()) {
    warn_without("ETag", "RFC 9110 §8.8.3", "no ETag");
    GTEST_SKIP() << "the server sends no ETag (RFC 9110 §8.8.3: SHOULD, warned): no "
                    "entity-tag to send back in If-None-Match";
  }
  // If-None-Match compares weakly (§13.1.2): a weak ETag matches as well as a strong one.
  check_outcome(http_exchange(get(k.path, "If-None-Match: " + first->header("ETag") + "\r\n")),
                "GET", HttpOutcome::not_modified, "GET with a matching If-None-Match gets 304.");
}

TEST(Rfc9110Conditional, IfModifiedSinceGives304) {
  SKIP_UNLESS_HTTP_KNOWN();
  const auto& k = http_known();
  const auto first = http_exchange(get(k.path));
  if (!check_outcome(first, "GET", HttpOutcome::ok, "GET of the object: 200.")) return;
  if (first->header("Last-Modified").empty()) {
    warn_without("Last-Modified", "RFC 9110 §8.8.2.1", "no Last-Modified");
    GTEST_SKIP() << "the server sends no Last-Modified (RFC 9110 §8.8.2.1: SHOULD, warned): "
                    "no date to send back in If-Modified-Since";
  }
  check_outcome(
      http_exchange(get(k.path, "If-Modified-Since: " + first->header("Last-Modified") + "\r\n")),
      "GET", HttpOutcome::not_modified,
      "GET with If-Modified-Since at the Last-Modified date gets 304.");
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
  check_outcome(r, "PUT", HttpOutcome::precondition_failed,
                "A PUT whose If-Match does not match is not performed: 412.");
  expect_unchanged(k, {"RFC 9110 §13.1.1", "The refused PUT leaves the object as it was."});
}

TEST(Rfc9110Conditional, IfNoneMatchStarOnExistingIs412) {
  SKIP_UNLESS_APPLIES(Op::http_put);
  const auto k = http_object("if-none-match.bin");
  const auto r = http_exchange("PUT " + k.path + " HTTP/1.1\r\n" + write_headers() +
                               "If-None-Match: *\r\nContent-Length: 3\r\n\r\nabc");
  check_outcome(r, "PUT", HttpOutcome::precondition_failed,
                "PUT with If-None-Match: * on an existing object gets 412.");
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
  if (!check_outcome(r, "GET", HttpOutcome::range_not_satisfiable,
                     "A Range that no byte satisfies gets 416."))
    return;
  check(r->header("Content-Range") == "bytes */1000",
        {"RFC 9110 §15.5.17",
         "A 416 to a byte-range request carries Content-Range with the current length.",
         Level::should},
        "Content-Range: bytes */1000", "Content-Range: " + r->header("Content-Range"));
}

TEST(Rfc9110Range, UnknownRangeUnitIsIgnored) {
  SKIP_UNLESS_HTTP_KNOWN();
  const auto r = http_exchange(get(http_known().path, "Range: items=0-5\r\n"));
  check_outcome(r, "GET", HttpOutcome::ok,
                "A Range with a unit the server does not know is ignored: 200.");
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
