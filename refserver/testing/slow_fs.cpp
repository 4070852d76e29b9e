#define FUSE_USE_VERSION 314
#include "refserver/testing/slow_fs.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <fuse3/fuse.h>
#include <stdio.h>  // renameat2
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <stdexcept>
#include <string_view>
#include <vector>

namespace streamcheck::testing {

// Every callback maps the FUSE path ("/a/b") to one relative to the backing directory
// ("a/b") and makes the same call there; errors come back as -errno, as FUSE wants.
struct SlowFs::Callbacks {
  static SlowFs& fs() { return *static_cast<SlowFs*>(fuse_get_context()->private_data); }
  static const char* rel(const char* path) { return path[1] == '\0' ? "." : path + 1; }
  static int result(int r) { return r < 0 ? -errno : 0; }

  static void* init(fuse_conn_info*, fuse_config* config) {
    // Inode numbers of the backing files, so that the store's ETags (inode, size, mtime)
    // change with every commit as they do on a local filesystem.
    config->use_ino = 1;
    // Unlink means unlink, even of an open file: without it FUSE renames the file to
    // .fuse_hidden* and removes it only on release, which the kernel sends after close(2)
    // has returned, so a staging file aborted by unlink-then-close would outlive the
    // abort for a moment and the tests that look for it would race.
    config->hard_remove = 1;
    return fuse_get_context()->private_data;
  }
  static int getattr(const char* path, struct stat* st, fuse_file_info* fi) {
    if (fi) return result(::fstat(static_cast<int>(fi->fh), st));
    return result(::fstatat(fs().backing_fd_, rel(path), st, AT_SYMLINK_NOFOLLOW));
  }
  static int readdir(const char* path, void* buf, fuse_fill_dir_t fill, off_t, fuse_file_info*,
                     fuse_readdir_flags) {
    const int fd = ::openat(fs().backing_fd_, rel(path), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0) return -errno;
    DIR* dir = ::fdopendir(fd);
    if (!dir) {
      ::close(fd);
      return -ENOMEM;
    }
    while (const dirent* entry = ::readdir(dir)) {
      struct stat st {};
      st.st_ino = entry->d_ino;
      st.st_mode = static_cast<mode_t>(DTTOIF(entry->d_type));
      if (fill(buf, entry->d_name, &st, 0, static_cast<fuse_fill_dir_flags>(0))) break;
    }
    ::closedir(dir);
    return 0;
  }
  static int mkdir(const char* path, mode_t mode) {
    return result(::mkdirat(fs().backing_fd_, rel(path), mode));
  }
  static int unlink(const char* path) { return result(::unlinkat(fs().backing_fd_, rel(path), 0)); }
  static int rmdir(const char* path) {
    return result(::unlinkat(fs().backing_fd_, rel(path), AT_REMOVEDIR));
  }
  static int rename(const char* from, const char* to, unsigned int flags) {
    const int fd = fs().backing_fd_;
    return result(::renameat2(fd, rel(from), fd, rel(to), flags));
  }
  static int truncate(const char* path, off_t size, fuse_file_info* fi) {
    if (fi) return result(::ftruncate(static_cast<int>(fi->fh), size));
    const int fd = ::openat(fs().backing_fd_, rel(path), O_WRONLY | O_CLOEXEC);
    if (fd < 0) return -errno;
    const int r = result(::ftruncate(fd, size));
    ::close(fd);
    return r;
  }
  static int utimens(const char* path, const timespec tv[2], fuse_file_info* fi) {
    if (fi) return result(::futimens(static_cast<int>(fi->fh), tv));
    return result(::utimensat(fs().backing_fd_, rel(path), tv, AT_SYMLINK_NOFOLLOW));
  }
  static int open(const char* path, fuse_file_info* fi) {
    const int fd = ::openat(fs().backing_fd_, rel(path), fi->flags | O_CLOEXEC);
    if (fd < 0) return -errno;
    fi->fh = static_cast<uint64_t>(fd);
    return 0;
  }
  static int create(const char* path, mode_t mode, fuse_file_info* fi) {
    const int fd = ::openat(fs().backing_fd_, rel(path), fi->flags | O_CLOEXEC, mode);
    if (fd < 0) return -errno;
    fi->fh = static_cast<uint64_t>(fd);
    return 0;
  }
  static int read(const char*, char* buf, size_t size, off_t offset, fuse_file_info* fi) {
    const ssize_t n = ::pread(static_cast<int>(fi->fh), buf, size, offset);
    return n < 0 ? -errno : static_cast<int>(n);
  }
  static int write(const char* path, const char* buf, size_t size, off_t offset,
                   fuse_file_info* fi) {
    SlowFs& self = fs();
    const long long delay = self.delay_ms_;
    // The path of a file unlinked while open is null (hard_remove).
    if (delay > 0 && path && std::string_view(path).starts_with("/.staging/")) {
      ++self.delayed_writes_;
      std::this_thread::sleep_for(std::chrono::milliseconds(delay));
    }
    const ssize_t n = ::pwrite(static_cast<int>(fi->fh), buf, size, offset);
    return n < 0 ? -errno : static_cast<int>(n);
  }
  static int statfs(const char*, struct statvfs* st) {
    return result(::fstatvfs(fs().backing_fd_, st));
  }
  static int release(const char*, fuse_file_info* fi) {
    ::close(static_cast<int>(fi->fh));
    return 0;
  }
  static int fsync(const char*, int datasync, fuse_file_info* fi) {
    const int fd = static_cast<int>(fi->fh);
    return result(datasync ? ::fdatasync(fd) : ::fsync(fd));
  }

  static fuse_operations operations() {
    fuse_operations ops{};
    ops.init = init;
    ops.getattr = getattr;
    ops.readdir = readdir;
    ops.mkdir = mkdir;
    ops.unlink = unlink;
    ops.rmdir = rmdir;
    ops.rename = rename;
    ops.truncate = truncate;
    ops.utimens = utimens;
    ops.open = open;
    ops.create = create;
    ops.read = read;
    ops.write = write;
    ops.statfs = statfs;
    ops.release = release;
    ops.fsync = fsync;
    return ops;
  }
};

std::optional<std::string> SlowFs::unavailable() {
  if (::access("/dev/fuse", R_OK | W_OK) != 0)
    return std::string("no usable /dev/fuse: ") + std::strerror(errno);
  if (::geteuid() != 0) return std::string("mounting a FUSE filesystem here needs root");
  return std::nullopt;
}

SlowFs::SlowFs(std::filesystem::path backing, std::filesystem::path mountpoint)
    : mountpoint_(std::move(mountpoint)) {
  backing_fd_ = ::open(backing.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (backing_fd_ < 0) throw std::runtime_error("cannot open " + backing.string());
  // No auto_unmount: its helper (fusermount3) outlives us and complains once the temp
  // directory is gone. A test killed while mounted leaves a dead mount (umount -l it).
  std::vector<const char*> argv = {"slowfs"};
  fuse_args args = FUSE_ARGS_INIT(static_cast<int>(argv.size()), const_cast<char**>(argv.data()));
  static const fuse_operations ops = Callbacks::operations();
  fuse_ = fuse_new(&args, &ops, sizeof ops, this);
  fuse_opt_free_args(&args);
  if (!fuse_ || fuse_mount(fuse_, mountpoint_.c_str()) != 0) {
    if (fuse_) fuse_destroy(fuse_);
    ::close(backing_fd_);
    throw std::runtime_error("cannot mount a FUSE filesystem at " + mountpoint_.string());
  }
  loop_ = std::thread([this] {
    fuse_loop_config* config = fuse_loop_cfg_create();
    fuse_loop_cfg_set_max_threads(config, 64);
    fuse_loop_mt(fuse_, config);
    fuse_loop_cfg_destroy(config);
  });
}

SlowFs::~SlowFs() {
  delay_ms_ = 0;
  // The unmount ends the connection: the serving threads' reads of /dev/fuse fail and the
  // loop returns. Unmounted here rather than by fuse_unmount, which also closes the
  // descriptor those threads are still reading (ThreadSanitizer reported the race); it
  // runs after the join, to close it.
  fuse_exit(fuse_);
  const bool unmounted = ::umount2(mountpoint_.c_str(), 0) == 0;
  if (!unmounted) fuse_unmount(fuse_);  // still busy: end it under the readers after all
  loop_.join();
  if (unmounted) fuse_unmount(fuse_);
  fuse_destroy(fuse_);
  ::close(backing_fd_);
}

}  // namespace streamcheck::testing
