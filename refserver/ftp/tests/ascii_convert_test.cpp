// TYPE A conversion (RFC 959 §3.1.1.1): LF <-> CRLF at every input split and output
// size, CR handling at buffer edges, round trips, and the one-buffer (in-place) use.
#include "refserver/ftp/ascii_convert.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <cstdint>
#include <cstring>
#include <random>
#include <string>
#include <vector>

namespace streamcheck::ftp {
namespace {

using namespace std::string_literals;

std::span<const std::byte> bytes(std::string_view s) {
  return std::as_bytes(std::span<const char>(s.data(), s.size()));
}

std::string text(std::span<const std::byte> b) {
  return std::string(reinterpret_cast<const char*>(b.data()), b.size());
}

// Converts `input` fed in pieces of `in_chunk` bytes through an output buffer of
// `out_size` bytes, as a transfer loop would.
template <class Converter>
std::string convert_chunked(Converter& c, std::string_view input, size_t in_chunk,
                            size_t out_size) {
  std::string result;
  std::vector<std::byte> out(out_size);
  for (size_t pos = 0; pos < input.size(); pos += in_chunk) {
    auto piece = bytes(input.substr(pos, in_chunk));
    while (!piece.empty()) {
      const ConvertResult r = c.convert(piece, out);
      EXPECT_TRUE(r.consumed > 0 || r.produced > 0) << "no progress at " << pos;
      if (r.consumed == 0 && r.produced == 0) return result;
      EXPECT_LE(r.produced, out.size());
      result += text(std::span(out).first(r.produced));
      piece = piece.subspan(r.consumed);
    }
  }
  return result;
}

std::string to_network(std::string_view input, size_t in_chunk = SIZE_MAX, size_t out_size = 0) {
  ToNetworkAscii c;
  return convert_chunked(c, input, std::max<size_t>(1, std::min(in_chunk, input.size())),
                         out_size ? out_size : 2 * input.size() + 2);
}

std::string from_network(std::string_view input, size_t in_chunk = SIZE_MAX, size_t out_size = 0) {
  FromNetworkAscii c;
  std::string result =
      convert_chunked(c, input, std::max<size_t>(1, std::min(in_chunk, input.size())),
                      out_size ? out_size : input.size() + 1);
  std::byte last{};
  if (c.finish(std::span(&last, 1)) == 1) result += static_cast<char>(last);
  return result;
}

const std::string kSample = "line 1\nline 2\r\n\n\r\rx\r\nend\r"s;

TEST(AsciiToNetwork, EveryLfBecomesCrlf) {
  EXPECT_EQ(to_network("a\nb\n"), "a\r\nb\r\n");
  EXPECT_EQ(to_network("\n\n"), "\r\n\r\n");
  EXPECT_EQ(to_network("no newline"), "no newline");
}

TEST(AsciiToNetwork, CrIsAnOrdinaryCharacter) {
  EXPECT_EQ(to_network("a\rb"), "a\rb");
  EXPECT_EQ(to_network("a\r\n"), "a\r\r\n");
}

TEST(AsciiToNetwork, StopsRatherThanSplitACrlf) {
  ToNetworkAscii c;
  std::array<std::byte, 3> out{};
  auto r = c.convert(bytes("ab\ncd"), std::span(out));
  EXPECT_EQ(r.consumed, 2u);
  EXPECT_EQ(r.produced, 2u);
  r = c.convert(bytes("\n"), std::span(out).first(1));
  EXPECT_EQ(r.consumed, 0u);
  EXPECT_EQ(r.produced, 0u);
  r = c.convert(bytes("\ncd"), std::span(out));
  EXPECT_EQ(r.consumed, 2u);
  EXPECT_EQ(text(std::span(out).first(r.produced)), "\r\nc");
}

TEST(AsciiToNetwork, SameOutputForEverySplitAndOutputSize) {
  const std::string expected = "line 1\r\nline 2\r\r\n\r\n\r\rx\r\r\nend\r";
  for (size_t chunk = 1; chunk <= kSample.size(); ++chunk) {
    for (size_t out_size = 2; out_size <= 9; ++out_size) {
      EXPECT_EQ(to_network(kSample, chunk, out_size), expected)
          << "chunk " << chunk << " out " << out_size;
    }
  }
}

TEST(AsciiFromNetwork, CrlfBecomesLfAndALoneCrStays) {
  EXPECT_EQ(from_network("a\r\nb\r\n"), "a\nb\n");
  EXPECT_EQ(from_network("a\rb"), "a\rb");
  EXPECT_EQ(from_network("a\r\r\n"), "a\r\n");
  EXPECT_EQ(from_network("a\n"), "a\n");  // a bare LF passes as it is
  EXPECT_EQ(from_network("a\r"), "a\r");  // via finish()
  EXPECT_EQ(from_network("\r\r\r"), "\r\r\r");
}

TEST(AsciiFromNetwork, CrEndingOneBufferAndLfStartingTheNextAreOneLf) {
  FromNetworkAscii c;
  std::array<std::byte, 8> out{};
  auto r = c.convert(bytes("a\r"), out);
  EXPECT_EQ(r.consumed, 2u);
  EXPECT_EQ(text(std::span(out).first(r.produced)), "a");
  EXPECT_TRUE(c.has_pending_cr());
  r = c.convert(bytes("\nb"), out);
  EXPECT_EQ(r.consumed, 2u);
  EXPECT_EQ(text(std::span(out).first(r.produced)), "\nb");
  EXPECT_FALSE(c.has_pending_cr());
  EXPECT_EQ(c.finish(out), 0u);
}

TEST(AsciiFromNetwork, CrEndingOneBufferAndOtherByteNextIsKept) {
  FromNetworkAscii c;
  std::array<std::byte, 8> out{};
  auto r = c.convert(bytes("a\r"), out);
  EXPECT_EQ(text(std::span(out).first(r.produced)), "a");
  r = c.convert(bytes("\r"), out);
  EXPECT_EQ(text(std::span(out).first(r.produced)), "\r");
  r = c.convert(bytes("b"), out);
  EXPECT_EQ(text(std::span(out).first(r.produced)), "\rb");
}

TEST(AsciiFromNetwork, SameOutputForEverySplitAndOutputSize) {
  const std::string expected = "line 1\nline 2\n\n\r\rx\nend\r";
  for (size_t chunk = 1; chunk <= kSample.size(); ++chunk) {
    for (size_t out_size = 1; out_size <= 9; ++out_size) {
      EXPECT_EQ(from_network(kSample, chunk, out_size), expected)
          << "chunk " << chunk << " out " << out_size;
    }
  }
}

TEST(AsciiFromNetwork, SameOutputForEveryTwoSplitPoints) {
  const std::string wire = "a\r\n\r\r\n\rb\r\r\rc\r\n";
  const std::string expected = "a\n\r\n\rb\r\r\rc\n";
  for (size_t i = 0; i <= wire.size(); ++i) {
    for (size_t j = i; j <= wire.size(); ++j) {
      FromNetworkAscii c;
      std::string result;
      std::array<std::byte, 64> out{};
      for (std::string_view piece :
           {std::string_view(wire).substr(0, i), std::string_view(wire).substr(i, j - i),
            std::string_view(wire).substr(j)}) {
        const auto r = c.convert(bytes(piece), out);
        EXPECT_EQ(r.consumed, piece.size());
        result += text(std::span(out).first(r.produced));
      }
      result += text(std::span(out).first(c.finish(out)));
      EXPECT_EQ(result, expected) << "split at " << i << " and " << j;
    }
  }
}

std::string random_bytes(std::mt19937& rng, size_t n, bool lf_only_text) {
  // Mostly the interesting bytes, so every pattern of CR and LF shows up.
  const std::string alphabet = lf_only_text ? "ab \n"s : "ab\r\n\0\xff"s;
  std::string s;
  for (size_t i = 0; i < n; ++i) s += alphabet[rng() % alphabet.size()];
  return s;
}

TEST(AsciiRoundTrip, ToNetworkThenFromNetworkGivesTheOriginal) {
  std::mt19937 rng(959);
  for (bool lf_only : {true, false}) {  // LF-only text, then any bytes at all
    for (int round = 0; round < 300; ++round) {
      const std::string original = random_bytes(rng, rng() % 200, lf_only);
      const size_t chunk = 1 + rng() % 17;
      const std::string wire = to_network(original, chunk, 2 + rng() % 9);
      EXPECT_EQ(from_network(wire, 1 + rng() % 17, 1 + rng() % 9), original);
    }
  }
}

TEST(AsciiConvert, ToNetworkInOneBufferWithInputInTheBackHalf) {
  std::mt19937 rng(2428);
  for (int round = 0; round < 200; ++round) {
    const std::string input = random_bytes(rng, 1 + rng() % 100, false);
    const size_t n = input.size();
    std::vector<std::byte> buffer(2 * n);
    std::memcpy(buffer.data() + n, input.data(), n);
    ToNetworkAscii c;
    const auto r = c.convert(std::span(buffer).subspan(n), std::span(buffer));
    EXPECT_EQ(r.consumed, n);
    EXPECT_EQ(text(std::span(buffer).first(r.produced)), to_network(input));
  }
}

TEST(AsciiConvert, FromNetworkInOneBufferOneByteEarly) {
  std::mt19937 rng(3659);
  for (int round = 0; round < 200; ++round) {
    const std::string wire = random_bytes(rng, 1 + rng() % 100, false);
    FromNetworkAscii c;
    std::string result;
    // Reads of up to 7 bytes land at buffer[1..]; output goes to buffer[0..].
    std::vector<std::byte> buffer(8);
    for (size_t pos = 0; pos < wire.size(); pos += 7) {
      const std::string piece = wire.substr(pos, 7);
      std::memcpy(buffer.data() + 1, piece.data(), piece.size());
      const auto r = c.convert(std::span(buffer).subspan(1, piece.size()), std::span(buffer));
      EXPECT_EQ(r.consumed, piece.size());
      result += text(std::span(buffer).first(r.produced));
    }
    result += text(std::span(buffer).first(c.finish(buffer)));
    EXPECT_EQ(result, from_network(wire));
  }
}

}  // namespace
}  // namespace streamcheck::ftp
