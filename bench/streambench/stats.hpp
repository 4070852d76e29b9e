// The median of a run's figures, shared by the gate (repetitions of a benchmark) and the
// checks (rounds of a GET).
#pragma once

#include <algorithm>
#include <vector>

namespace streamcheck::streambench {

// The middle value, or the mean of the two middle ones; `v` must not be empty.
inline double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  const auto n = v.size();
  return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

}  // namespace streamcheck::streambench
