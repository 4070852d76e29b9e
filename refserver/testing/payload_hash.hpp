// The SHA-256 a download of part of a generated payload must have, for tests that fetch
// a Range or a REST tail: the bytes are generated again as a stream, never held whole.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "bench/lib/payload.hpp"
#include "bench/lib/sha256.hpp"
#include "bench/lib/transfer.hpp"

namespace streamcheck::testing {

// SHA-256 of bytes [first, end) of payload `p` (its seed and kind; its size unused).
inline std::string sha256_of_range(const bench::Payload& p, uint64_t first, uint64_t end) {
  bench::PayloadStream s(p.seed, end, p.kind, first);
  bench::Sha256 hash;
  std::vector<std::byte> buf(1 << 20);
  while (size_t n = s.fill(buf)) hash.update(std::span<const std::byte>(buf.data(), n));
  return hash.final_hex();
}

}  // namespace streamcheck::testing
