// Builds the blocks of the adversarial payload (see payload.hpp for what it contains).
// Internal to payload.cpp; a header of its own so the recipe reads in one place.
#pragma once

#include <cstdint>
#include <span>

namespace streamcheck::bench::detail {

// Fills `block` (the whole of it) with block number `index` of the adversarial stream
// keyed by `key`. Deterministic in (key, index, block.size()). Block 0 starts with the
// fixed gauntlet.
void make_adversarial_block(std::uint64_t key, std::uint64_t index, std::span<std::byte> block);

}  // namespace streamcheck::bench::detail
