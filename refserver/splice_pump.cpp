#include "refserver/splice_pump.hpp"

#include <fcntl.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

namespace streamcheck {

namespace {
// Below this a pipe moves too little per trip to the blocking pool to be worth it.
constexpr size_t kSmallestUsefulPipe = 64 * 1024;
}  // namespace

SplicePipe::SplicePipe(int read_end, int write_end, size_t capacity)
    : read_end_(read_end), write_end_(write_end), capacity_(capacity) {}

SplicePipe::~SplicePipe() {
  ::close(read_end_);
  ::close(write_end_);
}

bool SplicePipe::empty() const {
  int queued = 0;
  return ::ioctl(read_end_, FIONREAD, &queued) == 0 && queued == 0;
}

std::shared_ptr<SplicePipe> make_splice_pipe(size_t bytes, std::string& why) {
  int ends[2];
  if (::pipe2(ends, O_CLOEXEC) != 0) {
    why = std::string("pipe2: ") + std::strerror(errno);
    return nullptr;
  }
  // F_SETPIPE_SZ fails past fs.pipe-max-size or the user's page quota: the pipe keeps
  // what it has, and its size decides below.
  ::fcntl(ends[1], F_SETPIPE_SZ, static_cast<int>(bytes));
  const int size = ::fcntl(ends[1], F_GETPIPE_SZ);
  if (size < static_cast<int>(std::min(bytes, kSmallestUsefulPipe))) {
    ::close(ends[0]);
    ::close(ends[1]);
    why = "the kernel gave a pipe of " + std::to_string(size) +
          " bytes (fs.pipe-user-pages-soft reached?)";
    return nullptr;
  }
  return std::make_shared<SplicePipe>(ends[0], ends[1], static_cast<size_t>(size));
}

SpliceState splice_some(int socket, SplicePipe& pipe, uint64_t& wanted, int& error) {
  while (wanted > 0) {
    const size_t room = pipe.capacity() - std::min(pipe.held, pipe.capacity());
    if (room == 0) return SpliceState::pipe_full;
    const ssize_t n = ::splice(socket, nullptr, pipe.write_end(), nullptr,
                               static_cast<size_t>(std::min<uint64_t>(room, wanted)),
                               SPLICE_F_MOVE | SPLICE_F_NONBLOCK);
    if (n > 0) {
      pipe.held += static_cast<size_t>(n);
      wanted -= static_cast<uint64_t>(n);
      continue;
    }
    if (n == 0) return SpliceState::eof;
    if (errno == EINTR) continue;
    if (errno == EAGAIN) {
      // Either side may be the one that is not ready: a pipe whose pages are each
      // partly filled takes fewer bytes than its capacity.
      int queued = 0;
      if (::ioctl(socket, FIONREAD, &queued) == 0 && queued > 0) return SpliceState::pipe_full;
      return SpliceState::would_block;
    }
    error = errno;
    return SpliceState::failed;
  }
  return SpliceState::done;
}

}  // namespace streamcheck
