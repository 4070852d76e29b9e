// Store::set_mtime against a real filesystem: the time a mirror tool (FTP MFMT) sets
// is the one stat, list and the ETag then show, and only plain files beneath the root
// take one.
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

#include "refserver/store/store.hpp"

namespace streamcheck::store {
namespace {

namespace fs = std::filesystem;

class StoreMtimeTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string templ = "/tmp/sc-store-mtime-XXXXXX";
    ASSERT_NE(::mkdtemp(templ.data()), nullptr);
    root_ = templ;
    auto opened = Store::open({root_, FsyncPolicy::never});
    ASSERT_TRUE(opened) << opened.status().message();
    store_ = std::move(opened).value();
    std::ofstream(root_ / "file.txt") << "hello";
    fs::create_directory(root_ / "dir");
  }
  void TearDown() override {
    store_.reset();
    fs::remove_all(root_);
  }

  static ObjectPath path(std::string_view p) { return ObjectPath::parse(p).value(); }
  struct stat host_stat(const fs::path& p) {
    struct stat st {};
    EXPECT_EQ(::stat(p.c_str(), &st), 0) << p;
    return st;
  }

  fs::path root_;
  std::unique_ptr<Store> store_;
};

// 2020-01-02 03:04:05.678 UTC
constexpr timespec kTime{1577934245, 678'000'000};

TEST_F(StoreMtimeTest, SetsTheTimeStatAndListThenShow) {
  const struct stat before = host_stat(root_ / "file.txt");
  auto set = store_->set_mtime(path("/file.txt"), kTime);
  ASSERT_TRUE(set) << set.status().to_string();
  EXPECT_EQ(set->name, "file.txt");
  EXPECT_EQ(set->type, EntryType::file);
  EXPECT_EQ(set->size, 5u);
  EXPECT_EQ(set->mtime.tv_sec, kTime.tv_sec);
  EXPECT_EQ(set->mtime.tv_nsec, kTime.tv_nsec);  // tmpfs and ext4 keep nanoseconds

  auto entry = store_->stat(path("/file.txt"));
  ASSERT_TRUE(entry);
  EXPECT_EQ(entry->mtime.tv_sec, kTime.tv_sec);
  auto listed = store_->list(path("/"));
  ASSERT_TRUE(listed);
  ASSERT_FALSE(listed->empty());
  EXPECT_EQ(listed->front().name, "dir");
  EXPECT_EQ(listed->back().mtime.tv_sec, kTime.tv_sec);

  const struct stat after = host_stat(root_ / "file.txt");
  EXPECT_EQ(after.st_mtim.tv_sec, kTime.tv_sec);
  EXPECT_EQ(after.st_atim.tv_sec, before.st_atim.tv_sec) << "the access time is left alone";
  EXPECT_EQ(after.st_atim.tv_nsec, before.st_atim.tv_nsec);
  EXPECT_EQ(after.st_ino, before.st_ino) << "the same inode, not a new version";
}

TEST_F(StoreMtimeTest, TheEtagChangesButAnOpenObjectKeepsItsOwn) {
  auto old_object = store_->open(path("/file.txt"));
  ASSERT_TRUE(old_object);
  const std::string old_etag = (*old_object)->etag();
  ASSERT_TRUE(store_->set_mtime(path("/file.txt"), kTime));
  auto new_object = store_->open(path("/file.txt"));
  ASSERT_TRUE(new_object);
  EXPECT_NE((*new_object)->etag(), old_etag);
  EXPECT_EQ((*new_object)->mtime().tv_sec, kTime.tv_sec);
  EXPECT_EQ((*old_object)->etag(), old_etag);
}

TEST_F(StoreMtimeTest, TimesBefore1970AndFarAheadAreKept) {
  for (const timespec t : {timespec{-86400, 0}, timespec{4102444800, 0}}) {  // 1969, 2100
    auto set = store_->set_mtime(path("/file.txt"), t);
    ASSERT_TRUE(set) << t.tv_sec << ": " << set.status().to_string();
    EXPECT_EQ(set->mtime.tv_sec, t.tv_sec);
  }
}

TEST_F(StoreMtimeTest, OnlyPlainFilesTakeATime) {
  EXPECT_EQ(store_->set_mtime(path("/dir"), kTime).status().code(), Errc::is_a_directory);
  EXPECT_EQ(store_->set_mtime(path("/"), kTime).status().code(), Errc::is_a_directory);
  EXPECT_EQ(store_->set_mtime(path("/missing"), kTime).status().code(), Errc::not_found);
  EXPECT_EQ(store_->set_mtime(path("/missing/x"), kTime).status().code(), Errc::not_found);
  EXPECT_EQ(store_->set_mtime(path("/file.txt/x"), kTime).status().code(), Errc::not_a_directory);
  ASSERT_EQ(::mkfifo((root_ / "fifo").c_str(), 0600), 0);
  EXPECT_EQ(store_->set_mtime(path("/fifo"), kTime).status().code(), Errc::invalid_argument);
  EXPECT_NE(host_stat(root_ / "dir").st_mtim.tv_sec, kTime.tv_sec);
}

TEST_F(StoreMtimeTest, RefusesUtimensatsSpecialValues) {
  for (long ns : {long{UTIME_NOW}, long{UTIME_OMIT}, -1L, 1'000'000'000L}) {
    EXPECT_EQ(store_->set_mtime(path("/file.txt"), timespec{kTime.tv_sec, ns}).status().code(),
              Errc::invalid_argument)
        << ns;
  }
  EXPECT_NE(host_stat(root_ / "file.txt").st_mtim.tv_sec, kTime.tv_sec);
}

TEST_F(StoreMtimeTest, SymlinksAreFollowedOnlyBeneathTheRoot) {
  fs::create_symlink("file.txt", root_ / "inside");
  auto set = store_->set_mtime(path("/inside"), kTime);
  ASSERT_TRUE(set) << set.status().to_string();
  EXPECT_EQ(host_stat(root_ / "file.txt").st_mtim.tv_sec, kTime.tv_sec);

  const fs::path outside = root_.string() + "-outside";
  std::ofstream(outside) << "not ours";
  const time_t outside_mtime = host_stat(outside).st_mtim.tv_sec;
  fs::create_symlink(outside, root_ / "out");
  EXPECT_EQ(store_->set_mtime(path("/out"), kTime).status().code(), Errc::escapes_root);
  EXPECT_EQ(host_stat(outside).st_mtim.tv_sec, outside_mtime);
  fs::remove(outside);
}

}  // namespace
}  // namespace streamcheck::store
