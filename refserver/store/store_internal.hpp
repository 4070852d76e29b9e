// Internal to the store: what its .cpp files share. Not an interface.
#pragma once

#include <sys/stat.h>
#include <optional>

#include <cstdint>
#include <filesystem>
#include <memory>
#include <stop_token>
#include <string>
#include <string_view>

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

// The entry list() shows for `name` in the collection `dir` (open as `dirfd`), or nullopt
// for a name it leaves out (not addressable, or gone meanwhile).
Result<std::optional<Entry>> entry_at(const StoreDirs& dirs, int dirfd, const ObjectPath& dir,
                                      std::string name);
// Store::list_pieces of the store on a POSIX filesystem (listing.cpp).
Result<std::unique_ptr<Listing>> list_pieces(std::shared_ptr<const StoreDirs> dirs,
                                             const ObjectPath& dir);

// Opens the collection holding `path` beneath the root with `flags` (O_DIRECTORY is
// added). ENOENT is parent_missing when `creating` (a new object needs its parent),
// not_found otherwise; ENOTDIR is not_a_directory; a symlink out is escapes_root.
Result<posix::UniqueFd> open_parent(const StoreDirs& dirs, const ObjectPath& path, int flags,
                                    bool creating);

// Opens the current version of a regular file beneath the root, O_RDONLY, and fills
// `st`: is_a_directory for a collection (the root too), invalid_argument for anything
// else that is not a regular file (a FIFO is refused without blocking).
Result<posix::UniqueFd> open_version(const StoreDirs& dirs, const ObjectPath& path,
                                     struct stat& st);

// An Upload as the store makes it, with what copy_file needs besides.
class StagedUpload : public Upload {
 public:
  // The staging file's fd (O_WRONLY), to give it the copied dead properties.
  virtual int staging_fd() const = 0;
  // commit(), or with `replace` false one that never replaces: already_exists when the
  // name is taken (is_a_directory when a collection took it), decided by the kernel.
  virtual Result<CommitInfo> commit_replacing(bool replace) = 0;
};

// Creates a staging file for a new version of `path` and, when `prefix` > 0, copies
// the first `prefix` bytes of the open regular file `source` into it (hashing them
// when options.sha256), in bounded chunks with `stop` checked between them (bad_state
// "copy cancelled"). On failure nothing is left in the staging area.
Result<std::unique_ptr<StagedUpload>> start_upload(std::shared_ptr<const StoreDirs> dirs,
                                                   const ObjectPath& path,
                                                   const UploadOptions& options, int source,
                                                   uint64_t prefix,
                                                   const std::stop_token& stop = {});

// bad_state "copy cancelled": what a copy to `path` answers a stop request.
Status copy_cancelled(const ObjectPath& path);

// Store::copy_file (copy_file.cpp).
Result<CommitInfo> copy_file(std::shared_ptr<const StoreDirs> dirs, const ObjectPath& from,
                             const ObjectPath& to, bool overwrite, const std::stop_token& stop);

// Dead properties (props.cpp). On an open fd of the object (not O_PATH: the f*xattr
// calls refuse one); `shown` names it in messages. Reading where the filesystem keeps
// no user extended attributes gives "": nothing can have been stored there.
Result<std::string> read_props_fd(int fd, std::string_view shown);
Status write_props_fd(int fd, std::string_view blob, std::string_view shown);
// Store::read_props and Store::write_props.
Result<std::string> read_props(const StoreDirs& dirs, const ObjectPath& path);
Status write_props(const StoreDirs& dirs, const ObjectPath& path, std::string_view blob);

}  // namespace streamcheck::store::detail
