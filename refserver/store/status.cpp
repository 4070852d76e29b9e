#include "refserver/store/status.hpp"

#include <cerrno>
#include <cstring>
#include <string>

namespace streamcheck::store {

std::string_view errc_name(Errc code) {
  switch (code) {
    case Errc::ok:
      return "ok";
    case Errc::invalid_path:
      return "invalid_path";
    case Errc::name_too_long:
      return "name_too_long";
    case Errc::not_found:
      return "not_found";
    case Errc::parent_missing:
      return "parent_missing";
    case Errc::already_exists:
      return "already_exists";
    case Errc::not_a_directory:
      return "not_a_directory";
    case Errc::is_a_directory:
      return "is_a_directory";
    case Errc::directory_not_empty:
      return "directory_not_empty";
    case Errc::escapes_root:
      return "escapes_root";
    case Errc::permission_denied:
      return "permission_denied";
    case Errc::no_space:
      return "no_space";
    case Errc::invalid_argument:
      return "invalid_argument";
    case Errc::length_required:
      return "length_required";
    case Errc::bad_state:
      return "bad_state";
    case Errc::not_supported:
      return "not_supported";
    case Errc::io_error:
      return "io_error";
  }
  return "unknown";
}

namespace {

// The generic meaning of an errno for the store. Callers that know more (ENOENT on the
// parent of a new object is parent_missing, not not_found) refine the code, keeping
// the message.
Errc errc_from_errno(int err, std::string_view call) {
  switch (err) {
    case 0:
      return Errc::io_error;  // a caller bug; never report ok for a failure
    case ENOENT:
      return Errc::not_found;
    case EEXIST:
      return Errc::already_exists;
    case ENOTDIR:
      return Errc::not_a_directory;
    case EISDIR:
      return Errc::is_a_directory;
    case ENOTEMPTY:
      return Errc::directory_not_empty;
    case ENAMETOOLONG:
      return Errc::name_too_long;
    case EACCES:
    case EPERM:
    case EROFS:
      return Errc::permission_denied;
    case ENOSPC:
    case EDQUOT:
    case EFBIG:
      return Errc::no_space;
    case EINVAL:
      return Errc::invalid_argument;
    case EOPNOTSUPP:  // ENOTSUP on Linux
      return Errc::not_supported;
    case ELOOP:
      return Errc::invalid_path;  // a symlink loop (or a magic link)
    case EXDEV:
      // openat2(RESOLVE_BENEATH) says EXDEV when resolution would leave the root; for
      // rename(2) EXDEV means two mounts, an I/O-level limitation.
      return call.starts_with("openat2") ? Errc::escapes_root : Errc::io_error;
    default:
      return Errc::io_error;
  }
}

}  // namespace

Status Status::from_errno(int err, std::string_view call, std::string_view path) {
  std::string message;
  message.reserve(call.size() + path.size() + 48);
  message.append(call);
  message.push_back('(');
  message.append(path);
  message.append("): ");
  // strerrordesc_np is thread-safe and does not depend on the locale (glibc >= 2.32).
  const char* description = strerrordesc_np(err);
  if (description != nullptr) {
    message.append(description);
  } else {
    message.append("errno ").append(std::to_string(err));
  }
  return Status(errc_from_errno(err, call), std::move(message));
}

std::string Status::to_string() const {
  if (is_ok()) return "ok";
  std::string text(errc_name(code_));
  if (!message_.empty()) text.append(": ").append(message_);
  return text;
}

}  // namespace streamcheck::store
