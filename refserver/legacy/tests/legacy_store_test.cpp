// The legacy profiles do what they claim: each defect is really there (so a harness
// that misses it is the harness's fault), and bytes still round-trip.
#include "refserver/legacy/legacy_store.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <string>

namespace streamcheck::legacy {
namespace {

namespace fs = std::filesystem;

size_t open_fds() {
  size_t n = 0;
  for ([[maybe_unused]] const auto& e : fs::directory_iterator("/proc/self/fd")) ++n;
  return n;
}

size_t deleted_fds() {
  size_t n = 0;
  for (const auto& e : fs::directory_iterator("/proc/self/fd")) {
    std::error_code ec;
    auto target = fs::read_symlink(e.path(), ec).string();
    if (target.ends_with(" (deleted)") && target.find("refserver-legacy-") != std::string::npos)
      ++n;
  }
  return n;
}

class LegacyStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char pattern[] = "/tmp/sc-legacy-XXXXXX";
    ASSERT_TRUE(::mkdtemp(pattern));
    root_ = pattern;
  }
  void TearDown() override { fs::remove_all(root_); }

  std::unique_ptr<store::Store> open(const std::string& profile) {
    auto inner = store::Store::open({root_, store::FsyncPolicy::never});
    EXPECT_TRUE(inner.ok()) << inner.status().to_string();
    return wrap_store(std::move(inner).value(), *LegacyProfile::parse(profile), "/tmp");
  }
  static store::ObjectPath path(const char* p) { return store::ObjectPath::parse(p).value(); }
  static std::span<const std::byte> bytes(const std::string& s) {
    return std::as_bytes(std::span(s.data(), s.size()));
  }
  std::string read(store::Store& s, const char* p) {
    auto object = s.open(path(p));
    if (!object) return "<" + object.status().to_string() + ">";
    std::string out(object.value()->size(), '\0');
    auto n = object.value()->read_at(0, std::as_writable_bytes(std::span(out.data(), out.size())));
    out.resize(n.ok() ? *n : 0);
    return out;
  }

  fs::path root_;
};

TEST_F(LegacyStoreTest, ParsesProfileLists) {
  auto p = LegacyProfile::parse("spool-upload,load-whole");
  ASSERT_TRUE(p);
  EXPECT_TRUE(p->spool_upload && p->load_whole && !p->buffer_upload);
  EXPECT_EQ(p->to_string(), "spool-upload,load-whole");
  EXPECT_FALSE(LegacyProfile::parse("spool-upload,nonsense"));
  EXPECT_FALSE(LegacyProfile::parse("")->any());
}

TEST_F(LegacyStoreTest, NoTransactionLeavesAPartialObjectOnAbort) {
  auto s = open("no-transaction");
  auto v1 = s->begin_upload(path("a.bin"));
  ASSERT_TRUE(v1.ok());
  ASSERT_TRUE(v1.value()->write(bytes("old version")).is_ok());
  ASSERT_TRUE(v1.value()->commit().ok());
  auto v2 = s->begin_upload(path("a.bin"));
  ASSERT_TRUE(v2.value()->write(bytes("par")).is_ok());
  v2.value()->abort();
  EXPECT_EQ(read(*s, "a.bin"), "par") << "the defect: the old version is lost, a partial stays";
}

TEST_F(LegacyStoreTest, SpoolUploadRoundTripsAndClosesItsTempFile) {
  auto s = open("spool-upload");
  size_t before = open_fds();
  auto up = s->begin_upload(path("b.bin"));
  ASSERT_TRUE(up.ok());
  ASSERT_TRUE(up.value()->write(bytes("hello ")).is_ok());
  EXPECT_EQ(deleted_fds(), 1u) << "the spool is an unlinked temp file";
  ASSERT_TRUE(up.value()->write(bytes("world")).is_ok());
  ASSERT_TRUE(up.value()->commit().ok());
  up.value().reset();
  EXPECT_EQ(read(*s, "b.bin"), "hello world");
  EXPECT_EQ(open_fds(), before);
}

TEST_F(LegacyStoreTest, LeakTempfileKeepsOneDeletedFilePerUpload) {
  auto s = open("leak-tempfile");
  size_t before = deleted_fds();
  for (int i = 0; i < 3; ++i) {
    auto up = s->begin_upload(path("c.bin"));
    ASSERT_TRUE(up.value()->write(bytes("x")).is_ok());
    ASSERT_TRUE(up.value()->commit().ok());
  }
  EXPECT_EQ(deleted_fds(), before + 3);
  EXPECT_EQ(read(*s, "c.bin"), "x");
}

TEST_F(LegacyStoreTest, SpoolDownloadServesACopyFromADeletedTempFile) {
  auto s = open("spool-download");
  auto up = s->begin_upload(path("d.bin"));
  ASSERT_TRUE(up.value()->write(bytes("download me")).is_ok());
  ASSERT_TRUE(up.value()->commit().ok());
  auto object = s->open(path("d.bin"));
  ASSERT_TRUE(object.ok());
  auto target = fs::read_symlink("/proc/self/fd/" + std::to_string(object.value()->fd())).string();
  EXPECT_TRUE(target.ends_with(" (deleted)")) << target;
  EXPECT_EQ(read(*s, "d.bin"), "download me");
}

TEST_F(LegacyStoreTest, BufferUploadAndLoadWholeStillRoundTrip) {
  auto s = open("buffer-upload,load-whole");
  auto up = s->begin_upload(path("e.bin"));
  ASSERT_TRUE(up.value()->write(bytes("in ")).is_ok());
  ASSERT_TRUE(up.value()->write(bytes("memory")).is_ok());
  ASSERT_TRUE(up.value()->commit().ok());
  EXPECT_EQ(read(*s, "e.bin"), "in memory");
}

}  // namespace
}  // namespace streamcheck::legacy
