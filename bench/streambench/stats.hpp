// The statistics of a run's figures: the median, shared by the gate (repetitions of a
// benchmark) and the checks (rounds of a GET), and how sure a ratio of two medians is.
#pragma once

#include <cstdint>
#include <vector>

namespace streamcheck::streambench {

// The middle value, or the mean of the two middle ones; `v` must not be empty.
double median(std::vector<double> v);

// median(a) / median(b), with a confidence interval from the percentile bootstrap: both
// samples resampled with replacement `resamples` times. Deterministic for given input
// (fixed seed), so that a run's report can be reproduced from its figures.
struct RatioEstimate {
  double ratio = 0;
  double low = 0;  // the interval's bounds
  double high = 0;
};
RatioEstimate ratio_of_medians(const std::vector<double>& a, const std::vector<double>& b,
                               double confidence = 0.95, unsigned resamples = 2000);

}  // namespace streamcheck::streambench
