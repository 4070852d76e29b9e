// The legacy profiles do what they claim: each defect is really there (so a harness
// that misses it is the harness's fault), and bytes still round-trip.
#include "refserver/legacy/legacy_store.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
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
  auto q = LegacyProfile::parse("escape-root,flip-byte,require-length");
  ASSERT_TRUE(q);
  EXPECT_TRUE(q->flip_byte && q->require_length && q->escape_root && !q->no_transaction);
  EXPECT_EQ(q->to_string(), "flip-byte,require-length,escape-root");
  for (const char* name : {"flip-byte", "require-length", "escape-root"}) {
    EXPECT_TRUE(LegacyProfile::parse(name)->any()) << name;
    EXPECT_NE(LegacyProfile::kNames.find(name), std::string_view::npos) << name;
  }
}

TEST_F(LegacyStoreTest, SetMtimeReachesTheStore) {
  std::ofstream(root_ / "m.txt") << "m";
  auto s = open("spool-upload,load-whole");
  auto set = s->set_mtime(path("m.txt"), {1577934245, 0});
  ASSERT_TRUE(set.ok()) << set.status().to_string();
  EXPECT_EQ(s->stat(path("m.txt"))->mtime.tv_sec, 1577934245);
  EXPECT_EQ(s->set_mtime(path("nothing"), {0, 0}).status().code(), store::Errc::not_found);
}

TEST_F(LegacyStoreTest, WebDavCallsReachTheStore) {
  std::ofstream(root_ / "a.txt") << "dav";
  auto s = open("spool-upload,load-whole,escape-root");
  ASSERT_TRUE(s->write_props(path("/a.txt"), "<props/>"));
  EXPECT_EQ(s->read_props(path("/a.txt")).value(), "<props/>");
  auto copied = s->copy_file(path("/a.txt"), path("/b.txt"), false);
  ASSERT_TRUE(copied.ok()) << copied.status().to_string();
  EXPECT_TRUE(copied->created);
  EXPECT_EQ(read(*s, "/b.txt"), "dav");
  EXPECT_EQ(s->read_props(path("/b.txt")).value(), "<props/>");
  EXPECT_EQ(s->rename(path("/a.txt"), path("/b.txt"), false).code(), store::Errc::already_exists);
  EXPECT_TRUE(fs::exists(root_ / "a.txt"));

  std::ofstream(root_.parent_path() / (root_.filename().string() + "-beside")) << "outside";
  auto beside = *s->parse_path("/../" + root_.filename().string() + "-beside");
  EXPECT_EQ(s->copy_file(beside, path("/c.txt"), true).status().code(), store::Errc::escapes_root);
  EXPECT_EQ(s->copy_file(path("/a.txt"), beside, true).status().code(), store::Errc::escapes_root);
  EXPECT_EQ(s->write_props(beside, "x").code(), store::Errc::escapes_root);
  EXPECT_EQ(s->read_props(beside).status().code(), store::Errc::escapes_root);
  EXPECT_EQ(read(*s, "/c.txt").substr(0, 10), "<not_found");
  fs::remove(root_.parent_path() / (root_.filename().string() + "-beside"));
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

// Bytes 0, 1, 2, ... (mod 251), so that a moved or flipped byte shows where it is.
std::string pattern(size_t n) {
  std::string out(n, '\0');
  for (size_t i = 0; i < n; ++i) out[i] = static_cast<char>(i % 251);
  return out;
}

// Writes `content` through `upload` in pieces of `piece` bytes and commits it.
store::Result<store::CommitInfo> write_in_pieces(store::Upload& upload, const std::string& content,
                                                 size_t piece) {
  for (size_t at = 0; at < content.size(); at += piece) {
    auto part = std::string_view(content).substr(at, piece);
    if (auto st = upload.write(std::as_bytes(std::span(part.data(), part.size()))); !st) return st;
  }
  return upload.commit();
}

TEST_F(LegacyStoreTest, FlipByteInvertsTheByteAt64KiBWhereverTheWritesSplit) {
  auto s = open("flip-byte");
  const std::string sent = pattern(64 * 1024 + 1000);
  for (size_t piece : {size_t{1000}, size_t{4096}, size_t{65536}, size_t{1}, sent.size()}) {
    auto up = s->begin_upload(path("f.bin"));
    ASSERT_TRUE(up.ok());
    auto info = write_in_pieces(**up, sent, piece);
    ASSERT_TRUE(info.ok()) << info.status().to_string();
    EXPECT_EQ(info->size, sent.size()) << "the size stays right";
    std::string expected = sent;
    expected[65536] = static_cast<char>(expected[65536] ^ 0xff);
    const std::string got = read(*s, "f.bin");
    ASSERT_EQ(got.size(), sent.size()) << "pieces of " << piece;
    EXPECT_EQ(got, expected) << "pieces of " << piece;
    EXPECT_NE(got[65536], sent[65536]);
  }
}

TEST_F(LegacyStoreTest, FlipByteLeavesShorterUploadsAndOtherProfilesAlone) {
  auto s = open("flip-byte");
  const std::string exactly = pattern(64 * 1024);
  auto up = s->begin_upload(path("short.bin"));
  ASSERT_TRUE(write_in_pieces(**up, exactly, 10000).ok());
  EXPECT_EQ(read(*s, "short.bin"), exactly) << "65536 bytes have no byte at offset 65536";

  auto plain = open("spool-upload");
  const std::string longer = pattern(64 * 1024 + 1);
  auto up2 = plain->begin_upload(path("long.bin"));
  ASSERT_TRUE(write_in_pieces(**up2, longer, 10000).ok());
  EXPECT_EQ(read(*plain, "long.bin"), longer);
}

TEST_F(LegacyStoreTest, FlipByteCountsTheClientsBytesOfAnAppend) {
  auto s = open("flip-byte");
  const std::string prefix = "kept prefix";
  auto v1 = s->begin_upload(path("g.bin"));
  ASSERT_TRUE(write_in_pieces(**v1, prefix, 100).ok());
  const std::string appended = pattern(64 * 1024 + 10);
  auto v2 = s->begin_append(path("g.bin"));
  ASSERT_TRUE(v2.ok());
  ASSERT_TRUE(write_in_pieces(**v2, appended, 3000).ok());
  std::string expected = prefix + appended;
  expected[prefix.size() + 65536] = static_cast<char>(expected[prefix.size() + 65536] ^ 0xff);
  EXPECT_EQ(read(*s, "g.bin"), expected);
}

TEST_F(LegacyStoreTest, RequireLengthRefusesUploadsWhoseLengthWasNotAnnounced) {
  auto s = open("require-length");
  const store::UploadOptions unknown{};
  const store::UploadOptions announced{.length_announced = true};
  for (auto begin : {
           +[](store::Store&st, const store::UploadOptions&o) {
             return st.begin_upload(path("h.bin"), o);
           },
           +[](store::Store&st, const store::UploadOptions&o) {
             return st.begin_append(path("h.bin"), o);
           },
           +[](store::Store&st, const store::UploadOptions&o) {
             return st.begin_resume(path("h.bin"), 0, o);
           },
       }) {
    auto refused = begin(*s, unknown);
    ASSERT_FALSE(refused.ok());
    EXPECT_EQ(refused.status().code(), store::Errc::length_required);
    EXPECT_TRUE(refused.status().message().starts_with("length required: "))
        << refused.status().message();
    auto taken = begin(*s, announced);
    ASSERT_TRUE(taken.ok()) << taken.status().to_string();
    ASSERT_TRUE(write_in_pieces(**taken, "abc", 2).ok());
  }
  EXPECT_EQ(read(*s, "h.bin"), "abc");
  EXPECT_TRUE(open("spool-upload")->begin_upload(path("i.bin"), unknown).ok())
      << "without the profile a length is never needed";
}

// escape-root needs a directory beside the root: the store's root is a subdirectory.
class EscapeRootTest : public LegacyStoreTest {
 protected:
  void SetUp() override {
    LegacyStoreTest::SetUp();
    outer_ = root_;
    root_ = outer_ / "root";
    fs::create_directory(root_);
    std::ofstream(outer_ / "beside.txt") << "planted beside the root";
  }
  void TearDown() override { fs::remove_all(outer_); }
  static std::string read_object(store::Store& s, const store::ObjectPath& p) {
    auto object = s.open(p);
    if (!object) return "<" + object.status().to_string() + ">";
    std::string out(object.value()->size(), '\0');
    auto n = object.value()->read_at(0, std::as_writable_bytes(std::span(out.data(), out.size())));
    out.resize(n.ok() ? *n : 0);
    return out;
  }

  fs::path outer_;
};

TEST_F(EscapeRootTest, DotDotOneLevelUpReadsTheFileBesideTheRoot) {
  auto s = open("escape-root");
  // As HTTP gives it (the decoded target) and as FTP does (joined with the cwd "/").
  for (const char* client : {"/../beside.txt", "//../beside.txt", "/a/../../beside.txt"}) {
    auto p = s->parse_path(client);
    ASSERT_TRUE(p.ok()) << client << ": " << p.status().to_string();
    EXPECT_EQ(p->absolute(), "/../beside.txt");
    EXPECT_EQ(read_object(*s, *p), "planted beside the root") << client;
    auto entry = s->stat(*p);
    ASSERT_TRUE(entry.ok()) << entry.status().to_string();
    EXPECT_EQ(entry->type, store::EntryType::file);
    EXPECT_EQ(entry->size, std::string("planted beside the root").size());
  }
  EXPECT_EQ(s->parse_path("/dir/x")->relative(), "dir/x") << "other paths as ever";
}

TEST_F(EscapeRootTest, NoMoreThanOneLevelAndNoWrites) {
  auto s = open("escape-root");
  for (const char* client : {"/../../beside.txt", "/..", "/../", "/../a/../../x", "/../\x01"}) {
    auto p = s->parse_path(client);
    EXPECT_FALSE(p.ok()) << client << " -> " << (p ? p->absolute() : "");
    if (!p) {
      EXPECT_EQ(p.status().code(), store::Errc::invalid_path) << client;
    }
  }
  auto beside = *s->parse_path("/../beside.txt");
  EXPECT_EQ(s->begin_upload(beside, {.length_announced = true}).status().code(),
            store::Errc::escapes_root);
  EXPECT_EQ(s->begin_append(beside).status().code(), store::Errc::escapes_root);
  EXPECT_EQ(s->remove(beside).code(), store::Errc::escapes_root);
  EXPECT_EQ(s->rename(beside, path("moved.txt")).code(), store::Errc::escapes_root);
  EXPECT_EQ(s->make_dir(*s->parse_path("/../newdir")).code(), store::Errc::escapes_root);
  const auto beside_time = fs::last_write_time(outer_ / "beside.txt");
  EXPECT_EQ(s->set_mtime(beside, {1577934245, 0}).status().code(), store::Errc::escapes_root);
  EXPECT_EQ(fs::last_write_time(outer_ / "beside.txt"), beside_time);
  EXPECT_FALSE(fs::exists(outer_ / "newdir"));
  EXPECT_EQ(read_object(*s, beside), "planted beside the root");
}

TEST_F(EscapeRootTest, TheStoreItselfRefusesThePathAndParsesNone) {
  auto plain = open("spool-upload");
  EXPECT_EQ(plain->parse_path("/../beside.txt").status().code(), store::Errc::invalid_path)
      << "only escape-root parses a path above the root";
  auto beside = *open("escape-root")->parse_path("/../beside.txt");
  auto inner = store::Store::open({root_, store::FsyncPolicy::never});
  ASSERT_TRUE(inner.ok());
  // Handed such a path anyway, the store's openat2(RESOLVE_BENEATH) refuses it.
  EXPECT_EQ((*inner)->open(beside).status().code(), store::Errc::escapes_root);
  EXPECT_EQ((*inner)->stat(beside).status().code(), store::Errc::escapes_root);
  EXPECT_EQ((*inner)->begin_upload(beside).status().code(), store::Errc::escapes_root);
  EXPECT_EQ((*inner)->remove(beside).code(), store::Errc::escapes_root);
  EXPECT_EQ(read_object(*plain, beside).substr(0, 14), "<escapes_root:")
      << "a wrapper without escape-root opens through the store";
}

}  // namespace
}  // namespace streamcheck::legacy
