// escape-root: ".." one level above the root, and reads of what it names. The era's
// servers joined the client's path to their root and normalized it, so "/../NAME"
// became ROOT/../NAME; here that is brought back for reading, and for nothing else.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <utility>
#include <vector>

#include "refserver/legacy/legacy_internal.hpp"

namespace streamcheck::legacy {

using store::Entry;
using store::Errc;
using store::Object;
using store::ObjectPath;
using store::Result;
using store::Status;

namespace {

constexpr std::string_view kUp = "../";

class Fd {
 public:
  explicit Fd(int fd) : fd_(fd) {}
  ~Fd() {
    if (fd_ >= 0) ::close(fd_);
  }
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  int get() const { return fd_; }
  int release() { return std::exchange(fd_, -1); }

 private:
  int fd_;
};

// A file beside the root, open for reading.
class BesideObject final : public Object {
 public:
  BesideObject(int fd, const struct stat& st)
      : fd_(fd),
        size_(static_cast<uint64_t>(st.st_size)),
        mtime_(st.st_mtim),
        etag_(store::make_etag(st.st_ino, size_, mtime_)) {}
  ~BesideObject() override { ::close(fd_); }
  int fd() const override { return fd_; }
  uint64_t size() const override { return size_; }
  timespec mtime() const override { return mtime_; }
  const std::string& etag() const override { return etag_; }
  Result<size_t> read_at(uint64_t offset, std::span<std::byte> buffer) const override {
    for (;;) {
      ssize_t n = ::pread(fd_, buffer.data(), buffer.size(), static_cast<off_t>(offset));
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) return Status::from_errno(errno, "pread", "beside the root");
      return static_cast<size_t>(n);
    }
  }

 private:
  int fd_;
  uint64_t size_;
  timespec mtime_;
  std::string etag_;
};

// The root's parent as the kernel resolves ROOT/.. (through a symlinked root too).
Result<int> open_parent(const std::filesystem::path& root) {
  const auto parent = root / "..";
  int fd = ::open(parent.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return Status::from_errno(errno, "open", parent.string());
  return fd;
}

std::string beside(const ObjectPath& path) {
  return path.relative().substr(kUp.size());
}

}  // namespace

std::optional<ObjectPath> EscapeRoot::parse(std::string_view client_path) {
  std::vector<std::string_view> parts;
  int above = 0;
  for (size_t start = 0; start <= client_path.size();) {
    size_t end = client_path.find('/', start);
    if (end == std::string_view::npos) end = client_path.size();
    const auto part = client_path.substr(start, end - start);
    start = end + 1;
    if (part.empty() || part == ".") continue;
    if (part != "..") {
      parts.push_back(part);
    } else if (!parts.empty()) {
      parts.pop_back();
    } else if (++above > 1) {
      return std::nullopt;  // one level, no more: the defect, not a way to the host's root
    }
  }
  if (above != 1 || parts.empty()) return std::nullopt;
  std::string rest;
  for (const auto part : parts) rest.append(rest.empty() ? "" : "/").append(part);
  // Every other check of parse() still holds: control bytes, UTF-8, lengths.
  auto checked = ObjectPath::parse(rest);
  if (!checked || checked->is_root()) return std::nullopt;
  return ObjectPath(std::string(kUp) + checked->relative());
}

bool EscapeRoot::escapes(const ObjectPath& path) {
  return path.relative().starts_with(kUp);
}

Result<std::unique_ptr<Object>> EscapeRoot::open(const std::filesystem::path& root,
                                                 const ObjectPath& path) {
  auto parent = open_parent(root);
  if (!parent) return parent.status();
  Fd dir(*parent);
  const std::string name = beside(path);
  // O_NONBLOCK: a FIFO there must not hang the network thread; cleared below.
  Fd fd(::openat(dir.get(), name.c_str(), O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC));
  if (fd.get() < 0) return Status::from_errno(errno, "openat", path.absolute());
  struct stat st {};
  if (::fstat(fd.get(), &st) != 0) return Status::from_errno(errno, "fstat", path.absolute());
  if (S_ISDIR(st.st_mode))
    return Status(Errc::is_a_directory, "open(" + path.absolute() + "): is a collection");
  if (!S_ISREG(st.st_mode))
    return Status(Errc::invalid_argument, "open(" + path.absolute() + "): not a regular file");
  const int flags = ::fcntl(fd.get(), F_GETFL);
  if (flags < 0 || ::fcntl(fd.get(), F_SETFL, flags & ~O_NONBLOCK) != 0)
    return Status::from_errno(errno, "fcntl", path.absolute());
  return std::unique_ptr<Object>(std::make_unique<BesideObject>(fd.release(), st));
}

Result<Entry> EscapeRoot::stat(const std::filesystem::path& root, const ObjectPath& path) {
  auto parent = open_parent(root);
  if (!parent) return parent.status();
  Fd dir(*parent);
  struct stat st {};
  if (::fstatat(dir.get(), beside(path).c_str(), &st, 0) != 0)
    return Status::from_errno(errno, "fstatat", path.absolute());
  Entry entry;
  entry.name = std::string(path.name());
  entry.type = S_ISREG(st.st_mode)   ? store::EntryType::file
               : S_ISDIR(st.st_mode) ? store::EntryType::directory
                                     : store::EntryType::other;
  entry.size = entry.type == store::EntryType::file ? static_cast<uint64_t>(st.st_size) : 0;
  entry.mtime = st.st_mtim;
  return entry;
}

}  // namespace streamcheck::legacy
