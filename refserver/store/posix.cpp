#include "refserver/store/posix.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <sys/random.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <array>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <memory>

namespace streamcheck::store::posix {

void UniqueFd::reset(int fd) {
  if (fd_ >= 0) ::close(fd_);
  fd_ = fd;
}

Result<UniqueFd> open_beneath(int dirfd, const std::string& rel, int flags, mode_t mode,
                              std::string_view shown, uint64_t resolve) {
  open_how how{};
  how.flags = static_cast<uint64_t>(flags | O_CLOEXEC);
  // The kernel rejects a mode without O_CREAT/O_TMPFILE.
  how.mode = (flags & O_CREAT) != 0 ? mode : 0;
  how.resolve = resolve;
  const char* target = rel.empty() ? "." : rel.c_str();
  // EAGAIN: the kernel could not rule out a racing rename moving a ".." out of the
  // root (RESOLVE_BENEATH); retrying is the documented answer. Bounded.
  for (int attempt = 0;; ++attempt) {
    const long fd = ::syscall(SYS_openat2, dirfd, target, &how, sizeof how);
    if (fd >= 0) return UniqueFd(static_cast<int>(fd));
    const int err = errno;
    if (err == EINTR || (err == EAGAIN && attempt < 16)) continue;
    return Status::from_errno(err, "openat2", shown);
  }
}

Result<struct stat> fstat_fd(int fd, std::string_view shown) {
  struct stat st {};
  if (::fstat(fd, &st) != 0) return Status::from_errno(errno, "fstat", shown);
  return st;
}

Status write_all(int fd, std::span<const std::byte> data, std::string_view shown) {
  while (!data.empty()) {
    const ssize_t n = ::write(fd, data.data(), data.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      return Status::from_errno(errno, "write", shown);
    }
    if (n == 0) return Status::from_errno(EIO, "write", shown);  // never for files
    data = data.subspan(static_cast<size_t>(n));
  }
  return Status::ok();
}

Result<size_t> pread_some(int fd, std::span<std::byte> buffer, uint64_t offset,
                          std::string_view shown) {
  for (;;) {
    const ssize_t n = ::pread(fd, buffer.data(), buffer.size(), static_cast<off_t>(offset));
    if (n >= 0) return static_cast<size_t>(n);
    if (errno != EINTR) return Status::from_errno(errno, "pread", shown);
  }
}

Result<std::vector<std::string>> read_dir_names(int dirfd, std::string_view shown) {
  // fdopendir() takes the fd it is given, so give it a fresh one on the same directory.
  auto fd = open_beneath(dirfd, "", O_RDONLY | O_DIRECTORY, 0, shown);
  if (!fd) return fd.status();
  std::unique_ptr<DIR, int (*)(DIR*)> dir(::fdopendir(fd->get()), &::closedir);
  if (!dir) return Status::from_errno(errno, "fdopendir", shown);
  fd->release();  // now owned by `dir`

  std::vector<std::string> names;
  for (;;) {
    errno = 0;
    const dirent* entry = ::readdir(dir.get());
    if (entry == nullptr) {
      if (errno != 0) return Status::from_errno(errno, "readdir", shown);
      break;
    }
    const std::string_view name = entry->d_name;
    if (name == "." || name == "..") continue;
    names.emplace_back(name);
  }
  return names;
}

namespace {

Status remove_tree_at(int dirfd, const std::string& name, const std::string& shown, int depth) {
  if (::unlinkat(dirfd, name.c_str(), 0) == 0) return Status::ok();
  if (errno != EISDIR && errno != EPERM) return Status::from_errno(errno, "unlinkat", shown);
  if (depth > 64) return Status::from_errno(ELOOP, "remove_tree", shown);

  auto sub = open_beneath(dirfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW, 0, shown,
                          kResolveBeneath | RESOLVE_NO_SYMLINKS);
  if (!sub) return sub.status();
  auto names = read_dir_names(sub->get(), shown);
  if (!names) return names.status();
  for (const std::string& child : *names) {
    Status st = remove_tree_at(sub->get(), child, shown + "/" + child, depth + 1);
    if (!st) return st;
  }
  if (::unlinkat(dirfd, name.c_str(), AT_REMOVEDIR) != 0) {
    return Status::from_errno(errno, "unlinkat", shown);
  }
  return Status::ok();
}

}  // namespace

Status remove_tree_at(int dirfd, const std::string& name, std::string_view shown) {
  return remove_tree_at(dirfd, name, std::string(shown), 0);
}

std::string random_hex_name() {
  std::array<unsigned char, 16> bytes{};
  size_t filled = 0;
  while (filled < bytes.size()) {
    const ssize_t n = ::getrandom(bytes.data() + filled, bytes.size() - filled, 0);
    if (n > 0) {
      filled += static_cast<size_t>(n);
    } else if (n < 0 && errno != EINTR) {
      // getrandom(2) only fails where it does not exist (ENOSYS); a counter and the
      // clock still give names unique within the process, and O_EXCL checks the rest.
      static std::atomic<uint64_t> counter{0};
      const uint64_t words[2] = {
          counter.fetch_add(1) ^ (static_cast<uint64_t>(::getpid()) << 32),
          static_cast<uint64_t>(std::chrono::steady_clock::now().time_since_epoch().count())};
      std::memcpy(bytes.data(), words, sizeof words);
      filled = bytes.size();
    }
  }
  static constexpr char kHex[] = "0123456789abcdef";
  std::string name;
  name.reserve(bytes.size() * 2);
  for (const unsigned char b : bytes) {
    name.push_back(kHex[b >> 4]);
    name.push_back(kHex[b & 0xf]);
  }
  return name;
}

}  // namespace streamcheck::store::posix
