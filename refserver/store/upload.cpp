// Upload transactions: a named staging file in ROOT/.staging, committed by rename(2).
#include <fcntl.h>
#include <openssl/evp.h>
#include <stdio.h>  // renameat2, RENAME_NOREPLACE
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <memory>
#include <string>

#include "refserver/store/store_internal.hpp"

namespace streamcheck::store::detail {

namespace {

// The prefix of an append or resume is read through this buffer when it must be
// hashed (or when the kernel cannot copy it): allocated once per upload, for the copy
// only, never proportional to the object.
constexpr size_t kCopyBufferBytes = 256 * 1024;
// The most one copy_file_range(2) call is asked for: the kernel does not return from
// a call before it is done, so this bounds how long a stop request waits (16 MiB is
// tens of milliseconds on a disk) while the calls stay few.
constexpr uint64_t kCopyChunkBytes = 16 * 1024 * 1024;

const EVP_MD* sha256_md() {
  // Fetched once: an implicit fetch on every EVP_DigestInit_ex costs a lookup and a
  // lock in OpenSSL 3. Lives as long as the process.
  static EVP_MD* const md = EVP_MD_fetch(nullptr, "SHA256", nullptr);
  return md;
}

struct EvpCtxFree {
  void operator()(EVP_MD_CTX* ctx) const { EVP_MD_CTX_free(ctx); }
};
using EvpCtx = std::unique_ptr<EVP_MD_CTX, EvpCtxFree>;

std::string to_hex(const unsigned char* bytes, unsigned int n) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  out.reserve(n * 2);
  for (unsigned int i = 0; i < n; ++i) {
    out.push_back(kHex[bytes[i] >> 4]);
    out.push_back(kHex[bytes[i] & 0xf]);
  }
  return out;
}

class UploadImpl final : public StagedUpload {
 public:
  UploadImpl(std::shared_ptr<const StoreDirs> dirs, ObjectPath path, std::string staging_name,
             posix::UniqueFd fd, EvpCtx hash)
      : dirs_(std::move(dirs)),
        path_(std::move(path)),
        staging_name_(std::move(staging_name)),
        staged_name_(std::string(kStagingDirName) + "/" + staging_name_),
        fd_(std::move(fd)),
        hash_(std::move(hash)) {}
  ~UploadImpl() override { abort(); }

  Status write(std::span<const std::byte> data) override {
    if (state_ != State::open) return bad_state("write");
    if (Status st = posix::write_all(fd_.get(), data, staged_name()); !st) return fail(st);
    if (hash_ && EVP_DigestUpdate(hash_.get(), data.data(), data.size()) != 1) {
      return fail(Status(Errc::io_error, "EVP_DigestUpdate(" + staged_name() + ") failed"));
    }
    size_ += data.size();
    return Status::ok();
  }

  bool takes_pipe() const override { return !hash_; }

  Status write_from_pipe(int pipe, size_t bytes) override {
    if (state_ != State::open) return bad_state("write_from_pipe");
    if (hash_) return Upload::write_from_pipe(pipe, bytes);
    while (bytes > 0) {
      // No offsets: the file position moves, as with write(), after a prefix copy too.
      const ssize_t n = ::splice(pipe, nullptr, fd_.get(), nullptr, bytes, SPLICE_F_MOVE);
      if (n > 0) {
        bytes -= static_cast<size_t>(n);
        size_ += static_cast<uint64_t>(n);
        continue;
      }
      if (n == 0) {
        return fail(Status(Errc::io_error, "splice(" + staged_name() + "): the pipe ran dry"));
      }
      if (errno == EINTR) continue;
      return fail(Status::from_errno(errno, "splice", staged_name()));
    }
    return Status::ok();
  }

  uint64_t size() const override { return size_; }

  Result<CommitInfo> commit() override { return commit_replacing(true); }
  Result<CommitInfo> commit_replacing(bool replace) override;
  int staging_fd() const override { return fd_.get(); }

  void abort() override {
    if (state_ != State::open) return;
    state_ = State::aborted;
    // Unlink first, then close: the staging name never outlives the transaction.
    ::unlinkat(dirs_->staging.get(), staging_name_.c_str(), 0);
    fd_.reset();
  }

  // Copies [0, length) of `source` to the start of the staging file, checking `stop`
  // between chunks.
  Status copy_prefix(int source, uint64_t length, const std::stop_token& stop);

 private:
  enum class State { open, committed, aborted };

  // ".staging/NAME", made once: messages name it, and write() must not allocate.
  const std::string& staged_name() const { return staged_name_; }
  Status bad_state(std::string_view call) const {
    return Status(Errc::bad_state, std::string(call) + "(" + path_.relative() +
                                       "): the upload is " +
                                       (state_ == State::committed ? "committed" : "aborted"));
  }
  // Aborts the upload and passes `status` on: every failure ends the transaction.
  Status fail(Status status) {
    abort();
    return status;
  }
  Status copy_buffered(int source, uint64_t done, uint64_t length, const std::stop_token& stop);
  // renameat2(RENAME_NOREPLACE) of the staging file to the path, or where the
  // filesystem lacks that flag, link(2) then unlink: both refuse a taken name.
  int rename_no_replace(int parent, const std::string& leaf);

  std::shared_ptr<const StoreDirs> dirs_;
  ObjectPath path_;
  std::string staging_name_;
  std::string staged_name_;
  posix::UniqueFd fd_;
  EvpCtx hash_;  // null when hashing is off
  uint64_t size_ = 0;
  State state_ = State::open;
};

Status UploadImpl::copy_prefix(int source, uint64_t length, const std::stop_token& stop) {
  if (length == 0) return Status::ok();
  uint64_t done = 0;
  if (!hash_) {
    // The kernel copies (or reflinks) page to page; nothing passes through us.
    loff_t in_offset = 0;
    while (done < length) {
      if (stop.stop_requested()) return fail(copy_cancelled(path_));
      const size_t chunk = static_cast<size_t>(std::min(kCopyChunkBytes, length - done));
      const ssize_t n = ::copy_file_range(source, &in_offset, fd_.get(), nullptr, chunk, 0);
      if (n > 0) {
        done += static_cast<uint64_t>(n);
        continue;
      }
      if (n == 0) {
        return fail(Status(Errc::io_error,
                           "copy_file_range(" + path_.relative() + "): the version shrank"));
      }
      if (errno == EINTR) continue;
      const bool unsupported =
          errno == EXDEV || errno == EINVAL || errno == ENOSYS || errno == EOPNOTSUPP;
      if (!unsupported) return fail(Status::from_errno(errno, "copy_file_range", staged_name()));
      break;  // fall back to a buffered copy from where the kernel stopped
    }
  }
  if (done < length) {
    if (Status st = copy_buffered(source, done, length, stop); !st) return fail(st);
  }
  size_ = length;
  return Status::ok();
}

Status UploadImpl::copy_buffered(int source, uint64_t done, uint64_t length,
                                 const std::stop_token& stop) {
  if (::lseek(fd_.get(), static_cast<off_t>(done), SEEK_SET) < 0) {
    return Status::from_errno(errno, "lseek", staged_name());
  }
  const auto buffer = std::make_unique_for_overwrite<std::byte[]>(kCopyBufferBytes);
  while (done < length) {
    if (stop.stop_requested()) return copy_cancelled(path_);
    const size_t want = static_cast<size_t>(std::min<uint64_t>(kCopyBufferBytes, length - done));
    auto n = posix::pread_some(source, std::span(buffer.get(), want), done, path_.relative());
    if (!n) return n.status();
    if (*n == 0) {
      return Status(Errc::io_error, "pread(" + path_.relative() + "): the version shrank");
    }
    const std::span<const std::byte> chunk(buffer.get(), *n);
    if (hash_ && EVP_DigestUpdate(hash_.get(), chunk.data(), chunk.size()) != 1) {
      return Status(Errc::io_error, "EVP_DigestUpdate(" + staged_name() + ") failed");
    }
    if (Status st = posix::write_all(fd_.get(), chunk, staged_name()); !st) return st;
    done += *n;
  }
  return Status::ok();
}

int UploadImpl::rename_no_replace(int parent, const std::string& leaf) {
  // EINVAL: the filesystem lacks RENAME_NOREPLACE; link(2) refuses a taken name too.
  if (::renameat2(dirs_->staging.get(), staging_name_.c_str(), parent, leaf.c_str(),
                  RENAME_NOREPLACE) == 0) {
    return 0;
  }
  if (errno != EINVAL) return errno;
  if (::linkat(dirs_->staging.get(), staging_name_.c_str(), parent, leaf.c_str(), 0) != 0) {
    return errno;
  }
  ::unlinkat(dirs_->staging.get(), staging_name_.c_str(), 0);
  return 0;
}

Result<CommitInfo> UploadImpl::commit_replacing(bool replace) {
  if (state_ != State::open) return bad_state("commit");
  const bool durable = dirs_->fsync == FsyncPolicy::always;
  if (durable && ::fsync(fd_.get()) != 0) {
    return fail(Status::from_errno(errno, "fsync", staged_name()));
  }

  CommitInfo info;
  if (hash_) {
    unsigned char digest[EVP_MAX_MD_SIZE];
    unsigned int digest_len = 0;
    if (EVP_DigestFinal_ex(hash_.get(), digest, &digest_len) != 1) {
      return fail(Status(Errc::io_error, "EVP_DigestFinal_ex(" + staged_name() + ") failed"));
    }
    info.sha256 = to_hex(digest, digest_len);
  }

  // The parent is resolved again now: the collection may have been removed or
  // replaced since begin_upload, and the object goes where the path leads now.
  auto parent = open_parent(*dirs_, path_, durable ? O_RDONLY : O_PATH, /*creating=*/true);
  if (!parent) return fail(parent.status());
  const std::string leaf(path_.name());
  const std::string shown = staged_name() + " -> " + path_.relative();

  // RENAME_NOREPLACE first tells whether the name was free (201 vs 204); when it was
  // taken, a plain rename replaces it atomically, unless the caller said not to.
  info.created = true;
  int err = rename_no_replace(parent->get(), leaf);
  if (replace && err != 0 && err != ENOENT) {
    // Taken (EEXIST); or a filesystem that can neither rename nor link without
    // replacing, where a look is the best there is.
    struct stat st {};
    info.created = err != EEXIST &&
                   ::fstatat(parent->get(), leaf.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0 &&
                   errno == ENOENT;
    err = ::renameat(dirs_->staging.get(), staging_name_.c_str(), parent->get(), leaf.c_str()) == 0
              ? 0
              : errno;
  }
  if (err != 0) {
    Status st = Status::from_errno(err, "renameat", shown);
    // ENOENT here: the collection was removed after we opened it.
    if (err == ENOENT) st = posix::with_code(st, Errc::parent_missing);
    struct stat taken {};
    if (err == EEXIST && ::fstatat(parent->get(), leaf.c_str(), &taken, AT_SYMLINK_NOFOLLOW) == 0 &&
        S_ISDIR(taken.st_mode)) {
      st = posix::with_code(st, Errc::is_a_directory);
    }
    return fail(st);
  }
  state_ = State::committed;  // the staging name is gone; abort() has nothing to undo

  posix::UniqueFd fd = std::move(fd_);
  auto st = posix::fstat_fd(fd.get(), path_.relative());
  if (!st) return st.status();
  info.size = static_cast<uint64_t>(st->st_size);
  info.etag = make_etag(st->st_ino, info.size, st->st_mtim);
  // The version is visible from here on; a failing directory fsync is still reported,
  // because the caller asked for durability and did not get it.
  if (durable && ::fsync(parent->get()) != 0) {
    return Status::from_errno(errno, "fsync", path_.parent().absolute());
  }
  return info;
}

}  // namespace

Status copy_cancelled(const ObjectPath& path) {
  return Status(Errc::bad_state, "copy(" + path.relative() + "): copy cancelled");
}

Result<std::unique_ptr<StagedUpload>> start_upload(std::shared_ptr<const StoreDirs> dirs,
                                                   const ObjectPath& path,
                                                   const UploadOptions& options, int source,
                                                   uint64_t prefix, const std::stop_token& stop) {
  EvpCtx hash;
  if (options.sha256) {
    hash.reset(EVP_MD_CTX_new());
    if (!hash || sha256_md() == nullptr ||
        EVP_DigestInit_ex(hash.get(), sha256_md(), nullptr) != 1) {
      return Status(Errc::io_error, "EVP_DigestInit_ex(SHA256) failed");
    }
  }

  std::string name;
  posix::UniqueFd fd;
  for (int attempt = 0; !fd.valid(); ++attempt) {
    name = posix::random_hex_name() + ".part";
    auto opened = posix::open_beneath(dirs->staging.get(), name, O_WRONLY | O_CREAT | O_EXCL, 0644,
                                      std::string(kStagingDirName) + "/" + name,
                                      posix::kResolveBeneath | RESOLVE_NO_SYMLINKS);
    if (opened) {
      fd = std::move(*opened);
    } else if (opened.status().code() != Errc::already_exists || attempt >= 8) {
      return opened.status();
    }
  }

  auto upload = std::make_unique<UploadImpl>(std::move(dirs), path, std::move(name), std::move(fd),
                                             std::move(hash));
  if (Status st = upload->copy_prefix(source, prefix, stop); !st) return st;
  return std::unique_ptr<StagedUpload>(std::move(upload));
}

}  // namespace streamcheck::store::detail
