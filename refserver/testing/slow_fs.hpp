// A slow disk for tests: a FUSE filesystem, served by this (test) process, that passes
// every call through to a backing directory and holds each write to a file under
// `.staging/` (the store's uploads) for a set delay before doing it.
//
// A real mechanism, not a mock: the server under test runs as its own process on its
// real code, with its --root on the mount, and its write(2) blocks in the kernel for
// the delay exactly as on a disk that is slow to take data (a device queue, dirty-page
// throttling, a stalled network filesystem). We use FUSE because it is what this
// machine offers: no device-mapper (dm-delay) in the kernel, but /dev/fuse. Mounting
// needs root (or fusermount3's setuid helper) and /dev/fuse: unavailable() says why
// not, for a GTEST_SKIP.
//
// Each FUSE request is one write of at most the kernel's max_write (128 KiB or more),
// so a 256 KiB write(2) may be held for the delay once or twice. Requests are served by
// up to 64 threads: one held write never delays another file's calls.
#pragma once

#include <atomic>
#include <chrono>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <thread>

struct fuse;

namespace streamcheck::testing {

class SlowFs {
 public:
  // Mounts a view of `backing` (an existing directory) at `mountpoint` (an existing,
  // empty directory) and serves it on a thread. Throws std::runtime_error when it
  // cannot (see unavailable()).
  SlowFs(std::filesystem::path backing, std::filesystem::path mountpoint);
  // Unmounts, and waits for the serving threads. Stop what uses the mount first.
  ~SlowFs();
  SlowFs(const SlowFs&) = delete;
  SlowFs& operator=(const SlowFs&) = delete;

  // Why a SlowFs cannot be mounted here (no /dev/fuse, not root), or nullopt.
  static std::optional<std::string> unavailable();

  // How long each write to a file under .staging/ is held from now on (0: none).
  void set_write_delay(std::chrono::milliseconds delay) { delay_ms_ = delay.count(); }
  // Writes held so far.
  uint64_t delayed_writes() const { return delayed_writes_; }

  const std::filesystem::path& mountpoint() const { return mountpoint_; }

  struct Callbacks;  // slow_fs.cpp: the FUSE operations

 private:
  std::filesystem::path mountpoint_;
  int backing_fd_ = -1;
  std::atomic<long long> delay_ms_{0};
  std::atomic<uint64_t> delayed_writes_{0};
  struct fuse* fuse_ = nullptr;
  std::thread loop_;
};

}  // namespace streamcheck::testing
