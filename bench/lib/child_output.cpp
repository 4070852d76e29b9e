#include "bench/lib/child_output.hpp"

#include <fcntl.h>
#include <poll.h>
#include <unistd.h>

#include <cerrno>

#include "bench/lib/error.hpp"

namespace streamcheck::bench::detail {
namespace {

// Longer stdout lines before the ready line are logs, not a ready line; skip them.
constexpr std::size_t kMaxLine = 64 * 1024;

void write_all(int fd, std::string_view bytes) {
  while (!bytes.empty()) {
    const auto n = ::write(fd, bytes.data(), bytes.size());
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return;  // echo is best effort: our own stderr may be closed
    bytes.remove_prefix(static_cast<std::size_t>(n));
  }
}

}  // namespace

void TailBuffer::append(std::string_view bytes) {
  if (bytes.size() >= capacity_) {
    data_.assign(bytes.substr(bytes.size() - capacity_));
    truncated_ = true;
    return;
  }
  const auto keep = capacity_ - bytes.size();
  if (data_.size() > keep) {
    data_.erase(0, data_.size() - keep);
    truncated_ = true;
  }
  data_.append(bytes);
}

ChildOutput::ChildOutput(int stdout_fd, int stderr_fd, bool echo, std::chrono::milliseconds tick,
                         std::function<void()> on_tick)
    : fds_{stdout_fd, stderr_fd}, echo_(echo), tick_(tick), on_tick_(std::move(on_tick)) {
  try {
    if (::pipe2(wake_, O_CLOEXEC | O_NONBLOCK) != 0) throw_errno(errno, "pipe2", "wake-up pipe");
    for (const int fd : fds_) {
      const int flags = ::fcntl(fd, F_GETFL);
      if (flags < 0 || ::fcntl(fd, F_SETFL, flags | O_NONBLOCK) < 0) {
        throw_errno(errno, "fcntl", "O_NONBLOCK on the server's output pipe");
      }
    }
    thread_ = std::thread([this] { run(); });
  } catch (...) {
    for (int& fd : fds_) ::close(fd);
    for (int& fd : wake_) {
      if (fd >= 0) ::close(fd);
    }
    throw;
  }
}

ChildOutput::~ChildOutput() {
  stop();
  for (const int fd : fds_) {
    if (fd >= 0) ::close(fd);
  }
  ::close(wake_[0]);
  ::close(wake_[1]);
}

void ChildOutput::stop() {
  if (stopped_) return;
  stopped_ = true;
  const char byte = 1;
  (void)!::write(wake_[1], &byte, 1);
  if (thread_.joinable()) thread_.join();
}

void ChildOutput::run() {
  using Clock = std::chrono::steady_clock;
  auto next_tick = Clock::now() + tick_;
  char buf[64 * 1024];
  // Reads what fd k has now; at end of file closes it.
  const auto drain = [&](int k) {
    while (fds_[k] >= 0) {
      const auto n = ::read(fds_[k], buf, sizeof buf);
      if (n < 0 && errno == EINTR) continue;
      if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) return;
      std::lock_guard lock(mu_);
      if (n > 0) {
        const std::string_view bytes(buf, static_cast<std::size_t>(n));
        (k == 0 ? out_tail_ : err_tail_).append(bytes);
        if (k == 0) on_stdout(bytes);
        if (echo_) write_all(STDERR_FILENO, bytes);
        continue;
      }
      // End of file (or a read error, which ends the stream all the same).
      ::close(fds_[k]);
      fds_[k] = -1;
      closed_[k] = true;
      if (k == 0 && !decided_ && !line_.empty() && !line_too_long_) on_line(line_);
      cv_.notify_all();
    }
  };

  for (bool stopping = false; !stopping;) {
    pollfd p[3];
    nfds_t n = 0;
    int which[3];
    for (int k = 0; k < 2; ++k) {
      if (fds_[k] >= 0) {
        p[n] = {fds_[k], POLLIN, 0};
        which[n++] = k;
      }
    }
    p[n] = {wake_[0], POLLIN, 0};
    which[n++] = -1;
    int timeout = -1;
    if (tick_.count() > 0) {
      const auto left =
          std::chrono::duration_cast<std::chrono::milliseconds>(next_tick - Clock::now());
      timeout = static_cast<int>(std::max<std::int64_t>(0, left.count()));
    }
    const int ready = ::poll(p, n, timeout);
    if (ready < 0 && errno != EINTR) break;  // cannot happen with valid fds
    for (nfds_t i = 0; ready > 0 && i < n; ++i) {
      if (p[i].revents == 0) continue;
      if (which[i] < 0) {
        stopping = true;
      } else {
        drain(which[i]);
      }
    }
    if (stopping) {
      drain(0);
      drain(1);
    }
    if (tick_.count() > 0 && Clock::now() >= next_tick) {
      next_tick = Clock::now() + tick_;
      try {
        on_tick_();
      } catch (...) {
        // Best effort between samples: the launcher repeats the work in stop(), where
        // an error is reported.
      }
    }
  }
}

void ChildOutput::on_stdout(std::string_view bytes) {
  while (!decided_ && !bytes.empty()) {
    const auto nl = bytes.find('\n');
    const auto piece = bytes.substr(0, nl);
    if (!line_too_long_) {
      if (line_.size() + piece.size() > kMaxLine) {
        line_too_long_ = true;
        line_.clear();
      } else {
        line_.append(piece);
      }
    }
    if (nl == std::string_view::npos) return;
    if (!line_too_long_) on_line(line_);
    line_.clear();
    line_too_long_ = false;
    bytes.remove_prefix(nl + 1);
  }
}

void ChildOutput::on_line(std::string_view line) {
  if (!is_ready_line(line)) return;
  try {
    ready_ = parse_ready_line(line);
  } catch (const Error& e) {
    ready_error_ = e.what();
  }
  decided_ = true;
  cv_.notify_all();
}

ChildOutput::Event ChildOutput::wait(std::chrono::steady_clock::time_point until) {
  std::unique_lock lock(mu_);
  cv_.wait_until(lock, until, [&] { return decided_ || closed_[0]; });
  if (ready_) return Event::ready;
  if (decided_) return Event::bad_ready_line;
  if (closed_[0]) return Event::stdout_closed;
  return Event::none;
}

bool ChildOutput::wait_closed(std::chrono::steady_clock::time_point until) {
  std::unique_lock lock(mu_);
  return cv_.wait_until(lock, until, [&] { return closed_[0] && closed_[1]; });
}

ReadyLine ChildOutput::ready_line() const {
  std::lock_guard lock(mu_);
  return ready_.value_or(ReadyLine{});
}

std::string ChildOutput::ready_line_error() const {
  std::lock_guard lock(mu_);
  return ready_error_;
}

std::string ChildOutput::stdout_tail() const {
  std::lock_guard lock(mu_);
  return out_tail_.str();
}

std::string ChildOutput::stderr_tail() const {
  std::lock_guard lock(mu_);
  return err_tail_.str();
}

}  // namespace streamcheck::bench::detail
