// --legacy wrap32 takes sizes and offsets modulo 2^32 in every call that reports or takes
// one, and leaves files under 4 GiB alone. The big file is sparse (ftruncate): no disk.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <map>
#include <string>

#include "refserver/legacy/legacy_store.hpp"

namespace streamcheck::legacy {
namespace {

namespace fs = std::filesystem;
constexpr uint64_t k4GiB = uint64_t{1} << 32;
constexpr uint64_t kBigSize = k4GiB + 4097;

class Wrap32Test : public ::testing::Test {
 protected:
  void SetUp() override {
    char pattern[] = "/tmp/sc-wrap32-XXXXXX";
    ASSERT_TRUE(::mkdtemp(pattern));
    root_ = pattern;
    // A distinct byte on each side of 2^32, so a read that did not wrap shows.
    make_file("big.bin", kBigSize,
              {{0, 'Z'}, {5, 'A'}, {4096, 'D'}, {k4GiB + 5, 'B'}, {kBigSize - 1, 'E'}});
    make_file("small.bin", 4097, {{0, 'z'}, {5, 'a'}, {4096, 'd'}});
  }
  void TearDown() override { fs::remove_all(root_); }

  void make_file(const char* name, uint64_t size, const std::map<uint64_t, char>& marks) {
    int fd = ::open((root_ / name).c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    ASSERT_GE(fd, 0);
    ASSERT_EQ(::ftruncate(fd, static_cast<off_t>(size)), 0);
    for (auto [offset, byte] : marks)
      ASSERT_EQ(::pwrite(fd, &byte, 1, static_cast<off_t>(offset)), 1);
    ::close(fd);
  }
  std::unique_ptr<store::Store> open(const std::string& profile) {
    auto inner = store::Store::open({root_, store::FsyncPolicy::never});
    EXPECT_TRUE(inner.ok()) << inner.status().to_string();
    return wrap_store(std::move(inner).value(), *LegacyProfile::parse(profile), "/tmp");
  }
  static store::ObjectPath path(const char* p) { return store::ObjectPath::parse(p).value(); }
  static char byte_at(const store::Object& object, uint64_t offset) {
    std::byte b{};
    auto n = object.read_at(offset, std::span(&b, 1));
    return n.ok() && *n == 1 ? static_cast<char>(b) : '?';
  }
  static uint64_t entry_size(const std::vector<store::Entry>& entries, const char* name) {
    auto it = std::ranges::find(entries, std::string(name), &store::Entry::name);
    return it == entries.end() ? ~uint64_t{0} : it->size;
  }

  fs::path root_;
};

TEST_F(Wrap32Test, ParsesAndNamesTheProfile) {
  auto p = LegacyProfile::parse("wrap32,read-ahead");
  ASSERT_TRUE(p);
  EXPECT_TRUE(p->wrap32 && p->read_ahead && p->any());
  EXPECT_EQ(p->to_string(), "read-ahead,wrap32");
  EXPECT_NE(LegacyProfile::kNames.find("wrap32"), std::string_view::npos);
  EXPECT_FALSE(LegacyProfile::parse("")->wrap32);
}

TEST_F(Wrap32Test, ObjectSizeAndReadOffsetsWrap) {
  auto s = open("wrap32");
  auto object = s->open(path("/big.bin"));
  ASSERT_TRUE(object.ok()) << object.status().to_string();
  EXPECT_EQ(object.value()->size(), 4097u);
  EXPECT_EQ(object.value()->fd(), -1);  // the front ends must come through read_at
  EXPECT_EQ(byte_at(*object.value(), 5), 'A');
  EXPECT_EQ(byte_at(*object.value(), k4GiB + 5), 'A');  // not 'B': the offset wrapped
  EXPECT_EQ(byte_at(*object.value(), 4096), 'D');
  EXPECT_EQ(byte_at(*object.value(), 4097), '?');  // the end is the wrapped size
  std::vector<std::byte> all(64 * 1024);
  auto n = object.value()->read_at(0, all);
  ASSERT_TRUE(n.ok());
  EXPECT_EQ(*n, 4097u);  // a GET sends size mod 2^32 bytes
}

TEST_F(Wrap32Test, EntrySizesWrapInStatListAndPieces) {
  auto s = open("wrap32");
  auto entry = s->stat(path("/big.bin"));
  ASSERT_TRUE(entry.ok());
  EXPECT_EQ(entry->size, 4097u);
  auto list = s->list(path("/"));
  ASSERT_TRUE(list.ok());
  EXPECT_EQ(entry_size(*list, "big.bin"), 4097u);
  auto listing = s->list_pieces(path("/"));
  ASSERT_TRUE(listing.ok());
  std::vector<store::Entry> pieces;
  for (;;) {
    auto piece = listing.value()->next(1);
    ASSERT_TRUE(piece.ok());
    if (piece->empty()) break;
    pieces.insert(pieces.end(), piece->begin(), piece->end());
  }
  EXPECT_EQ(entry_size(pieces, "big.bin"), 4097u);
  EXPECT_EQ(entry_size(pieces, "small.bin"), 4097u);
}

TEST_F(Wrap32Test, ResumeOffsetWraps) {
  auto s = open("wrap32");
  auto upload = s->begin_resume(path("/big.bin"), k4GiB + 1);
  ASSERT_TRUE(upload.ok()) << upload.status().to_string();
  EXPECT_EQ(upload.value()->size(), 1u);  // one byte of prefix kept, not 2^32 + 1
  std::string tail = "xyz";
  ASSERT_TRUE(upload.value()->write(std::as_bytes(std::span(tail.data(), tail.size()))).ok());
  auto committed = upload.value()->commit();
  ASSERT_TRUE(committed.ok()) << committed.status().to_string();
  EXPECT_EQ(committed->size, 4u);
  EXPECT_EQ(fs::file_size(root_ / "big.bin"), 4u);
  auto object = s->open(path("/big.bin"));
  ASSERT_TRUE(object.ok());
  EXPECT_EQ(byte_at(*object.value(), 0), 'Z');
  EXPECT_EQ(byte_at(*object.value(), 1), 'x');
}

// The negative control: without the profile the same calls see the whole 64-bit file.
TEST_F(Wrap32Test, WithoutTheProfileNothingWraps) {
  auto s = open("");
  auto object = s->open(path("/big.bin"));
  ASSERT_TRUE(object.ok());
  EXPECT_EQ(object.value()->size(), kBigSize);
  EXPECT_EQ(byte_at(*object.value(), k4GiB + 5), 'B');
  EXPECT_EQ(byte_at(*object.value(), kBigSize - 1), 'E');
  EXPECT_EQ(s->stat(path("/big.bin"))->size, kBigSize);
  EXPECT_EQ(entry_size(*s->list(path("/")), "big.bin"), kBigSize);
}

TEST_F(Wrap32Test, FilesUnder4GiBAreUntouched) {
  auto s = open("wrap32");
  auto object = s->open(path("/small.bin"));
  ASSERT_TRUE(object.ok());
  EXPECT_EQ(object.value()->size(), 4097u);
  EXPECT_EQ(byte_at(*object.value(), 0), 'z');
  EXPECT_EQ(byte_at(*object.value(), 5), 'a');
  EXPECT_EQ(byte_at(*object.value(), 4096), 'd');
  EXPECT_EQ(s->stat(path("/small.bin"))->size, 4097u);
  auto upload = s->begin_resume(path("/small.bin"), 4000);
  ASSERT_TRUE(upload.ok());
  EXPECT_EQ(upload.value()->size(), 4000u);
}

}  // namespace
}  // namespace streamcheck::legacy
