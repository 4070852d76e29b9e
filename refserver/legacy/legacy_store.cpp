// The LegacyStore: which profile's defect each store call gets, the download
// defects (spool-download, load-whole), and the profile list. The upload defects are in
// legacy_uploads.cpp, read-ahead's queue in legacy_read_ahead.cpp, escape-root's paths in
// legacy_escape.cpp.
#include "refserver/legacy/legacy_store.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <vector>

#include "refserver/legacy/legacy_internal.hpp"

namespace streamcheck::legacy {
namespace {

using store::Errc;
using store::Object;
using store::ObjectPath;
using store::Result;
using store::Status;
using store::Upload;
using store::UploadOptions;

constexpr size_t kCopyBuffer = 256 * 1024;

// spool-download: the whole object copied to a temp file before the first byte.
class SpooledObject final : public Object {
 public:
  SpooledObject(std::unique_ptr<Object> original, int fd)
      : original_(std::move(original)), fd_(fd) {}
  ~SpooledObject() override { ::close(fd_); }
  int fd() const override { return fd_; }
  uint64_t size() const override { return original_->size(); }
  timespec mtime() const override { return original_->mtime(); }
  const std::string& etag() const override { return original_->etag(); }
  Result<size_t> read_at(uint64_t offset, std::span<std::byte> buffer) const override {
    ssize_t n = ::pread(fd_, buffer.data(), buffer.size(), static_cast<off_t>(offset));
    if (n < 0) return Status::from_errno(errno, "pread", "legacy spool");
    return static_cast<size_t>(n);
  }

 private:
  std::unique_ptr<Object> original_;
  int fd_;
};

// load-whole: the whole object in memory for as long as it is being sent.
class LoadedObject final : public Object {
 public:
  LoadedObject(std::unique_ptr<Object> inner, std::vector<std::byte> bytes)
      : inner_(std::move(inner)), bytes_(std::move(bytes)) {}
  int fd() const override { return inner_->fd(); }
  uint64_t size() const override { return inner_->size(); }
  timespec mtime() const override { return inner_->mtime(); }
  const std::string& etag() const override { return inner_->etag(); }
  Result<size_t> read_at(uint64_t offset, std::span<std::byte> buffer) const override {
    if (offset >= bytes_.size()) return size_t{0};
    size_t n = std::min<uint64_t>(buffer.size(), bytes_.size() - offset);
    std::copy_n(bytes_.begin() + static_cast<ptrdiff_t>(offset), n, buffer.begin());
    return n;
  }

 private:
  std::unique_ptr<Object> inner_;
  std::vector<std::byte> bytes_;
};

class LegacyStore final : public store::Store {
 public:
  LegacyStore(std::unique_ptr<store::Store> inner, LegacyProfile profile, std::string temp_dir)
      : inner_(std::move(inner)), profile_(profile), temp_dir_(std::move(temp_dir)) {}

  size_t purged_at_open() const override { return inner_->purged_at_open(); }
  const std::filesystem::path& root() const override { return inner_->root(); }

  Result<ObjectPath> parse_path(std::string_view client_path) const override {
    auto path = inner_->parse_path(client_path);
    if (path || !profile_.escape_root) return path;
    if (auto beside = EscapeRoot::parse(client_path)) return *std::move(beside);
    return path;
  }

  Result<std::unique_ptr<Upload>> begin_upload(const ObjectPath& path,
                                               const UploadOptions& options) override {
    return begin(path, options, Kind::upload, 0);
  }
  Result<std::unique_ptr<Upload>> begin_append(const ObjectPath& path,
                                               const UploadOptions& options) override {
    return begin(path, options, Kind::append, 0);
  }
  Result<std::unique_ptr<Upload>> begin_resume(const ObjectPath& path, uint64_t offset,
                                               const UploadOptions& options) override {
    return begin(path, options, Kind::resume, profile_.wrap32 ? wrap32(offset) : offset);
  }

  // read-ahead outermost: its queue is filled from whatever the other profiles serve,
  // wrap32's reads included.
  Result<std::unique_ptr<Object>> open(const ObjectPath& path) const override {
    auto object = open_spooled_or_loaded(path);
    if (object && profile_.wrap32) object = wrap32(std::move(object).value());
    if (!object || !profile_.read_ahead) return object;
    return read_ahead(std::move(object).value());
  }

  Result<store::Entry> stat(const ObjectPath& path) const override {
    auto entry = beside_root(path) ? EscapeRoot::stat(inner_->root(), path) : inner_->stat(path);
    if (entry && profile_.wrap32) entry = wrap32(std::move(entry).value());
    return entry;
  }
  Result<store::Entry> set_mtime(const ObjectPath& path, const timespec& mtime) override {
    if (beside_root(path)) return reads_only(path, "set_mtime");
    return inner_->set_mtime(path, mtime);
  }
  Result<std::vector<store::Entry>> list(const ObjectPath& dir) const override {
    if (beside_root(dir)) return reads_only(dir, "list");
    auto entries = inner_->list(dir);
    if (entries && profile_.wrap32)
      for (auto& entry : *entries) entry = wrap32(std::move(entry));
    return entries;
  }
  Result<std::unique_ptr<store::Listing>> list_pieces(const ObjectPath& dir) const override {
    if (beside_root(dir)) return reads_only(dir, "list");
    auto listing = inner_->list_pieces(dir);
    if (!listing || !profile_.wrap32) return listing;
    return wrap32(std::move(listing).value());
  }
  Status make_dir(const ObjectPath& path) override {
    if (beside_root(path)) return reads_only(path, "make_dir");
    return inner_->make_dir(path);
  }
  Status remove(const ObjectPath& path) override {
    if (beside_root(path)) return reads_only(path, "remove");
    return inner_->remove(path);
  }
  // spool-upload and leak-tempfile move a file the way the seed's cut-and-paste did: a
  // copy through the upload path, then a delete of the source (for P2's MOVE).
  Status rename(const ObjectPath& from, const ObjectPath& to, bool overwrite) override {
    if (beside_root(from) || beside_root(to))
      return reads_only(beside_root(from) ? from : to, "rename");
    if (profile_.spool_upload || profile_.leak_tempfile) {
      auto entry = inner_->stat(from);
      if (entry && entry->type == store::EntryType::file) {
        if (!overwrite && inner_->stat(to))
          return Status(Errc::already_exists, to.absolute() + " exists");
        if (auto copied = copy_through_upload(from, to, {}); !copied) return copied.status();
        return inner_->remove(from);
      }
    }
    return inner_->rename(from, to, overwrite);
  }
  // The store's copy is the kernel's; a profile that wraps uploads or downloads copies as
  // the era's servers did instead: the source read through a download, written through an
  // upload, so that each profile's defect shows in a COPY too (buffer-upload holds it in
  // memory, spool-upload copies it twice, no-transaction writes the destination in place).
  Result<store::CommitInfo> copy_file(const ObjectPath& from, const ObjectPath& to, bool overwrite,
                                      std::stop_token stop) override {
    if (beside_root(from) || beside_root(to))
      return reads_only(beside_root(from) ? from : to, "copy_file");
    if (!(profile_.buffer_upload || profile_.spool_upload || profile_.leak_tempfile ||
          profile_.no_transaction || profile_.load_whole || profile_.spool_download))
      return inner_->copy_file(from, to, overwrite, std::move(stop));
    if (!overwrite && inner_->stat(to))
      return Status(Errc::already_exists, to.absolute() + " exists");
    return copy_through_upload(from, to, std::move(stop));
  }
  Result<std::string> read_props(const ObjectPath& path) const override {
    if (beside_root(path)) return reads_only(path, "read_props");
    return inner_->read_props(path);
  }
  Status write_props(const ObjectPath& path, std::string_view blob) override {
    if (beside_root(path)) return reads_only(path, "write_props");
    return inner_->write_props(path, blob);
  }

 private:
  enum class Kind { upload, append, resume };

  Result<store::CommitInfo> copy_through_upload(const ObjectPath& from, const ObjectPath& to,
                                                std::stop_token stop) {
    auto source = open(from);
    if (!source) return source.status();
    auto upload = begin_upload(to, {.sha256 = false, .length_announced = true});
    if (!upload) return upload.status();
    std::vector<std::byte> buffer(kCopyBuffer);
    for (uint64_t offset = 0;;) {
      if (stop.stop_requested()) return Status(Errc::bad_state, "copy cancelled");
      auto n = source.value()->read_at(offset, buffer);
      if (!n) return n.status();
      if (*n == 0) break;
      if (auto st = upload.value()->write(std::span(buffer).first(*n)); !st) return st;
      offset += *n;
    }
    auto committed = upload.value()->commit();
    if (!committed) return committed;
    // The properties go along as the store's own copy takes them: no profile is about them.
    if (auto props = inner_->read_props(from); props && !props->empty())
      if (auto st = inner_->write_props(to, *props); !st) return st;
    return committed;
  }

  Result<std::unique_ptr<Upload>> begin(const ObjectPath& path, const UploadOptions& options,
                                        Kind kind, uint64_t offset) {
    if (beside_root(path)) return reads_only(path, "begin_upload");
    if (profile_.require_length && !options.length_announced)
      return Status(Errc::length_required,
                    "length required: the upload of " + path.absolute() +
                        " did not announce its length before its body (HTTP Content-Length, "
                        "FTP ALLO); --legacy require-length refuses it");
    const int in_place_mode = kind == Kind::upload ? O_TRUNC : kind == Kind::append ? O_APPEND : 0;
    auto upload =
        profile_.no_transaction
            ? begin_in_place(*inner_, path, in_place_mode, offset)
            : spool_or_buffer(begin_inner(path, options, kind, offset), profile_, temp_dir_);
    if (!upload || !profile_.flip_byte) return upload;
    return flip_byte(std::move(upload).value());
  }

  Result<std::unique_ptr<Object>> open_spooled_or_loaded(const ObjectPath& path) const {
    auto object = beside_root(path) ? EscapeRoot::open(inner_->root(), path) : inner_->open(path);
    if (!object || !(profile_.spool_download || profile_.load_whole)) return object;
    std::vector<std::byte> bytes;
    if (profile_.load_whole) bytes.resize(object.value()->size());
    int fd = -1;
    if (profile_.spool_download) {
      auto temp = make_temp(temp_dir_);
      if (!temp) return temp.status();
      fd = *temp;
    }
    std::vector<std::byte> buffer(kCopyBuffer);
    for (uint64_t offset = 0;;) {
      auto chunk = profile_.load_whole ? std::span(bytes).subspan(offset) : std::span(buffer);
      auto n = object.value()->read_at(offset, chunk.first(std::min(chunk.size(), kCopyBuffer)));
      if (!n) {
        if (fd >= 0) ::close(fd);
        return n.status();
      }
      if (*n == 0) break;
      if (fd >= 0) {
        if (auto st = write_all(fd, chunk.first(*n), "legacy spool"); !st) {
          ::close(fd);
          return st;
        }
      }
      offset += *n;
    }
    std::unique_ptr<Object> result = std::move(object).value();
    if (fd >= 0) result = std::make_unique<SpooledObject>(std::move(result), fd);
    if (profile_.load_whole)
      result = std::make_unique<LoadedObject>(std::move(result), std::move(bytes));
    return result;
  }

  Result<std::unique_ptr<Upload>> begin_inner(const ObjectPath& path, const UploadOptions& options,
                                              Kind kind, uint64_t offset) {
    switch (kind) {
      case Kind::upload:
        return inner_->begin_upload(path, options);
      case Kind::append:
        return inner_->begin_append(path, options);
      case Kind::resume:
        return inner_->begin_resume(path, offset, options);
    }
    return Status(Errc::bad_state, "unknown upload kind");
  }

  // Only escape-root's parse_path makes such a path; without the profile the store
  // gets it, and refuses it.
  bool beside_root(const ObjectPath& path) const {
    return profile_.escape_root && EscapeRoot::escapes(path);
  }

  static Status reads_only(const ObjectPath& path, const char* call) {
    return Status(Errc::escapes_root, std::string(call) + "(" + path.absolute() +
                                          "): --legacy escape-root reads beside the root, "
                                          "never writes or lists there");
  }

  std::unique_ptr<store::Store> inner_;
  LegacyProfile profile_;
  std::string temp_dir_;
};

}  // namespace

std::optional<LegacyProfile> LegacyProfile::parse(std::string_view list) {
  LegacyProfile p;
  while (!list.empty()) {
    auto comma = list.find(',');
    auto name = list.substr(0, comma);
    list = comma == std::string_view::npos ? std::string_view() : list.substr(comma + 1);
    if (name == "buffer-upload")
      p.buffer_upload = true;
    else if (name == "spool-upload")
      p.spool_upload = true;
    else if (name == "leak-tempfile")
      p.leak_tempfile = true;
    else if (name == "spool-download")
      p.spool_download = true;
    else if (name == "load-whole")
      p.load_whole = true;
    else if (name == "read-ahead")
      p.read_ahead = true;
    else if (name == "no-transaction")
      p.no_transaction = true;
    else if (name == "flip-byte")
      p.flip_byte = true;
    else if (name == "require-length")
      p.require_length = true;
    else if (name == "escape-root")
      p.escape_root = true;
    else if (name == "wrap32")
      p.wrap32 = true;
    else if (!name.empty())
      return std::nullopt;
  }
  return p;
}

bool LegacyProfile::any() const {
  return buffer_upload || spool_upload || leak_tempfile || spool_download || load_whole ||
         read_ahead || no_transaction || flip_byte || require_length || escape_root || wrap32;
}

std::string LegacyProfile::to_string() const {
  std::string out;
  auto add = [&](bool on, const char* name) {
    if (!on) return;
    if (!out.empty()) out += ",";
    out += name;
  };
  add(buffer_upload, "buffer-upload");
  add(spool_upload, "spool-upload");
  add(leak_tempfile, "leak-tempfile");
  add(spool_download, "spool-download");
  add(load_whole, "load-whole");
  add(read_ahead, "read-ahead");
  add(no_transaction, "no-transaction");
  add(flip_byte, "flip-byte");
  add(require_length, "require-length");
  add(escape_root, "escape-root");
  add(wrap32, "wrap32");
  return out;
}

std::unique_ptr<store::Store> wrap_store(std::unique_ptr<store::Store> inner,
                                         const LegacyProfile& profile, std::string temp_dir) {
  return std::make_unique<LegacyStore>(std::move(inner), profile, std::move(temp_dir));
}

}  // namespace streamcheck::legacy
