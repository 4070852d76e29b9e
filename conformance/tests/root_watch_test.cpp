#include "conformance/root_watch.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <fstream>
#include <thread>

namespace streamcheck::conformance {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

class RootWatchTest : public ::testing::Test {
 protected:
  void SetUp() override {
    root_ = fs::temp_directory_path() /
            ("root-watch-" + std::to_string(::getpid()) + "-" +
             ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(root_);
    fs::create_directories(root_ / "dir");
    touch("dir/kept.bin");
  }
  void TearDown() override { fs::remove_all(root_); }
  void touch(const std::string& rel) { std::ofstream(root_ / rel) << "x"; }
  fs::path root_;
};

TEST_F(RootWatchTest, NamesANewHiddenFileDeepInTheTree) {
  const RootWatch watch(root_);
  fs::create_directories(root_ / ".staging" / "a");
  touch(".staging/a/.upload-1");
  EXPECT_EQ(watch.new_entries({}, 0ms), " .staging/a/.upload-1");
}

TEST_F(RootWatchTest, FilesThatWereThereAndExpectedNamesAndDirectoriesAreNotNew) {
  const RootWatch watch(root_);
  touch("dir/kept.bin");  // rewritten, same name
  touch("dir/new.bin");
  fs::create_directories(root_ / "empty-dir");
  EXPECT_EQ(watch.new_entries({"dir/new.bin"}, 0ms), "");
}

TEST_F(RootWatchTest, AnExpectedNameMayBeUnderADirectoryOfTheRoot) {
  const RootWatch watch(root_);
  fs::create_directories(root_ / "home" / "user" / "dir");
  touch("home/user/dir/new.bin");   // the FTP login directory is home/user
  touch("home/user/dir/xnew.bin");  // not "new.bin": the match is of whole names
  EXPECT_EQ(watch.new_entries({"dir/new.bin", "new.bin"}, 0ms), " home/user/dir/xnew.bin");
}

TEST_F(RootWatchTest, WaitsForAFileTheServerRemovesAMomentLater) {
  const RootWatch watch(root_);
  touch("dir/x.part");
  std::thread remover([&] {
    std::this_thread::sleep_for(100ms);
    fs::remove(root_ / "dir/x.part");
  });
  EXPECT_EQ(watch.new_entries({}, 30s), "");
  remover.join();
}

TEST_F(RootWatchTest, WithoutARootWatchesNothing) {
  const RootWatch watch(std::nullopt);
  EXPECT_FALSE(watch.watching());
  EXPECT_EQ(watch.new_entries({}, 0ms), "");
}

TEST(ListTree, ListsFilesRelativeToTheRoot) {
  const auto root = fs::temp_directory_path() / ("list-tree-" + std::to_string(::getpid()));
  fs::remove_all(root);
  fs::create_directories(root / "a" / "b");
  std::ofstream(root / "a" / "b" / ".c") << "x";
  std::ofstream(root / "top") << "x";
  EXPECT_EQ(list_tree(root), (std::set<std::string>{"a/b/.c", "top"}));
  fs::remove_all(root);
}

}  // namespace
}  // namespace streamcheck::conformance
