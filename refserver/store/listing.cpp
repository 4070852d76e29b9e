// Listings a piece at a time: the POSIX store's, which reads its directory as it goes,
// and the default of any other Store, which hands out list().
#include <dirent.h>
#include <fcntl.h>

#include "refserver/store/posix.hpp"
#include "refserver/store/store_internal.hpp"

namespace streamcheck::store {

namespace {

class VectorListing final : public Listing {
 public:
  explicit VectorListing(std::vector<Entry> entries) : entries_(std::move(entries)) {}
  Result<std::vector<Entry>> next(size_t max) override {
    const size_t n = std::min(max, entries_.size() - next_);
    std::vector<Entry> piece(std::make_move_iterator(entries_.begin() + next_),
                             std::make_move_iterator(entries_.begin() + next_ + n));
    next_ += n;
    return piece;
  }

 private:
  std::vector<Entry> entries_;
  size_t next_ = 0;
};

class DirListing final : public Listing {
 public:
  DirListing(std::shared_ptr<const detail::StoreDirs> dirs, ObjectPath dir, DIR* stream)
      : dirs_(std::move(dirs)), dir_(std::move(dir)), stream_(stream) {}
  ~DirListing() override { ::closedir(stream_); }

  Result<std::vector<Entry>> next(size_t max) override {
    std::vector<Entry> piece;
    while (piece.size() < max) {
      errno = 0;
      const dirent* found = ::readdir(stream_);
      if (found == nullptr) {
        if (errno != 0) return Status::from_errno(errno, "readdir", dir_.absolute());
        break;
      }
      const std::string_view name = found->d_name;
      if (name == "." || name == "..") continue;
      auto entry = detail::entry_at(*dirs_, ::dirfd(stream_), dir_, std::string(name));
      if (!entry) return entry.status();
      if (*entry) piece.push_back(std::move(**entry));
    }
    return piece;
  }

 private:
  std::shared_ptr<const detail::StoreDirs> dirs_;
  ObjectPath dir_;
  DIR* stream_;
};

}  // namespace

Result<std::unique_ptr<Listing>> Store::list_pieces(const ObjectPath& dir) const {
  auto entries = list(dir);
  if (!entries) return entries.status();
  return std::unique_ptr<Listing>(std::make_unique<VectorListing>(std::move(entries).value()));
}

Result<std::unique_ptr<Listing>> detail::list_pieces(std::shared_ptr<const StoreDirs> dirs,
                                                     const ObjectPath& dir) {
  auto fd = posix::open_beneath(dirs->root.get(), dir.relative(), O_RDONLY | O_DIRECTORY, 0,
                                dir.absolute());
  if (!fd) return fd.status();
  DIR* stream = ::fdopendir(fd->get());
  if (stream == nullptr) return Status::from_errno(errno, "fdopendir", dir.absolute());
  fd->release();  // now the stream's
  return std::unique_ptr<Listing>(std::make_unique<DirListing>(std::move(dirs), dir, stream));
}

}  // namespace streamcheck::store
