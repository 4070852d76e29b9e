#include "bench/lib/sha256.hpp"

#include <gtest/gtest.h>

#include <string>

#include "bench/lib/error.hpp"

namespace streamcheck::bench {
namespace {

TEST(Sha256, KnownVectors) {
  EXPECT_EQ(Sha256::hex_of(""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(Sha256::hex_of("abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  EXPECT_EQ(Sha256::hex_of("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"),
            "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
}

TEST(Sha256, MillionAsInPieces) {
  Sha256 h;
  const std::string chunk(1000, 'a');
  for (int i = 0; i < 1000; ++i) h.update(chunk);
  EXPECT_EQ(h.bytes_hashed(), 1'000'000u);
  EXPECT_EQ(h.final_hex(), "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
}

TEST(Sha256, MultiUpdateEqualsOneShot) {
  std::string data;
  for (int i = 0; i < 100'000; ++i) data.push_back(static_cast<char>(i * 131 + (i >> 7)));
  const auto one_shot = Sha256::hex_of(data);
  for (const std::size_t piece : {1u, 3u, 63u, 64u, 65u, 4096u, 99'999u}) {
    Sha256 h;
    for (std::size_t at = 0; at < data.size(); at += piece) {
      h.update(std::string_view(data).substr(at, piece));
    }
    EXPECT_EQ(h.final_hex(), one_shot) << "piece " << piece;
  }
}

TEST(Sha256, SpanAndStringViewAgree) {
  const std::string s = "hello, world";
  Sha256 a;
  a.update(std::as_bytes(std::span<const char>(s.data(), s.size())));
  EXPECT_EQ(a.final_hex(), Sha256::hex_of(s));
}

TEST(Sha256, UpdateAfterFinalThrowsUntilReset) {
  Sha256 h;
  h.update("abc");
  (void)h.final_hex();
  EXPECT_THROW(h.update("x"), Error);
  EXPECT_THROW((void)h.final_hex(), Error);
  h.reset();
  h.update("abc");
  EXPECT_EQ(h.final_hex(), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

TEST(Sha256, MovedFromIsReportedNotCrashing) {
  Sha256 a;
  a.update("ab");
  Sha256 b = std::move(a);
  b.update("c");
  EXPECT_EQ(b.final_hex(), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  EXPECT_THROW(a.update("x"), Error);  // NOLINT(bugprone-use-after-move): tested on purpose
}

}  // namespace
}  // namespace streamcheck::bench
