#include "bench/lib/prefault.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <fstream>
#include <utility>
#include <vector>

#include "bench/lib/error.hpp"
#include "bench/lib/interrupt.hpp"

namespace streamcheck::bench {
namespace {

constexpr std::uint64_t kMiB = 1024 * 1024;
constexpr std::size_t kChunk = 1 << 20;
constexpr std::uint64_t kProgressEvery = 64 * kMiB;

std::uint64_t less_margin(std::uint64_t space) {
  const std::uint64_t margin = std::max<std::uint64_t>(256 * kMiB, space / 8);
  return space > margin ? space - margin : 0;
}

// MemAvailable from /proc/meminfo, in bytes; nullopt when it cannot be read.
std::optional<std::uint64_t> mem_available() {
  std::ifstream in("/proc/meminfo");
  std::string key, unit;
  std::uint64_t kib = 0;
  while (in >> key >> kib) {
    std::getline(in, unit);
    if (key == "MemAvailable:") return kib * 1024;
  }
  return std::nullopt;
}

bool same_filesystem(const std::filesystem::path& a, const std::filesystem::path& b) {
  struct stat sa {
  }, sb{};
  return ::stat(a.c_str(), &sa) == 0 && ::stat(b.c_str(), &sb) == 0 && sa.st_dev == sb.st_dev;
}

// The scratch file: created new, removed however its use ends (return, throw, or Ctrl-C
// while it is written).
class ScratchFile {
 public:
  explicit ScratchFile(std::filesystem::path path)
      : path_(std::move(path)), undo_([p = path_] { ::unlink(p.c_str()); }) {
    fd_ = ::open(path_.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd_ < 0) throw_errno(errno, "open", path_.string());
  }
  ~ScratchFile() {
    ::close(fd_);
    ::unlink(path_.c_str());
  }
  ScratchFile(const ScratchFile&) = delete;
  ScratchFile& operator=(const ScratchFile&) = delete;
  int fd() const { return fd_; }
  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
  OnInterrupt undo_;
  int fd_ = -1;
};

}  // namespace

PrefaultLocation prefault_location(const std::optional<std::filesystem::path>& root) {
  if (!root) return {"/dev/shm", "in memory, the root being unknown"};
  const auto parent = root->parent_path();
  if (!parent.empty() && same_filesystem(*root, parent) && ::access(parent.c_str(), W_OK) == 0)
    return {parent, "beside the root"};
  return {*root, "in the root"};
}

std::uint64_t space_for_prefault(const std::filesystem::path& dir) {
  struct statvfs st {};
  if (::statvfs(dir.c_str(), &st) != 0) throw_errno(errno, "statvfs", dir.string());
  std::uint64_t space = less_margin(static_cast<std::uint64_t>(st.f_bavail) * st.f_frsize);
  if (const auto mem = mem_available()) space = std::min(space, less_margin(*mem));
  return space;
}

std::uint64_t prefault_bytes(std::uint64_t wanted, std::uint64_t space) {
  return std::min(wanted, space) / kMiB * kMiB;
}

PrefaultResult prefault(const PrefaultLocation& location, std::uint64_t bytes,
                        const std::function<void(std::uint64_t, std::uint64_t)>& progress) {
  PrefaultResult out;
  if (bytes == 0) return out;
  const auto start = std::chrono::steady_clock::now();
  {
    ScratchFile file(location.dir /
                     (".streambench-prefault-" + std::to_string(static_cast<long>(::getpid()))));
    // Not zeros: no filesystem may skip the pages of a write it can tell is empty.
    const std::vector<char> chunk(kChunk, static_cast<char>(0xa5));
    while (out.bytes < bytes) {
      const auto n = static_cast<std::size_t>(std::min<std::uint64_t>(kChunk, bytes - out.bytes));
      const ssize_t w = ::write(file.fd(), chunk.data(), n);
      if (w < 0) {
        if (errno == EINTR) continue;
        throw_errno(errno, "write", file.path().string());
      }
      const auto before = out.bytes;
      out.bytes += static_cast<std::uint64_t>(w);
      if (progress && (out.bytes / kProgressEvery != before / kProgressEvery || out.bytes == bytes))
        progress(out.bytes, bytes);
    }
  }  // closed and removed: the pages go back to the free memory, touched
  out.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return out;
}

}  // namespace streamcheck::bench
