#include "refserver/legacy/legacy_store.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <mutex>
#include <vector>

namespace streamcheck::legacy {
namespace {

using store::CommitInfo;
using store::Object;
using store::ObjectPath;
using store::Result;
using store::Status;
using store::Upload;
using store::UploadOptions;

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

// An unlinked temp file, as Python's TemporaryFile makes.
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

// spool-download: the whole object copied to a temp file before the first byte.
class SpooledObject final : public Object {
 public:
  SpooledObject(std::unique_ptr<Object> original, int fd)
      : original_(std::move(original)), fd_(fd) {}
  ~SpooledObject() override { ::close(fd_); }
  int fd() const override { return fd_; }
  uint64_t size() const override { return original_->size(); }
  timespec mtime() const override { return original_->mtime(); }
  const std::string& etag() const override { return original_->etag(); }
  Result<size_t> read_at(uint64_t offset, std::span<std::byte> buffer) const override {
    ssize_t n = ::pread(fd_, buffer.data(), buffer.size(), static_cast<off_t>(offset));
    if (n < 0) return Status::from_errno(errno, "pread", "legacy spool");
    return static_cast<size_t>(n);
  }

 private:
  std::unique_ptr<Object> original_;
  int fd_;
};

// load-whole: the whole object in memory for as long as it is being sent.
class LoadedObject final : public Object {
 public:
  LoadedObject(std::unique_ptr<Object> inner, std::vector<std::byte> bytes)
      : inner_(std::move(inner)), bytes_(std::move(bytes)) {}
  int fd() const override { return inner_->fd(); }
  uint64_t size() const override { return inner_->size(); }
  timespec mtime() const override { return inner_->mtime(); }
  const std::string& etag() const override { return inner_->etag(); }
  Result<size_t> read_at(uint64_t offset, std::span<std::byte> buffer) const override {
    if (offset >= bytes_.size()) return size_t{0};
    size_t n = std::min<uint64_t>(buffer.size(), bytes_.size() - offset);
    std::copy_n(bytes_.begin() + static_cast<ptrdiff_t>(offset), n, buffer.begin());
    return n;
  }

 private:
  std::unique_ptr<Object> inner_;
  std::vector<std::byte> bytes_;
};

class LegacyStore final : public store::Store {
 public:
  LegacyStore(std::unique_ptr<store::Store> inner, LegacyProfile profile, std::string temp_dir)
      : inner_(std::move(inner)), profile_(profile), temp_dir_(std::move(temp_dir)) {}

  size_t purged_at_open() const override { return inner_->purged_at_open(); }
  const std::filesystem::path& root() const override { return inner_->root(); }

  Result<std::unique_ptr<Upload>> begin_upload(const ObjectPath& path,
                                               const UploadOptions& options) override {
    if (profile_.no_transaction) return in_place(path, O_TRUNC, 0);
    return wrap(inner_->begin_upload(path, options));
  }
  Result<std::unique_ptr<Upload>> begin_append(const ObjectPath& path,
                                               const UploadOptions& options) override {
    if (profile_.no_transaction) return in_place(path, O_APPEND, 0);
    return wrap(inner_->begin_append(path, options));
  }
  Result<std::unique_ptr<Upload>> begin_resume(const ObjectPath& path, uint64_t offset,
                                               const UploadOptions& options) override {
    if (profile_.no_transaction) return in_place(path, 0, offset);
    return wrap(inner_->begin_resume(path, offset, options));
  }

  Result<std::unique_ptr<Object>> open(const ObjectPath& path) const override {
    auto object = inner_->open(path);
    if (!object || !(profile_.spool_download || profile_.load_whole)) return object;
    std::vector<std::byte> bytes;
    if (profile_.load_whole) bytes.resize(object.value()->size());
    int fd = -1;
    if (profile_.spool_download) {
      auto temp = make_temp(temp_dir_);
      if (!temp) return temp.status();
      fd = *temp;
    }
    std::vector<std::byte> buffer(kCopyBuffer);
    for (uint64_t offset = 0;;) {
      auto chunk = profile_.load_whole ? std::span(bytes).subspan(offset) : std::span(buffer);
      auto n = object.value()->read_at(offset, chunk.first(std::min(chunk.size(), kCopyBuffer)));
      if (!n) {
        if (fd >= 0) ::close(fd);
        return n.status();
      }
      if (*n == 0) break;
      if (fd >= 0) {
        if (auto st = write_all(fd, chunk.first(*n), "legacy spool"); !st) {
          ::close(fd);
          return st;
        }
      }
      offset += *n;
    }
    std::unique_ptr<Object> result = std::move(object).value();
    if (fd >= 0) result = std::make_unique<SpooledObject>(std::move(result), fd);
    if (profile_.load_whole)
      result = std::make_unique<LoadedObject>(std::move(result), std::move(bytes));
    return result;
  }

  Result<store::Entry> stat(const ObjectPath& path) const override { return inner_->stat(path); }
  Result<std::vector<store::Entry>> list(const ObjectPath& dir) const override {
    return inner_->list(dir);
  }
  Status make_dir(const ObjectPath& path) override { return inner_->make_dir(path); }
  Status remove(const ObjectPath& path) override { return inner_->remove(path); }
  Status rename(const ObjectPath& from, const ObjectPath& to) override {
    return inner_->rename(from, to);
  }

 private:
  Result<std::unique_ptr<Upload>> wrap(Result<std::unique_ptr<Upload>> upload) const {
    if (!upload) return upload;
    std::unique_ptr<Upload> result = std::move(upload).value();
    if (profile_.spool_upload || profile_.leak_tempfile) {
      auto temp = make_temp(temp_dir_);
      if (!temp) return temp.status();
      result = std::make_unique<SpoolingUpload>(std::move(result), *temp, profile_.leak_tempfile);
    }
    if (profile_.buffer_upload) result = std::make_unique<BufferingUpload>(std::move(result));
    return result;
  }

  // Opens the final name itself: no staging, no rename.
  Result<std::unique_ptr<Upload>> in_place(const ObjectPath& path, int mode, uint64_t keep) const {
    if (path.is_root()) return Status(store::Errc::is_a_directory, "the root is a collection");
    auto full = inner_->root() / path.relative();
    auto existing = inner_->stat(path);
    if (existing && existing->type == store::EntryType::directory)
      return Status(store::Errc::is_a_directory, path.relative() + " is a collection");
    int fd = ::open(full.c_str(), O_WRONLY | O_CREAT | O_CLOEXEC | mode, 0644);
    if (fd < 0) {
      auto st = Status::from_errno(errno, "open", path.relative());
      if (st.code() == store::Errc::not_found)
        return Status(store::Errc::parent_missing, st.message());
      return st;
    }
    if (mode == 0 && (::ftruncate(fd, static_cast<off_t>(keep)) != 0 ||
                      ::lseek(fd, static_cast<off_t>(keep), SEEK_SET) < 0)) {
      auto st = Status::from_errno(errno, "ftruncate", path.relative());
      ::close(fd);
      return st;
    }
    return std::unique_ptr<Upload>(std::make_unique<InPlaceUpload>(fd, !existing));
  }

  std::unique_ptr<store::Store> inner_;
  LegacyProfile profile_;
  std::string temp_dir_;
};

}  // namespace

std::optional<LegacyProfile> LegacyProfile::parse(std::string_view list) {
  LegacyProfile p;
  while (!list.empty()) {
    auto comma = list.find(',');
    auto name = list.substr(0, comma);
    list = comma == std::string_view::npos ? std::string_view() : list.substr(comma + 1);
    if (name == "buffer-upload")
      p.buffer_upload = true;
    else if (name == "spool-upload")
      p.spool_upload = true;
    else if (name == "leak-tempfile")
      p.leak_tempfile = true;
    else if (name == "spool-download")
      p.spool_download = true;
    else if (name == "load-whole")
      p.load_whole = true;
    else if (name == "no-transaction")
      p.no_transaction = true;
    else if (!name.empty())
      return std::nullopt;
  }
  return p;
}

bool LegacyProfile::any() const {
  return buffer_upload || spool_upload || leak_tempfile || spool_download || load_whole ||
         no_transaction;
}

std::string LegacyProfile::to_string() const {
  std::string out;
  auto add = [&](bool on, const char* name) {
    if (!on) return;
    if (!out.empty()) out += ",";
    out += name;
  };
  add(buffer_upload, "buffer-upload");
  add(spool_upload, "spool-upload");
  add(leak_tempfile, "leak-tempfile");
  add(spool_download, "spool-download");
  add(load_whole, "load-whole");
  add(no_transaction, "no-transaction");
  return out;
}

std::unique_ptr<store::Store> wrap_store(std::unique_ptr<store::Store> inner,
                                         const LegacyProfile& profile, std::string temp_dir) {
  return std::make_unique<LegacyStore>(std::move(inner), profile, std::move(temp_dir));
}

}  // namespace streamcheck::legacy
