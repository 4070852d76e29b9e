// The download loop both front ends share: sendfile(2) from an object's fd to a
// non-blocking socket, as much as the socket takes, never reading ahead of it.
#pragma once

#include <sys/sendfile.h>
#include <sys/types.h>

#include <algorithm>
#include <cerrno>
#include <cstdint>

namespace streamcheck {

enum class SendfileState {
  done,         // `remaining` reached 0
  would_block,  // the socket is full: wait until it is writable, then call again
  yield,        // `budget` bytes went out: let other work on the thread run, then again
  failed,       // the peer went away (EPIPE, ECONNRESET) or the file ended early
};

// Sends bytes [offset, offset + remaining) of `file` to `socket` until one of the states
// above, advancing `offset` and `remaining` and calling on_sent(n) after each call.
template <class OnSent>
SendfileState sendfile_some(int socket, int file, off_t& offset, uint64_t& remaining,
                            OnSent on_sent, uint64_t budget = 8 * 1024 * 1024) {
  uint64_t sent = 0;
  while (remaining > 0) {
    if (sent >= budget) return SendfileState::yield;
    auto want = static_cast<size_t>(std::min(remaining, budget));
    ssize_t n = ::sendfile(socket, file, &offset, want);
    if (n > 0) {
      remaining -= static_cast<uint64_t>(n);
      sent += static_cast<uint64_t>(n);
      on_sent(static_cast<uint64_t>(n));
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) return SendfileState::would_block;
    return SendfileState::failed;
  }
  return SendfileState::done;
}

}  // namespace streamcheck
