// Dead properties: one opaque blob per object in one user extended attribute of its
// inode (kPropsXattr), so that a PROPPATCH replaces all of them at once or none.
#include <fcntl.h>
#include <sys/xattr.h>

#include <cerrno>
#include <cstring>
#include <string>

#include "refserver/store/store_internal.hpp"

namespace streamcheck::store::detail {

namespace {

bool no_user_xattrs(int err) {
  return err == EOPNOTSUPP || err == ENOTSUP;
}

// Opens a file or collection beneath the root with a real fd (the f*xattr calls
// refuse O_PATH). O_NONBLOCK: a FIFO planted in the tree must not block the open.
Result<posix::UniqueFd> open_object(const StoreDirs& dirs, const ObjectPath& path) {
  auto fd = posix::open_beneath(dirs.root.get(), path.relative(), O_RDONLY | O_NONBLOCK | O_NOCTTY,
                                0, path.absolute());
  if (!fd) return fd.status();
  auto st = posix::fstat_fd(fd->get(), path.absolute());
  if (!st) return st.status();
  if (!S_ISREG(st->st_mode) && !S_ISDIR(st->st_mode)) {
    return Status(Errc::invalid_argument,
                  "props(" + path.absolute() + "): neither a file nor a collection");
  }
  return fd;
}

}  // namespace

Result<std::string> read_props_fd(int fd, std::string_view shown) {
  // Size first, then the value; another writer may grow it in between (ERANGE), so
  // ask again. Bounded: the kernel caps a value at 64 KiB.
  for (;;) {
    const ssize_t size = ::fgetxattr(fd, kPropsXattr, nullptr, 0);
    if (size < 0) {
      if (errno == ENODATA || no_user_xattrs(errno)) return std::string();
      return Status::from_errno(errno, "fgetxattr", shown);
    }
    std::string blob(static_cast<size_t>(size), '\0');
    const ssize_t n = ::fgetxattr(fd, kPropsXattr, blob.data(), blob.size());
    if (n >= 0) {
      blob.resize(static_cast<size_t>(n));
      return blob;
    }
    if (errno == ENODATA) return std::string();  // removed in between
    if (errno != ERANGE) return Status::from_errno(errno, "fgetxattr", shown);
  }
}

Status write_props_fd(int fd, std::string_view blob, std::string_view shown) {
  if (blob.empty()) {
    if (::fremovexattr(fd, kPropsXattr) == 0 || errno == ENODATA || no_user_xattrs(errno)) {
      return Status::ok();
    }
    return Status::from_errno(errno, "fremovexattr", shown);
  }
  if (::fsetxattr(fd, kPropsXattr, blob.data(), blob.size(), 0) == 0) return Status::ok();
  const int err = errno;
  const std::string call = "fsetxattr(" + std::string(shown) + ")";
  if (no_user_xattrs(err)) {
    return Status(Errc::not_supported,
                  call +
                      ": the filesystem does not support user extended attributes, where "
                      "dead properties are kept");
  }
  if (err == E2BIG || err == ENOSPC || err == ERANGE) {
    return Status(Errc::no_space, call + ": the dead properties (" + std::to_string(blob.size()) +
                                      " bytes) are too big for one extended attribute on this "
                                      "filesystem (" +
                                      strerrordesc_np(err) + ")");
  }
  return Status::from_errno(err, "fsetxattr", shown);
}

Result<std::string> read_props(const StoreDirs& dirs, const ObjectPath& path) {
  auto fd = open_object(dirs, path);
  if (!fd) return fd.status();
  return read_props_fd(fd->get(), path.absolute());
}

Status write_props(const StoreDirs& dirs, const ObjectPath& path, std::string_view blob) {
  auto fd = open_object(dirs, path);
  if (!fd) return fd.status();
  return write_props_fd(fd->get(), blob, path.absolute());
}

}  // namespace streamcheck::store::detail
