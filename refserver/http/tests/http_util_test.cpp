#include "refserver/http/http_util.hpp"

#include <gtest/gtest.h>

namespace streamcheck::http {
namespace {

using boost::beast::http::status;

TEST(DecodeTargetPath, DecodesEscapesAndDropsQuery) {
  EXPECT_EQ(decode_target_path("/a%20b/c?x=1#f"), "/a b/c");
  EXPECT_EQ(decode_target_path("/%2e%2e/etc"), "/../etc");  // the store rejects it later
  EXPECT_EQ(decode_target_path("/a+b"), "/a+b");
  EXPECT_EQ(decode_target_path("/%C3%A9"), "/\xC3\xA9");
}

TEST(DecodeTargetPath, RejectsMalformedEscapesAndNul) {
  EXPECT_FALSE(decode_target_path("/a%"));
  EXPECT_FALSE(decode_target_path("/a%2"));
  EXPECT_FALSE(decode_target_path("/a%zz"));
  EXPECT_FALSE(decode_target_path("/a%00b"));
  EXPECT_FALSE(decode_target_path(std::string_view("/a\0b", 4)));
}

TEST(EncodePath, KeepsSlashesAndUnreserved) {
  EXPECT_EQ(encode_path("/a b/c~d.e_f-g"), "/a%20b/c~d.e_f-g");
  EXPECT_EQ(encode_path("/<x>&\"'"), "/%3Cx%3E%26%22%27");
}

TEST(HttpDate, FormatsAndParsesImfFixdate) {
  EXPECT_EQ(format_http_date(784111777), "Sun, 06 Nov 1994 08:49:37 GMT");
  EXPECT_EQ(parse_http_date("Sun, 06 Nov 1994 08:49:37 GMT"), 784111777);
  EXPECT_FALSE(parse_http_date("Sun, 06 Foo 1994 08:49:37 GMT"));
  EXPECT_FALSE(parse_http_date("Sun, 06 Nov 1994 28:49:37 GMT"));
  EXPECT_FALSE(parse_http_date(""));
}

// RFC 9110 §5.6.7: a recipient MUST accept the obsolete formats too.
TEST(HttpDate, ParsesTheObsoleteFormats) {
  EXPECT_EQ(parse_http_date("Sunday, 06-Nov-94 08:49:37 GMT"), 784111777);
  EXPECT_EQ(parse_http_date("Sun Nov  6 08:49:37 1994"), 784111777);
  EXPECT_EQ(parse_http_date("Sun Nov 06 08:49:37 1994"), 784111777);
  // A two-digit year is the one within 50 years of now: 94 is 1994 and 70 is 2070 (from
  // 2020 until 2044 this test is right as written).
  EXPECT_EQ(parse_http_date("Tuesday, 01-Jan-70 00:00:00 GMT"), 3155760000);
  EXPECT_FALSE(parse_http_date("Sun, 06-Nov-94 08:49:37 GMT"));     // day name too short
  EXPECT_FALSE(parse_http_date("Sunday, 06-nov-94 08:49:37 GMT"));  // names are case-sensitive
  EXPECT_FALSE(parse_http_date("Sun Nov 6  08:49:37 1994"));
  EXPECT_FALSE(parse_http_date("Sun Nov  6 08:49:37 94"));
  // A leap second past the end of 9999 has no IMF-fixdate.
  EXPECT_EQ(parse_http_date("Fri, 31 Dec 9999 23:59:59 GMT"), 253402300799);
  EXPECT_FALSE(parse_http_date("Fri, 31 Dec 9999 23:59:60 GMT"));
}

TEST(Rfc9110Range, SingleRanges) {
  auto r = parse_range("bytes=0-99", 1000);
  ASSERT_EQ(r.verdict, RangeVerdict::satisfiable);
  EXPECT_EQ(r.range.first, 0u);
  EXPECT_EQ(r.range.last, 99u);
  r = parse_range("bytes=900-", 1000);
  EXPECT_EQ(r.range.first, 900u);
  EXPECT_EQ(r.range.last, 999u);
  r = parse_range("bytes=-100", 1000);
  EXPECT_EQ(r.range.first, 900u);
  EXPECT_EQ(r.range.last, 999u);
  r = parse_range("bytes=-5000", 1000);  // a suffix longer than the object: all of it
  EXPECT_EQ(r.range.first, 0u);
  r = parse_range("bytes=990-5000", 1000);  // last clipped to the end
  EXPECT_EQ(r.range.last, 999u);
}

// Issue 17: positions past 2^32 are 64-bit all the way, on an object of 2^32 + 4097 bytes.
TEST(Rfc9110Range, PositionsPast4GiB) {
  constexpr uint64_t size = (uint64_t{1} << 32) + 4097;
  auto r = parse_range("bytes=4294967296-4294967300", size);
  ASSERT_EQ(r.verdict, RangeVerdict::satisfiable);
  EXPECT_EQ(r.range.first, 4294967296u);
  EXPECT_EQ(r.range.last, 4294967300u);
  EXPECT_EQ(r.range.last - r.range.first + 1, 5u);
  r = parse_range("bytes=-10", size);
  ASSERT_EQ(r.verdict, RangeVerdict::satisfiable);
  EXPECT_EQ(r.range.first, size - 10);
  EXPECT_EQ(r.range.last, size - 1);
  r = parse_range("bytes=4294967295-", size);  // 2^32 - 1 to the end
  EXPECT_EQ(r.range.first, 4294967295u);
  EXPECT_EQ(r.range.last, size - 1);
  r = parse_range("bytes=0-99999999999", size);  // last clipped, not wrapped
  EXPECT_EQ(r.range.last, size - 1);
  EXPECT_EQ(parse_range("bytes=4294971393-", size).verdict, RangeVerdict::unsatisfiable);
  EXPECT_EQ(parse_range("bytes=4294967296-", 4097).verdict, RangeVerdict::unsatisfiable);
}

TEST(Rfc9110Range, UnsatisfiableAndIgnored) {
  EXPECT_EQ(parse_range("bytes=1000-", 1000).verdict, RangeVerdict::unsatisfiable);
  EXPECT_EQ(parse_range("bytes=-0", 1000).verdict, RangeVerdict::unsatisfiable);
  EXPECT_EQ(parse_range("bytes=0-", 0).verdict, RangeVerdict::unsatisfiable);
  EXPECT_EQ(parse_range("bytes=5-1", 1000).verdict, RangeVerdict::ignore);
  EXPECT_EQ(parse_range("items=0-1", 1000).verdict, RangeVerdict::ignore);
  EXPECT_EQ(parse_range("bytes=0-1,5-6", 1000).verdict, RangeVerdict::ignore);
  EXPECT_EQ(parse_range("bytes=x-1", 1000).verdict, RangeVerdict::ignore);
  EXPECT_EQ(parse_range("bytes=99999999999999999999-", 1000).verdict, RangeVerdict::ignore);
}

TEST(Rfc9110Etag, StrongAndWeakComparison) {
  EXPECT_TRUE(etag_list_matches("\"a\", \"b\"", "\"b\"", false));
  EXPECT_TRUE(etag_list_matches("*", "\"b\"", false));
  EXPECT_FALSE(etag_list_matches("W/\"b\"", "\"b\"", false));
  EXPECT_TRUE(etag_list_matches("W/\"b\"", "\"b\"", true));
  EXPECT_FALSE(etag_list_matches("\"c\"", "\"b\"", true));
}

// §8.8.3: etagc has ',' in it, so a comma between quotes does not end a list member.
TEST(Rfc9110Etag, CommaInsideATag) {
  EXPECT_TRUE(etag_list_matches("\"x\", \"a,b\"", "\"a,b\"", false));
  EXPECT_FALSE(etag_list_matches("\"a,b\"", "\"a\"", true));
  EXPECT_TRUE(etag_list_matches(" ,\"a\" ,, W/\"b,\"", "\"b,\"", true));
}

TEST(Rfc9110Conditional, EvaluationOrder) {
  CurrentVersion v{"\"e1\"", 1000};
  Preconditions p;
  p.if_none_match = "\"e1\"";
  EXPECT_EQ(evaluate_preconditions(p, v, true), PreconditionVerdict::not_modified);
  EXPECT_EQ(evaluate_preconditions(p, v, false), PreconditionVerdict::failed);
  p = {};
  p.if_match = "\"other\"";
  EXPECT_EQ(evaluate_preconditions(p, v, false), PreconditionVerdict::failed);
  EXPECT_EQ(evaluate_preconditions(p, std::nullopt, false), PreconditionVerdict::failed);
  p.if_match = "\"e1\"";
  EXPECT_EQ(evaluate_preconditions(p, v, false), PreconditionVerdict::proceed);
  p = {};
  p.if_modified_since = "Thu, 01 Jan 1970 00:16:40 GMT";  // = 1000
  EXPECT_EQ(evaluate_preconditions(p, v, true), PreconditionVerdict::not_modified);
  p.if_modified_since = "Thu, 01 Jan 1970 00:16:39 GMT";
  EXPECT_EQ(evaluate_preconditions(p, v, true), PreconditionVerdict::proceed);
  p = {};
  p.if_none_match = "*";
  EXPECT_EQ(evaluate_preconditions(p, std::nullopt, false), PreconditionVerdict::proceed);
  EXPECT_EQ(evaluate_preconditions(p, v, false), PreconditionVerdict::failed);
}

TEST(StatusFor, MapsEveryStoreError) {
  EXPECT_EQ(status_for(store::Errc::not_found), status::not_found);
  EXPECT_EQ(status_for(store::Errc::parent_missing), status::conflict);
  EXPECT_EQ(status_for(store::Errc::escapes_root), status::forbidden);
  EXPECT_EQ(status_for(store::Errc::invalid_path), status::bad_request);
  EXPECT_EQ(status_for(store::Errc::name_too_long), status::uri_too_long);
  EXPECT_EQ(status_for(store::Errc::no_space), status::insufficient_storage);
  EXPECT_EQ(status_for(store::Errc::is_a_directory), status::method_not_allowed);
  EXPECT_EQ(status_for(store::Errc::length_required), status::length_required);
  EXPECT_EQ(status_for(store::Errc::not_supported), status::not_implemented);
}

TEST(BasicAuth, ParsesAndRejects) {
  auto c = parse_basic_auth("Basic dXNlcjpwOmFzcw==");  // user:p:ass
  ASSERT_TRUE(c);
  EXPECT_EQ(c->user, "user");
  EXPECT_EQ(c->password, "p:ass");
  EXPECT_TRUE(parse_basic_auth("basic dTpw"));  // u:p, scheme is case-insensitive
  EXPECT_FALSE(parse_basic_auth("Bearer abc"));
  EXPECT_FALSE(parse_basic_auth("Basic !!!!"));
  EXPECT_FALSE(parse_basic_auth("Basic dXNlcg=="));  // no colon
  EXPECT_FALSE(parse_basic_auth("Basic abc"));
}

TEST(MediaType, ByExtension) {
  EXPECT_EQ(media_type_for("/a/b.HTML"), "text/html; charset=utf-8");
  EXPECT_EQ(media_type_for("/a/b"), "application/octet-stream");
  EXPECT_EQ(media_type_for("/a.b/c.bin"), "application/octet-stream");
}

TEST(HtmlEscape, EscapesMarkup) {
  EXPECT_EQ(html_escape("<a href=\"x\">&'"), "&lt;a href=&quot;x&quot;&gt;&amp;&#39;");
}

}  // namespace
}  // namespace streamcheck::http
