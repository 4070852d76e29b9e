// ObjectPath: a client's path, checked and normalized, relative to the store root.
//
// Every store call takes an ObjectPath, so no unchecked string ever reaches a system
// call. parse() accepts what an HTTP URL path (after percent-decoding) or an FTP
// argument (already joined with the session's working directory) looks like:
//   "/a//b/./c"  -> "a/b/c"      empty and "." segments fold away
//   "a/../b"     -> "b"          ".." pops a segment ...
//   "../x"       -> invalid_path ... but never above the root
//   "/" or ""    -> "" (the root collection)
// Rejected: NUL and other control characters (0x00-0x1f, 0x7f), invalid UTF-8, a
// component over 255 bytes or a normalized path over 4096 bytes (name_too_long), and
// the hidden staging area ".staging" as the first component (not_found: it is not
// addressable). A leading "/" means the store root, never the host's root.
//
// Normalization is lexical; the kernel still resolves every open beneath the root
// (openat2 RESOLVE_BENEATH), so a symlink cannot lead outside either.
//
// parse(), child(), parent() and root() are the only ways to make an ObjectPath, and
// none of them makes one above the root. The one exception is a friend,
// legacy::EscapeRoot, which only `refserver --legacy escape-root` (a negative control)
// reaches: it makes "../NAME", which its own wrapper opens beside the root; the store
// refuses such a path like any other escape, as the kernel says EXDEV to
// RESOLVE_BENEATH for it.
#pragma once

#include <string>
#include <string_view>

#include "refserver/store/status.hpp"

namespace streamcheck::legacy {
struct EscapeRoot;
}  // namespace streamcheck::legacy

namespace streamcheck::store {

inline constexpr std::string_view kStagingDirName = ".staging";
inline constexpr size_t kMaxComponentBytes = 255;
inline constexpr size_t kMaxPathBytes = 4096;

class ObjectPath {
 public:
  static Result<ObjectPath> parse(std::string_view client_path);
  static ObjectPath root() { return ObjectPath(std::string()); }

  // "a/b/c", no leading or trailing slash; "" for the root.
  const std::string& relative() const { return rel_; }
  // "/a/b/c", and "/" for the root: how clients see it.
  std::string absolute() const { return "/" + rel_; }
  bool is_root() const { return rel_.empty(); }
  // Last component ("c"); "" for the root.
  std::string_view name() const;
  // "a/b" for "a/b/c"; the root's parent is the root.
  ObjectPath parent() const;
  // This path joined with one more component; fails as parse() would. `name` must be
  // one component: "", ".", ".." or a name with '/' is invalid_path (a multipart
  // filename of "../x" is refused, not resolved).
  Result<ObjectPath> child(std::string_view name) const;

  friend bool operator==(const ObjectPath&, const ObjectPath&) = default;

 private:
  friend struct legacy::EscapeRoot;
  explicit ObjectPath(std::string rel) : rel_(std::move(rel)) {}
  std::string rel_;
};

}  // namespace streamcheck::store
