// Draining a launched server's stdout and stderr on a thread (internal to launcher.cpp).
//
// Until the ready line, stdout is split into lines and each is checked with
// is_ready_line(); the first one decides (parsed, or the parse error kept). From then on
// both streams are only drained, keeping the last 4 KiB of each, so the server never
// blocks writing its logs. A callback runs every `tick` on the thread, whatever the
// streams do (the launcher uses it to follow the server's process tree).
#pragma once

#include <chrono>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <thread>

#include "bench/lib/ready_line.hpp"

namespace streamcheck::bench::detail {

// The last `capacity` bytes appended.
class TailBuffer {
 public:
  explicit TailBuffer(std::size_t capacity) : capacity_(capacity) {}
  void append(std::string_view bytes);
  const std::string& str() const { return data_; }
  bool truncated() const { return truncated_; }

 private:
  std::size_t capacity_;
  std::string data_;
  bool truncated_ = false;
};

class ChildOutput {
 public:
  static constexpr std::size_t kTailBytes = 4096;

  // Takes ownership of the read ends `stdout_fd` and `stderr_fd` and starts the thread.
  // With `echo`, what the child writes is also copied to our stderr. Throws Error if the
  // thread or its wake-up pipe cannot be made (and closes the fds).
  ChildOutput(int stdout_fd, int stderr_fd, bool echo, std::chrono::milliseconds tick,
              std::function<void()> on_tick);
  // stop(), then closes the fds.
  ~ChildOutput();
  ChildOutput(const ChildOutput&) = delete;
  ChildOutput& operator=(const ChildOutput&) = delete;

  enum class Event { ready, bad_ready_line, stdout_closed, none };
  // Waits until the ready line was seen (or was bad), stdout reached end of file, or
  // `until`; returns which (`none` at `until`).
  Event wait(std::chrono::steady_clock::time_point until);
  // Waits until both streams reached end of file, or `until`. True if they did.
  bool wait_closed(std::chrono::steady_clock::time_point until);

  // Valid after wait() returned `ready`.
  ReadyLine ready_line() const;
  // The parse error, after wait() returned `bad_ready_line`.
  std::string ready_line_error() const;

  std::string stdout_tail() const;
  std::string stderr_tail() const;

  // Reads what is already in the pipes, then ends the thread. Idempotent.
  void stop();

 private:
  void run();
  void on_stdout(std::string_view bytes);  // under mu_
  void on_line(std::string_view line);     // under mu_

  int fds_[2];  // stdout, stderr; -1 once at end of file and closed
  int wake_[2] = {-1, -1};
  bool echo_;
  std::chrono::milliseconds tick_;
  std::function<void()> on_tick_;

  mutable std::mutex mu_;
  std::condition_variable cv_;
  TailBuffer out_tail_{kTailBytes};
  TailBuffer err_tail_{kTailBytes};
  std::string line_;  // stdout line being assembled, until the ready line
  bool line_too_long_ = false;
  bool decided_ = false;  // ready line seen (good or bad)
  std::optional<ReadyLine> ready_;
  std::string ready_error_;
  bool closed_[2] = {false, false};
  std::thread thread_;
  bool stopped_ = false;
};

}  // namespace streamcheck::bench::detail
