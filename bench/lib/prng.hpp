// The small, fast generators behind payloads (header-only, inlined into loops).
//
// splitmix64's output function is a good 64-bit mixer, and applied to a counter it is a
// counter-based generator: word i of a stream is mix64(key + (i + 1) * kGolden). That
// gives random access (any offset, no state to replay) at a few cycles per 8 bytes.
// Xoshiro256** is used where a sequential stream of decisions is needed (adversarial
// blocks); it is seeded from splitmix64 as its authors recommend.
#pragma once

#include <bit>
#include <cstdint>

namespace streamcheck::bench::prng {

inline constexpr std::uint64_t kGolden = 0x9e3779b97f4a7c15ULL;

constexpr std::uint64_t mix64(std::uint64_t z) {
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

// Bytes of a word in little-endian order on every host, so payloads are the same
// everywhere.
constexpr std::uint64_t to_little_endian(std::uint64_t v) {
  if constexpr (std::endian::native == std::endian::big) return __builtin_bswap64(v);
  return v;
}

class Xoshiro256ss {
 public:
  explicit constexpr Xoshiro256ss(std::uint64_t seed) {
    for (auto& word : s_) {
      seed += kGolden;
      word = mix64(seed);
    }
  }

  constexpr std::uint64_t next() {
    const std::uint64_t result = std::rotl(s_[1] * 5, 7) * 9;
    const std::uint64_t t = s_[1] << 17;
    s_[2] ^= s_[0];
    s_[3] ^= s_[1];
    s_[1] ^= s_[2];
    s_[0] ^= s_[3];
    s_[2] ^= t;
    s_[3] = std::rotl(s_[3], 45);
    return result;
  }

  // In [0, n) for n > 0 (modulo bias is irrelevant for test content).
  constexpr std::uint64_t below(std::uint64_t n) { return next() % n; }
  // Uniform in [lo, hi].
  constexpr std::uint64_t between(std::uint64_t lo, std::uint64_t hi) {
    return lo + below(hi - lo + 1);
  }

 private:
  std::uint64_t s_[4] = {};
};

}  // namespace streamcheck::bench::prng
