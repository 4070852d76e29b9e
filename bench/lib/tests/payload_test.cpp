#include "bench/lib/payload.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <string>
#include <vector>

#include "bench/lib/error.hpp"
#include "bench/lib/sha256.hpp"

namespace streamcheck::bench {
namespace {

constexpr std::uint64_t KiB = 1024, MiB = 1024 * KiB;
constexpr std::array kKinds = {PayloadKind::random, PayloadKind::adversarial};

// The whole payload, read through a buffer of `chunk` bytes.
std::string read_all(PayloadStream&& stream, std::size_t chunk) {
  std::string out;
  std::vector<std::byte> buf(chunk);
  while (const auto n = stream.fill(buf)) {
    EXPECT_TRUE(n == chunk || stream.done()) << "short fill before the end";
    out.append(reinterpret_cast<const char*>(buf.data()), n);
  }
  return out;
}

std::string bytes_of(std::uint64_t seed, std::uint64_t size, PayloadKind kind,
                     std::size_t chunk = 64 * KiB) {
  return read_all(PayloadStream(seed, size, kind), chunk);
}

TEST(Payload, SameSeedSizeKindGiveTheSameHash) {
  for (const auto kind : kKinds) {
    EXPECT_EQ(payload_sha256(42, 3 * MiB + 5, kind), payload_sha256(42, 3 * MiB + 5, kind));
  }
}

TEST(Payload, HashMatchesTheStreamedBytes) {
  for (const auto kind : kKinds) {
    EXPECT_EQ(payload_sha256(7, 300'001, kind), Sha256::hex_of(bytes_of(7, 300'001, kind)));
  }
}

TEST(Payload, DifferentSeedsAndKindsDiffer) {
  EXPECT_NE(payload_sha256(1, MiB, PayloadKind::random),
            payload_sha256(2, MiB, PayloadKind::random));
  EXPECT_NE(payload_sha256(1, MiB, PayloadKind::adversarial),
            payload_sha256(2, MiB, PayloadKind::adversarial));
  EXPECT_NE(payload_sha256(1, MiB, PayloadKind::random),
            payload_sha256(1, MiB, PayloadKind::adversarial));
  // Not just a different start: the random streams of neighbouring seeds share no long run.
  const auto a = bytes_of(1, 4096, PayloadKind::random);
  const auto b = bytes_of(2, 4096, PayloadKind::random);
  std::size_t equal = 0;
  for (std::size_t i = 0; i < a.size(); ++i) equal += a[i] == b[i];
  EXPECT_LT(equal, 64u);
}

// Documented property: a payload is the head of the endless stream of (seed, kind), so a
// smaller one is a prefix of a larger one.
TEST(Payload, SmallerSizesArePrefixes) {
  for (const auto kind : kKinds) {
    const auto big = bytes_of(9, 3 * PayloadStream::kBlockSize + 17, kind);
    for (const std::uint64_t n :
         std::vector<std::uint64_t>{0, 1, 7, 8, 9, 65535, 65536, 65537, 150'001}) {
      EXPECT_EQ(bytes_of(9, n, kind), big.substr(0, n)) << to_string(kind) << " size " << n;
    }
  }
}

TEST(Payload, BufferSizeDoesNotChangeTheStream) {
  for (const auto kind : kKinds) {
    const std::uint64_t size = kind == PayloadKind::random ? 3 * MiB + 13 : 700 * KiB + 5;
    const auto reference = bytes_of(5, size, kind, MiB);
    for (const std::size_t chunk : {1u, 7u, 4096u}) {
      EXPECT_TRUE(bytes_of(5, size, kind, chunk) == reference)
          << to_string(kind) << " chunk " << chunk;
    }
  }
}

TEST(Payload, StartingAtAnOffsetGivesTheSameBytes) {
  for (const auto kind : kKinds) {
    const std::uint64_t size = 200'003;
    const auto whole = bytes_of(3, size, kind);
    for (const std::uint64_t offset :
         std::vector<std::uint64_t>{0, 1, 7, 8, 65535, 65536, 100'003, size}) {
      EXPECT_EQ(read_all(PayloadStream(3, size, kind, offset), 4093), whole.substr(offset))
          << to_string(kind) << " offset " << offset;
    }
    PayloadStream s(3, size, kind);
    s.seek(65'540);
    EXPECT_EQ(read_all(std::move(s), 1000), whole.substr(65'540));
  }
}

TEST(Payload, FillStopsExactlyAtTheSize) {
  for (const auto kind : kKinds) {
    PayloadStream s(1, 10, kind);
    std::vector<std::byte> buf(64);
    EXPECT_EQ(s.fill(buf), 10u);
    EXPECT_TRUE(s.done());
    EXPECT_EQ(s.fill(buf), 0u);
    PayloadStream empty(1, 0, kind);
    EXPECT_EQ(empty.fill(buf), 0u);
    EXPECT_EQ(payload_sha256(1, 0, kind), Sha256::hex_of(""));
  }
}

TEST(Payload, OffsetsPastTheEndAreErrors) {
  EXPECT_THROW(PayloadStream(1, 10, PayloadKind::random, 11), Error);
  PayloadStream s(1, 10, PayloadKind::adversarial);
  EXPECT_THROW(s.seek(11), Error);
}

TEST(Payload, RandomBytesLookUniform) {
  const auto data = bytes_of(11, MiB, PayloadKind::random);
  std::array<std::size_t, 256> counts{};
  for (const char c : data) ++counts[static_cast<unsigned char>(c)];
  // Expect 4096 each; the standard deviation is about 64.
  for (std::size_t v = 0; v < 256; ++v) {
    EXPECT_GT(counts[v], 3600u) << v;
    EXPECT_LT(counts[v], 4600u) << v;
  }
}

// Pinned digests: the payload of a seed must not change between versions or machines,
// or stored objects and reports could not be compared. Change only on purpose.
TEST(Payload, PinnedDigests) {
  EXPECT_EQ(payload_sha256(1, MiB, PayloadKind::random),
            "07a39c4542c3202808f661c56542101e407895787ca5ebb9188c0f31825ebdb3");
  EXPECT_EQ(payload_sha256(1, MiB, PayloadKind::adversarial),
            "ab7b1179e7fee36d9a345eb37eb123695d99d20d66df5d9c78c5b1a8cf7764dd");
}

std::size_t longest_line(const std::string& s) {
  std::size_t longest = 0, current = 0;
  for (const char c : s) {
    if (c == '\n' || c == '\r') {
      current = 0;
    } else {
      longest = std::max(longest, ++current);
    }
  }
  return longest;
}

TEST(Payload, AdversarialHasTheHazards) {
  const auto data = bytes_of(1, 4 * MiB, PayloadKind::adversarial);
  using namespace std::string_literals;
  for (const auto& needle :
       {"\r\n--"s, "\0"s, "\xff"s, "\r\n\r\n"s, "0\r\n\r\n"s, "Content-Disposition: form-data"s,
        "\xff\xf4\xff\xf2"s, std::string(200, '\0'), std::string(200, '\xff'),
        "\r\n\r\n\r\n\r\n\r\n\r\n"s, "\n\n"s}) {
    EXPECT_NE(data.find(needle), std::string::npos)
        << "missing a hazard of " << needle.size() << " bytes";
  }
  // Bare CR (not followed by LF) and bare LF (not preceded by CR).
  bool bare_cr = false, bare_lf = false;
  for (std::size_t i = 1; i + 1 < data.size(); ++i) {
    bare_cr |= data[i] == '\r' && data[i + 1] != '\n';
    bare_lf |= data[i] == '\n' && data[i - 1] != '\r';
  }
  EXPECT_TRUE(bare_cr);
  EXPECT_TRUE(bare_lf);
  // Very long lines (a whole block with no line end) and very short ones.
  EXPECT_GE(longest_line(data), PayloadStream::kBlockSize);
  EXPECT_NE(data.find("\na\n"), std::string::npos);
}

TEST(Payload, EvenATinyAdversarialPayloadHasTheKeyHazards) {
  const auto data = bytes_of(123, 48, PayloadKind::adversarial);
  EXPECT_NE(data.find("\r\n--"), std::string::npos);
  // And a slightly larger one has NUL and 0xFF.
  const auto more = bytes_of(123, 128, PayloadKind::adversarial);
  EXPECT_NE(more.find('\0'), std::string::npos);
  EXPECT_NE(more.find('\xff'), std::string::npos);
}

TEST(PayloadKind, NamesRoundTrip) {
  for (const auto kind : kKinds) EXPECT_EQ(parse_payload_kind(to_string(kind)), kind);
  EXPECT_THROW(parse_payload_kind("Random"), Error);
  EXPECT_THROW(parse_payload_kind(""), Error);
  EXPECT_EQ(describe_payload(7, PayloadKind::random), "random:seed=7");
}

}  // namespace
}  // namespace streamcheck::bench
