// Internal to the store: the few POSIX wrappers store.cpp and upload.cpp share.
// Nothing here is part of the store's interface; front ends include store.hpp only.
#pragma once

#include <linux/openat2.h>
#include <sys/stat.h>
#include <sys/types.h>

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "refserver/store/status.hpp"

namespace streamcheck::store::posix {

// Owns one file descriptor; closes it when destroyed. Move-only.
class UniqueFd {
 public:
  UniqueFd() = default;
  explicit UniqueFd(int fd) : fd_(fd) {}
  ~UniqueFd() { reset(); }
  UniqueFd(UniqueFd&& other) noexcept : fd_(other.release()) {}
  UniqueFd& operator=(UniqueFd&& other) noexcept {
    if (this != &other) reset(other.release());
    return *this;
  }
  UniqueFd(const UniqueFd&) = delete;
  UniqueFd& operator=(const UniqueFd&) = delete;

  int get() const { return fd_; }
  bool valid() const { return fd_ >= 0; }
  int release() { return std::exchange(fd_, -1); }
  // Closes the held fd (if any) and takes `fd`. close(2) errors are ignored: on Linux
  // the fd is released whatever close returns, and durability comes from fsync.
  void reset(int fd = -1);

 private:
  int fd_ = -1;
};

// The resolve flags every path of the store is opened with.
inline constexpr uint64_t kResolveBeneath = RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS;

// openat2(dirfd, rel, {flags | O_CLOEXEC, mode, resolve}); rel "" means dirfd itself.
// `shown` names the path in an error message. EXDEV (outside the root) becomes
// escapes_root via Status::from_errno.
Result<UniqueFd> open_beneath(int dirfd, const std::string& rel, int flags, mode_t mode,
                              std::string_view shown, uint64_t resolve = kResolveBeneath);

Result<struct stat> fstat_fd(int fd, std::string_view shown);

// write(2) until all of `data` is written, through short writes and EINTR.
Status write_all(int fd, std::span<const std::byte> data, std::string_view shown);

// pread(2) once (retrying EINTR); 0 at the end of the file.
Result<size_t> pread_some(int fd, std::span<std::byte> buffer, uint64_t offset,
                          std::string_view shown);

// Names in the directory `dirfd` (without "." and ".."), in directory order. Does not
// take `dirfd`: it reads through its own descriptor.
Result<std::vector<std::string>> read_dir_names(int dirfd, std::string_view shown);

// Removes `name` in `dirfd`: a file, or a directory with everything in it. Never
// follows a symlink.
Status remove_tree_at(int dirfd, const std::string& name, std::string_view shown);

// 32 random hex digits (getrandom(2)).
std::string random_hex_name();

// `status` with its code replaced, for callers that know what an errno means in
// their context (ENOENT on a parent -> parent_missing); the message is kept.
inline Status with_code(const Status& status, Errc code) {
  return Status(code, status.message());
}

}  // namespace streamcheck::store::posix
