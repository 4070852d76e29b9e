// Test helper: the nearest-rank percentile of sorted samples, the definition
// LatencyHistogram approximates (to 1/256), for tests to hold its figures against.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <vector>

namespace streamcheck::bench::testing {

inline std::uint64_t exact_percentile(const std::vector<std::uint64_t>& sorted, double p) {
  const auto n = static_cast<double>(sorted.size());
  const auto rank = std::clamp<std::size_t>(static_cast<std::size_t>(std::ceil(p / 100 * n - 1e-9)),
                                            1, sorted.size());
  return sorted[rank - 1];
}

}  // namespace streamcheck::bench::testing
