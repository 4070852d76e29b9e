// The chunked framing decoder: what it accepts, that every split of the input gives the same
// result (the server feeds it whatever one peek returned), what it rejects and with which
// message, its limits, and decode_in_place.
#include "refserver/http/chunked_decoder.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <limits>
#include <ostream>
#include <random>
#include <string>
#include <vector>

namespace streamcheck::http {
namespace {

using State = ChunkedDecoder::State;
using Limits = ChunkedDecoder::Limits;
using namespace std::string_literals;  // "\0" inside inputs

struct Decoded {
  std::string payload;
  size_t consumed = 0;
  State state = State::framing;
  std::string error;
  uint64_t announced = 0;
  bool operator==(const Decoded&) const = default;
};

std::ostream& operator<<(std::ostream& os, const Decoded& d) {
  return os << "{payload(" << d.payload.size() << ") consumed=" << d.consumed
            << " state=" << static_cast<int>(d.state) << " error=\"" << d.error
            << "\" announced=" << d.announced << "}";
}

// Feeds `input` the way the server does, the bytes arriving in windows that end at `ends`
// (ascending, the last one input.size()): framing through consume_framing, payload by
// copying at most payload_left() bytes and calling payload_consumed.
Decoded run(std::string_view input, const std::vector<size_t>& ends, Limits limits = {}) {
  ChunkedDecoder decoder(limits);
  Decoded r;
  size_t available = 0;
  auto next = ends.begin();
  for (;;) {
    if (r.consumed == available) {
      if (next == ends.end()) break;
      available = *next++;
      continue;
    }
    std::string_view window = input.substr(r.consumed, available - r.consumed);
    if (decoder.state() == State::framing) {
      size_t n = decoder.consume_framing(window);
      EXPECT_TRUE(n == window.size() || decoder.state() != State::framing)
          << "left input untaken while still in framing";
      r.consumed += n;
    } else if (decoder.state() == State::payload) {
      auto n = static_cast<size_t>(std::min<uint64_t>(decoder.payload_left(), window.size()));
      r.payload.append(window.substr(0, n));
      decoder.payload_consumed(n);
      r.consumed += n;
    } else {
      break;
    }
  }
  r.state = decoder.state();
  r.error = decoder.error();
  r.announced = decoder.payload_announced();
  return r;
}

Decoded whole(std::string_view input, Limits limits = {}) {
  return run(input, {input.size()}, limits);
}

Decoded bytewise(std::string_view input, Limits limits = {}) {
  std::vector<size_t> ends;
  for (size_t i = 1; i <= input.size(); ++i) ends.push_back(i);
  return run(input, ends, limits);
}

TEST(ChunkedDecoder, DecodesValidEncodingsWholeAndByteAtATime) {
  struct Case {
    std::string wire, payload;
  };
  const std::vector<Case> cases = {
      {"5\r\nhello\r\n0\r\n\r\n", "hello"},
      {"0\r\n\r\n", ""},
      {"000\r\n\r\n", ""},
      {"1\r\na\r\n2\r\nbc\r\n3\r\ndef\r\n0\r\n\r\n", "abcdef"},
      {"0005\r\nhello\r\n00\r\n\r\n", "hello"},
      {"A\r\n0123456789\r\na\r\nabcdefghij\r\n0\r\n\r\n", "0123456789abcdefghij"},
      {"5;name=value\r\nhello\r\n0;last\r\n\r\n", "hello"},
      {"5 ;a\r\nhello\r\n0\t; a = \"q;x\\\"\"\r\n\r\n", "hello"},
      {"5;a;b=c;\xff\r\nhello\r\n0\r\n\r\n", "hello"},
      {"5\r\nhello\r\n0\r\nX-Sum: abc\r\nX-Other: \t1\r\n\r\n", "hello"},
      {"5\r\n0\r\n\r\n\r\n0\r\n\r\n", "0\r\n\r\n"},  // payload that looks like framing
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.wire);
    Decoded expected{c.payload, c.wire.size(), State::done, "", c.payload.size()};
    EXPECT_EQ(whole(c.wire), expected);
    EXPECT_EQ(bytewise(c.wire), expected);
  }
}

TEST(ChunkedDecoder, BytesAfterTheBodyAreNotTaken) {
  const std::string body = "3\r\nabc\r\n0\r\nX: y\r\n\r\n";
  const std::string wire = body + "GET / HTTP/1.1\r\nHost: x\r\n\r\n";
  Decoded expected{"abc", body.size(), State::done, "", 3};
  EXPECT_EQ(whole(wire), expected);
  EXPECT_EQ(bytewise(wire), expected);
}

TEST(ChunkedDecoder, TakesAllInputThatEndsMidLineAndRemembersIt) {
  ChunkedDecoder decoder;
  for (std::string_view part : {"1", "0", " ", "; ext", "=\"v", "\"", "\r"}) {
    EXPECT_EQ(decoder.consume_framing(part), part.size()) << part;
    EXPECT_EQ(decoder.state(), State::framing) << part;
  }
  EXPECT_EQ(decoder.consume_framing("\nrest"), 1u);
  EXPECT_EQ(decoder.state(), State::payload);
  EXPECT_EQ(decoder.payload_left(), 0x10u);
}

TEST(ChunkedDecoder, TakesNothingInPayloadDoneOrError) {
  ChunkedDecoder payload;
  ASSERT_EQ(payload.consume_framing("4\r\nabcd"), 3u);
  EXPECT_EQ(payload.consume_framing("abcd"), 0u);
  payload.payload_consumed(3);
  EXPECT_EQ(payload.state(), State::payload);
  EXPECT_EQ(payload.payload_left(), 1u);

  ChunkedDecoder done;
  ASSERT_EQ(done.consume_framing("0\r\n\r\n"), 5u);
  EXPECT_EQ(done.state(), State::done);
  EXPECT_EQ(done.consume_framing("0\r\n\r\n"), 0u);

  ChunkedDecoder error;
  EXPECT_EQ(error.consume_framing("zz"), 0u);
  EXPECT_EQ(error.state(), State::error);
  EXPECT_EQ(error.consume_framing("0\r\n\r\n"), 0u);
  EXPECT_EQ(error.error(), "chunk size is not hexadecimal");
}

// A random valid chunked body: sizes from 1 byte to 0x10000, random hex case and leading
// zeros, extensions, trailers, payload bytes of every value; sometimes a pipelined request.
struct Encoding {
  std::string wire;
  std::string payload;
  size_t body_size = 0;
};

Encoding generate(std::mt19937& rng) {
  auto pick = [&](size_t n) { return std::uniform_int_distribution<size_t>(0, n - 1)(rng); };
  auto size_line = [&](uint64_t size) {
    static constexpr const char* kExtensions[] = {
        "", "", ";a", ";name=value", " ;a=b", "\t; q = \"x;y\\\"z\"", ";a;b=c;d", ";\xff\xfe"};
    const char* digits = pick(2) ? "0123456789abcdef" : "0123456789ABCDEF";
    std::string hex;
    do hex.insert(hex.begin(), digits[size & 15]);
    while (size >>= 4);
    return std::string(pick(4), '0') + hex + kExtensions[pick(std::size(kExtensions))] + "\r\n";
  };
  Encoding e;
  for (size_t chunks = pick(6); chunks > 0; --chunks) {
    size_t r = pick(10);
    size_t size = r < 6 ? 1 + pick(16) : r < 9 ? 1 + pick(2000) : 0x10000;
    std::string data;
    for (size_t i = 0; i < size; ++i) data += static_cast<char>(pick(256));
    e.wire += size_line(size) + data + "\r\n";
    e.payload += data;
  }
  e.wire += size_line(0);
  for (size_t fields = pick(3); fields > 0; --fields)
    e.wire += "X-Trailer-" + std::to_string(fields) + ": " + std::string(pick(40), 'v') + "\r\n";
  e.wire += "\r\n";
  e.body_size = e.wire.size();
  if (pick(2)) e.wire += "GET / HTTP/1.1\r\nHost: x\r\n\r\n";
  return e;
}

TEST(ChunkedDecoder, EverySplitOfTheInputGivesTheSameResult) {
  std::mt19937 rng(20240611);
  for (int i = 0; i < 300; ++i) {
    const Encoding e = generate(rng);
    SCOPED_TRACE("encoding " + std::to_string(i) + ": " + e.wire.substr(0, 60));
    const Decoded expected{e.payload, e.body_size, State::done, "", e.payload.size()};
    ASSERT_EQ(whole(e.wire), expected);
    ASSERT_EQ(bytewise(e.wire), expected);

    std::vector<size_t> ends(1 + rng() % 12);
    for (auto& end : ends) end = rng() % (e.wire.size() + 1);
    ends.push_back(e.wire.size());
    std::sort(ends.begin(), ends.end());
    ASSERT_EQ(run(e.wire, ends), expected);

    // In place, in two calls split anywhere: the second carries on where the first stopped.
    std::vector<char> buffer(e.wire.begin(), e.wire.end());
    size_t cut = rng() % (buffer.size() + 1);
    ChunkedDecoder decoder;
    auto first = decode_in_place(decoder, std::span(buffer).first(cut));
    std::string payload(buffer.data(), first.payload);
    ASSERT_EQ(first.consumed, std::min(cut, e.body_size));
    auto second = decode_in_place(decoder, std::span(buffer).subspan(first.consumed));
    payload.append(buffer.data() + first.consumed, second.payload);
    EXPECT_EQ(first.consumed + second.consumed, e.body_size);
    EXPECT_EQ(payload, e.payload);
    EXPECT_EQ(decoder.state(), State::done);
  }
}

TEST(ChunkedDecoder, MalformedFramingIsRejectedWithItsReason) {
  struct Case {
    std::string wire;
    size_t taken;  // bytes before the offending one
    std::string error;
  };
  const std::vector<Case> cases = {
      {"x\r\n", 0, "chunk size is not hexadecimal"},
      {" 5\r\n", 0, "chunk size is not hexadecimal"},
      {"5x\r\nhello", 1, "chunk size is not hexadecimal"},
      {"-5\r\n", 0, "chunk size is not hexadecimal"},
      {"10000000000000000\r\n", 16, "chunk size over 2^64 - 1"},
      {"\r\n", 0, "chunk size is empty"},
      {";ext\r\n", 0, "chunk size is empty"},
      {"5\r\nhello\r\n\r\n", 10, "chunk size is empty"},
      {"\n", 0, "bare LF in chunk framing"},
      {"5\nhello", 1, "bare LF in chunk framing"},
      {"5;a\nhello", 3, "bare LF in chunk framing"},
      {"5 \nhello", 2, "bare LF in chunk framing"},
      {"5\rhello", 2, "bare CR in chunk framing"},
      {"5 \r\nhello", 2, "whitespace after chunk size not followed by ';'"},
      {"5 x\r\nhello", 2, "whitespace after chunk size not followed by ';'"},
      {"5;a\x01\r\n", 3, "control character in chunk extension"},
      {"5;a\x7f\r\n", 3, "control character in chunk extension"},
      {"5;"s + '\0' + "\r\n", 2, "control character in chunk extension"},
      {"5\r\nhelloX\r\n", 8, "no CRLF after chunk data"},
      {"5\r\nhello\rX", 9, "no CRLF after chunk data"},
      {"5\r\nhello\n0\r\n\r\n", 8, "no CRLF after chunk data"},
      {"0\r\n\n", 3, "bare LF in chunk framing"},
      {"0\r\nX: y\n\r\n", 7, "bare LF in chunk framing"},
      {"0\r\nX: y\rZ\r\n\r\n", 8, "bare CR in chunk framing"},
      {"0\r\n\rX", 4, "bare CR in chunk framing"},
      {"0\r\nX: "s + '\0' + "\r\n\r\n", 6, "NUL in trailer section"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.wire);
    Decoded w = whole(c.wire);
    EXPECT_EQ(w.state, State::error);
    EXPECT_EQ(w.error, c.error);
    EXPECT_EQ(w.consumed, c.taken);
    EXPECT_EQ(bytewise(c.wire), w);
  }
}

TEST(ChunkedDecoder, LargestSizeAndLongLeadingZerosAreAccepted) {
  ChunkedDecoder largest;
  EXPECT_EQ(largest.consume_framing("FFFFFFFFFFFFFFFF\r\n"), 18u);
  EXPECT_EQ(largest.state(), State::payload);
  EXPECT_EQ(largest.payload_left(), std::numeric_limits<uint64_t>::max());

  const std::string zeros = std::string(100, '0') + "1\r\nx\r\n0\r\n\r\n";
  EXPECT_EQ(whole(zeros), (Decoded{"x", zeros.size(), State::done, "", 1}));
}

TEST(ChunkedDecoder, PayloadAnnouncedCountsEachSizeBeforeItsData) {
  ChunkedDecoder decoder;
  EXPECT_EQ(decoder.payload_announced(), 0u);
  decoder.consume_framing("5\r\n");
  EXPECT_EQ(decoder.payload_announced(), 5u);  // before any of the data moved
  decoder.payload_consumed(5);
  decoder.consume_framing("\r\n1000;x\r\n");
  EXPECT_EQ(decoder.payload_announced(), 0x1005u);
  decoder.payload_consumed(0x1000);
  decoder.consume_framing("\r\n0\r\n\r\n");
  EXPECT_EQ(decoder.state(), State::done);
  EXPECT_EQ(decoder.payload_announced(), 0x1005u);
}

TEST(ChunkedDecoder, AnnouncedSumOver2To64IsRejected) {
  ChunkedDecoder decoder;
  decoder.consume_framing("FFFFFFFFFFFFFFFF\r\n");
  decoder.payload_consumed(std::numeric_limits<uint64_t>::max());
  EXPECT_EQ(decoder.consume_framing("\r\n1\r\n"), 4u);
  EXPECT_EQ(decoder.state(), State::error);
  EXPECT_EQ(decoder.error(), "chunk sizes sum over 2^64 - 1");
}

TEST(ChunkedDecoder, PayloadConsumedPastTheChunkIsAnError) {
  ChunkedDecoder decoder;
  decoder.consume_framing("3\r\n");
  decoder.payload_consumed(4);
  EXPECT_EQ(decoder.state(), State::error);
  EXPECT_EQ(decoder.error(), "payload_consumed past the end of the chunk's data");
}

TEST(ChunkedDecoder, SizeLineOverTheLimitFailsAtAnySplit) {
  const Limits limits{.line_bytes = 8};
  const std::string at_limit = "5;abcd\r\nhello\r\n0;abcd\r\n\r\n";  // each line 8 bytes
  EXPECT_EQ(whole(at_limit, limits).state, State::done);
  EXPECT_EQ(bytewise(at_limit, limits).state, State::done);

  const Decoded expected{"", 8, State::error, "chunk-size line over 8 bytes", 0};
  EXPECT_EQ(whole("5;abcde\r\nhello", limits), expected);
  EXPECT_EQ(bytewise("5;abcde\r\nhello", limits), expected);
  EXPECT_EQ(bytewise("000000005\r\nhello", limits), expected);

  // The default limit, fed one byte at a time: nothing is buffered, yet the line is bounded.
  const std::string endless = "1;" + std::string(5000, 'e');
  EXPECT_EQ(bytewise(endless),
            (Decoded{"", 4096, State::error, "chunk-size line over 4096 bytes", 0}));
}

TEST(ChunkedDecoder, TrailerSectionOverTheLimitFails) {
  const Limits limits{.trailer_bytes = 10};
  const std::string at_limit = "0\r\nA: 123\r\n\r\n";  // trailer section: 10 bytes
  EXPECT_EQ(bytewise(at_limit, limits), (Decoded{"", at_limit.size(), State::done, "", 0}));
  const Decoded expected{"", 13, State::error, "trailer section over 10 bytes", 0};
  EXPECT_EQ(whole("0\r\nA: 1234\r\n\r\n", limits), expected);
  EXPECT_EQ(bytewise("0\r\nA: 1234\r\n\r\n", limits), expected);

  std::string many = "0\r\n";
  while (many.size() < 20000) many += "X-Field: 0123456789\r\n";
  Decoded big = bytewise(many + "\r\n");
  EXPECT_EQ(big.state, State::error);
  EXPECT_EQ(big.error, "trailer section over 16384 bytes");
  EXPECT_EQ(big.consumed, 3u + 16384u);
}

TEST(ChunkedDecoder, InPlaceMovesPayloadToTheFrontAndLeavesPipelinedBytes) {
  const std::string body = "3\r\nabc\r\n4;x=y\r\ndefg\r\n0\r\nX: y\r\n\r\n";
  const std::string next = "GET / HTTP/1.1\r\n\r\n";
  std::string buffer = body + next;
  ChunkedDecoder decoder;
  auto r = decode_in_place(decoder, std::span(buffer));
  EXPECT_EQ(decoder.state(), State::done);
  EXPECT_EQ(r.consumed, body.size());
  EXPECT_EQ(buffer.substr(0, r.payload), "abcdefg");
  EXPECT_EQ(buffer.substr(r.consumed), next);
}

TEST(ChunkedDecoder, InPlaceEndingMidSizeLineContinuesWithConsumeFraming) {
  std::string buffer = "3\r\nabc\r\n1";
  ChunkedDecoder decoder;
  auto r = decode_in_place(decoder, std::span(buffer));
  EXPECT_EQ(r.consumed, buffer.size());
  EXPECT_EQ(buffer.substr(0, r.payload), "abc");
  EXPECT_EQ(decoder.state(), State::framing);
  EXPECT_EQ(decoder.consume_framing("0\r\n"), 3u);  // the size continues: 0x10
  EXPECT_EQ(decoder.state(), State::payload);
  EXPECT_EQ(decoder.payload_left(), 0x10u);
}

TEST(ChunkedDecoder, InPlaceEndingMidPayloadContinuesWithPayloadConsumed) {
  std::string buffer = "a\r\n01234";
  ChunkedDecoder decoder;
  auto r = decode_in_place(decoder, std::span(buffer));
  EXPECT_EQ(r.consumed, buffer.size());
  EXPECT_EQ(buffer.substr(0, r.payload), "01234");
  EXPECT_EQ(decoder.state(), State::payload);
  EXPECT_EQ(decoder.payload_left(), 5u);
  decoder.payload_consumed(5);
  EXPECT_EQ(decoder.consume_framing("\r\n0\r\n\r\nGET"), 7u);
  EXPECT_EQ(decoder.state(), State::done);
}

TEST(ChunkedDecoder, InPlaceStopsAtAnError) {
  std::string buffer = "3\r\nabc\r\nzz\r\n";
  ChunkedDecoder decoder;
  auto r = decode_in_place(decoder, std::span(buffer));
  EXPECT_EQ(decoder.state(), State::error);
  EXPECT_EQ(decoder.error(), "chunk size is not hexadecimal");
  EXPECT_EQ(r.consumed, 8u);
  EXPECT_EQ(buffer.substr(0, r.payload), "abc");
}

}  // namespace
}  // namespace streamcheck::http
