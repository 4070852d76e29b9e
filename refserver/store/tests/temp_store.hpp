// For the store's tests: a Store on a fresh directory under a given filesystem (/tmp is
// ext4 here, /dev/shm tmpfs), removed with everything in it at the end, and files of a
// known pattern written and checked without holding them in memory.
#pragma once

#include <gtest/gtest.h>
#include <stdlib.h>

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "refserver/store/store.hpp"

namespace streamcheck::store::testing {

class TempStore {
 public:
  // A store rooted in a new directory under `parent`.
  explicit TempStore(const std::filesystem::path& parent) {
    std::string templ = (parent / "sc-store-XXXXXX").string();
    if (::mkdtemp(templ.data()) == nullptr) return;
    root_ = templ;
    auto opened = Store::open({root_, FsyncPolicy::never});
    if (opened) store_ = std::move(opened).value();
  }
  ~TempStore() {
    store_.reset();
    std::error_code ignored;
    if (!root_.empty()) std::filesystem::remove_all(root_, ignored);
  }
  TempStore(const TempStore&) = delete;
  TempStore& operator=(const TempStore&) = delete;

  bool ok() const { return store_ != nullptr; }
  Store& store() { return *store_; }
  const std::filesystem::path& root() const { return root_; }
  // Entries left in ROOT/.staging.
  size_t staged() const {
    size_t n = 0;
    for ([[maybe_unused]] const auto& e : std::filesystem::directory_iterator(root_ / ".staging")) {
      ++n;
    }
    return n;
  }

 private:
  std::filesystem::path root_;
  std::unique_ptr<Store> store_;
};

inline constexpr uint64_t kMiB = 1024 * 1024;

// Where tests run on both filesystems: /tmp is ext4 on this machine, /dev/shm tmpfs.
inline constexpr const char* kExt4Dir = "/tmp";
inline constexpr const char* kTmpfsDir = "/dev/shm";
// The test-name suffix for a parameter that is one of them.
inline std::string filesystem_name(const ::testing::TestParamInfo<const char*>& param) {
  return std::string_view(param.param) == kExt4Dir ? "ext4" : "tmpfs";
}

inline ObjectPath path(std::string_view p) {
  return ObjectPath::parse(p).value();
}

// The byte at `offset` of a file made by write_pattern with `seed`: differs between
// seeds and between nearby offsets, so a shifted, truncated or mixed copy shows.
inline char pattern_byte(uint64_t offset, unsigned seed) {
  return static_cast<char>((offset * 131 + (offset >> 12) + seed * 7919) & 0xff);
}

// Writes `size` bytes of the pattern to `file`, 1 MiB at a time.
inline void write_pattern(const std::filesystem::path& file, uint64_t size, unsigned seed) {
  std::ofstream out(file, std::ios::binary | std::ios::trunc);
  std::vector<char> block(1 << 20);
  for (uint64_t done = 0; done < size;) {
    const size_t n = static_cast<size_t>(std::min<uint64_t>(block.size(), size - done));
    for (size_t i = 0; i < n; ++i) block[i] = pattern_byte(done + i, seed);
    out.write(block.data(), static_cast<std::streamsize>(n));
    done += n;
  }
  ASSERT_TRUE(out.good()) << file;
}

// Whether `file` holds exactly `size` bytes of the pattern with `seed`.
inline ::testing::AssertionResult has_pattern(const std::filesystem::path& file, uint64_t size,
                                              unsigned seed) {
  std::ifstream in(file, std::ios::binary);
  if (!in) return ::testing::AssertionFailure() << file << " cannot be opened";
  std::vector<char> block(1 << 20);
  uint64_t done = 0;
  while (in.read(block.data(), static_cast<std::streamsize>(block.size())) || in.gcount() > 0) {
    const auto n = static_cast<size_t>(in.gcount());
    for (size_t i = 0; i < n; ++i) {
      if (block[i] != pattern_byte(done + i, seed)) {
        return ::testing::AssertionFailure() << file << " differs at byte " << done + i;
      }
    }
    done += n;
  }
  if (done != size) {
    return ::testing::AssertionFailure() << file << " has " << done << " bytes, not " << size;
  }
  return ::testing::AssertionSuccess();
}

}  // namespace streamcheck::store::testing
