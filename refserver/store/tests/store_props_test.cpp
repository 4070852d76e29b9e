// Dead properties (Store::read_props / write_props) on ext4 (/tmp here) and tmpfs
// (/dev/shm): one extended attribute per inode, so they follow the inode through
// rename, vanish with it, and a new version (an upload) starts without them.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "refserver/store/store.hpp"
#include "refserver/store/store_internal.hpp"
#include "refserver/store/tests/temp_store.hpp"

namespace streamcheck::store {
namespace {

namespace fs = std::filesystem;
using testing::path;
using testing::TempStore;

class StorePropsTest : public ::testing::TestWithParam<const char*> {
 protected:
  void SetUp() override {
    ASSERT_TRUE(temp_.ok()) << "no store under " << GetParam();
    std::ofstream(temp_.root() / "file.txt") << "hello";
    fs::create_directory(temp_.root() / "dir");
  }
  Store& store() { return temp_.store(); }
  // The attribute as the kernel holds it, read past the store.
  std::string host_xattr(const fs::path& p) {
    char value[256];
    const ssize_t n = ::getxattr(p.c_str(), kPropsXattr, value, sizeof value);
    return n < 0 ? std::string() : std::string(value, static_cast<size_t>(n));
  }
  void upload(std::string_view p, std::string_view bytes) {
    auto up = store().begin_upload(path(p));
    ASSERT_TRUE(up) << up.status().to_string();
    ASSERT_TRUE((*up)->write(std::as_bytes(std::span(bytes))));
    ASSERT_TRUE((*up)->commit());
  }

  TempStore temp_{GetParam()};
};

const std::string kBlob = "<D:prop xmlns:D=\"DAV:\"><x:color xmlns:x=\"urn:x\">red</x:color>";

TEST_P(StorePropsTest, SetReadReplaceRemoveOnFilesCollectionsAndTheRoot) {
  for (const char* p : {"/file.txt", "/dir", "/"}) {
    auto none = store().read_props(path(p));
    ASSERT_TRUE(none) << p << ": " << none.status().to_string();
    EXPECT_EQ(*none, "") << p;

    ASSERT_TRUE(store().write_props(path(p), kBlob)) << p;
    EXPECT_EQ(store().read_props(path(p)).value(), kBlob) << p;
    EXPECT_EQ(host_xattr(temp_.root() / path(p).relative()), kBlob) << p;

    const std::string replaced = std::string(1000, 'z') + std::string(1, '\0') + "binary";
    ASSERT_TRUE(store().write_props(path(p), replaced)) << p;
    EXPECT_EQ(store().read_props(path(p)).value(), replaced) << p;

    ASSERT_TRUE(store().write_props(path(p), "")) << p;
    EXPECT_EQ(store().read_props(path(p)).value(), "") << p;
    EXPECT_EQ(::getxattr((temp_.root() / path(p).relative()).c_str(), kPropsXattr, nullptr, 0), -1)
        << p << ": the attribute is removed, not left empty";
    EXPECT_TRUE(store().write_props(path(p), "")) << p << ": removing none is fine";
  }
}

TEST_P(StorePropsTest, MissingObjectsAndOtherKindsAreRefused) {
  EXPECT_EQ(store().read_props(path("/nothing")).status().code(), Errc::not_found);
  EXPECT_EQ(store().write_props(path("/nothing"), kBlob).code(), Errc::not_found);
  EXPECT_EQ(store().write_props(path("/nope/x"), kBlob).code(), Errc::not_found);
  ASSERT_EQ(::mkfifo((temp_.root() / "fifo").c_str(), 0644), 0);
  EXPECT_EQ(store().write_props(path("/fifo"), kBlob).code(), Errc::invalid_argument)
      << "a FIFO is refused, without blocking the open";
  EXPECT_EQ(store().read_props(path("/fifo")).status().code(), Errc::invalid_argument);
}

TEST_P(StorePropsTest, TheyMoveWithRenameAndGoWithRemove) {
  ASSERT_TRUE(store().write_props(path("/file.txt"), kBlob));
  ASSERT_TRUE(store().write_props(path("/dir"), "dir props"));
  ASSERT_TRUE(store().rename(path("/file.txt"), path("/dir/moved.txt")));
  EXPECT_EQ(store().read_props(path("/dir/moved.txt")).value(), kBlob);
  ASSERT_TRUE(store().rename(path("/dir"), path("/dir2")));
  EXPECT_EQ(store().read_props(path("/dir2")).value(), "dir props");
  EXPECT_EQ(store().read_props(path("/dir2/moved.txt")).value(), kBlob);

  ASSERT_TRUE(store().remove(path("/dir2/moved.txt")));
  upload("/dir2/moved.txt", "new version");
  EXPECT_EQ(store().read_props(path("/dir2/moved.txt")).value(), "")
      << "a new object under the old name starts without the old one's properties";
}

TEST_P(StorePropsTest, AnUploadOverAnObjectStartsWithout) {
  ASSERT_TRUE(store().write_props(path("/file.txt"), kBlob));
  upload("/file.txt", "replaced");
  EXPECT_EQ(store().read_props(path("/file.txt")).value(), "");
}

TEST_P(StorePropsTest, CopyFileCopiesThem) {
  ASSERT_TRUE(store().write_props(path("/file.txt"), kBlob));
  auto copied = store().copy_file(path("/file.txt"), path("/dir/copy.txt"), false);
  ASSERT_TRUE(copied) << copied.status().to_string();
  EXPECT_EQ(store().read_props(path("/dir/copy.txt")).value(), kBlob);
  EXPECT_EQ(store().read_props(path("/file.txt")).value(), kBlob) << "the source keeps its own";
  ASSERT_TRUE(store().write_props(path("/dir/copy.txt"), "changed"));
  EXPECT_EQ(store().read_props(path("/file.txt")).value(), kBlob) << "a copy, not a link";
}

TEST_P(StorePropsTest, TooBigIsNoSpaceWithAMessageThatSaysSo) {
  // 65537 bytes is over the kernel's limit for any filesystem (XATTR_SIZE_MAX, E2BIG).
  const std::string huge(65537, 'p');
  const Status st = store().write_props(path("/file.txt"), huge);
  EXPECT_EQ(st.code(), Errc::no_space) << st.to_string();
  EXPECT_NE(st.message().find("too big for one extended attribute"), std::string::npos)
      << st.message();
  EXPECT_NE(st.message().find("65537 bytes"), std::string::npos) << st.message();
  EXPECT_EQ(store().read_props(path("/file.txt")).value(), "") << "nothing half-written";
}

TEST(StorePropsExt4Test, MoreThanABlockIsRefusedOnExt4) {
  TempStore temp(testing::kExt4Dir);
  ASSERT_TRUE(temp.ok());
  std::ofstream(temp.root() / "f") << "x";
  // ext4 keeps one attribute value in the inode or one block (4 KiB here), unless the
  // ea_inode feature is on; either way 16 KiB is reported, never truncated.
  const std::string blob(16 * 1024, 'q');
  const Status st = temp.store().write_props(path("/f"), blob);
  if (st) {
    EXPECT_EQ(temp.store().read_props(path("/f")).value(), blob) << "ea_inode: kept whole";
  } else {
    EXPECT_EQ(st.code(), Errc::no_space) << st.to_string();
    EXPECT_NE(st.message().find("too big"), std::string::npos) << st.message();
  }
}

TEST(StorePropsUnsupportedTest, AFilesystemWithoutUserXattrsIsNotSupported) {
  // procfs keeps no user extended attributes (EOPNOTSUPP): what a store root on such a
  // filesystem meets. Through the fd-level calls, as a store cannot be rooted in /proc.
  const int fd = ::open("/proc/version", O_RDONLY | O_CLOEXEC);
  ASSERT_GE(fd, 0);
  const Status st = detail::write_props_fd(fd, kBlob, "/proc/version");
  EXPECT_EQ(st.code(), Errc::not_supported) << st.to_string();
  EXPECT_NE(st.message().find("does not support user extended attributes"), std::string::npos)
      << st.message();
  auto read = detail::read_props_fd(fd, "/proc/version");
  ASSERT_TRUE(read) << read.status().to_string();
  EXPECT_EQ(*read, "") << "nothing can have been stored there";
  EXPECT_TRUE(detail::write_props_fd(fd, "", "/proc/version")) << "removing none is fine";
  ::close(fd);
}

INSTANTIATE_TEST_SUITE_P(Filesystems, StorePropsTest,
                         ::testing::Values(testing::kExt4Dir, testing::kTmpfsDir),
                         testing::filesystem_name);

}  // namespace
}  // namespace streamcheck::store
