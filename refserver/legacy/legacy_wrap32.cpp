// wrap32: sizes and offsets taken modulo 2^32, as a server that keeps them in 32-bit
// integers would. FOR VALIDATING HARNESSES ONLY, like everything under refserver/legacy/.
#include <algorithm>
#include <vector>

#include "refserver/legacy/legacy_internal.hpp"

namespace streamcheck::legacy {
namespace {

using store::Entry;
using store::Object;
using store::Result;

// No fd: the front ends would sendfile from it at their own 64-bit offsets and pass the
// wrap by. -1 sends them to read_at, where every offset goes through it.
class Wrap32Object final : public Object {
 public:
  explicit Wrap32Object(std::unique_ptr<Object> inner) : inner_(std::move(inner)) {}
  int fd() const override { return -1; }
  uint64_t size() const override { return wrap32(inner_->size()); }
  timespec mtime() const override { return inner_->mtime(); }
  const std::string& etag() const override { return inner_->etag(); }
  // Reads stop at the wrapped size: a 32-bit server sends that many bytes and no more.
  Result<size_t> read_at(uint64_t offset, std::span<std::byte> buffer) const override {
    offset = wrap32(offset);
    if (offset >= size()) return size_t{0};
    return inner_->read_at(offset,
                           buffer.first(std::min<uint64_t>(buffer.size(), size() - offset)));
  }

 private:
  std::unique_ptr<Object> inner_;
};

class Wrap32Listing final : public store::Listing {
 public:
  explicit Wrap32Listing(std::unique_ptr<store::Listing> inner) : inner_(std::move(inner)) {}
  Result<std::vector<Entry>> next(size_t max) override {
    auto entries = inner_->next(max);
    if (entries)
      for (auto& entry : *entries) entry = wrap32(std::move(entry));
    return entries;
  }

 private:
  std::unique_ptr<store::Listing> inner_;
};

}  // namespace

Entry wrap32(Entry entry) {
  entry.size = wrap32(entry.size);
  return entry;
}

std::unique_ptr<Object> wrap32(std::unique_ptr<Object> object) {
  return std::make_unique<Wrap32Object>(std::move(object));
}

std::unique_ptr<store::Listing> wrap32(std::unique_ptr<store::Listing> listing) {
  return std::make_unique<Wrap32Listing>(std::move(listing));
}

}  // namespace streamcheck::legacy
