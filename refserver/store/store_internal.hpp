// Internal to the store: what store.cpp and upload.cpp share. Not an interface.
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>

#include "refserver/store/object_path.hpp"
#include "refserver/store/posix.hpp"
#include "refserver/store/status.hpp"
#include "refserver/store/store.hpp"

namespace streamcheck::store::detail {

// The open directories of one store. A Store and each of its Uploads hold it through
// a shared_ptr, so an Upload may outlive its Store. Immutable after open: safe to use
// from any number of threads.
struct StoreDirs {
  std::filesystem::path root_path;
  posix::UniqueFd root;     // O_PATH | O_DIRECTORY, the anchor of every openat2
  posix::UniqueFd staging;  // ROOT/.staging, O_RDONLY | O_DIRECTORY
  FsyncPolicy fsync = FsyncPolicy::always;
};

// Opens the collection holding `path` beneath the root with `flags` (O_DIRECTORY is
// added). ENOENT is parent_missing when `creating` (a new object needs its parent),
// not_found otherwise; ENOTDIR is not_a_directory; a symlink out is escapes_root.
Result<posix::UniqueFd> open_parent(const StoreDirs& dirs, const ObjectPath& path, int flags,
                                    bool creating);

// Creates a staging file for a new version of `path` and, when `prefix` > 0, copies
// the first `prefix` bytes of the open regular file `source` into it (hashing them
// when options.sha256). On failure nothing is left in the staging area.
Result<std::unique_ptr<Upload>> start_upload(std::shared_ptr<const StoreDirs> dirs,
                                             const ObjectPath& path, const UploadOptions& options,
                                             int source, uint64_t prefix);

}  // namespace streamcheck::store::detail
