// The streaming parser: the same parts at every chunk split, boundary-like data, limits,
// errors, and the no-copy property. The helpers are tested in multipart_headers_test.cpp.
#include "refserver/http/multipart.hpp"

#include <gtest/gtest.h>

#include <cstring>
#include <random>
#include <string>
#include <vector>

namespace streamcheck::http {
namespace {

struct Part {
  PartHeaders headers;
  std::string data;
  bool ended = false;

  bool operator==(const Part& o) const {
    return headers.has_disposition == o.headers.has_disposition && headers.name == o.headers.name &&
           headers.filename == o.headers.filename &&
           headers.content_type == o.headers.content_type && data == o.data && ended == o.ended;
  }
};

std::ostream& operator<<(std::ostream& os, const Part& p) {
  return os << "{name=" << p.headers.name << " filename=" << p.headers.filename.value_or("<none>")
            << " type=" << p.headers.content_type << " data(" << p.data.size()
            << ")=" << p.data.substr(0, 80) << " ended=" << p.ended << "}";
}

// Records every call; checks the call order as it goes.
class RecordingSink : public MultipartSink {
 public:
  MultipartStatus on_part_begin(const PartHeaders& headers) override {
    EXPECT_TRUE(parts.empty() || parts.back().ended) << "begin before the last part ended";
    parts.push_back(Part{headers, {}, false});
    return MultipartStatus::ok();
  }
  MultipartStatus on_part_data(std::span<const std::byte> data) override {
    EXPECT_FALSE(data.empty());
    EXPECT_TRUE(!parts.empty() && !parts.back().ended) << "data outside a part";
    if (!parts.empty())
      parts.back().data.append(reinterpret_cast<const char*>(data.data()), data.size());
    return MultipartStatus::ok();
  }
  MultipartStatus on_part_end() override {
    EXPECT_TRUE(!parts.empty() && !parts.back().ended) << "end outside a part";
    if (!parts.empty()) parts.back().ended = true;
    return MultipartStatus::ok();
  }

  std::vector<Part> parts;
};

struct Outcome {
  std::vector<Part> parts;
  MultipartStatus status;  // of the first failing feed, else of finish()
};

// Feeds `body` cut at the given offsets (ascending), then finishes.
Outcome parse_split(std::string_view boundary, std::string_view body,
                    const std::vector<size_t>& cuts, MultipartLimits limits = {}) {
  RecordingSink sink;
  MultipartParser parser(boundary, sink, limits);
  size_t from = 0;
  std::vector<size_t> all = cuts;
  all.push_back(body.size());
  for (size_t to : all) {
    // Each piece in its own buffer, followed by bytes that would complete a delimiter: a
    // parser that looks past the end of a chunk gets a wrong answer, not the next piece.
    std::string piece(body.substr(from, to - from));
    piece += "--\r\n";
    if (auto st = parser.feed(std::string_view(piece).substr(0, to - from)); !st) {
      return {sink.parts, st};
    }
    from = to;
  }
  return {sink.parts, parser.finish()};
}

Outcome parse_whole(std::string_view boundary, std::string_view body, MultipartLimits limits = {}) {
  return parse_split(boundary, body, {}, limits);
}

Part file_part(std::string name, std::string filename, std::string type, std::string data) {
  PartHeaders h;
  h.has_disposition = true;
  h.name = std::move(name);
  h.filename = std::move(filename);
  h.content_type = std::move(type);
  return Part{h, std::move(data), true};
}

Part field_part(std::string name, std::string data) {
  PartHeaders h;
  h.has_disposition = true;
  h.name = std::move(name);
  return Part{h, std::move(data), true};
}

constexpr std::string_view kBoundary = "xYz-BOUNDARY";

// Data of the file part in the sample: every near miss of the delimiter we could think of.
const std::string kTrickyData =
    "line one\r\n"
    "\r\n--xYz-BOUND prefix only\r\n"
    "\r\n--xYz-BOUNDARYx a longer word\r\n"
    "\r\n--xYz-BOUNDARY-x a longer word with a dash\r\n"
    "\r\n--xYz-BOUNDARY\rx CR without LF\r\n"
    "no CRLF before --xYz-BOUNDARY\r\n"
    "CR alone\r LF alone\n \r\r\n\r\n-\r\n--\r\n--x"
    "\r\n";  // a trailing CRLF that belongs to the data

std::string sample_body() {
  std::string b;
  b += "This is the preamble. It is to be ignored.\r\n--xYz-BOUNDARYx is not a delimiter\r\n";
  b += "--xYz-BOUNDARY\r\n";
  b += "Content-Disposition: form-data; name=\"field1\"\r\n\r\n";
  b += "value one";
  b += "\r\n--xYz-BOUNDARY\r\n";
  b += "content-disposition: form-data; name=\"file1\"; filename=\"a.txt\"\r\n";
  b += "Content-Type: text/plain\r\n\r\n";
  b += kTrickyData;
  b += "\r\n--xYz-BOUNDARY\r\n";
  b += "Content-Disposition: form-data; name=\"nofile\"; filename=\"\"\r\n";
  b += "Content-Type: application/octet-stream\r\n\r\n";
  b += "\r\n--xYz-BOUNDARY \t \r\n";  // transport padding
  b += "Content-Disposition: form-data;\r\n name=\"bin\"; filename=\"C:\\dir\\b.bin\"\r\n\r\n";
  b += std::string("\0\x01\xff\r\0\n\r", 7);
  b += "\r\n--xYz-BOUNDARY--\r\n";
  b += "epilogue, ignored, even \r\n--xYz-BOUNDARY\r\n and more";
  return b;
}

std::vector<Part> sample_parts() {
  return {field_part("field1", "value one"), file_part("file1", "a.txt", "text/plain", kTrickyData),
          file_part("nofile", "", "application/octet-stream", ""),
          file_part("bin", "C:\\dir\\b.bin", "", std::string("\0\x01\xff\r\0\n\r", 7))};
}

TEST(MultipartParser, SampleBodyWholeGivesTheExpectedParts) {
  Outcome out = parse_whole(kBoundary, sample_body());
  ASSERT_TRUE(out.status) << out.status.to_string();
  EXPECT_EQ(out.parts, sample_parts());
}

TEST(MultipartParser, SampleBodyAtEverySplitIntoTwo) {
  const std::string body = sample_body();
  const auto expected = sample_parts();
  for (size_t i = 0; i <= body.size(); ++i) {
    Outcome out = parse_split(kBoundary, body, {i});
    ASSERT_TRUE(out.status) << "split at " << i << ": " << out.status.to_string();
    ASSERT_EQ(out.parts, expected) << "split at " << i;
  }
}

TEST(MultipartParser, SampleBodyInOneBytePieces) {
  const std::string body = sample_body();
  std::vector<size_t> cuts;
  for (size_t i = 1; i < body.size(); ++i) cuts.push_back(i);
  Outcome out = parse_split(kBoundary, body, cuts);
  ASSERT_TRUE(out.status) << out.status.to_string();
  EXPECT_EQ(out.parts, sample_parts());
}

TEST(MultipartParser, SampleBodyInThreePiecesAtManySplitPairs) {
  const std::string body = sample_body();
  const auto expected = sample_parts();
  size_t runs = 0;
  // Every pair near each other (a delimiter straddling two edges), and a grid of the rest.
  for (size_t i = 0; i <= body.size(); ++i) {
    for (size_t j = i; j <= body.size(); j += (j - i < 90 ? 1 : 7)) {
      Outcome out = parse_split(kBoundary, body, {i, j});
      ASSERT_TRUE(out.status) << "splits " << i << "," << j << ": " << out.status.to_string();
      ASSERT_EQ(out.parts, expected) << "splits " << i << "," << j;
      ++runs;
    }
  }
  EXPECT_GT(runs, 50'000u);
}

TEST(MultipartParser, RealCurlBody) {
  // Captured from curl 7.88.1: -F field=value -F file=@up.txt;type=text/plain
  //   -F 'weird=@up.txt;filename="a\"b;c.txt"' (curl percent-encodes the quote).
  const std::string boundary = "------------------------8a71d6114554bda2";
  const std::string d = "--" + boundary;
  const std::string body =
      d + "\r\nContent-Disposition: form-data; name=\"field\"\r\n\r\nvalue\r\n" + d +
      "\r\nContent-Disposition: form-data; name=\"file\"; filename=\"up.txt\"\r\n"
      "Content-Type: text/plain\r\n\r\nhello\r\nworld\r\n" +
      d +
      "\r\nContent-Disposition: form-data; name=\"weird\"; filename=\"a%22b;c.txt\"\r\n"
      "Content-Type: text/plain\r\n\r\nhello\r\nworld\r\n" +
      d + "--\r\n";
  std::vector<Part> expected = {field_part("field", "value"),
                                file_part("file", "up.txt", "text/plain", "hello\r\nworld"),
                                file_part("weird", "a%22b;c.txt", "text/plain", "hello\r\nworld")};
  for (size_t i = 0; i <= body.size(); ++i) {
    Outcome out = parse_split(boundary, body, {i});
    ASSERT_TRUE(out.status) << "split at " << i << ": " << out.status.to_string();
    ASSERT_EQ(out.parts, expected) << "split at " << i;
  }
}

// One file part holding `data`, at every split into two.
void expect_data_survives_every_split(const std::string& data) {
  const std::string body =
      "--xYz-BOUNDARY\r\nContent-Disposition: form-data; name=\"f\"; "
      "filename=\"f\"\r\n\r\n" +
      data + "\r\n--xYz-BOUNDARY--";
  for (size_t i = 0; i <= body.size(); ++i) {
    Outcome out = parse_split(kBoundary, body, {i});
    ASSERT_TRUE(out.status) << "split at " << i << ": " << out.status.to_string();
    ASSERT_EQ(out.parts.size(), 1u) << "split at " << i;
    ASSERT_EQ(out.parts[0].data, data) << "split at " << i;
  }
}

TEST(MultipartParser, BoundaryLikeStringsInDataAreData) {
  for (const char* data : {
           "\r\n--xYz-BOUND",        // a prefix of the delimiter, at the end of the data
           "\r\n--xYz-BOUNDARYx",    // a longer word
           "\r\n--xYz-BOUNDARY-x",   // longer, starting with a dash
           "\r\n--xYz-BOUNDARY-",    // a dash and then the real delimiter
           "\r\n--xYz-BOUNDARY\rx",  // CR not followed by LF
           "\r\n--xYz-BOUNDARY\r",   // CR then the real delimiter
           "--xYz-BOUNDARY\r\n",     // the boundary without the CRLF before it
           "x--xYz-BOUNDARY--",      // a close delimiter without CRLF
           "\r",
           "\n",
           "\r\r\r",
           "\n\n",
           "\r\n",
           "\r\n\r\n",
           "-",
           "--",
           "\r\n-",
           "\r\n--",
           "\r\r\n--xYz-BOUNDARYy\r\n--xYz-BOUNDARZ",
       }) {
    SCOPED_TRACE(testing::PrintToString(std::string(data)));
    expect_data_survives_every_split(data);
  }
}

TEST(MultipartParser, FirstDelimiterWithoutLeadingCrlfAndLookalikePreamble) {
  // "--xYz-BOUNDARYx" at the very start is preamble, not the first delimiter.
  Outcome out =
      parse_whole(kBoundary, "--xYz-BOUNDARYx\r\n--xYz-BOUNDARY\r\n\r\nd\r\n--xYz-BOUNDARY--");
  ASSERT_TRUE(out.status) << out.status.to_string();
  ASSERT_EQ(out.parts.size(), 1u);
  EXPECT_EQ(out.parts[0].data, "d");
  EXPECT_FALSE(out.parts[0].headers.has_disposition);
}

TEST(MultipartParser, PreambleAndEpilogueAreIgnored) {
  const std::string body =
      "preamble\r\nwith lines\r\n\r\n--xYz-BOUNDARY\r\n"
      "Content-Disposition: form-data; name=\"a\"\r\n\r\nA\r\n--xYz-BOUNDARY--   epilogue\r\n"
      "--xYz-BOUNDARY\r\nContent-Disposition: form-data; name=\"b\"\r\n\r\nB\r\n--xYz-BOUNDARY--";
  RecordingSink sink;
  MultipartParser parser(kBoundary, sink);
  ASSERT_TRUE(parser.feed(body));
  EXPECT_TRUE(parser.done());
  ASSERT_TRUE(parser.feed("more epilogue after done"));
  ASSERT_TRUE(parser.finish());
  EXPECT_EQ(sink.parts, std::vector<Part>{field_part("a", "A")});
}

TEST(MultipartParser, EmptyFormIsAccepted) {
  Outcome out = parse_whole(kBoundary, "--xYz-BOUNDARY--\r\n");
  EXPECT_TRUE(out.status) << out.status.to_string();
  EXPECT_TRUE(out.parts.empty());
}

TEST(MultipartParser, EmptyPartsHaveNoDataCalls) {
  const std::string body =
      "--xYz-BOUNDARY\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\n"
      "\r\n--xYz-BOUNDARY\r\n\r\n"  // no headers at all, no data
      "\r\n--xYz-BOUNDARY\r\nContent-Disposition: form-data; name=\"c\"\r\n\r\n"
      "\r\n--xYz-BOUNDARY--";
  Outcome out = parse_whole(kBoundary, body);
  ASSERT_TRUE(out.status) << out.status.to_string();
  ASSERT_EQ(out.parts.size(), 3u);
  EXPECT_EQ(out.parts[0], field_part("a", ""));
  EXPECT_FALSE(out.parts[1].headers.has_disposition);
  EXPECT_EQ(out.parts[1].data, "");
  EXPECT_EQ(out.parts[2], field_part("c", ""));
}

TEST(MultipartParser, PartWithoutContentDispositionIsPassedOn) {
  Outcome out = parse_whole(
      kBoundary,
      "--xYz-BOUNDARY\r\nContent-Type: text/plain\r\nX-Other: 1\r\n\r\nhi\r\n--xYz-BOUNDARY--");
  ASSERT_TRUE(out.status) << out.status.to_string();
  ASSERT_EQ(out.parts.size(), 1u);
  EXPECT_FALSE(out.parts[0].headers.has_disposition);
  EXPECT_FALSE(out.parts[0].headers.is_file());
  EXPECT_EQ(out.parts[0].headers.content_type, "text/plain");
  EXPECT_EQ(out.parts[0].data, "hi");
}

TEST(MultipartParser, ThousandParts) {
  std::string body;
  std::vector<Part> expected;
  for (int i = 0; i < 1000; ++i) {
    std::string name = "p" + std::to_string(i);
    std::string data = std::string(static_cast<size_t>(i % 7), 'a' + static_cast<char>(i % 26));
    body += "--xYz-BOUNDARY\r\nContent-Disposition: form-data; name=\"" + name + "\"; filename=\"" +
            name + ".txt\"\r\n\r\n" + data + "\r\n";
    expected.push_back(file_part(name, name + ".txt", "", data));
  }
  body += "--xYz-BOUNDARY--\r\n";
  std::vector<size_t> cuts;
  for (size_t i = 13; i < body.size(); i += 13) cuts.push_back(i);
  Outcome out = parse_split(kBoundary, body, cuts);
  ASSERT_TRUE(out.status) << out.status.to_string();
  EXPECT_EQ(out.parts, expected);
}

TEST(MultipartParser, TransportPaddingThenGarbageIsMalformed) {
  Outcome out = parse_whole(kBoundary, "--xYz-BOUNDARY  x\r\n\r\nd\r\n--xYz-BOUNDARY--");
  EXPECT_EQ(out.status.code(), MultipartErrc::malformed) << out.status.to_string();
  EXPECT_NE(out.status.message().find("'x' after the boundary"), std::string::npos)
      << out.status.message();
  out = parse_whole(kBoundary, "--xYz-BOUNDARY \rx\r\n\r\nd\r\n--xYz-BOUNDARY--");
  EXPECT_EQ(out.status.code(), MultipartErrc::malformed) << out.status.to_string();
}

}  // namespace
}  // namespace streamcheck::http
