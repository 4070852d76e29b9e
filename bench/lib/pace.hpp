// When a slow or stalled client may move its next bytes: the schedule of TransferOptions'
// max_bytes_per_second, stall_after and stall_for, apart from how the client then waits
// (a paused curl handle in a batch, a sleep alone: see Exchange::hold_back).
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>

namespace streamcheck::bench::detail {

class Pace {
 public:
  using Clock = std::chrono::steady_clock;

  // No limits: hold() never holds.
  Pace() = default;
  // `rate` bytes per second (none: as fast as it comes); once `stall_after` bytes have
  // moved, nothing for `stall_for` (none: never).
  Pace(std::optional<std::uint64_t> rate, std::optional<std::uint64_t> stall_after,
       Clock::duration stall_for);

  // Before the bytes that follow the first `moved` of a transfer that began at `start`:
  // the time until which the client must hold them back, or nothing when they may move
  // now. The stall comes once: asked again after it (the same bytes, at or after the
  // time given), it lets them through. The rate counts the stall out, so the bytes after
  // it come at the rate, not in a burst that catches up with the time stalled.
  std::optional<Clock::time_point> hold(std::uint64_t moved, Clock::time_point start,
                                        Clock::time_point now);

  bool limits() const { return rate_ || stall_after_; }
  bool has_rate() const { return rate_.has_value(); }

 private:
  std::optional<std::uint64_t> rate_;
  std::optional<std::uint64_t> stall_after_;
  Clock::duration stall_for_{};
  bool stalled_ = false;
  Clock::duration stalled_time_{};  // added to the rate's schedule once the stall began
};

}  // namespace streamcheck::bench::detail
