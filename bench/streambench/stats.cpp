#include "bench/streambench/stats.hpp"

#include <algorithm>
#include <cmath>
#include <random>

namespace streamcheck::streambench {

double median(std::vector<double> v) {
  const auto n = v.size();
  std::nth_element(v.begin(), v.begin() + static_cast<std::ptrdiff_t>(n / 2), v.end());
  const double upper = v[n / 2];
  if (n % 2) return upper;
  const double lower = *std::max_element(v.begin(), v.begin() + static_cast<std::ptrdiff_t>(n / 2));
  return (lower + upper) / 2;
}

RatioEstimate ratio_of_medians(const std::vector<double>& a, const std::vector<double>& b,
                               double confidence, unsigned resamples) {
  RatioEstimate e;
  e.ratio = median(a) / median(b);
  e.low = e.high = e.ratio;
  if (a.size() < 2 || b.size() < 2 || resamples == 0) return e;
  std::mt19937_64 random(0x5eed);
  std::uniform_int_distribution<std::size_t> pick_a(0, a.size() - 1), pick_b(0, b.size() - 1);
  std::vector<double> ratios, ra(a.size()), rb(b.size());
  ratios.reserve(resamples);
  for (unsigned i = 0; i < resamples; ++i) {
    for (auto& x : ra) x = a[pick_a(random)];
    for (auto& x : rb) x = b[pick_b(random)];
    ratios.push_back(median(ra) / median(rb));
  }
  std::sort(ratios.begin(), ratios.end());
  const double tail = (1 - confidence) / 2;
  const auto at = [&](double q) {
    const auto i = static_cast<std::size_t>(std::lround(q * static_cast<double>(resamples - 1)));
    return ratios[std::min(i, ratios.size() - 1)];
  };
  e.low = at(tail);
  e.high = at(1 - tail);
  return e;
}

}  // namespace streamcheck::streambench
