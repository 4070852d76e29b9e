// The store on a POSIX filesystem: Store, Object and the namespace calls. Uploads are
// in upload.cpp, the system-call wrappers in posix.cpp.
#include "refserver/store/store.hpp"

#include <fcntl.h>
#include <stdio.h>  // renameat2, RENAME_NOREPLACE
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cinttypes>
#include <cstdio>
#include <string>
#include <utility>

#include "refserver/store/posix.hpp"
#include "refserver/store/store_internal.hpp"

namespace streamcheck::store {

using posix::UniqueFd;

std::string make_etag(ino_t inode, uint64_t size, const timespec& mtime) {
  const uint64_t mtime_ns =
      static_cast<uint64_t>(mtime.tv_sec) * 1'000'000'000ULL + static_cast<uint64_t>(mtime.tv_nsec);
  char buffer[80];
  const int n = std::snprintf(buffer, sizeof buffer, "\"%" PRIx64 "-%" PRIx64 "-%" PRIx64 "\"",
                              static_cast<uint64_t>(inode), size, mtime_ns);
  return std::string(buffer, static_cast<size_t>(n));
}

Status Upload::write_from_pipe(int, size_t) {
  return Status(Errc::bad_state, "write_from_pipe: this upload takes its bytes through write()");
}

namespace detail {

Result<UniqueFd> open_parent(const StoreDirs& dirs, const ObjectPath& path, int flags,
                             bool creating) {
  const ObjectPath parent = path.parent();
  auto fd = posix::open_beneath(dirs.root.get(), parent.relative(), flags | O_DIRECTORY, 0,
                                parent.absolute());
  if (!fd && creating && fd.status().code() == Errc::not_found) {
    return posix::with_code(fd.status(), Errc::parent_missing);
  }
  return fd;
}

// O_NONBLOCK keeps a FIFO planted in the tree from blocking the open; anything but a
// regular file is refused before it is read.
Result<UniqueFd> open_version(const StoreDirs& dirs, const ObjectPath& path, struct stat& st) {
  if (path.is_root()) {
    return Status(Errc::is_a_directory, "open(/): the root is a collection");
  }
  auto fd = posix::open_beneath(dirs.root.get(), path.relative(), O_RDONLY | O_NONBLOCK | O_NOCTTY,
                                0, path.relative());
  if (!fd) return fd.status();
  auto stat = posix::fstat_fd(fd->get(), path.relative());
  if (!stat) return stat.status();
  if (S_ISDIR(stat->st_mode)) {
    return Status(Errc::is_a_directory, "open(" + path.relative() + "): is a collection");
  }
  if (!S_ISREG(stat->st_mode)) {
    return Status(Errc::invalid_argument, "open(" + path.relative() + "): not a regular file");
  }
  const int fl = ::fcntl(fd->get(), F_GETFL);
  if (fl < 0 || ::fcntl(fd->get(), F_SETFL, fl & ~O_NONBLOCK) != 0) {
    return Status::from_errno(errno, "fcntl", path.relative());
  }
  st = *stat;
  return fd;
}

}  // namespace detail

namespace {

using detail::open_version;

EntryType entry_type(mode_t mode) {
  if (S_ISREG(mode)) return EntryType::file;
  if (S_ISDIR(mode)) return EntryType::directory;
  return EntryType::other;
}

Entry make_entry(std::string name, const struct stat& st) {
  Entry entry;
  entry.name = std::move(name);
  entry.type = entry_type(st.st_mode);
  entry.size = entry.type == EntryType::file ? static_cast<uint64_t>(st.st_size) : 0;
  entry.mtime = st.st_mtim;
  return entry;
}

}  // namespace

Result<std::optional<Entry>> detail::entry_at(const StoreDirs& dirs, int dirfd,
                                              const ObjectPath& dir, std::string name) {
  // Only names a client could address are shown: this hides the staging area (a
  // not_found child of the root) and names with control bytes or bad UTF-8 that
  // another program put there (they would inject lines into an FTP listing).
  auto child = dir.child(name);
  if (!child) return std::optional<Entry>();
  struct stat st {};
  if (::fstatat(dirfd, name.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0) {
    if (errno == ENOENT) return std::optional<Entry>();  // removed while we listed
    return Status::from_errno(errno, "fstatat", child->absolute());
  }
  if (S_ISLNK(st.st_mode)) {
    // Show what a symlink leads to only when it stays beneath the root; one that
    // leads out (or nowhere) is listed as "other", with nothing of its target.
    auto target =
        posix::open_beneath(dirs.root.get(), child->relative(), O_PATH, 0, child->absolute());
    auto target_st = target ? posix::fstat_fd(target->get(), child->absolute())
                            : Result<struct stat>(target.status());
    if (target_st) {
      st = *target_st;
    } else {
      st.st_mode = S_IFLNK;
      st.st_size = 0;
    }
  }
  return std::optional<Entry>(make_entry(std::move(name), st));
}

namespace {

class ObjectImpl final : public Object {
 public:
  ObjectImpl(UniqueFd fd, ObjectPath path, const struct stat& st)
      : fd_(std::move(fd)),
        path_(std::move(path)),
        size_(static_cast<uint64_t>(st.st_size)),
        mtime_(st.st_mtim),
        etag_(make_etag(st.st_ino, size_, mtime_)) {}

  int fd() const override { return fd_.get(); }
  uint64_t size() const override { return size_; }
  timespec mtime() const override { return mtime_; }
  const std::string& etag() const override { return etag_; }
  Result<size_t> read_at(uint64_t offset, std::span<std::byte> buffer) const override {
    return posix::pread_some(fd_.get(), buffer, offset, path_.relative());
  }

 private:
  UniqueFd fd_;
  ObjectPath path_;
  uint64_t size_;
  timespec mtime_;
  std::string etag_;
};

class StoreImpl final : public Store {
 public:
  StoreImpl(std::shared_ptr<const detail::StoreDirs> dirs, size_t purged)
      : dirs_(std::move(dirs)), purged_(purged) {}

  size_t purged_at_open() const override { return purged_; }
  const std::filesystem::path& root() const override { return dirs_->root_path; }

  Result<std::unique_ptr<Upload>> begin_upload(const ObjectPath& path,
                                               const UploadOptions& options) override {
    return begin(path, options, Mode::upload, 0);
  }
  Result<std::unique_ptr<Upload>> begin_append(const ObjectPath& path,
                                               const UploadOptions& options) override {
    return begin(path, options, Mode::append, 0);
  }
  Result<std::unique_ptr<Upload>> begin_resume(const ObjectPath& path, uint64_t offset,
                                               const UploadOptions& options) override {
    return begin(path, options, offset == 0 ? Mode::upload : Mode::resume, offset);
  }

  Result<std::unique_ptr<Object>> open(const ObjectPath& path) const override {
    struct stat st {};
    auto fd = open_version(*dirs_, path, st);
    if (!fd) return fd.status();
    return std::unique_ptr<Object>(std::make_unique<ObjectImpl>(std::move(*fd), path, st));
  }

  Result<Entry> stat(const ObjectPath& path) const override {
    auto fd = posix::open_beneath(dirs_->root.get(), path.relative(), O_PATH, 0, path.absolute());
    if (!fd) return fd.status();
    auto st = posix::fstat_fd(fd->get(), path.absolute());
    if (!st) return st.status();
    return make_entry(std::string(path.name()), *st);
  }

  Result<Entry> set_mtime(const ObjectPath& path, const timespec& mtime) override;
  Result<std::vector<Entry>> list(const ObjectPath& dir) const override;
  Result<std::unique_ptr<Listing>> list_pieces(const ObjectPath& dir) const override {
    return detail::list_pieces(dirs_, dir);
  }
  Status make_dir(const ObjectPath& path) override;
  Status remove(const ObjectPath& path) override;
  Status rename(const ObjectPath& from, const ObjectPath& to, bool overwrite) override;

  Result<CommitInfo> copy_file(const ObjectPath& from, const ObjectPath& to, bool overwrite,
                               std::stop_token stop) override {
    return detail::copy_file(dirs_, from, to, overwrite, stop);
  }
  Result<std::string> read_props(const ObjectPath& path) const override {
    return detail::read_props(*dirs_, path);
  }
  Status write_props(const ObjectPath& path, std::string_view blob) override {
    return detail::write_props(*dirs_, path, blob);
  }

 private:
  enum class Mode { upload, append, resume };
  Result<std::unique_ptr<Upload>> begin(const ObjectPath& path, const UploadOptions& options,
                                        Mode mode, uint64_t offset);

  std::shared_ptr<const detail::StoreDirs> dirs_;
  size_t purged_;
};

Result<std::unique_ptr<Upload>> StoreImpl::begin(const ObjectPath& path,
                                                 const UploadOptions& options, Mode mode,
                                                 uint64_t offset) {
  if (path.is_root()) {
    return Status(Errc::is_a_directory, "begin_upload(/): the root is a collection");
  }
  // The parent must exist and be a collection now; commit() checks again.
  auto parent = detail::open_parent(*dirs_, path, O_PATH, /*creating=*/true);
  if (!parent) return parent.status();
  const std::string leaf(path.name());
  struct stat st {};
  bool exists = true;
  if (::fstatat(parent->get(), leaf.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0) {
    if (errno != ENOENT) return Status::from_errno(errno, "fstatat", path.relative());
    exists = false;
  } else if (S_ISDIR(st.st_mode)) {
    return Status(Errc::is_a_directory,
                  "begin_upload(" + path.relative() + "): the name is a collection");
  }
  parent->reset();

  // Append and resume keep a prefix of the current version: open it (beneath the
  // root, following only symlinks that stay inside) and copy from that one inode.
  UniqueFd source;
  uint64_t prefix = 0;
  if (mode != Mode::upload && exists) {
    struct stat version {};
    auto fd = open_version(*dirs_, path, version);
    if (fd) {
      source = std::move(*fd);
      prefix = static_cast<uint64_t>(version.st_size);
    } else if (fd.status().code() != Errc::not_found) {
      return fd.status();
    }
  }
  if (mode == Mode::resume) {
    if (offset > prefix) {
      return Status(Errc::invalid_argument, "begin_resume(" + path.relative() + "): offset " +
                                                std::to_string(offset) + " is past the end (" +
                                                std::to_string(prefix) + " bytes)");
    }
    prefix = offset;
  }
  auto upload = detail::start_upload(dirs_, path, options, source.get(), prefix);
  if (!upload) return upload.status();
  return std::unique_ptr<Upload>(std::move(upload).value());
}

Result<Entry> StoreImpl::set_mtime(const ObjectPath& path, const timespec& mtime) {
  if (path.is_root()) {
    return Status(Errc::is_a_directory, "set_mtime(/): the root is a collection");
  }
  if (mtime.tv_nsec < 0 || mtime.tv_nsec >= 1'000'000'000) {
    return Status(Errc::invalid_argument,
                  "set_mtime(" + path.relative() + "): nanoseconds out of range");
  }
  // Through an fd opened beneath the root, as open() does: futimens then acts on the
  // inode that was checked to be a regular file, whatever replaces the name meanwhile.
  // O_PATH would not do: futimens refuses such an fd.
  struct stat st {};
  auto fd = open_version(*dirs_, path, st);
  if (!fd) return fd.status();
  const timespec times[2] = {{0, UTIME_OMIT}, mtime};
  if (::futimens(fd->get(), times) != 0) {
    return Status::from_errno(errno, "futimens", path.relative());
  }
  auto after = posix::fstat_fd(fd->get(), path.relative());
  if (!after) return after.status();
  return make_entry(std::string(path.name()), *after);
}

Result<std::vector<Entry>> StoreImpl::list(const ObjectPath& dir) const {
  auto fd = posix::open_beneath(dirs_->root.get(), dir.relative(), O_RDONLY | O_DIRECTORY, 0,
                                dir.absolute());
  if (!fd) return fd.status();
  auto names = posix::read_dir_names(fd->get(), dir.absolute());
  if (!names) return names.status();

  std::vector<Entry> entries;
  entries.reserve(names->size());
  for (std::string& name : *names) {
    auto entry = detail::entry_at(*dirs_, fd->get(), dir, std::move(name));
    if (!entry) return entry.status();
    if (*entry) entries.push_back(std::move(**entry));
  }
  std::sort(entries.begin(), entries.end(),
            [](const Entry& a, const Entry& b) { return a.name < b.name; });
  return entries;
}

Status StoreImpl::make_dir(const ObjectPath& path) {
  if (path.is_root()) return Status(Errc::already_exists, "mkdirat(/): the root exists");
  auto parent = detail::open_parent(*dirs_, path, O_PATH, /*creating=*/true);
  if (!parent) return parent.status();
  const std::string leaf(path.name());
  if (::mkdirat(parent->get(), leaf.c_str(), 0755) != 0) {
    return Status::from_errno(errno, "mkdirat", path.relative());
  }
  return Status::ok();
}

Status StoreImpl::remove(const ObjectPath& path) {
  if (path.is_root()) {
    return Status(Errc::permission_denied, "remove(/): the root cannot be removed");
  }
  auto parent = detail::open_parent(*dirs_, path, O_PATH, /*creating=*/false);
  if (!parent) return parent.status();
  const std::string leaf(path.name());
  if (::unlinkat(parent->get(), leaf.c_str(), 0) == 0) return Status::ok();
  if (errno != EISDIR) return Status::from_errno(errno, "unlinkat", path.relative());
  if (::unlinkat(parent->get(), leaf.c_str(), AT_REMOVEDIR) == 0) return Status::ok();
  const int err = errno;
  Status st = Status::from_errno(err, "rmdir", path.relative());
  // POSIX lets rmdir(2) say EEXIST for a directory that is not empty.
  if (err == EEXIST) st = posix::with_code(st, Errc::directory_not_empty);
  return st;
}

Status StoreImpl::rename(const ObjectPath& from, const ObjectPath& to, bool overwrite) {
  const std::string shown = from.relative() + " -> " + to.relative();
  if (from.is_root() || to.is_root()) {
    return Status(Errc::invalid_argument, "renameat(" + shown + "): the root cannot move");
  }
  auto from_parent = detail::open_parent(*dirs_, from, O_PATH, /*creating=*/false);
  if (!from_parent) return from_parent.status();
  auto to_parent = detail::open_parent(*dirs_, to, O_PATH, /*creating=*/true);
  if (!to_parent) return to_parent.status();
  const std::string from_leaf(from.name());
  const std::string to_leaf(to.name());

  // A collection at `to` is never replaced (rename(2) would replace an empty one).
  struct stat st {};
  if (::fstatat(to_parent->get(), to_leaf.c_str(), &st, AT_SYMLINK_NOFOLLOW) == 0 &&
      S_ISDIR(st.st_mode) && from != to) {
    return Status(Errc::already_exists, "renameat(" + shown + "): the target is a collection");
  }
  const unsigned flags = overwrite || from == to ? 0 : RENAME_NOREPLACE;
  if (::renameat2(from_parent->get(), from_leaf.c_str(), to_parent->get(), to_leaf.c_str(),
                  flags) == 0) {
    return Status::ok();
  }
  const int err = errno;
  Status status = Status::from_errno(err, "renameat", shown);
  // A collection took the name after the check above.
  if (err == EISDIR || err == ENOTEMPTY) status = posix::with_code(status, Errc::already_exists);
  return status;
}

}  // namespace

Result<std::unique_ptr<Store>> Store::open(const StoreOptions& options) {
  auto dirs = std::make_shared<detail::StoreDirs>();
  dirs->root_path = options.root;
  dirs->fsync = options.fsync;
  const std::string root = options.root.string();

  // The root itself is a host path (given by the operator), so a plain open.
  const int root_fd = ::open(root.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (root_fd < 0) return Status::from_errno(errno, "open", root);
  dirs->root.reset(root_fd);

  const std::string staging(kStagingDirName);
  if (::mkdirat(dirs->root.get(), staging.c_str(), 0700) != 0 && errno != EEXIST) {
    return Status::from_errno(errno, "mkdirat", staging);
  }
  // No symlink at all: the staging area must be the real directory under the root.
  auto staging_fd =
      posix::open_beneath(dirs->root.get(), staging, O_RDONLY | O_DIRECTORY | O_NOFOLLOW, 0,
                          staging, posix::kResolveBeneath | RESOLVE_NO_SYMLINKS);
  if (!staging_fd) return staging_fd.status();
  dirs->staging = std::move(*staging_fd);

  auto leftovers = posix::read_dir_names(dirs->staging.get(), staging);
  if (!leftovers) return leftovers.status();
  for (const std::string& name : *leftovers) {
    Status st = posix::remove_tree_at(dirs->staging.get(), name, staging + "/" + name);
    if (!st && st.code() != Errc::not_found) return st;
  }
  return std::unique_ptr<Store>(std::make_unique<StoreImpl>(std::move(dirs), leftovers->size()));
}

}  // namespace streamcheck::store
