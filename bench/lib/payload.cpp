#include "bench/lib/payload.hpp"

#include <algorithm>
#include <cstring>
#include <memory>

#include "bench/lib/adversarial.hpp"
#include "bench/lib/error.hpp"
#include "bench/lib/prng.hpp"
#include "bench/lib/sha256.hpp"

namespace streamcheck::bench {
namespace {

// Distinct salts so the two kinds with one seed share nothing.
constexpr std::uint64_t kRandomSalt = 0x72616e646f6d0000ULL;       // "random"
constexpr std::uint64_t kAdversarialSalt = 0x6164766572736172ULL;  // "adversar"

std::uint64_t make_key(std::uint64_t seed, PayloadKind kind) {
  return prng::mix64(seed ^ (kind == PayloadKind::random ? kRandomSalt : kAdversarialSalt));
}

// Word `w` of the random stream.
inline std::uint64_t random_word(std::uint64_t key, std::uint64_t w) {
  return prng::to_little_endian(prng::mix64(key + (w + 1) * prng::kGolden));
}

}  // namespace

std::string_view to_string(PayloadKind kind) {
  return kind == PayloadKind::random ? "random" : "adversarial";
}

PayloadKind parse_payload_kind(std::string_view text) {
  if (text == "random") return PayloadKind::random;
  if (text == "adversarial") return PayloadKind::adversarial;
  throw Error("unknown payload kind \"" + std::string(text) +
              "\" (expected random or adversarial)");
}

PayloadStream::PayloadStream(std::uint64_t seed, std::uint64_t size, PayloadKind kind,
                             std::uint64_t offset)
    : seed_(seed), size_(size), kind_(kind), key_(make_key(seed, kind)) {
  seek(offset);
}

void PayloadStream::seek(std::uint64_t offset) {
  if (offset > size_) {
    throw Error("payload offset " + std::to_string(offset) + " is past its size " +
                std::to_string(size_));
  }
  pos_ = offset;
}

std::size_t PayloadStream::fill(std::span<std::byte> out) {
  const auto n = static_cast<std::size_t>(std::min<std::uint64_t>(out.size(), remaining()));
  if (n == 0) return 0;
  if (kind_ == PayloadKind::random) {
    fill_random(out.data(), n);
  } else {
    fill_adversarial(out.data(), n);
  }
  pos_ += n;
  return n;
}

void PayloadStream::fill_random(std::byte* out, std::size_t n) {
  std::uint64_t w = pos_ / 8;
  std::size_t done = 0;
  // Head: the rest of a word we are in the middle of.
  if (const auto skip = static_cast<std::size_t>(pos_ % 8); skip != 0) {
    const auto v = random_word(key_, w++);
    const auto take = std::min<std::size_t>(8 - skip, n);
    std::memcpy(out, reinterpret_cast<const std::byte*>(&v) + skip, take);
    done = take;
  }
  // Body: whole words. The counter runs in a local so the loop stays in registers.
  const std::size_t words = (n - done) / 8;
  std::uint64_t counter = key_ + (w + 1) * prng::kGolden;
  std::byte* p = out + done;
  for (std::size_t i = 0; i < words; ++i) {
    const auto v = prng::to_little_endian(prng::mix64(counter));
    counter += prng::kGolden;
    std::memcpy(p + i * 8, &v, 8);
  }
  done += words * 8;
  w += words;
  // Tail: the first bytes of one more word.
  if (done < n) {
    const auto v = random_word(key_, w);
    std::memcpy(out + done, &v, n - done);
  }
}

void PayloadStream::fill_adversarial(std::byte* out, std::size_t n) {
  if (block_.empty()) block_.resize(kBlockSize);
  std::uint64_t pos = pos_;
  std::size_t done = 0;
  while (done < n) {
    const auto index = pos / kBlockSize;
    if (index != block_index_) {
      detail::make_adversarial_block(key_, index, block_);
      block_index_ = index;
    }
    const auto in_block = static_cast<std::size_t>(pos % kBlockSize);
    const auto take = std::min(n - done, kBlockSize - in_block);
    std::memcpy(out + done, block_.data() + in_block, take);
    done += take;
    pos += take;
  }
}

std::string payload_sha256(std::uint64_t seed, std::uint64_t size, PayloadKind kind) {
  constexpr std::size_t kBuffer = 256 * 1024;
  const auto buffer = std::make_unique<std::byte[]>(kBuffer);
  PayloadStream stream(seed, size, kind);
  Sha256 hash;
  while (const auto n = stream.fill({buffer.get(), kBuffer})) hash.update({buffer.get(), n});
  return hash.final_hex();
}

std::string describe_payload(std::uint64_t seed, PayloadKind kind) {
  return std::string(to_string(kind)) + ":seed=" + std::to_string(seed);
}

}  // namespace streamcheck::bench
