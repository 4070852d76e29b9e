// Store::copy_file: WebDAV COPY of one file, as an upload whose bytes come from the
// kernel (copy_file_range) instead of a client, so it commits the same way.
#include <fcntl.h>
#include <sys/stat.h>

#include <cerrno>
#include <string>
#include <utility>

#include "refserver/store/store_internal.hpp"

namespace streamcheck::store::detail {

Result<CommitInfo> copy_file(std::shared_ptr<const StoreDirs> dirs, const ObjectPath& from,
                             const ObjectPath& to, bool overwrite, const std::stop_token& stop) {
  const std::string shown = "copy_file(" + from.absolute() + " -> " + to.absolute() + ")";
  if (from == to) return Status(Errc::invalid_argument, shown + ": source and target are one");
  if (to.is_root()) return Status(Errc::is_a_directory, shown + ": the root is a collection");

  struct stat version {};
  auto source = open_version(*dirs, from, version);
  if (!source) return source.status();

  // Refused now what the commit would refuse anyway, before any byte is copied; the
  // commit decides again, as the name may change meanwhile.
  auto parent = open_parent(*dirs, to, O_PATH, /*creating=*/true);
  if (!parent) return parent.status();
  const std::string leaf(to.name());
  struct stat target {};
  if (::fstatat(parent->get(), leaf.c_str(), &target, AT_SYMLINK_NOFOLLOW) == 0) {
    if (S_ISDIR(target.st_mode)) {
      return Status(Errc::is_a_directory, shown + ": the target is a collection");
    }
    if (!overwrite) return Status(Errc::already_exists, shown + ": the target exists");
  } else if (errno != ENOENT) {
    return Status::from_errno(errno, "fstatat", to.relative());
  }
  parent->reset();

  UploadOptions options;
  options.sha256 = false;  // nobody reads it back, and hashing would read every byte
  auto staged = start_upload(std::move(dirs), to, options, source->get(),
                             static_cast<uint64_t>(version.st_size), stop);
  if (!staged) return staged.status();
  std::unique_ptr<StagedUpload> upload = std::move(staged).value();

  auto props = read_props_fd(source->get(), from.absolute());
  if (!props) return props.status();  // `upload` aborts as it goes
  if (!props->empty()) {
    if (Status st = write_props_fd(upload->staging_fd(), *props, to.absolute()); !st) return st;
  }
  if (stop.stop_requested()) return copy_cancelled(to);
  return upload->commit_replacing(overwrite);
}

}  // namespace streamcheck::store::detail
