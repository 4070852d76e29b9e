// The store's one error type, and Result<T> for calls that return a value.
//
// A Status is either ok or carries a code (what kind of failure, for the front ends
// to map to an HTTP status or FTP reply) and a message naming the failing call and
// path, e.g. "renameat(.staging/3f2a.part -> a/b.bin): No space left on device".
// errno is translated in exactly one place: Status::from_errno.
#pragma once

#include <cassert>
#include <string>
#include <string_view>
#include <utility>
#include <variant>

namespace streamcheck::store {

enum class Errc {
  ok = 0,
  invalid_path,     // control characters, NUL, bad UTF-8, ".." above the root
  name_too_long,    // a component over 255 bytes or a path over 4096
  not_found,        // no such object (also: the hidden staging area)
  parent_missing,   // the parent collection of a new object does not exist
  already_exists,   // make_dir on an existing name, rename onto a collection
  not_a_directory,  // a path component, or a list() target, is a file
  is_a_directory,   // an object operation on a collection
  directory_not_empty,
  escapes_root,  // a symlink or path that would resolve outside the root
  permission_denied,
  no_space,          // ENOSPC or EDQUOT
  invalid_argument,  // e.g. a resume offset past the end of the object
  length_required,   // an upload whose length was not announced (only --legacy asks for it)
  bad_state,         // e.g. write() after commit() or abort()
  not_supported,     // the filesystem lacks a feature a call needs (user extended attributes)
  io_error,          // anything else the kernel reported
};

// Short, stable name of a code ("not_found"), for logs and tests.
std::string_view errc_name(Errc code);

class [[nodiscard]] Status {
 public:
  Status() = default;  // ok
  Status(Errc code, std::string message) : code_(code), message_(std::move(message)) {}

  static Status ok() { return Status(); }
  // Translates errno `err` from the system call `call` on `path` into a Status.
  static Status from_errno(int err, std::string_view call, std::string_view path);

  bool is_ok() const { return code_ == Errc::ok; }
  explicit operator bool() const { return is_ok(); }
  Errc code() const { return code_; }
  const std::string& message() const { return message_; }
  // "not_found: open(a/b): No such file or directory"
  std::string to_string() const;

 private:
  Errc code_ = Errc::ok;
  std::string message_;
};

// Either a value or a failed Status. Access the value only when ok().
template <class T>
class [[nodiscard]] Result {
 public:
  Result(T value) : v_(std::move(value)) {}  // NOLINT: implicit by design
  Result(Status status) : v_(std::move(status)) {
    assert(!std::get<Status>(v_).is_ok() && "a Result made from a Status must be an error");
  }

  bool ok() const { return std::holds_alternative<T>(v_); }
  explicit operator bool() const { return ok(); }

  T& value() & { return std::get<T>(v_); }
  const T& value() const& { return std::get<T>(v_); }
  T&& value() && { return std::get<T>(std::move(v_)); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }
  T&& operator*() && { return std::move(*this).value(); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }

  // Status::ok() when a value is held.
  Status status() const { return ok() ? Status::ok() : std::get<Status>(v_); }

 private:
  std::variant<T, Status> v_;
};

}  // namespace streamcheck::store
