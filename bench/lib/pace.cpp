#include "bench/lib/pace.hpp"

namespace streamcheck::bench::detail {

Pace::Pace(std::optional<std::uint64_t> rate, std::optional<std::uint64_t> stall_after,
           Clock::duration stall_for)
    : rate_(rate), stall_after_(stall_after), stall_for_(stall_for) {
  if (rate_ && *rate_ == 0) rate_.reset();  // 0 B/s would never finish: no limit
  if (stall_for_ <= Clock::duration::zero()) stall_after_.reset();
}

std::optional<Pace::Clock::time_point> Pace::hold(std::uint64_t moved, Clock::time_point start,
                                                  Clock::time_point now) {
  if (stall_after_ && !stalled_ && moved >= *stall_after_) {
    stalled_ = true;
    stalled_time_ += stall_for_;
    return now + stall_for_;
  }
  if (!rate_) return std::nullopt;
  const auto due = start + stalled_time_ +
                   std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(
                       static_cast<double>(moved) / static_cast<double>(*rate_)));
  if (due > now) return due;
  return std::nullopt;
}

}  // namespace streamcheck::bench::detail
