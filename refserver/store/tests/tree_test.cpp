// remove_tree and copy_tree (WebDAV DELETE and COPY of collections) on a real tree of
// a few levels with files of a few MiB: members that fail are reported and the rest is
// done; a collection is never copied into itself; a stop request ends a copy.
#include "refserver/store/tree.hpp"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <stop_token>
#include <string>
#include <vector>

#include "refserver/store/tests/temp_store.hpp"

namespace streamcheck::store {
namespace {

namespace fs = std::filesystem;
using testing::has_pattern;
using testing::kMiB;
using testing::path;
using testing::TempStore;
using testing::write_pattern;

// /t/{a.bin, b/{c.bin, d/{e.bin, f/}}}, sizes a few MiB, each with its own seed.
struct TreeFile {
  const char* path;
  uint64_t size;
  unsigned seed;
};
constexpr TreeFile kFiles[] = {{"a.bin", 3 * kMiB, 1},
                               {"b/c.bin", 2 * kMiB + 5, 2},
                               {"b/d/e.bin", 4 * kMiB - 1, 3},
                               {"b/d/g.txt", 0, 4}};

class TreeTest : public ::testing::TestWithParam<const char*> {
 protected:
  void SetUp() override {
    ASSERT_TRUE(temp_.ok());
    fs::create_directories(temp_.root() / "t/b/d/f");
    for (const TreeFile& f : kFiles) write_pattern(temp_.root() / "t" / f.path, f.size, f.seed);
    ASSERT_TRUE(store().write_props(path("/t"), "props of t"));
    ASSERT_TRUE(store().write_props(path("/t/b/d"), "props of d"));
    ASSERT_TRUE(store().write_props(path("/t/b/c.bin"), "props of c"));
  }
  Store& store() { return temp_.store(); }
  fs::path host(std::string_view p) { return temp_.root() / path(p).relative(); }
  void expect_tree_at(std::string_view dir) {
    for (const TreeFile& f : kFiles) {
      EXPECT_TRUE(has_pattern(host(dir) / f.path, f.size, f.seed)) << dir << "/" << f.path;
    }
    EXPECT_TRUE(fs::is_directory(host(dir) / "b/d/f"));
    const std::string d(dir);
    EXPECT_EQ(store().read_props(path(d)).value(), "props of t");
    EXPECT_EQ(store().read_props(path(d + "/b/d")).value(), "props of d");
    EXPECT_EQ(store().read_props(path(d + "/b/c.bin")).value(), "props of c");
    EXPECT_EQ(store().read_props(path(d + "/b")).value(), "");
  }

  TempStore temp_{GetParam()};
  std::vector<MemberFailure> failures_;
};

TEST_P(TreeTest, CopyInfinityCopiesEveryMemberAndTheirProperties) {
  ASSERT_TRUE(store().make_dir(path("/into")));
  const Status st = copy_tree(store(), path("/t"), path("/into/t2"), true, failures_);
  ASSERT_TRUE(st) << st.to_string();
  EXPECT_TRUE(failures_.empty());
  expect_tree_at("/into/t2");
  expect_tree_at("/t");  // the source is left alone
  EXPECT_EQ(temp_.staged(), 0u);
}

TEST_P(TreeTest, CopyDepthZeroMakesTheCollectionAlone) {
  const Status st = copy_tree(store(), path("/t"), path("/t0"), false, failures_);
  ASSERT_TRUE(st) << st.to_string();
  EXPECT_TRUE(fs::is_directory(host("/t0")));
  EXPECT_TRUE(fs::is_empty(host("/t0")));
  EXPECT_EQ(store().read_props(path("/t0")).value(), "props of t");
}

TEST_P(TreeTest, CopyOfAFileIsCopyFile) {
  ASSERT_TRUE(copy_tree(store(), path("/t/b/c.bin"), path("/c2.bin"), true, failures_));
  EXPECT_TRUE(has_pattern(host("/c2.bin"), 2 * kMiB + 5, 2));
  EXPECT_EQ(store().read_props(path("/c2.bin")).value(), "props of c");
  EXPECT_EQ(copy_tree(store(), path("/t/a.bin"), path("/c2.bin"), true, failures_).code(),
            Errc::already_exists)
      << "the caller deletes an existing target first";
}

TEST_P(TreeTest, AFailingMemberIsReportedAndTheRestIsCopied) {
  // A FIFO: open() refuses it (invalid_argument) whoever runs the test, root included.
  ASSERT_EQ(::mkfifo(host("/t/b/d/pipe").c_str(), 0644), 0);
  const Status st = copy_tree(store(), path("/t"), path("/t2"), true, failures_);
  EXPECT_FALSE(st);
  EXPECT_NE(st.message().find("1 member(s) failed"), std::string::npos) << st.to_string();
  ASSERT_EQ(failures_.size(), 1u);
  EXPECT_EQ(failures_[0].path, path("/t/b/d/pipe"));
  EXPECT_EQ(failures_[0].status.code(), Errc::invalid_argument) << failures_[0].status.to_string();
  expect_tree_at("/t2");
  EXPECT_FALSE(fs::exists(host("/t2/b/d/pipe")));
}

TEST_P(TreeTest, ACollectionIsNeverCopiedIntoItself) {
  for (const char* to : {"/t", "/t/b/inside", "/t/new"}) {
    const Status st = copy_tree(store(), path("/t"), path(to), true, failures_);
    EXPECT_EQ(st.code(), Errc::invalid_argument) << to << ": " << st.to_string();
  }
  EXPECT_EQ(copy_tree(store(), path("/"), path("/x"), true, failures_).code(),
            Errc::invalid_argument);
  EXPECT_FALSE(fs::exists(host("/t/new")));
  EXPECT_FALSE(fs::exists(host("/x")));
  EXPECT_TRUE(failures_.empty());
  // A sibling whose name starts alike is not inside.
  EXPECT_TRUE(copy_tree(store(), path("/t"), path("/t-sibling"), false, failures_));
}

TEST_P(TreeTest, CopyErrorsOfTheRequestItself) {
  EXPECT_EQ(copy_tree(store(), path("/missing"), path("/x"), true, failures_).code(),
            Errc::not_found);
  EXPECT_EQ(copy_tree(store(), path("/t"), path("/nope/x"), true, failures_).code(),
            Errc::parent_missing);
  ASSERT_TRUE(store().make_dir(path("/taken")));
  EXPECT_EQ(copy_tree(store(), path("/t"), path("/taken"), true, failures_).code(),
            Errc::already_exists);
  EXPECT_TRUE(failures_.empty());
}

TEST_P(TreeTest, AStopRequestEndsTheCopy) {
  std::stop_source stop;
  stop.request_stop();
  const Status st = copy_tree(store(), path("/t"), path("/t2"), true, failures_, stop.get_token());
  EXPECT_EQ(st.code(), Errc::bad_state);
  EXPECT_NE(st.message().find("copy cancelled"), std::string::npos);
  EXPECT_FALSE(fs::exists(host("/t2")));

  EXPECT_EQ(temp_.staged(), 0u);
}

TEST_P(TreeTest, RemoveTreeLeavesNothing) {
  ASSERT_TRUE(remove_tree(store(), path("/t"), failures_));
  EXPECT_TRUE(failures_.empty());
  EXPECT_FALSE(fs::exists(host("/t")));
  EXPECT_EQ(remove_tree(store(), path("/t"), failures_).code(), Errc::not_found);
  EXPECT_EQ(remove_tree(store(), path("/"), failures_).code(), Errc::permission_denied);
  EXPECT_TRUE(fs::exists(temp_.root())) << "the root stays";
}

// MKCOL (MKD) makes a tree one level at a time, to any depth a path reaches: DELETE must
// take it all, past the kMaxTreeDepth that stops a copy's link loops.
TEST_P(TreeTest, RemoveTreeTakesAThousandLevels) {
  // Made with mkdirat one level at a time, as a server would: the host path of the bottom
  // is longer than PATH_MAX.
  int made = 0;
  int fd = ::open(temp_.root().c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  for (const char* name = "deep"; fd >= 0 && made < 1001; name = "d") {
    if (::mkdirat(fd, name, 0755) != 0) break;
    ++made;
    const int next = ::openat(fd, name, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    ::close(fd);
    fd = next;
  }
  if (fd >= 0) ::close(fd);
  ASSERT_EQ(made, 1001) << "levels made: /deep and 1000 below it";
  ASSERT_TRUE(remove_tree(store(), path("/deep"), failures_));
  EXPECT_TRUE(failures_.empty());
  EXPECT_FALSE(fs::exists(host("/deep")));
}

TEST_P(TreeTest, RemoveTreeOfAFileIsRemove) {
  ASSERT_TRUE(remove_tree(store(), path("/t/a.bin"), failures_));
  EXPECT_FALSE(fs::exists(host("/t/a.bin")));
  EXPECT_TRUE(fs::exists(host("/t/b/c.bin")));
}

TEST_P(TreeTest, RemoveTreeNeverFollowsASymlink) {
  fs::create_directories(host("/keep/inner"));
  write_pattern(host("/keep/inner/k.bin"), 1000, 9);
  fs::create_directory_symlink("../../keep", host("/t/b/link"));
  ASSERT_TRUE(remove_tree(store(), path("/t"), failures_));
  EXPECT_FALSE(fs::exists(host("/t")));
  EXPECT_TRUE(has_pattern(host("/keep/inner/k.bin"), 1000, 9)) << "the link's target is kept";
}

TEST_P(TreeTest, RemoveTreeReportsAMemberItCannotRemoveAndKeepsItsAncestors) {
  // A name no client can address (a control byte) is not listed, so it is not removed:
  // its collection stays not empty, and so do its ancestors; the rest goes.
  std::ofstream(host("/t/b/d") / "bad\x01name") << "x";
  const Status st = remove_tree(store(), path("/t"), failures_);
  EXPECT_FALSE(st);
  ASSERT_EQ(failures_.size(), 1u) << st.to_string();
  EXPECT_EQ(failures_[0].path, path("/t/b/d"));
  EXPECT_EQ(failures_[0].status.code(), Errc::directory_not_empty);
  EXPECT_FALSE(fs::exists(host("/t/a.bin")));
  EXPECT_FALSE(fs::exists(host("/t/b/c.bin")));
  EXPECT_FALSE(fs::exists(host("/t/b/d/e.bin")));
  EXPECT_FALSE(fs::exists(host("/t/b/d/f")));
  EXPECT_TRUE(fs::exists(host("/t/b/d")));
}

INSTANTIATE_TEST_SUITE_P(Filesystems, TreeTest,
                         ::testing::Values(testing::kExt4Dir, testing::kTmpfsDir),
                         testing::filesystem_name);

}  // namespace
}  // namespace streamcheck::store
