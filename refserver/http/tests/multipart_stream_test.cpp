// The streaming parser's failure paths, limits, and streaming properties: errors by name,
// a sink that stops the parse, byte-exact random binary parts, and data passed on without
// being copied or held back.
#include <gtest/gtest.h>

#include <cstring>
#include <iterator>
#include <random>
#include <string>
#include <vector>

#include "refserver/http/multipart.hpp"

namespace streamcheck::http {
namespace {

constexpr std::string_view kBoundary = "b0und";
const std::string kOpen =
    "--b0und\r\nContent-Disposition: form-data; name=\"f\"; filename=\"f\"\r\n\r\n";

// Counts calls and optionally fails one of them.
class CountingSink : public MultipartSink {
 public:
  enum class FailAt { never, begin, data, end };
  explicit CountingSink(FailAt fail_at = FailAt::never) : fail_at_(fail_at) {}

  MultipartStatus on_part_begin(const PartHeaders& headers) override {
    ++begins;
    names.push_back(headers.name);
    data.emplace_back();
    if (fail_at_ == FailAt::begin) return MultipartStatus::stop("no room for " + headers.name);
    return MultipartStatus::ok();
  }
  MultipartStatus on_part_data(std::span<const std::byte> d) override {
    ++data_calls;
    data.back().append(reinterpret_cast<const char*>(d.data()), d.size());
    if (fail_at_ == FailAt::data) return MultipartStatus::stop("store write failed");
    return MultipartStatus::ok();
  }
  MultipartStatus on_part_end() override {
    ++ends;
    if (fail_at_ == FailAt::end) return MultipartStatus::stop("commit failed");
    return MultipartStatus::ok();
  }

  int begins = 0, data_calls = 0, ends = 0;
  std::vector<std::string> names;
  std::vector<std::string> data;

 private:
  FailAt fail_at_;
};

MultipartStatus parse_all(std::string_view body, MultipartLimits limits = {}) {
  CountingSink sink;
  MultipartParser parser(kBoundary, sink, limits);
  if (auto st = parser.feed(body); !st) return st;
  return parser.finish();
}

bool message_has(const MultipartStatus& st, std::string_view text) {
  return st.message().find(text) != std::string::npos;
}

TEST(MultipartErrors, MissingClosingBoundaryFailsAtFinish) {
  CountingSink sink;
  MultipartParser parser(kBoundary, sink);
  ASSERT_TRUE(parser.feed(kOpen + "data without an end\r\n--b0und"));
  EXPECT_FALSE(parser.done());
  MultipartStatus st = parser.finish();
  EXPECT_EQ(st.code(), MultipartErrc::incomplete);
  EXPECT_TRUE(message_has(st, "missing closing boundary")) << st.to_string();
  EXPECT_TRUE(message_has(st, "data of part 1")) << st.to_string();
  EXPECT_EQ(sink.ends, 0) << "an unfinished part must not be ended";
  EXPECT_EQ(sink.data[0], "data without an end");  // the CRLF--b0und is held, not passed on
}

TEST(MultipartErrors, BodyEndingInHeadersOrBeforeAnyBoundaryIsIncomplete) {
  MultipartStatus st = parse_all("--b0und\r\nContent-Disposition: form-data; na");
  EXPECT_EQ(st.code(), MultipartErrc::incomplete);
  EXPECT_TRUE(message_has(st, "headers of part 1")) << st.to_string();
  st = parse_all("just some text, no boundary");
  EXPECT_EQ(st.code(), MultipartErrc::incomplete);
  EXPECT_TRUE(message_has(st, "no boundary found")) << st.to_string();
  st = parse_all("");
  EXPECT_EQ(st.code(), MultipartErrc::incomplete);
  st = parse_all(kOpen + "x\r\n--b0und\r\n");  // a part delimiter is not a close
  EXPECT_EQ(st.code(), MultipartErrc::incomplete);
}

TEST(MultipartErrors, HeaderLineOverLimit) {
  MultipartLimits limits;
  limits.header_line_bytes = 100;
  std::string ok_line = "X-Pad: " + std::string(93, 'a') + "\r\n";  // exactly 100 bytes
  EXPECT_TRUE(parse_all("--b0und\r\n" + ok_line + "\r\nd\r\n--b0und--", limits));
  std::string long_line = "X-Pad: " + std::string(94, 'a') + "\r\n";
  MultipartStatus st = parse_all("--b0und\r\n" + long_line + "\r\nd\r\n--b0und--", limits);
  EXPECT_EQ(st.code(), MultipartErrc::too_large);
  EXPECT_EQ(st.message(), "part header line over 100 bytes");
}

TEST(MultipartErrors, HeaderBlockOverLimit) {
  std::string block;
  while (block.size() < 9000) block += "X-Filler: 0123456789012345678901234567890123456789\r\n";
  MultipartStatus st = parse_all("--b0und\r\n" + block + "\r\nd\r\n--b0und--");
  EXPECT_EQ(st.code(), MultipartErrc::too_large);
  EXPECT_EQ(st.message(), "part header block over 8192 bytes");
}

TEST(MultipartErrors, LfOnlyHeaderLinesAreRejected) {
  // Decided: part headers need CRLF (see multipart.hpp).
  MultipartStatus st =
      parse_all("--b0und\r\nContent-Disposition: form-data; name=\"a\"\n\nd\r\n--b0und--");
  EXPECT_EQ(st.code(), MultipartErrc::malformed);
  EXPECT_TRUE(message_has(st, "bare LF")) << st.to_string();
  st = parse_all("--b0und\r\nContent-Disposition: form-data; name=\"a\"\r\r\n\r\nd\r\n--b0und--");
  EXPECT_EQ(st.code(), MultipartErrc::malformed);
  EXPECT_TRUE(message_has(st, "bare CR")) << st.to_string();
}

TEST(MultipartErrors, BadHeaderLinesAreMalformed) {
  for (std::string line : {"no colon here", ": empty name", "Bad Name: x", "X-Nul: a\x01b"}) {
    MultipartStatus st = parse_all("--b0und\r\n" + line + "\r\n\r\nd\r\n--b0und--");
    EXPECT_EQ(st.code(), MultipartErrc::malformed) << line << " -> " << st.to_string();
    EXPECT_TRUE(message_has(st, "part 1: ")) << st.to_string();
  }
}

TEST(MultipartErrors, InvalidBoundaryFailsEveryFeed) {
  CountingSink sink;
  MultipartParser parser("", sink);
  EXPECT_EQ(parser.feed("--\r\n").code(), MultipartErrc::bad_content_type);
  MultipartParser too_long(std::string(71, 'a'), sink);
  EXPECT_EQ(too_long.feed("x").code(), MultipartErrc::bad_content_type);
  EXPECT_EQ(too_long.finish().code(), MultipartErrc::bad_content_type);
  MultipartParser longest(std::string(70, 'a'), sink);
  EXPECT_TRUE(longest.feed("--" + std::string(70, 'a') + "--"));
  EXPECT_TRUE(longest.finish());
}

TEST(MultipartErrors, ErrorsAreSticky) {
  CountingSink sink;
  MultipartParser parser(kBoundary, sink);
  MultipartStatus first = parser.feed("--b0und\r\nbroken\n");
  EXPECT_EQ(first.code(), MultipartErrc::malformed);
  EXPECT_EQ(parser.feed("\r\n\r\nd\r\n--b0und--").to_string(), first.to_string());
  EXPECT_EQ(parser.finish().to_string(), first.to_string());
  EXPECT_EQ(parser.status().to_string(), first.to_string());
  EXPECT_EQ(sink.begins, 0);
}

TEST(MultipartSinkStop, AtEachCallTheParseStopsWithTheSinksStatus) {
  const std::string body = kOpen + "first data\r\n--b0und\r\n" +
                           "Content-Disposition: form-data; name=\"g\"\r\n\r\nsecond\r\n--b0und--";
  struct Case {
    CountingSink::FailAt at;
    const char* message;
    int begins, data_calls, ends;
  };
  for (const Case& c : {Case{CountingSink::FailAt::begin, "no room for f", 1, 0, 0},
                        Case{CountingSink::FailAt::data, "store write failed", 1, 1, 0},
                        Case{CountingSink::FailAt::end, "commit failed", 1, 1, 1}}) {
    CountingSink sink(c.at);
    MultipartParser parser(kBoundary, sink);
    MultipartStatus st = parser.feed(body);
    EXPECT_EQ(st.code(), MultipartErrc::stopped);
    EXPECT_EQ(st.message(), c.message);
    EXPECT_EQ(parser.feed(body).message(), c.message);  // later feeds: the same, no calls
    EXPECT_EQ(parser.finish().message(), c.message);
    EXPECT_EQ(sink.begins, c.begins) << c.message;
    EXPECT_EQ(sink.data_calls, c.data_calls) << c.message;
    EXPECT_EQ(sink.ends, c.ends) << c.message;
  }
}

// Random binary parts, sprinkled with delimiter near-misses, in random-sized chunks.
TEST(MultipartStream, RandomBinaryPartsAreByteExactInRandomChunks) {
  std::mt19937_64 rng(20240607);
  const std::string boundary = "----RandomBoundary7MA4YWxkTrZu0gW";
  std::vector<std::string> payloads;
  std::string body = "preamble";
  for (size_t size : {size_t{3} << 20, size_t{1} << 20, size_t{0}, size_t{1}, size_t{777777}}) {
    std::string p(size, '\0');
    for (auto& c : p) c = static_cast<char>(rng());
    // Near misses: a delimiter cut short, a longer word, CRLF runs.
    for (size_t k = 0; size > 200 && k < 500; ++k) {
      std::string miss = "\r\n--" + boundary.substr(0, rng() % boundary.size());
      if (k % 3 == 0) miss = "\r\n--" + boundary + "x";
      if (k % 5 == 0) miss = "\r\n\r\n\r";
      size_t at = rng() % (size - miss.size());
      p.replace(at, miss.size(), miss);
    }
    body += "\r\n--" + boundary + "\r\nContent-Disposition: form-data; name=\"p" +
            std::to_string(payloads.size()) + "\"; filename=\"x.bin\"\r\n\r\n" + p;
    payloads.push_back(std::move(p));
  }
  body += "\r\n--" + boundary + "--\r\n";

  for (int round = 0; round < 4; ++round) {
    CountingSink sink;
    MultipartParser parser(boundary, sink);
    size_t max_chunk = round == 0 ? 16 : round == 1 ? 300 : round == 2 ? 70'000 : 1 << 20;
    for (size_t at = 0; at < body.size();) {
      size_t n = std::min(body.size() - at, 1 + rng() % max_chunk);
      ASSERT_TRUE(parser.feed(std::string_view(body).substr(at, n)));
      at += n;
    }
    ASSERT_TRUE(parser.finish());
    ASSERT_EQ(sink.data.size(), payloads.size());
    for (size_t i = 0; i < payloads.size(); ++i) {
      ASSERT_EQ(sink.data[i].size(), payloads[i].size()) << "part " << i << " round " << round;
      ASSERT_TRUE(sink.data[i] == payloads[i]) << "part " << i << " round " << round;
    }
  }
}

// Bodies made of the bytes that matter to the framing, valid or not: the outcome (parts,
// data, status and message) must not depend on where the chunks are cut.
TEST(MultipartStream, RandomFramingBytesGiveTheSameOutcomeAtAnySplit) {
  std::mt19937 rng(7);
  const std::string alphabet[] = {"\r", "\n",          "-",        "b0und",       "b0un", " ",
                                  "x",  "\r\n--b0und", "\r\n\r\n", "--b0und\r\n", "X: y"};
  auto outcome = [](std::string_view body, const std::vector<size_t>& cuts) {
    CountingSink sink;
    MultipartParser parser(kBoundary, sink);
    size_t from = 0;
    MultipartStatus st;
    for (size_t to : cuts) {
      std::string piece(body.substr(from, to - from));  // own buffer: no peeking past it
      if (st = parser.feed(piece); !st) break;
      from = to;
    }
    if (st) st = parser.finish();
    std::string summary = st.to_string();
    for (size_t i = 0; i < sink.data.size(); ++i)
      summary += "|" + sink.names[i] + "=" + sink.data[i];
    return summary + "|ends=" + std::to_string(sink.ends);
  };
  for (int round = 0; round < 3000; ++round) {
    std::string body = round % 2 ? "--b0und\r\n" : "";
    const int tokens = 1 + static_cast<int>(rng() % 40);
    for (int t = 0; t < tokens; ++t) body += alphabet[rng() % std::size(alphabet)];
    if (round % 3 == 0) body += "\r\n--b0und--";
    const std::string whole = outcome(body, {body.size()});
    for (int k = 0; k < 20; ++k) {
      std::vector<size_t> cuts;
      for (size_t at = 0; at < body.size(); at += 1 + rng() % 12) cuts.push_back(at);
      cuts.push_back(body.size());
      ASSERT_EQ(outcome(body, cuts), whole) << testing::PrintToString(body);
    }
  }
}

// Data spans point into the fed chunk; only a few bytes at chunk edges come from the
// parser's carry-over. And data is passed on before the delimiter after it arrives.
class SpanCheckingSink : public MultipartSink {
 public:
  MultipartStatus on_part_begin(const PartHeaders&) override { return MultipartStatus::ok(); }
  MultipartStatus on_part_data(std::span<const std::byte> d) override {
    const auto* chunk_end = chunk.data() + chunk.size();
    if (d.data() >= chunk.data() && d.data() + d.size() <= chunk_end) {
      in_chunk += d.size();
    } else {
      from_carry += d.size();
      max_from_carry = std::max(max_from_carry, d.size());
    }
    total += d.size();
    return MultipartStatus::ok();
  }
  MultipartStatus on_part_end() override { return MultipartStatus::ok(); }

  std::span<const std::byte> chunk;
  size_t in_chunk = 0, from_carry = 0, max_from_carry = 0, total = 0;
};

TEST(MultipartStream, DataIsPassedThroughWithoutCopies) {
  // 1 MiB of "\r\n--b0un" repeated: every chunk edge can cut a possible delimiter.
  std::string data;
  while (data.size() < (1u << 20)) data += "abc\r\n--b0un";
  std::string body = kOpen + data + "\r\n--b0und--";
  SpanCheckingSink sink;
  MultipartParser parser(kBoundary, sink);
  for (size_t at = 0; at < body.size(); at += 65'531) {
    std::string_view piece = std::string_view(body).substr(at, 65'531);
    sink.chunk = std::as_bytes(std::span<const char>(piece.data(), piece.size()));
    ASSERT_TRUE(parser.feed(piece));
  }
  ASSERT_TRUE(parser.finish());
  EXPECT_EQ(sink.total, data.size());
  EXPECT_LE(sink.max_from_carry, std::string("\r\n--b0und").size() + 1);
  EXPECT_LT(sink.from_carry, 20 * 16u) << "only bytes at chunk edges may come from the carry";
}

TEST(MultipartStream, DataIsPassedOnBeforeTheDelimiterArrives) {
  CountingSink sink;
  MultipartParser parser(kBoundary, sink);
  ASSERT_TRUE(parser.feed(kOpen + "hello"));
  EXPECT_EQ(sink.data[0], "hello");
  ASSERT_TRUE(parser.feed(" world\r\n--b0"));  // may be a delimiter: held back
  EXPECT_EQ(sink.data[0], "hello world");
  ASSERT_TRUE(parser.feed("X"));  // it was not
  EXPECT_EQ(sink.data[0], "hello world\r\n--b0X");
  ASSERT_TRUE(parser.feed("\r\n--b0und--"));
  EXPECT_TRUE(parser.done());
  EXPECT_EQ(sink.ends, 1);
}

}  // namespace
}  // namespace streamcheck::http
