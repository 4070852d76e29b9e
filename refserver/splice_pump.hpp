// Uploads that never pass through user space: splice(2) moves what a socket received
// into a pipe (references to the socket's pages, no copy) and from the pipe into the
// staging file (one copy, into the page cache), where recv-then-write copies each byte
// twice. The socket-to-pipe step never blocks (a non-blocking socket, a pipe with room),
// so it runs on the network thread; the pipe-to-file step may block as long as the disk
// likes, so it runs on the blocking pool (Upload::write_from_pipe), as buffered writes do.
//
// A pipe holds at most its capacity: one pipe per upload bounds what the server holds
// for it, as the connection's buffer does on the buffered path (the pages are the
// kernel's then, not the process's).
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

namespace streamcheck {

// One pipe, both ends. `held` is what its user has put in and not yet taken out.
class SplicePipe {
 public:
  SplicePipe(int read_end, int write_end, size_t capacity);
  ~SplicePipe();
  SplicePipe(const SplicePipe&) = delete;
  SplicePipe& operator=(const SplicePipe&) = delete;

  int read_end() const { return read_end_; }
  int write_end() const { return write_end_; }
  size_t capacity() const { return capacity_; }
  // Whether the kernel says the pipe is empty (FIONREAD): only an empty pipe is reused.
  bool empty() const;
  // Whether what it holds is worth a trip to the blocking pool now that the client has
  // paused: half a pipe is; less waits for more, as a partly filled buffer does.
  bool worth_emptying() const { return held >= capacity_ / 2; }

  size_t held = 0;

 private:
  int read_end_;
  int write_end_;
  size_t capacity_;
};

// A pipe of `bytes` (the kernel rounds up to a power of two pages), or nullptr with
// `why` saying why the upload must take the buffered path: no descriptors left, or a
// pipe the kernel would not grow past a few pages (an unprivileged user over
// fs.pipe-user-pages-soft gets 2 pages a pipe). Pipes are not pooled across sessions:
// making one costs about 10 us, and idle pipes kept after their transfers would look
// like leaked descriptors to any lsof-style check (ours included).
std::shared_ptr<SplicePipe> make_splice_pipe(size_t bytes, std::string& why);

enum class SpliceState {
  done,         // `wanted` reached 0
  pipe_full,    // the socket has more, the pipe no room: empty the pipe first
  would_block,  // the socket has nothing now: wait until it is readable
  eof,          // the peer closed its side
  failed,       // the connection failed (errno in `error`)
};

// Moves up to `wanted` bytes from the non-blocking `socket` into `pipe` without
// blocking, adding what moved to pipe.held and taking it from `wanted` (pass
// UINT64_MAX to read until the peer closes).
SpliceState splice_some(int socket, SplicePipe& pipe, uint64_t& wanted, int& error);

}  // namespace streamcheck
