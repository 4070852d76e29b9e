// The multipart helpers with ordinary and hostile input: extract_boundary,
// parse_part_headers, sanitize_filename.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "refserver/http/multipart.hpp"

namespace streamcheck::http {
namespace {

std::string boundary_of(std::string_view content_type) {
  auto r = extract_boundary(content_type);
  return r ? r.value() : "ERROR " + r.error().to_string();
}

TEST(ExtractBoundary, FromWhatClientsSend) {
  EXPECT_EQ(boundary_of("multipart/form-data; boundary=xyz"), "xyz");
  EXPECT_EQ(boundary_of("multipart/form-data; boundary=------------------------8a71d6114554bda2"),
            "------------------------8a71d6114554bda2");
  EXPECT_EQ(boundary_of("multipart/form-data; boundary=----WebKitFormBoundary7MA4YWxkTrZu0gW"),
            "----WebKitFormBoundary7MA4YWxkTrZu0gW");
  EXPECT_EQ(boundary_of("Multipart/Form-Data; BOUNDARY=\"a b'()+_,-./:=?\""), "a b'()+_,-./:=?");
  EXPECT_EQ(boundary_of("multipart/form-data;charset=utf-8;boundary=x1"), "x1");
  EXPECT_EQ(boundary_of("multipart/form-data ; boundary = x1 ;"), "x1");
  EXPECT_EQ(boundary_of("multipart/form-data; boundary=" + std::string(70, 'b')),
            std::string(70, 'b'));
}

TEST(ExtractBoundary, RefusesBadContentTypes) {
  for (const std::string& ct : std::vector<std::string>{
           "",
           "text/plain",
           "multipart/mixed; boundary=x",
           "multipart/form-data",
           "multipart/form-data; charset=utf-8",
           "multipart/form-data; boundary=",
           "multipart/form-data; boundary=\"\"",
           "multipart/form-data; boundary=\"unterminated",
           "multipart/form-data; boundary=" + std::string(71, 'b'),
           "multipart/form-data; boundary=\"ends in space \"",
           "multipart/form-data; boundary=\"a\r\nb\"",
           "multipart/form-data; boundary=\"a\\\"b\"",
           "multipart/form-data; boundary=a;b",
           "multipart/form-data; boundary",
       }) {
    auto r = extract_boundary(ct);
    EXPECT_FALSE(r) << testing::PrintToString(ct) << " gave " << (r ? r.value() : "");
    if (!r) {
      EXPECT_EQ(r.error().code(), MultipartErrc::bad_content_type);
    }
  }
}

PartHeaders headers_of(std::string_view block) {
  auto r = parse_part_headers(block);
  EXPECT_TRUE(r) << testing::PrintToString(std::string(block)) << ": " << r.error().to_string();
  return r ? r.value() : PartHeaders{};
}

TEST(ParsePartHeaders, ContentDispositionForms) {
  PartHeaders h = headers_of("Content-Disposition: form-data; name=\"field\"\r\n");
  EXPECT_TRUE(h.has_disposition);
  EXPECT_EQ(h.name, "field");
  EXPECT_FALSE(h.is_file());

  h = headers_of(
      "content-disposition:form-data;name=file;FILENAME=\"a;b=c.txt\"\r\n"
      "CONTENT-TYPE:  image/png \r\nX-Ignored: yes\r\n");
  EXPECT_EQ(h.name, "file");
  EXPECT_EQ(h.filename, "a;b=c.txt");
  EXPECT_EQ(h.content_type, "image/png");

  h = headers_of("Content-Disposition: form-data; name=\"f\"; filename=\"\"\r\n");
  ASSERT_TRUE(h.is_file()) << "filename=\"\" is a file input with no file chosen";
  EXPECT_EQ(*h.filename, "");

  // Backslash escapes only '"' and '\'; Windows paths keep their backslashes.
  h = headers_of(
      "Content-Disposition: form-data; name=\"a\\\"b\"; filename=\"C:\\dir\\x\\\\y.txt\"\r\n");
  EXPECT_EQ(h.name, "a\"b");
  EXPECT_EQ(h.filename, "C:\\dir\\x\\y.txt");

  // RFC 5987 filename* wins over filename, whichever comes first.
  h = headers_of(
      "Content-Disposition: form-data; name=n; filename*=UTF-8''%E2%82%AC%20rates.txt; "
      "filename=\"EUR rates.txt\"\r\n");
  EXPECT_EQ(h.filename, "\xE2\x82\xAC rates.txt");
  h = headers_of("Content-Disposition: form-data; filename*=iso-8859-1'en'caf%E9.txt\r\n");
  EXPECT_EQ(h.filename, "caf\xC3\xA9.txt");
  h = headers_of("Content-Disposition: form-data; filename=\"a.txt\"; filename*=KOI8-R''x\r\n");
  EXPECT_EQ(h.filename, "a.txt") << "an unknown charset leaves filename";

  // Folded continuation lines are joined.
  h = headers_of("Content-Disposition: form-data;\r\n\tname=\"folded\"\r\n");
  EXPECT_EQ(h.name, "folded");

  // UTF-8 sent raw, as browsers do.
  h = headers_of(
      "Content-Disposition: form-data; name=\"f\"; filename=\"r\xC3\xA9sum\xC3\xA9.pdf\"\r\n");
  EXPECT_EQ(h.filename, "r\xC3\xA9sum\xC3\xA9.pdf");

  h = headers_of("");
  EXPECT_FALSE(h.has_disposition);
}

TEST(ParsePartHeaders, RefusesMalformedBlocks) {
  for (const std::string& block : std::vector<std::string>{
           "Content-Disposition: form-data; name=\"x\"",  // no CRLF
           "Content-Disposition: form-data; name=\"x\r\n",
           "Content-Disposition: form-data; name\r\n",
           "Content-Disposition: ; name=x\r\n",
           "Content-Disposition: form-data name=x\r\n",
           "Content-Disposition: form-data; filename*=UTF-8''%G1\r\n",
           "Content-Disposition: form-data; filename*=noquotes\r\n",
           "Content-Disposition: form-data\r\nContent-Disposition: form-data\r\n",
           "Content-Type: a\nb\r\n",
           "Content-Type: a\rb\r\n",
           std::string("X: a\0b\r\n", 8),
           "no colon\r\n",
           "Sp ace: x\r\n",
       }) {
    auto r = parse_part_headers(block);
    EXPECT_FALSE(r) << testing::PrintToString(block);
    if (!r) {
      EXPECT_EQ(r.error().code(), MultipartErrc::malformed);
    }
  }
}

std::string sanitized(std::string_view name) {
  auto r = sanitize_filename(name);
  return r ? r.value() : "ERROR";
}

TEST(SanitizeFilename, KeepsOneSafeComponent) {
  EXPECT_EQ(sanitized("report.pdf"), "report.pdf");
  EXPECT_EQ(sanitized("../../etc/passwd"), "passwd");
  EXPECT_EQ(sanitized("/etc/passwd"), "passwd");
  EXPECT_EQ(sanitized("C:\\dir\\a.txt"), "a.txt");
  EXPECT_EQ(sanitized("..\\..\\boot.ini"), "boot.ini");
  EXPECT_EQ(sanitized("a/b\\c/d.txt"), "d.txt");
  EXPECT_EQ(sanitized(".hidden"), ".hidden");
  EXPECT_EQ(sanitized("..."), "...");
  EXPECT_EQ(sanitized("r\xC3\xA9sum\xC3\xA9 \xE2\x82\xAC.pdf"),
            "r\xC3\xA9sum\xC3\xA9 \xE2\x82\xAC.pdf");
  EXPECT_EQ(sanitized(std::string(255, 'n')), std::string(255, 'n'));
}

TEST(SanitizeFilename, RefusesHostileNames) {
  for (const std::string& name : std::vector<std::string>{
           "",     ".",           "..",           "/",        "dir/",
           "a/..", "C:\\dir\\..", "x/.staging",   ".staging", std::string("a\0b.txt", 7),
           "a\nb", "a\rb",        "tab\there",    "del\x7f",  std::string(256, 'n'),
           "\xC3", "\xC0\xAF",    "\xED\xA0\x80", "\xFF.txt",
       }) {
    auto r = sanitize_filename(name);
    EXPECT_FALSE(r) << testing::PrintToString(name) << " gave "
                    << testing::PrintToString(r ? r.value() : "");
    if (!r) {
      EXPECT_EQ(r.error().code(), MultipartErrc::bad_filename);
    }
  }
}

}  // namespace
}  // namespace streamcheck::http
