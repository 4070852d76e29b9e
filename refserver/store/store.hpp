// The refserver's store: objects are plain files under a root directory, mirroring
// the client's path hierarchy, so another server (nginx, Apache) pointed at the same
// root serves the same bytes.
//
// Uploads are transactions. begin_upload() opens a staging file in ROOT/.staging/
// (same filesystem, never listed, never addressable); write() appends the caller's
// bytes straight to it (the store keeps no copy and never grows with the payload);
// commit() makes the whole new version visible under its name with one rename(2);
// abort(), or destroying the Upload without commit (a dropped connection), unlinks the
// staging file. A partial object is never visible under its final name. Two uploads to
// one path each commit whole; the last commit wins.
//
// Append and resume (FTP APPE, REST+STOR) are copy-then-append: the new version is
// staged like any upload, starting with a copy of the kept prefix of the current
// version (copy_file_range, so the kernel copies, or reflinks where the filesystem
// can), then the client's bytes, then the same atomic commit. We chose this over
// vsftpd's in-place writing because in-place appends make an aborted APPE leave a
// half-appended object and let readers see a growing file: exactly the partial
// versions P6 forbids. The price is one in-kernel copy of the prefix per append.
//
// Downloads: open() returns an Object, an open fd on one version. A commit that
// replaces the name later does not touch it: the reader keeps the old inode and reads
// it to its end.
//
// Every path is resolved beneath the root's directory fd by openat2(RESOLVE_BENEATH |
// RESOLVE_NO_MAGICLINKS): no path and no symlink can reach outside the root. Symlinks
// that stay beneath the root are followed by open, stat, list and append; a symlink
// that leads out is escapes_root. An upload or rename onto a symlink replaces the link.
//
// Threading: a Store may be used from any number of threads at once. An Upload or an
// Object belongs to one thread at a time. Uploads and Objects may outlive the Store.
//
// Blocking: every call is synchronous. Calls marked MAY BLOCK LONG (fsync, rename,
// copies of a prefix or a file, purge) belong on a worker thread, not a network
// thread; the rest do bounded work (one or a few short system calls).
#pragma once

#include <sys/types.h>

#include <cstddef>
#include <cstdint>
#include <ctime>
#include <filesystem>
#include <memory>
#include <span>
#include <stop_token>
#include <string>
#include <string_view>
#include <vector>

#include "refserver/store/object_path.hpp"
#include "refserver/store/status.hpp"

namespace streamcheck::store {

enum class FsyncPolicy {
  always,  // fsync the staging file before the rename and the directory after it
  never,   // leave durability to the kernel's writeback
};

// The extended attribute that holds an object's dead properties (Store::read_props).
inline constexpr const char* kPropsXattr = "user.streamcheck.davprops";

struct StoreOptions {
  std::filesystem::path root;  // must exist and be a directory
  FsyncPolicy fsync = FsyncPolicy::always;
};

enum class EntryType { file, directory, other };

struct Entry {
  std::string name;  // last component; "" for the root
  EntryType type = EntryType::other;
  uint64_t size = 0;
  timespec mtime{};
};

// Strong validator of one version: changes whenever a commit replaces the object
// (every commit is a new inode). Quoted, ready for an ETag header: "\"8a1f-100000-…\"".
std::string make_etag(ino_t inode, uint64_t size, const timespec& mtime);

struct CommitInfo {
  uint64_t size = 0;     // bytes of the committed version (prefix included)
  std::string sha256;    // lowercase hex of the whole version; "" when hashing was off
  std::string etag;      // as make_etag()
  bool created = false;  // true when no object had the name before this commit
};

struct UploadOptions {
  // SHA-256 of the whole version, computed on the fly. It costs CPU (about 2 GB/s a
  // core with SHA-NI), so front ends that do not report it may turn it off.
  bool sha256 = true;
  // Whether the client announced the upload's length before its body (HTTP
  // Content-Length, or a body-less request; for a multipart POST the whole body's;
  // FTP ALLO). This store streams either way and never looks at it: it is here so
  // that --legacy require-length can refuse what the servers that needed a length did.
  bool length_announced = false;
};

// One upload transaction. Not copyable; destroying it uncommitted aborts it.
class Upload {
 public:
  virtual ~Upload() = default;
  Upload(const Upload&) = delete;
  Upload& operator=(const Upload&) = delete;

  // Appends `data` to the staged version; returns once the kernel has all of it.
  // Fails with no_space/io_error (the upload is then aborted) or bad_state. MAY BLOCK
  // LONG: the kernel makes a writer wait for the disk once dirty pages are at their
  // limit, and a slow or stalled filesystem holds it as long as it likes.
  virtual Status write(std::span<const std::byte> data) = 0;
  // Whether write_from_pipe() may be used: a plain staging file that hashes nothing (a
  // hash needs to see the bytes). Wrappers that look at the bytes (--legacy) say no.
  virtual bool takes_pipe() const { return false; }
  // As write(), for `bytes` that are in `pipe` (its read end, blocking): moves them into
  // the staged version with splice(2), so they never pass through user space. The pipe
  // must hold at least `bytes`. bad_state when takes_pipe() is false. MAY BLOCK LONG.
  virtual Status write_from_pipe(int pipe, size_t bytes);
  // Bytes staged so far, prefix included.
  virtual uint64_t size() const = 0;
  // Makes the staged version visible under the path. Fails with parent_missing (the
  // collection went away), is_a_directory (a collection took the name), no_space or
  // io_error; on failure the staging file is gone and the old version is untouched.
  // MAY BLOCK LONG (fsync, rename).
  virtual Result<CommitInfo> commit() = 0;
  // Discards the staged version. Idempotent; never fails.
  virtual void abort() = 0;

 protected:
  Upload() = default;
};

// One version of an object, open for reading. Not copyable.
class Object {
 public:
  virtual ~Object() = default;
  Object(const Object&) = delete;
  Object& operator=(const Object&) = delete;

  // The open fd, for sendfile(2); owned by the Object. -1 when the bytes come through
  // read_at only (--legacy read-ahead): front ends then send them from their buffer.
  virtual int fd() const = 0;
  virtual uint64_t size() const = 0;
  virtual timespec mtime() const = 0;
  virtual const std::string& etag() const = 0;
  // pread(2) of up to buffer.size() bytes at `offset`; 0 at the end.
  virtual Result<size_t> read_at(uint64_t offset, std::span<std::byte> buffer) const = 0;

 protected:
  Object() = default;
};

// A collection's entries a piece at a time, in the directory's own order (not sorted), for
// a reply that streams them (PROPFIND of a collection of any size): memory holds a piece,
// never the whole listing. The entries are the ones list() shows. Not copyable; it keeps
// the directory open until destroyed, and may outlive the Store.
class Listing {
 public:
  virtual ~Listing() = default;
  // Up to `max` more entries (at least one while any is left); empty at the end.
  virtual Result<std::vector<Entry>> next(size_t max) = 0;
};

class Store {
 public:
  // Opens the store at options.root, creates ROOT/.staging if needed and purges what
  // an earlier run left in it (see purged_at_open()). MAY BLOCK LONG.
  static Result<std::unique_ptr<Store>> open(const StoreOptions& options);

  virtual ~Store() = default;
  Store(const Store&) = delete;
  Store& operator=(const Store&) = delete;

  // Staging files removed by open().
  virtual size_t purged_at_open() const = 0;
  virtual const std::filesystem::path& root() const = 0;

  // A client's path (an HTTP target once percent-decoded, an FTP argument joined with
  // the working directory) as the store addresses it. Front ends call this, never
  // ObjectPath::parse, so that --legacy escape-root can bring back the ".." defect in
  // its wrapper alone (refserver/legacy/legacy_store.hpp). Here it is ObjectPath::parse
  // and nothing else: no path above the root.
  virtual Result<ObjectPath> parse_path(std::string_view client_path) const {
    return ObjectPath::parse(client_path);
  }

  // Starts a new version of `path` (not the root). Fails with parent_missing when the
  // parent collection does not exist (never created silently), is_a_directory when
  // `path` is a collection, not_a_directory when a parent component is a file.
  virtual Result<std::unique_ptr<Upload>> begin_upload(const ObjectPath& path,
                                                       const UploadOptions& options = {}) = 0;
  // A new version that starts as the whole current version (empty when there is none)
  // followed by the written bytes. MAY BLOCK LONG (copies the current version).
  virtual Result<std::unique_ptr<Upload>> begin_append(const ObjectPath& path,
                                                       const UploadOptions& options = {}) = 0;
  // A new version that keeps bytes [0, offset) of the current version and replaces
  // the rest with the written bytes (FTP REST n + STOR). offset 0 is a plain upload;
  // an offset past the end fails with invalid_argument. MAY BLOCK LONG.
  virtual Result<std::unique_ptr<Upload>> begin_resume(const ObjectPath& path, uint64_t offset,
                                                       const UploadOptions& options = {}) = 0;

  // Opens the current version of a file object. is_a_directory for a collection,
  // invalid_argument for anything else that is not a regular file (a FIFO, a device).
  virtual Result<std::unique_ptr<Object>> open(const ObjectPath& path) const = 0;

  // Type, size and mtime of a file or collection (the root included).
  virtual Result<Entry> stat(const ObjectPath& path) const = 0;
  // Sets the modification time of a file object (FTP MFMT) and returns its entry as
  // it now is: the filesystem may round the time to its granularity, and the caller
  // reports what was kept. The access time is left alone. is_a_directory for a
  // collection (the root included), invalid_argument for anything else that is not a
  // regular file or for tv_nsec outside [0, 1e9) (utimensat's UTIME_NOW and UTIME_OMIT
  // would otherwise slip through as times). The ETag changes with the time (make_etag
  // hashes it in): a validator must change when Last-Modified does, or a client
  // holding the old pair would take If-Range and If-None-Match answers for the wrong
  // version. Objects already open keep the ETag they were opened with.
  virtual Result<Entry> set_mtime(const ObjectPath& path, const timespec& mtime) = 0;
  // Entries of a collection sorted by name, without "." "..", or the staging area.
  // Names a client could not address (control bytes, bad UTF-8, put there by another
  // program) are left out; a symlink leading out of the root is listed as `other`
  // with size 0, telling nothing of its target.
  virtual Result<std::vector<Entry>> list(const ObjectPath& dir) const = 0;
  // list() a piece at a time (Listing). This default takes list() whole and hands it
  // out; the store on a POSIX filesystem reads the directory as it goes.
  virtual Result<std::unique_ptr<Listing>> list_pieces(const ObjectPath& dir) const;
  // Creates one collection: parent_missing, already_exists as for mkdir(2).
  virtual Status make_dir(const ObjectPath& path) = 0;
  // Removes a file or an empty collection (directory_not_empty otherwise). The root
  // is permission_denied.
  virtual Status remove(const ObjectPath& path) = 0;
  // Moves a file or collection; replaces a file at `to` atomically, never a
  // collection (already_exists). With `overwrite` false nothing at `to` is replaced:
  // already_exists when the name is taken, decided by the kernel at the rename
  // (RENAME_NOREPLACE), so no racing upload slips in between a check and the move
  // (WebDAV MOVE with Overwrite: F). Dead properties move with the object. MAY BLOCK LONG.
  virtual Status rename(const ObjectPath& from, const ObjectPath& to, bool overwrite = true) = 0;

  // WebDAV COPY of one file object, committed as an upload is: a staging file is
  // filled from `from`'s current version by copy_file_range(2) in bounded chunks (the
  // kernel copies, or reflinks where the filesystem can; nothing passes through user
  // space, so memory stays flat for any size), its dead properties are copied along,
  // and one rename(2) makes it `to`. A reader of `to` sees the old version or the whole
  // new one, never part. `stop` is checked between chunks: a stop request ends the copy
  // with bad_state ("copy cancelled"), `to` untouched and no staging file left.
  // Errors: not_found (no `from`), is_a_directory (`from` or `to` is a collection),
  // invalid_argument (`from` is not a regular file, or from == to), parent_missing
  // (`to`'s parent), already_exists (`to` exists and `overwrite` is false: decided at
  // the commit by RENAME_NOREPLACE, race-free), no_space, io_error. CommitInfo.sha256 is
  // "" (nothing is hashed); CommitInfo.created is true when `to` did not exist.
  // MAY BLOCK LONG.
  virtual Result<CommitInfo> copy_file(const ObjectPath& from, const ObjectPath& to, bool overwrite,
                                       std::stop_token stop = {}) = 0;

  // Dead properties (WebDAV PROPPATCH): one opaque blob per object, which the store
  // keeps but never reads, in one extended attribute of the object's inode (kPropsXattr)
  // so that replacing it is atomic. Files and collections alike, the root included.
  // Being the inode's, they move with rename(), vanish with remove(), are copied by
  // copy_file(). An upload that replaces an object (append and resume too) makes a new
  // inode, which starts without any.
  //
  // The blob, "" when the object has none (and where the filesystem keeps no user
  // extended attributes: nothing can have been stored). not_found when there is no
  // object, invalid_argument for one that is neither file nor collection.
  virtual Result<std::string> read_props(const ObjectPath& path) const = 0;
  // Replaces the blob; an empty one removes the attribute. not_supported when the
  // filesystem keeps no user extended attributes (a message saying so), no_space when
  // the blob is more than it keeps in one (E2BIG, ENOSPC: ext4 takes about one block,
  // 4 KiB; any filesystem at most 64 KiB). No fsync: the kernel writes it back with the
  // inode.
  virtual Status write_props(const ObjectPath& path, std::string_view blob) = 0;

 protected:
  Store() = default;
};

}  // namespace streamcheck::store
