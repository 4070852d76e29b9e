// Test helper: waits for what another process or thread does in its own time (a server
// closing a connection, a child exiting, a pipe being drained) by polling the condition
// itself, instead of sleeping a guessed while and then checking.
//
//   EXPECT_TRUE(eventually([&] { return !server->running(); }));
//
// True as soon as `condition` holds, so a quick machine waits no longer than it must;
// false only once it has not held for all of `timeout`. The default is generous on
// purpose: on a loaded machine the other side may take seconds to be scheduled, and only
// a test that fails pays the whole wait.
#pragma once

#include <chrono>
#include <thread>

namespace streamcheck::bench::testing {

inline constexpr std::chrono::seconds kEventuallyTimeout{30};

template <class Condition>
bool eventually(Condition&& condition, std::chrono::milliseconds timeout = kEventuallyTimeout,
                std::chrono::milliseconds step = std::chrono::milliseconds(10)) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    if (condition()) return true;
    if (std::chrono::steady_clock::now() >= deadline) return false;
    std::this_thread::sleep_for(step);
  }
}

}  // namespace streamcheck::bench::testing
