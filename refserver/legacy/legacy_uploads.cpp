// The legacy profiles' uploads: buffer-upload, spool-upload, leak-tempfile,
// no-transaction and flip-byte, each an Upload that wraps (or replaces) the store's.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <mutex>
#include <utility>
#include <vector>

#include "refserver/legacy/legacy_internal.hpp"

namespace streamcheck::legacy {

using store::CommitInfo;
using store::ObjectPath;
using store::Result;
using store::Status;
using store::Upload;

namespace {

constexpr size_t kCopyBuffer = 256 * 1024;

// leak-tempfile's descriptors: never closed, as in the seed, until the process ends.
std::mutex leaked_mutex;
std::vector<int> leaked_fds;

void release_temp(int fd, bool leak) {
  if (fd < 0) return;
  if (!leak) {
    ::close(fd);
    return;
  }
  std::lock_guard lock(leaked_mutex);
  leaked_fds.push_back(fd);
}

// Copies all of `fd` (from its start) into `upload` through a fixed buffer.
Status copy_into(int fd, Upload& upload) {
  std::vector<std::byte> buffer(kCopyBuffer);
  for (off_t offset = 0;;) {
    ssize_t n = ::pread(fd, buffer.data(), buffer.size(), offset);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return Status::from_errno(errno, "pread", "legacy spool");
    if (n == 0) return Status::ok();
    offset += n;
    if (auto st = upload.write(std::span(buffer.data(), static_cast<size_t>(n))); !st) return st;
  }
}

// buffer-upload: everything in memory until commit.
class BufferingUpload final : public Upload {
 public:
  explicit BufferingUpload(std::unique_ptr<Upload> inner) : inner_(std::move(inner)) {}
  Status write(std::span<const std::byte> data) override {
    body_.insert(body_.end(), data.begin(), data.end());
    return Status::ok();
  }
  uint64_t size() const override { return inner_->size() + body_.size(); }
  Result<CommitInfo> commit() override {
    if (auto st = inner_->write(body_); !st) return st;
    std::vector<std::byte>().swap(body_);
    return inner_->commit();
  }
  void abort() override {
    std::vector<std::byte>().swap(body_);
    inner_->abort();
  }

 private:
  std::unique_ptr<Upload> inner_;
  std::vector<std::byte> body_;
};

// spool-upload and leak-tempfile: a temp file first, the store at the end.
class SpoolingUpload final : public Upload {
 public:
  SpoolingUpload(std::unique_ptr<Upload> inner, int temp_fd, bool leak)
      : inner_(std::move(inner)), fd_(temp_fd), leak_(leak) {}
  ~SpoolingUpload() override { release_temp(std::exchange(fd_, -1), leak_); }
  Status write(std::span<const std::byte> data) override {
    spooled_ += data.size();
    return write_all(fd_, data, "legacy spool");
  }
  uint64_t size() const override { return inner_->size() + spooled_; }
  Result<CommitInfo> commit() override {
    auto st = copy_into(fd_, *inner_);
    release_temp(std::exchange(fd_, -1), leak_);
    if (!st) return st;
    return inner_->commit();
  }
  void abort() override {
    release_temp(std::exchange(fd_, -1), leak_);
    inner_->abort();
  }

 private:
  std::unique_ptr<Upload> inner_;
  int fd_;
  bool leak_;
  uint64_t spooled_ = 0;
};

// no-transaction: the final name is written as the bytes come, and stays on abort.
class InPlaceUpload final : public Upload {
 public:
  InPlaceUpload(int fd, bool created) : fd_(fd), created_(created) {}
  ~InPlaceUpload() override { abort(); }
  Status write(std::span<const std::byte> data) override {
    if (fd_ < 0) return Status(store::Errc::bad_state, "upload already ended");
    return write_all(fd_, data, "in-place upload");
  }
  uint64_t size() const override {
    struct stat st {};
    return fd_ >= 0 && ::fstat(fd_, &st) == 0 ? static_cast<uint64_t>(st.st_size) : 0;
  }
  Result<CommitInfo> commit() override {
    struct stat st {};
    if (fd_ < 0 || ::fstat(fd_, &st) != 0)
      return Status(store::Errc::bad_state, "upload already ended");
    CommitInfo info{static_cast<uint64_t>(st.st_size), "",
                    store::make_etag(st.st_ino, static_cast<uint64_t>(st.st_size), st.st_mtim),
                    created_};
    ::close(std::exchange(fd_, -1));
    return info;
  }
  void abort() override {
    if (fd_ >= 0) ::close(std::exchange(fd_, -1));  // what was written stays
  }

 private:
  int fd_;
  bool created_;
};

// flip-byte: one byte of the client's stream changed on its way to the store, the
// rest passed through as it comes (no copy of the data, so no other figure moves).
class FlippingUpload final : public Upload {
 public:
  explicit FlippingUpload(std::unique_ptr<Upload> inner) : inner_(std::move(inner)) {}
  Status write(std::span<const std::byte> data) override {
    const uint64_t start = received_;
    received_ += data.size();
    if (kFlipOffset < start || kFlipOffset >= received_) return inner_->write(data);
    const auto at = static_cast<size_t>(kFlipOffset - start);
    const std::byte flipped = data[at] ^ std::byte{0xff};
    for (auto piece :
         {data.first(at), std::span<const std::byte>(&flipped, 1), data.subspan(at + 1)}) {
      if (piece.empty()) continue;
      if (auto st = inner_->write(piece); !st) return st;
    }
    return Status::ok();
  }
  uint64_t size() const override { return inner_->size(); }
  Result<CommitInfo> commit() override { return inner_->commit(); }
  void abort() override { inner_->abort(); }

 private:
  std::unique_ptr<Upload> inner_;
  uint64_t received_ = 0;  // bytes of the client's stream, a kept prefix not counted
};

}  // namespace

Result<int> make_temp(const std::string& dir) {
  std::string name = dir + "/refserver-legacy-XXXXXX";
  int fd = ::mkostemp(name.data(), O_CLOEXEC);
  if (fd < 0) return Status::from_errno(errno, "mkostemp", name);
  ::unlink(name.c_str());
  return fd;
}

Status write_all(int fd, std::span<const std::byte> data, const char* what) {
  while (!data.empty()) {
    ssize_t n = ::write(fd, data.data(), data.size());
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return Status::from_errno(errno, "write", what);
    data = data.subspan(static_cast<size_t>(n));
  }
  return Status::ok();
}

Result<std::unique_ptr<Upload>> spool_or_buffer(Result<std::unique_ptr<Upload>> upload,
                                                const LegacyProfile& profile,
                                                const std::string& temp_dir) {
  if (!upload) return upload;
  std::unique_ptr<Upload> result = std::move(upload).value();
  if (profile.spool_upload || profile.leak_tempfile) {
    auto temp = make_temp(temp_dir);
    if (!temp) return temp.status();
    result = std::make_unique<SpoolingUpload>(std::move(result), *temp, profile.leak_tempfile);
  }
  if (profile.buffer_upload) result = std::make_unique<BufferingUpload>(std::move(result));
  return result;
}

std::unique_ptr<Upload> flip_byte(std::unique_ptr<Upload> upload) {
  return std::make_unique<FlippingUpload>(std::move(upload));
}

Result<std::unique_ptr<Upload>> begin_in_place(const store::Store& inner, const ObjectPath& path,
                                               int open_mode, uint64_t keep) {
  if (path.is_root()) return Status(store::Errc::is_a_directory, "the root is a collection");
  auto full = inner.root() / path.relative();
  auto existing = inner.stat(path);
  if (existing && existing->type == store::EntryType::directory)
    return Status(store::Errc::is_a_directory, path.relative() + " is a collection");
  int fd = ::open(full.c_str(), O_WRONLY | O_CREAT | O_CLOEXEC | open_mode, 0644);
  if (fd < 0) {
    auto st = Status::from_errno(errno, "open", path.relative());
    if (st.code() == store::Errc::not_found)
      return Status(store::Errc::parent_missing, st.message());
    return st;
  }
  if (open_mode == 0 && (::ftruncate(fd, static_cast<off_t>(keep)) != 0 ||
                         ::lseek(fd, static_cast<off_t>(keep), SEEK_SET) < 0)) {
    auto st = Status::from_errno(errno, "ftruncate", path.relative());
    ::close(fd);
    return st;
  }
  return std::unique_ptr<Upload>(std::make_unique<InPlaceUpload>(fd, !existing));
}

}  // namespace streamcheck::legacy
