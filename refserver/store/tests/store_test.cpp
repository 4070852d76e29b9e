// The store against a real filesystem: every test makes its own temp root under /tmp
// (disk, not tmpfs) with mkdtemp and removes it afterwards.
#include "refserver/store/store.hpp"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <openssl/evp.h>
#include <openssl/sha.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <latch>
#include <memory>
#include <set>
#include <string>
#include <thread>
#include <vector>

namespace streamcheck::store {
namespace {

namespace fs = std::filesystem;
constexpr uint64_t kKiB = 1024;
constexpr uint64_t kMiB = 1024 * 1024;

// ---- helpers -----------------------------------------------------------------------

// A fresh directory under /tmp, removed with everything in it when destroyed.
class TempDir {
 public:
  TempDir() {
    std::string templ = "/tmp/sc-store-test-XXXXXX";
    if (::mkdtemp(templ.data()) == nullptr) {
      ADD_FAILURE() << "mkdtemp: " << std::strerror(errno);
      return;
    }
    path_ = templ;
  }
  ~TempDir() {
    std::error_code ec;
    if (!path_.empty()) fs::remove_all(path_, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const fs::path& path() const { return path_; }

 private:
  fs::path path_;
};

uint64_t mix64(uint64_t x) {  // splitmix64's finalizer
  x += 0x9e3779b97f4a7c15ULL;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}

// Deterministic payload: byte `pos` of stream `seed`, generated piece by piece so no
// test ever holds a whole large payload.
void fill_payload(uint64_t seed, uint64_t offset, std::span<std::byte> out) {
  size_t i = 0;
  while (i < out.size()) {
    const uint64_t pos = offset + i;
    const uint64_t word = mix64(seed * 0x100000001b3ULL + pos / 8);
    for (size_t k = pos % 8; k < 8 && i < out.size(); ++k, ++i) {
      out[i] = static_cast<std::byte>(word >> (8 * k));
    }
  }
}

// SHA-256 computed here, independently of the store's own hashing.
class Sha256 {
 public:
  Sha256() : ctx_(EVP_MD_CTX_new(), &EVP_MD_CTX_free) {
    EVP_DigestInit_ex(ctx_.get(), EVP_sha256(), nullptr);
  }
  void update(std::span<const std::byte> data) {
    EVP_DigestUpdate(ctx_.get(), data.data(), data.size());
  }
  std::string hex() {
    unsigned char digest[EVP_MAX_MD_SIZE];
    unsigned int n = 0;
    EVP_DigestFinal_ex(ctx_.get(), digest, &n);
    return to_hex(digest, n);
  }
  static std::string to_hex(const unsigned char* digest, size_t n) {
    static constexpr char kHex[] = "0123456789abcdef";
    std::string out;
    for (size_t i = 0; i < n; ++i) {
      out.push_back(kHex[digest[i] >> 4]);
      out.push_back(kHex[digest[i] & 0xf]);
    }
    return out;
  }

 private:
  std::unique_ptr<EVP_MD_CTX, void (*)(EVP_MD_CTX*)> ctx_;
};

std::string sha256_of(std::string_view text) {  // one-shot
  unsigned char digest[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char*>(text.data()), text.size(), digest);
  return Sha256::to_hex(digest, sizeof digest);
}

// Hash of bytes [offset, offset + size) of payload `seed`, generated in 1 MiB chunks.
void hash_payload(Sha256& sha, uint64_t seed, uint64_t offset, uint64_t size) {
  std::vector<std::byte> chunk(kMiB);
  for (uint64_t done = 0; done < size;) {
    const size_t n = static_cast<size_t>(std::min<uint64_t>(chunk.size(), size - done));
    fill_payload(seed, offset + done, std::span(chunk.data(), n));
    sha.update(std::span(chunk.data(), n));
    done += n;
  }
}
std::string payload_sha(uint64_t seed, uint64_t size) {
  Sha256 sha;
  hash_payload(sha, seed, 0, size);
  return sha.hex();
}

// Writes bytes [offset, offset + size) of payload `seed`, in pieces of varying sizes
// (1 byte up to a little over 1 MiB) through one reused buffer.
Status write_payload(Upload& upload, uint64_t seed, uint64_t offset, uint64_t size) {
  static constexpr std::array<size_t, 7> kPieces = {65536, 1, 4095, 65537, 1048576 + 3, 7, 262144};
  std::vector<std::byte> buffer(*std::max_element(kPieces.begin(), kPieces.end()));
  size_t turn = 0;
  for (uint64_t done = 0; done < size; ++turn) {
    const size_t n =
        static_cast<size_t>(std::min<uint64_t>(kPieces[turn % kPieces.size()], size - done));
    fill_payload(seed, offset + done, std::span(buffer.data(), n));
    if (Status st = upload.write(std::span(buffer.data(), n)); !st) return st;
    done += n;
  }
  return Status::ok();
}

std::span<const std::byte> bytes_of(std::string_view text) {
  return std::as_bytes(std::span(text.data(), text.size()));
}

ObjectPath P(std::string_view client_path) {
  auto path = ObjectPath::parse(client_path);
  EXPECT_TRUE(path.ok()) << path.status().to_string();
  return path ? *path : ObjectPath::root();
}

struct ReadBack {
  uint64_t bytes = 0;
  std::string sha256;
};
// Reads an Object from `offset` to its end with read_at through a 1 MiB buffer.
ReadBack read_all(const Object& object, uint64_t offset = 0, Sha256* sha_in = nullptr) {
  Sha256 own;
  Sha256& sha = sha_in != nullptr ? *sha_in : own;
  std::vector<std::byte> buffer(kMiB);
  ReadBack out;
  for (;;) {
    auto n = object.read_at(offset, buffer);
    EXPECT_TRUE(n.ok()) << n.status().to_string();
    if (!n || *n == 0) break;
    sha.update(std::span(buffer.data(), *n));
    offset += *n;
    out.bytes += *n;
  }
  out.sha256 = sha.hex();
  return out;
}

size_t open_fd_count() {
  size_t n = 0;
  for ([[maybe_unused]] const auto& entry : fs::directory_iterator("/proc/self/fd")) ++n;
  return n;
}

size_t deleted_fd_count() {
  size_t n = 0;
  for (const auto& entry : fs::directory_iterator("/proc/self/fd")) {
    std::error_code ec;
    const fs::path target = fs::read_symlink(entry.path(), ec);
    if (!ec && target.string().find("(deleted)") != std::string::npos) ++n;
  }
  return n;
}

// ---- fixture -----------------------------------------------------------------------

class StoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_FALSE(tmp_.path().empty());
    root_ = tmp_.path() / "root";
    outside_ = tmp_.path() / "outside";
    fs::create_directory(root_);
    fs::create_directory(outside_);
    store_ = open_store(FsyncPolicy::never);
    ASSERT_NE(store_, nullptr);
  }

  std::unique_ptr<Store> open_store(FsyncPolicy fsync) {
    auto store = Store::open(StoreOptions{root_, fsync});
    EXPECT_TRUE(store.ok()) << store.status().to_string();
    return store ? std::move(store).value() : nullptr;
  }

  size_t staging_entries() const {
    size_t n = 0;
    for ([[maybe_unused]] const auto& e : fs::directory_iterator(root_ / ".staging")) ++n;
    return n;
  }

  // One whole upload of `content`; fails the test on any error.
  CommitInfo put(std::string_view path, std::string_view content,
                 const UploadOptions& options = {}) {
    auto upload = store_->begin_upload(P(path), options);
    EXPECT_TRUE(upload.ok()) << upload.status().to_string();
    if (!upload) return {};
    Status st = (*upload)->write(bytes_of(content));
    EXPECT_TRUE(st) << st.to_string();
    auto info = (*upload)->commit();
    EXPECT_TRUE(info.ok()) << info.status().to_string();
    return info ? *info : CommitInfo{};
  }

  // The object's bytes, read through the store.
  std::string get(std::string_view path) {
    auto object = store_->open(P(path));
    EXPECT_TRUE(object.ok()) << path << ": " << object.status().to_string();
    if (!object) return "<error>";
    std::string out((*object)->size(), '\0');
    auto n = (*object)->read_at(0, std::as_writable_bytes(std::span(out.data(), out.size())));
    EXPECT_TRUE(n.ok());
    EXPECT_EQ(n.ok() ? *n : 0, out.size());
    return out;
  }

  void write_host_file(const fs::path& file, std::string_view content) {
    std::ofstream(file, std::ios::binary) << content;
  }

  TempDir tmp_;
  fs::path root_;
  fs::path outside_;  // a sibling of the root: what no store call may reach
  std::unique_ptr<Store> store_;
};

// ---- open and the staging area ---------------------------------------------------

TEST_F(StoreTest, OpenRequiresAnExistingDirectory) {
  auto missing = Store::open(StoreOptions{tmp_.path() / "missing", FsyncPolicy::never});
  EXPECT_EQ(missing.status().code(), Errc::not_found) << missing.status().to_string();
  EXPECT_FALSE(fs::exists(tmp_.path() / "missing"));
  write_host_file(tmp_.path() / "file", "x");
  auto file = Store::open(StoreOptions{tmp_.path() / "file", FsyncPolicy::never});
  EXPECT_EQ(file.status().code(), Errc::not_a_directory) << file.status().to_string();
}

TEST_F(StoreTest, OpenCreatesStagingArea) {
  EXPECT_TRUE(fs::is_directory(root_ / ".staging"));
  EXPECT_EQ(fs::status(root_ / ".staging").permissions() & fs::perms::all, fs::perms::owner_all);
  EXPECT_EQ(store_->purged_at_open(), 0u);
  EXPECT_EQ(store_->root(), root_);
}

TEST_F(StoreTest, OpenPurgesStagingLeftovers) {
  store_.reset();
  for (int i = 0; i < 5; ++i) {
    write_host_file(root_ / ".staging" / ("junk" + std::to_string(i) + ".part"), "partial");
  }
  fs::create_directories(root_ / ".staging" / "junkdir" / "deeper");
  write_host_file(root_ / ".staging" / "junkdir" / "deeper" / "f", "x");
  write_host_file(outside_ / "keep", "outside");
  fs::create_symlink(outside_, root_ / ".staging" / "link-out");

  store_ = open_store(FsyncPolicy::never);
  ASSERT_NE(store_, nullptr);
  EXPECT_EQ(store_->purged_at_open(), 7u);
  EXPECT_EQ(staging_entries(), 0u);
  EXPECT_TRUE(fs::exists(outside_ / "keep"));  // the symlink went, not its target

  store_ = open_store(FsyncPolicy::never);
  ASSERT_NE(store_, nullptr);
  EXPECT_EQ(store_->purged_at_open(), 0u);
}

TEST_F(StoreTest, OpenRefusesAStagingSymlink) {
  store_.reset();
  fs::remove(root_ / ".staging");
  write_host_file(outside_ / "keep", "outside");
  fs::create_directory_symlink(outside_, root_ / ".staging");
  auto store = Store::open(StoreOptions{root_, FsyncPolicy::never});
  EXPECT_FALSE(store.ok());
  EXPECT_TRUE(fs::exists(outside_ / "keep"));  // nothing purged through it
}

// ---- upload transactions -------------------------------------------------------------

TEST_F(StoreTest, CommitCreatesThenReplaces) {
  auto upload = store_->begin_upload(P("/a.txt"));
  ASSERT_TRUE(upload.ok()) << upload.status().to_string();
  ASSERT_TRUE((*upload)->write(bytes_of("hello ")));
  ASSERT_TRUE((*upload)->write(bytes_of("world")));
  EXPECT_EQ((*upload)->size(), 11u);
  EXPECT_EQ(staging_entries(), 1u);
  // Nothing under the final name before the commit.
  EXPECT_EQ(store_->stat(P("a.txt")).status().code(), Errc::not_found);

  auto first = (*upload)->commit();
  ASSERT_TRUE(first.ok()) << first.status().to_string();
  EXPECT_TRUE(first->created);
  EXPECT_EQ(first->size, 11u);
  EXPECT_EQ(first->sha256, sha256_of("hello world"));
  ASSERT_GE(first->etag.size(), 3u);
  EXPECT_EQ(first->etag.front(), '"');
  EXPECT_EQ(first->etag.back(), '"');
  EXPECT_EQ(get("a.txt"), "hello world");
  EXPECT_EQ(staging_entries(), 0u);
  EXPECT_EQ(fs::status(root_ / "a.txt").permissions() & fs::perms::owner_read,
            fs::perms::owner_read);

  const CommitInfo second = put("a.txt", "new version");
  EXPECT_FALSE(second.created);
  EXPECT_EQ(second.sha256, sha256_of("new version"));
  EXPECT_NE(second.etag, first->etag);
  EXPECT_EQ(get("a.txt"), "new version");
  EXPECT_EQ(staging_entries(), 0u);

  auto object = store_->open(P("a.txt"));
  ASSERT_TRUE(object.ok());
  EXPECT_EQ((*object)->etag(), second.etag);
  auto entry = store_->stat(P("a.txt"));
  ASSERT_TRUE(entry.ok());
  struct stat host {};
  ASSERT_EQ(::stat((root_ / "a.txt").c_str(), &host), 0);
  EXPECT_EQ(second.etag, make_etag(host.st_ino, static_cast<uint64_t>(host.st_size), host.st_mtim));
  EXPECT_EQ((*object)->mtime().tv_sec, entry->mtime.tv_sec);
  EXPECT_EQ((*object)->mtime().tv_nsec, entry->mtime.tv_nsec);
}

TEST_F(StoreTest, MakeEtagIsQuotedAndChangesWithEachInput) {
  const timespec t{1700000000, 5};
  const std::string base = make_etag(42, 100, t);
  EXPECT_EQ(base.front(), '"');
  EXPECT_EQ(base.back(), '"');
  EXPECT_EQ(base.find('"', 1), base.size() - 1);
  EXPECT_NE(make_etag(43, 100, t), base);
  EXPECT_NE(make_etag(42, 101, t), base);
  EXPECT_NE(make_etag(42, 100, timespec{1700000000, 6}), base);
  EXPECT_EQ(make_etag(42, 100, t), base);
}

TEST_F(StoreTest, AbortDiscardsAndIsIdempotent) {
  put("keep.txt", "old");
  auto upload = store_->begin_upload(P("keep.txt"));
  ASSERT_TRUE(upload.ok());
  ASSERT_TRUE((*upload)->write(bytes_of("partial new version")));
  // The staging file is a named file: an open upload never shows as "(deleted)".
  EXPECT_EQ(deleted_fd_count(), 0u);
  (*upload)->abort();
  (*upload)->abort();
  EXPECT_EQ(staging_entries(), 0u);
  EXPECT_EQ(get("keep.txt"), "old");
  EXPECT_EQ((*upload)->write(bytes_of("x")).code(), Errc::bad_state);
  EXPECT_EQ((*upload)->commit().status().code(), Errc::bad_state);

  auto fresh = store_->begin_upload(P("never.txt"));
  ASSERT_TRUE(fresh.ok());
  ASSERT_TRUE((*fresh)->write(bytes_of("data")));
  (*fresh)->abort();
  EXPECT_EQ(store_->stat(P("never.txt")).status().code(), Errc::not_found);
  EXPECT_EQ(staging_entries(), 0u);
}

TEST_F(StoreTest, DestroyWithoutCommitAborts) {
  put("keep.txt", "old");
  {
    auto upload = store_->begin_upload(P("keep.txt"));
    ASSERT_TRUE(upload.ok());
    ASSERT_TRUE((*upload)->write(bytes_of("dropped connection")));
    EXPECT_EQ(staging_entries(), 1u);
  }
  EXPECT_EQ(staging_entries(), 0u);
  EXPECT_EQ(get("keep.txt"), "old");
}

TEST_F(StoreTest, UploadMayOutliveItsStore) {
  auto upload = store_->begin_upload(P("late.txt"));
  ASSERT_TRUE(upload.ok());
  store_.reset();
  ASSERT_TRUE((*upload)->write(bytes_of("late")));
  auto info = (*upload)->commit();
  ASSERT_TRUE(info.ok()) << info.status().to_string();
  std::ifstream in(root_ / "late.txt");
  std::string content;
  std::getline(in, content);
  EXPECT_EQ(content, "late");
}

TEST_F(StoreTest, WriteAndCommitAfterCommitAreBadState) {
  auto upload = store_->begin_upload(P("once.txt"));
  ASSERT_TRUE(upload.ok());
  ASSERT_TRUE((*upload)->commit().ok());
  EXPECT_EQ((*upload)->write(bytes_of("x")).code(), Errc::bad_state);
  EXPECT_EQ((*upload)->commit().status().code(), Errc::bad_state);
  (*upload)->abort();  // a no-op after commit: the object stays
  EXPECT_EQ(get("once.txt"), "");
}

TEST_F(StoreTest, BeginUploadErrors) {
  ASSERT_TRUE(store_->make_dir(P("dir")));
  put("file", "f");
  EXPECT_EQ(store_->begin_upload(P("dir")).status().code(), Errc::is_a_directory);
  EXPECT_EQ(store_->begin_upload(ObjectPath::root()).status().code(), Errc::is_a_directory);
  EXPECT_EQ(store_->begin_upload(P("missing/x")).status().code(), Errc::parent_missing);
  EXPECT_EQ(store_->begin_upload(P("dir/missing/x")).status().code(), Errc::parent_missing);
  EXPECT_EQ(store_->begin_upload(P("file/x")).status().code(), Errc::not_a_directory);
  EXPECT_EQ(store_->begin_upload(P("file/x/y")).status().code(), Errc::not_a_directory);
  EXPECT_EQ(store_->begin_append(P("dir")).status().code(), Errc::is_a_directory);
  EXPECT_EQ(store_->begin_resume(P("dir"), 0).status().code(), Errc::is_a_directory);
  EXPECT_EQ(store_->begin_append(P("missing/x")).status().code(), Errc::parent_missing);
  // The message names the call and the path.
  const Status st = store_->begin_upload(P("missing/x")).status();
  EXPECT_NE(st.message().find("openat2"), std::string::npos) << st.message();
  EXPECT_NE(st.message().find("/missing"), std::string::npos) << st.message();
  EXPECT_EQ(staging_entries(), 0u);
  EXPECT_FALSE(fs::exists(root_ / "missing"));  // never created silently
}

TEST_F(StoreTest, CommitWhenACollectionTookTheName) {
  auto upload = store_->begin_upload(P("name"));
  ASSERT_TRUE(upload.ok());
  ASSERT_TRUE((*upload)->write(bytes_of("file content")));
  ASSERT_TRUE(store_->make_dir(P("name")));
  auto info = (*upload)->commit();
  EXPECT_EQ(info.status().code(), Errc::is_a_directory) << info.status().to_string();
  EXPECT_EQ(staging_entries(), 0u);
  EXPECT_TRUE(fs::is_directory(root_ / "name"));
  // A non-empty collection too.
  put("name/inner", "x");
  auto again = store_->begin_upload(P("name"));
  EXPECT_EQ(again.status().code(), Errc::is_a_directory);
}

TEST_F(StoreTest, CommitWhenTheParentWentAway) {
  ASSERT_TRUE(store_->make_dir(P("d")));
  auto upload = store_->begin_upload(P("d/x"));
  ASSERT_TRUE(upload.ok());
  ASSERT_TRUE((*upload)->write(bytes_of("orphan")));
  ASSERT_TRUE(store_->remove(P("d")));
  auto info = (*upload)->commit();
  EXPECT_EQ(info.status().code(), Errc::parent_missing) << info.status().to_string();
  EXPECT_EQ(staging_entries(), 0u);
  EXPECT_FALSE(fs::exists(root_ / "d"));

  // The parent replaced by a file: not_a_directory.
  ASSERT_TRUE(store_->make_dir(P("e")));
  auto second = store_->begin_upload(P("e/x"));
  ASSERT_TRUE(second.ok());
  ASSERT_TRUE(store_->remove(P("e")));
  put("e", "now a file");
  EXPECT_EQ((*second)->commit().status().code(), Errc::not_a_directory);
  EXPECT_EQ(staging_entries(), 0u);
}

// RLIMIT_FSIZE makes the kernel fail a write past the limit (a short write, then
// EFBIG): a real failing write, no mock. SIGXFSZ is ignored while it is set.
class FileSizeLimit {
 public:
  explicit FileSizeLimit(rlim_t bytes) {
    ::getrlimit(RLIMIT_FSIZE, &saved_);
    old_handler_ = ::signal(SIGXFSZ, SIG_IGN);
    rlimit limit = saved_;
    limit.rlim_cur = bytes;
    ok_ = ::setrlimit(RLIMIT_FSIZE, &limit) == 0;
  }
  ~FileSizeLimit() {
    ::setrlimit(RLIMIT_FSIZE, &saved_);
    ::signal(SIGXFSZ, old_handler_);
  }
  FileSizeLimit(const FileSizeLimit&) = delete;
  FileSizeLimit& operator=(const FileSizeLimit&) = delete;
  bool ok() const { return ok_; }

 private:
  rlimit saved_{};
  sighandler_t old_handler_ = SIG_DFL;
  bool ok_ = false;
};

TEST_F(StoreTest, FailingWriteAbortsTheUpload) {
  put("keep.bin", "old version");
  auto upload = store_->begin_upload(P("keep.bin"));
  ASSERT_TRUE(upload.ok());
  std::vector<std::byte> chunk(64 * kKiB, std::byte{'x'});
  {
    FileSizeLimit limit(100000);
    ASSERT_TRUE(limit.ok());
    ASSERT_TRUE((*upload)->write(chunk));
    // Part of this write fits under the limit (a short write); the rest fails.
    const Status st = (*upload)->write(chunk);
    EXPECT_EQ(st.code(), Errc::no_space) << st.to_string();
    EXPECT_NE(st.message().find("write(.staging/"), std::string::npos) << st.message();
  }
  EXPECT_EQ(staging_entries(), 0u);  // aborted at once, not at destruction
  EXPECT_EQ((*upload)->write(chunk).code(), Errc::bad_state);
  EXPECT_EQ((*upload)->commit().status().code(), Errc::bad_state);
  EXPECT_EQ(get("keep.bin"), "old version");
}

TEST_F(StoreTest, FailingPrefixCopyLeavesNothing) {
  for (const bool hashing : {true, false}) {
    SCOPED_TRACE(hashing ? "sha256 on" : "sha256 off");
    {
      auto upload = store_->begin_upload(P("big"));
      ASSERT_TRUE(upload.ok());
      ASSERT_TRUE(write_payload(**upload, 3, 0, 300000));
      ASSERT_TRUE((*upload)->commit().ok());
    }
    const size_t fds = open_fd_count();
    {
      FileSizeLimit limit(100000);
      ASSERT_TRUE(limit.ok());
      auto append = store_->begin_append(P("big"), UploadOptions{.sha256 = hashing});
      EXPECT_EQ(append.status().code(), Errc::no_space) << append.status().to_string();
    }
    EXPECT_EQ(staging_entries(), 0u);
    EXPECT_EQ(open_fd_count(), fds);
    auto object = store_->open(P("big"));
    ASSERT_TRUE(object.ok());
    EXPECT_EQ(read_all(**object).sha256, payload_sha(3, 300000));
  }
}

TEST_F(StoreTest, FsyncAlwaysCommits) {
  store_ = open_store(FsyncPolicy::always);
  ASSERT_NE(store_, nullptr);
  ASSERT_TRUE(store_->make_dir(P("d")));
  const CommitInfo info = put("d/durable.bin", std::string(64 * kKiB, 'z'));
  EXPECT_TRUE(info.created);
  EXPECT_EQ(info.size, 64 * kKiB);
  EXPECT_EQ(get("d/durable.bin"), std::string(64 * kKiB, 'z'));
  EXPECT_TRUE(put("top.bin", "in the root").created);  // fsyncs the root directory
  EXPECT_FALSE(put("top.bin", "again").created);
  EXPECT_EQ(staging_entries(), 0u);
}

TEST_F(StoreTest, HashingOffLeavesSha256Empty) {
  const CommitInfo info = put("nohash", "abc", UploadOptions{.sha256 = false});
  EXPECT_EQ(info.sha256, "");
  EXPECT_EQ(info.size, 3u);
  EXPECT_EQ(get("nohash"), "abc");
}

// ---- sizes and content -----------------------------------------------------------------

void expect_round_trip(Store& store, const std::string& name, uint64_t seed, uint64_t size) {
  SCOPED_TRACE(name + ": " + std::to_string(size) + " bytes");
  auto upload = store.begin_upload(P(name));
  ASSERT_TRUE(upload.ok()) << upload.status().to_string();
  ASSERT_TRUE(write_payload(**upload, seed, 0, size));
  EXPECT_EQ((*upload)->size(), size);
  auto info = (*upload)->commit();
  ASSERT_TRUE(info.ok()) << info.status().to_string();
  const std::string expected = payload_sha(seed, size);
  EXPECT_EQ(info->size, size);
  EXPECT_EQ(info->sha256, expected);

  auto object = store.open(P(name));
  ASSERT_TRUE(object.ok()) << object.status().to_string();
  EXPECT_EQ((*object)->size(), size);
  EXPECT_EQ((*object)->etag(), info->etag);
  const ReadBack back = read_all(**object);
  EXPECT_EQ(back.bytes, size);
  EXPECT_EQ(back.sha256, expected);
}

TEST_F(StoreTest, BoundarySizesRoundTripWithSha256) {
  const uint64_t sizes[] = {0, 1, 65535, 65536, 65537, 262143, 262144, 262145, kMiB + 3};
  for (const uint64_t size : sizes) {
    expect_round_trip(*store_, "b" + std::to_string(size), size + 11, size);
  }
  EXPECT_EQ(get("b0"), "");
  EXPECT_EQ(staging_entries(), 0u);
}

TEST_F(StoreTest, HundredMiBInPiecesWithSha256) {
  expect_round_trip(*store_, "big.bin", 100, 100 * kMiB);
  EXPECT_EQ(fs::file_size(root_ / "big.bin"), 100 * kMiB);
  EXPECT_EQ(staging_entries(), 0u);
}

// ---- concurrency -------------------------------------------------------------------

TEST_F(StoreTest, ConcurrentWritersLeaveOneWholeWinner) {
  constexpr uint64_t kSize = 2 * kMiB + 123;
  const std::string sha_a = payload_sha(1, kSize);
  const std::string sha_b = payload_sha(2, kSize);
  for (int round = 0; round < 6; ++round) {
    std::latch start(2);
    auto writer = [&](uint64_t seed) {
      start.arrive_and_wait();
      auto upload = store_->begin_upload(P("contested.bin"));
      ASSERT_TRUE(upload.ok()) << upload.status().to_string();
      // Small pieces, so the two writers interleave.
      std::vector<std::byte> piece(16 * kKiB);
      for (uint64_t done = 0; done < kSize;) {
        const size_t n = static_cast<size_t>(std::min<uint64_t>(piece.size(), kSize - done));
        fill_payload(seed, done, std::span(piece.data(), n));
        ASSERT_TRUE((*upload)->write(std::span(piece.data(), n)));
        done += n;
      }
      auto info = (*upload)->commit();
      ASSERT_TRUE(info.ok()) << info.status().to_string();
    };
    std::thread a(writer, 1);
    std::thread b(writer, 2);
    a.join();
    b.join();
    auto object = store_->open(P("contested.bin"));
    ASSERT_TRUE(object.ok());
    const ReadBack back = read_all(**object);
    EXPECT_EQ(back.bytes, kSize);
    EXPECT_TRUE(back.sha256 == sha_a || back.sha256 == sha_b) << "a mix of both writers";
  }
  EXPECT_EQ(staging_entries(), 0u);
}

TEST_F(StoreTest, ReaderKeepsTheOldVersionAcrossAReplace) {
  constexpr uint64_t kOld = 3 * kMiB + 5;
  constexpr uint64_t kNew = 1 * kMiB;
  {
    auto upload = store_->begin_upload(P("v.bin"));
    ASSERT_TRUE(upload.ok());
    ASSERT_TRUE(write_payload(**upload, 10, 0, kOld));
    ASSERT_TRUE((*upload)->commit().ok());
  }
  auto reader = store_->open(P("v.bin"));
  ASSERT_TRUE(reader.ok());
  const std::string old_etag = (*reader)->etag();

  // Read the first 100 KiB, then a new version commits.
  Sha256 sha;
  std::vector<std::byte> head(100 * kKiB);
  auto n = (*reader)->read_at(0, head);
  ASSERT_TRUE(n.ok());
  ASSERT_EQ(*n, head.size());
  sha.update(head);
  {
    auto upload = store_->begin_upload(P("v.bin"));
    ASSERT_TRUE(upload.ok());
    ASSERT_TRUE(write_payload(**upload, 20, 0, kNew));
    ASSERT_TRUE((*upload)->commit().ok());
  }
  // The old reader goes on to the end of the old version.
  const ReadBack rest = read_all(**reader, head.size(), &sha);
  EXPECT_EQ(head.size() + rest.bytes, kOld);
  EXPECT_EQ(rest.sha256, payload_sha(10, kOld));
  EXPECT_EQ((*reader)->size(), kOld);

  auto fresh = store_->open(P("v.bin"));
  ASSERT_TRUE(fresh.ok());
  EXPECT_NE((*fresh)->etag(), old_etag);
  EXPECT_EQ(read_all(**fresh).sha256, payload_sha(20, kNew));
}

// ---- symlinks and the root -----------------------------------------------------------

TEST_F(StoreTest, SymlinksOutOfTheRootEscape) {
  write_host_file(outside_ / "secret.txt", "host secret");
  ASSERT_TRUE(store_->make_dir(P("sub")));
  put("sub/inside.txt", "inside");
  fs::create_directory_symlink(outside_, root_ / "abs");                 // absolute
  fs::create_directory_symlink("../../outside", root_ / "sub" / "rel");  // relative
  fs::create_symlink(outside_ / "secret.txt", root_ / "abs_file");
  fs::create_symlink("../../outside/secret.txt", root_ / "sub" / "rel_file");
  ASSERT_TRUE(fs::exists(root_ / "sub" / "rel" / "secret.txt"));  // the links do lead out

  for (const std::string link : {"abs", "sub/rel"}) {
    SCOPED_TRACE(link);
    const std::string secret = link + "/secret.txt";
    EXPECT_EQ(store_->open(P(secret)).status().code(), Errc::escapes_root);
    EXPECT_EQ(store_->stat(P(secret)).status().code(), Errc::escapes_root);
    EXPECT_EQ(store_->stat(P(link)).status().code(), Errc::escapes_root);
    EXPECT_EQ(store_->list(P(link)).status().code(), Errc::escapes_root);
    EXPECT_EQ(store_->begin_upload(P(link + "/new.txt")).status().code(), Errc::escapes_root);
    EXPECT_EQ(store_->begin_append(P(secret)).status().code(), Errc::escapes_root);
    EXPECT_EQ(store_->begin_resume(P(secret), 3).status().code(), Errc::escapes_root);
    EXPECT_EQ(store_->make_dir(P(link + "/d")).code(), Errc::escapes_root);
    EXPECT_EQ(store_->remove(P(secret)).code(), Errc::escapes_root);
    EXPECT_EQ(store_->rename(P(secret), P("stolen")).code(), Errc::escapes_root);
    EXPECT_EQ(store_->rename(P("sub/inside.txt"), P(link + "/planted")).code(), Errc::escapes_root);
  }
  for (const std::string link : {"abs_file", "sub/rel_file"}) {
    SCOPED_TRACE(link);
    EXPECT_EQ(store_->open(P(link)).status().code(), Errc::escapes_root);
    EXPECT_EQ(store_->stat(P(link)).status().code(), Errc::escapes_root);
    EXPECT_EQ(store_->begin_append(P(link)).status().code(), Errc::escapes_root);
  }
  // Nothing outside changed, nothing was planted there.
  EXPECT_EQ(fs::file_size(outside_ / "secret.txt"), 11u);
  std::vector<std::string> outside_names;
  for (const auto& e : fs::directory_iterator(outside_)) {
    outside_names.push_back(e.path().filename());
  }
  EXPECT_EQ(outside_names, std::vector<std::string>{"secret.txt"});
  EXPECT_TRUE(fs::exists(root_ / "sub" / "inside.txt"));

  // A listing shows escaping links as "other", with nothing of their targets.
  auto entries = store_->list(ObjectPath::root());
  ASSERT_TRUE(entries.ok());
  for (const Entry& e : *entries) {
    if (e.name == "abs" || e.name == "abs_file") {
      EXPECT_EQ(e.type, EntryType::other) << e.name;
      EXPECT_EQ(e.size, 0u) << e.name;
    }
  }
  EXPECT_EQ(staging_entries(), 0u);
}

TEST_F(StoreTest, SymlinksInsideTheRootWork) {
  ASSERT_TRUE(store_->make_dir(P("real")));
  put("real/file.txt", "through a link");
  fs::create_directory_symlink("real", root_ / "alias");
  fs::create_directory_symlink("../real", root_ / "real" / "loop_back");
  EXPECT_EQ(get("alias/file.txt"), "through a link");
  EXPECT_EQ(get("real/loop_back/file.txt"), "through a link");
  auto entry = store_->stat(P("alias"));
  ASSERT_TRUE(entry.ok());
  EXPECT_EQ(entry->type, EntryType::directory);
}

TEST_F(StoreTest, AbsolutePathsStayUnderTheRoot) {
  EXPECT_EQ(store_->open(P("/etc/passwd")).status().code(), Errc::not_found);
  EXPECT_EQ(store_->stat(P("/etc")).status().code(), Errc::not_found);
  ASSERT_TRUE(store_->make_dir(P("/etc")));
  put("/etc/passwd", "not the host's");
  EXPECT_EQ(get("/etc/passwd"), "not the host's");
  EXPECT_TRUE(fs::exists(root_ / "etc" / "passwd"));
}

// ---- listing and the namespace ---------------------------------------------------------

TEST_F(StoreTest, ListIsSortedAndHidesStaging) {
  put("b.txt", "bb");
  put("a.txt", "a");
  ASSERT_TRUE(store_->make_dir(P("c")));
  put("c/inner", "123");
  auto open_upload = store_->begin_upload(P("pending"));  // a staging file exists now
  ASSERT_TRUE(open_upload.ok());
  write_host_file(root_ / "bad\nname", "x");  // not addressable: not listed

  auto entries = store_->list(ObjectPath::root());
  ASSERT_TRUE(entries.ok()) << entries.status().to_string();
  std::vector<std::string> names;
  for (const Entry& e : *entries) names.push_back(e.name);
  EXPECT_EQ(names, (std::vector<std::string>{"a.txt", "b.txt", "c"}));
  EXPECT_EQ((*entries)[0].type, EntryType::file);
  EXPECT_EQ((*entries)[0].size, 1u);
  EXPECT_EQ((*entries)[1].size, 2u);
  EXPECT_EQ((*entries)[2].type, EntryType::directory);

  auto inner = store_->list(P("/c/"));
  ASSERT_TRUE(inner.ok());
  ASSERT_EQ(inner->size(), 1u);
  EXPECT_EQ((*inner)[0].name, "inner");
  EXPECT_EQ((*inner)[0].size, 3u);

  EXPECT_EQ(store_->list(P("a.txt")).status().code(), Errc::not_a_directory);
  EXPECT_EQ(store_->list(P("missing")).status().code(), Errc::not_found);
  EXPECT_EQ(store_->list(P("a.txt/x")).status().code(), Errc::not_a_directory);
}

TEST_F(StoreTest, StatRootFilesAndCollections) {
  auto root = store_->stat(ObjectPath::root());
  ASSERT_TRUE(root.ok()) << root.status().to_string();
  EXPECT_EQ(root->type, EntryType::directory);
  EXPECT_EQ(root->name, "");
  put("f.bin", "12345");
  auto file = store_->stat(P("f.bin"));
  ASSERT_TRUE(file.ok());
  EXPECT_EQ(file->type, EntryType::file);
  EXPECT_EQ(file->name, "f.bin");
  EXPECT_EQ(file->size, 5u);
  EXPECT_GT(file->mtime.tv_sec, 0);
  EXPECT_EQ(store_->stat(P("nope")).status().code(), Errc::not_found);
  EXPECT_EQ(store_->stat(P("f.bin/x")).status().code(), Errc::not_a_directory);
}

TEST_F(StoreTest, OpenObjects) {
  put("f", "0123456789");
  auto object = store_->open(P("f"));
  ASSERT_TRUE(object.ok());
  EXPECT_EQ((*object)->size(), 10u);
  EXPECT_GE((*object)->fd(), 0);
  std::array<std::byte, 4> buffer{};
  auto n = (*object)->read_at(3, buffer);
  ASSERT_TRUE(n.ok());
  EXPECT_EQ(*n, 4u);
  EXPECT_EQ(static_cast<char>(buffer[0]), '3');
  n = (*object)->read_at(8, buffer);
  ASSERT_TRUE(n.ok());
  EXPECT_EQ(*n, 2u);
  n = (*object)->read_at(10, buffer);
  ASSERT_TRUE(n.ok());
  EXPECT_EQ(*n, 0u);
  n = (*object)->read_at(1000, buffer);
  ASSERT_TRUE(n.ok());
  EXPECT_EQ(*n, 0u);
  // The fd is for sendfile: blocking, read-only, close-on-exec.
  const int flags = ::fcntl((*object)->fd(), F_GETFL);
  EXPECT_EQ(flags & O_NONBLOCK, 0);
  EXPECT_EQ(flags & O_ACCMODE, O_RDONLY);
  EXPECT_NE(::fcntl((*object)->fd(), F_GETFD) & FD_CLOEXEC, 0);

  ASSERT_TRUE(store_->make_dir(P("d")));
  EXPECT_EQ(store_->open(P("d")).status().code(), Errc::is_a_directory);
  EXPECT_EQ(store_->open(ObjectPath::root()).status().code(), Errc::is_a_directory);
  EXPECT_EQ(store_->open(P("missing")).status().code(), Errc::not_found);
  EXPECT_EQ(store_->open(P("f/x")).status().code(), Errc::not_a_directory);
  // A FIFO planted in the tree neither blocks the open nor is served.
  ASSERT_EQ(::mkfifo((root_ / "fifo").c_str(), 0644), 0);
  EXPECT_EQ(store_->open(P("fifo")).status().code(), Errc::invalid_argument);
}

TEST_F(StoreTest, MakeDirAndRemove) {
  ASSERT_TRUE(store_->make_dir(P("d")));
  EXPECT_EQ(store_->make_dir(P("d")).code(), Errc::already_exists);
  EXPECT_EQ(store_->make_dir(ObjectPath::root()).code(), Errc::already_exists);
  EXPECT_EQ(store_->make_dir(P("x/y")).code(), Errc::parent_missing);
  put("f", "x");
  EXPECT_EQ(store_->make_dir(P("f")).code(), Errc::already_exists);
  EXPECT_EQ(store_->make_dir(P("f/y")).code(), Errc::not_a_directory);

  put("d/inner", "x");
  EXPECT_EQ(store_->remove(P("d")).code(), Errc::directory_not_empty);
  ASSERT_TRUE(store_->remove(P("d/inner")));
  ASSERT_TRUE(store_->remove(P("d")));
  EXPECT_FALSE(fs::exists(root_ / "d"));
  ASSERT_TRUE(store_->remove(P("f")));
  EXPECT_EQ(store_->remove(P("f")).code(), Errc::not_found);
  EXPECT_EQ(store_->remove(P("x/y")).code(), Errc::not_found);
  const Errc root_code = store_->remove(ObjectPath::root()).code();
  EXPECT_TRUE(root_code == Errc::permission_denied || root_code == Errc::invalid_argument);
  EXPECT_TRUE(fs::is_directory(root_));
  EXPECT_TRUE(fs::is_directory(root_ / ".staging"));
}

TEST_F(StoreTest, Rename) {
  put("a", "A");
  put("b", "B");
  ASSERT_TRUE(store_->make_dir(P("d")));
  ASSERT_TRUE(store_->rename(P("a"), P("d/a2")));
  EXPECT_EQ(get("d/a2"), "A");
  EXPECT_EQ(store_->stat(P("a")).status().code(), Errc::not_found);
  // Replaces a file atomically.
  ASSERT_TRUE(store_->rename(P("b"), P("d/a2")));
  EXPECT_EQ(get("d/a2"), "B");
  // Never replaces a collection, even an empty one.
  ASSERT_TRUE(store_->make_dir(P("empty")));
  EXPECT_EQ(store_->rename(P("d/a2"), P("empty")).code(), Errc::already_exists);
  EXPECT_EQ(store_->rename(P("d"), P("empty")).code(), Errc::already_exists);
  EXPECT_EQ(store_->rename(P("missing"), P("x")).code(), Errc::not_found);
  EXPECT_EQ(store_->rename(P("d/a2"), P("nope/x")).code(), Errc::parent_missing);
  EXPECT_EQ(store_->rename(P("d"), P("d/inside")).code(), Errc::invalid_argument);
  EXPECT_EQ(store_->rename(ObjectPath::root(), P("x")).code(), Errc::invalid_argument);
  // Collections move with their contents.
  ASSERT_TRUE(store_->rename(P("d"), P("moved")));
  EXPECT_EQ(get("moved/a2"), "B");
}

// ---- descriptors and memory ----------------------------------------------------------

TEST_F(StoreTest, ThousandAbortedUploadsLeakNoDescriptor) {
  put("existing", "old version");
  const size_t before = open_fd_count();
  for (int i = 0; i < 1000; ++i) {
    auto upload = store_->begin_upload(P("existing"));
    ASSERT_TRUE(upload.ok()) << upload.status().to_string();
    (*upload)->abort();
  }
  EXPECT_EQ(open_fd_count(), before);
  for (int i = 0; i < 1000; ++i) {
    auto upload = store_->begin_upload(P(i % 2 ? "existing" : "fresh"));
    ASSERT_TRUE(upload.ok());
    ASSERT_TRUE((*upload)->write(bytes_of("some bytes")));
  }  // destroyed without commit
  EXPECT_EQ(open_fd_count(), before);
  EXPECT_EQ(deleted_fd_count(), 0u);
  EXPECT_EQ(staging_entries(), 0u);
  EXPECT_EQ(get("existing"), "old version");
}

TEST_F(StoreTest, FailurePathsLeakNoDescriptor) {
  put("file", "f");
  ASSERT_TRUE(store_->make_dir(P("dir")));
  const size_t before = open_fd_count();
  for (int i = 0; i < 100; ++i) {
    EXPECT_FALSE(store_->begin_upload(P("missing/x")).ok());
    EXPECT_FALSE(store_->begin_upload(P("file/x")).ok());
    EXPECT_FALSE(store_->begin_upload(P("dir")).ok());
    EXPECT_FALSE(store_->begin_resume(P("file"), 99).ok());
    EXPECT_FALSE(store_->open(P("dir")).ok());
    EXPECT_FALSE(store_->list(P("file")).ok());
    EXPECT_FALSE(store_->remove(P("missing")).is_ok());
    // A commit that fails after the staging file was written.
    auto upload = store_->begin_upload(P("dir/later"));
    ASSERT_TRUE(upload.ok());
    ASSERT_TRUE((*upload)->write(bytes_of("x")));
    ASSERT_TRUE(store_->make_dir(P("dir/later")));
    EXPECT_FALSE((*upload)->commit().ok());
    ASSERT_TRUE(store_->remove(P("dir/later")));
    // Appends and objects, committed and aborted.
    auto append = store_->begin_append(P("file"));
    ASSERT_TRUE(append.ok());
    (*append)->abort();
    auto object = store_->open(P("file"));
    ASSERT_TRUE(object.ok());
  }
  EXPECT_EQ(open_fd_count(), before);
  EXPECT_EQ(deleted_fd_count(), 0u);
  EXPECT_EQ(staging_entries(), 0u);
}

long vm_hwm_kib() {
  std::ifstream status("/proc/self/status");
  std::string line;
  while (std::getline(status, line)) {
    if (line.rfind("VmHWM:", 0) == 0) return std::strtol(line.c_str() + 6, nullptr, 10);
  }
  return -1;
}

bool reset_vm_hwm() {
  std::ofstream clear("/proc/self/clear_refs");
  clear << "5";
  clear.flush();
  return clear.good();
}

TEST_F(StoreTest, Upload256MiBKeepsPeakRssFlat) {
  constexpr size_t kBuffer = 256 * kKiB;
  constexpr uint64_t kTotal = 256 * kMiB;
  std::vector<std::byte> buffer(kBuffer);
  fill_payload(7, 0, buffer);
  // Warm up every code path (OpenSSL, the store) before the baseline.
  put("warm", "up");

  ASSERT_TRUE(reset_vm_hwm()) << "cannot write /proc/self/clear_refs";
  const long before = vm_hwm_kib();
  ASSERT_GT(before, 0);
  auto upload = store_->begin_upload(P("flat.bin"));
  ASSERT_TRUE(upload.ok());
  for (uint64_t done = 0; done < kTotal; done += kBuffer) {
    ASSERT_TRUE((*upload)->write(buffer));
  }
  auto info = (*upload)->commit();
  ASSERT_TRUE(info.ok()) << info.status().to_string();
  const long after = vm_hwm_kib();
  RecordProperty("peak_rss_growth_kib", std::to_string(after - before));
  EXPECT_EQ(info->size, kTotal);
  EXPECT_LT(after - before, 4 * 1024)
      << "peak RSS grew from " << before << " KiB to " << after << " KiB over a 256 MiB upload";
  // Appending to it copies in the kernel or through one buffer: flat too.
  ASSERT_TRUE(reset_vm_hwm());
  const long before_append = vm_hwm_kib();
  auto append = store_->begin_append(P("flat.bin"));
  ASSERT_TRUE(append.ok());
  ASSERT_TRUE((*append)->write(buffer));
  auto appended = (*append)->commit();
  ASSERT_TRUE(appended.ok());
  EXPECT_EQ(appended->size, kTotal + kBuffer);
  const long append_growth = vm_hwm_kib() - before_append;
  RecordProperty("append_peak_rss_growth_kib", std::to_string(append_growth));
  EXPECT_LT(append_growth, 4 * 1024);
}

// ---- append and resume ---------------------------------------------------------------

TEST_F(StoreTest, AppendToMissingCreates) {
  auto upload = store_->begin_append(P("log.txt"));
  ASSERT_TRUE(upload.ok()) << upload.status().to_string();
  EXPECT_EQ((*upload)->size(), 0u);
  ASSERT_TRUE((*upload)->write(bytes_of("first")));
  auto info = (*upload)->commit();
  ASSERT_TRUE(info.ok());
  EXPECT_TRUE(info->created);
  EXPECT_EQ(info->sha256, sha256_of("first"));
  EXPECT_EQ(get("log.txt"), "first");
}

TEST_F(StoreTest, AppendTwiceHashesTheWholeVersion) {
  put("log.txt", "one,");
  for (const std::string_view more : {"two,", "three"}) {
    auto upload = store_->begin_append(P("log.txt"));
    ASSERT_TRUE(upload.ok());
    EXPECT_GT((*upload)->size(), 0u);
    ASSERT_TRUE((*upload)->write(bytes_of(more)));
    auto info = (*upload)->commit();
    ASSERT_TRUE(info.ok());
    EXPECT_FALSE(info->created);
  }
  EXPECT_EQ(get("log.txt"), "one,two,three");
  auto again = store_->begin_append(P("log.txt"));
  ASSERT_TRUE(again.ok());
  auto info = (*again)->commit();
  ASSERT_TRUE(info.ok());
  EXPECT_EQ(info->sha256, sha256_of("one,two,three"));
  EXPECT_EQ(info->size, 13u);
}

// A prefix larger than the copy buffer, with hashing on (read, hash, write through
// the buffer) and off (copy_file_range).
TEST_F(StoreTest, AppendLargePrefixWithAndWithoutHashing) {
  constexpr uint64_t kPrefix = kMiB + 300 * kKiB + 1;
  constexpr uint64_t kMore = 70 * kKiB + 5;
  for (const bool hashing : {true, false}) {
    SCOPED_TRACE(hashing ? "sha256 on" : "sha256 off");
    const std::string name = hashing ? "hashed.bin" : "plain.bin";
    {
      auto upload = store_->begin_upload(P(name), UploadOptions{.sha256 = false});
      ASSERT_TRUE(upload.ok());
      ASSERT_TRUE(write_payload(**upload, 5, 0, kPrefix));
      ASSERT_TRUE((*upload)->commit().ok());
    }
    auto upload = store_->begin_append(P(name), UploadOptions{.sha256 = hashing});
    ASSERT_TRUE(upload.ok());
    EXPECT_EQ((*upload)->size(), kPrefix);
    ASSERT_TRUE(write_payload(**upload, 5, kPrefix, kMore));  // the stream continues
    auto info = (*upload)->commit();
    ASSERT_TRUE(info.ok()) << info.status().to_string();
    const std::string expected = payload_sha(5, kPrefix + kMore);
    EXPECT_EQ(info->size, kPrefix + kMore);
    EXPECT_EQ(info->sha256, hashing ? expected : "");
    auto object = store_->open(P(name));
    ASSERT_TRUE(object.ok());
    EXPECT_EQ(read_all(**object).sha256, expected);
  }
  EXPECT_EQ(staging_entries(), 0u);
}

TEST_F(StoreTest, ResumeAtOffsets) {
  const std::string base = "0123456789";
  struct Case {
    uint64_t offset;
    std::string written;
    std::string expected;
  };
  for (const Case& c :
       {Case{0, "new", "new"}, Case{4, "abc", "0123abc"}, Case{4, "abcdefghij", "0123abcdefghij"},
        Case{10, "+tail", "0123456789+tail"}, Case{10, "", "0123456789"}}) {
    SCOPED_TRACE("offset " + std::to_string(c.offset));
    put("r.txt", base);
    auto upload = store_->begin_resume(P("r.txt"), c.offset);
    ASSERT_TRUE(upload.ok()) << upload.status().to_string();
    EXPECT_EQ((*upload)->size(), c.offset);
    ASSERT_TRUE((*upload)->write(bytes_of(c.written)));
    auto info = (*upload)->commit();
    ASSERT_TRUE(info.ok());
    EXPECT_FALSE(info->created);
    EXPECT_EQ(info->size, c.expected.size());
    EXPECT_EQ(info->sha256, sha256_of(c.expected));
    EXPECT_EQ(get("r.txt"), c.expected);
  }
  EXPECT_EQ(store_->begin_resume(P("r.txt"), 11).status().code(), Errc::invalid_argument);
  EXPECT_EQ(store_->begin_resume(P("r.txt"), UINT64_MAX).status().code(), Errc::invalid_argument);
  EXPECT_EQ(get("r.txt"), "0123456789");
  EXPECT_EQ(staging_entries(), 0u);
}

TEST_F(StoreTest, ResumeOnAMissingObject) {
  EXPECT_EQ(store_->begin_resume(P("none"), 1).status().code(), Errc::invalid_argument);
  EXPECT_EQ(store_->stat(P("none")).status().code(), Errc::not_found);
  auto upload = store_->begin_resume(P("none"), 0);
  ASSERT_TRUE(upload.ok());
  ASSERT_TRUE((*upload)->write(bytes_of("from zero")));
  auto info = (*upload)->commit();
  ASSERT_TRUE(info.ok());
  EXPECT_TRUE(info->created);
  EXPECT_EQ(get("none"), "from zero");
}

TEST_F(StoreTest, AbortedAppendLeavesTheOldVersionWhole) {
  put("whole.txt", "the old version");
  const auto before = store_->stat(P("whole.txt"));
  ASSERT_TRUE(before.ok());
  {
    auto upload = store_->begin_append(P("whole.txt"));
    ASSERT_TRUE(upload.ok());
    ASSERT_TRUE((*upload)->write(bytes_of(" and half of an app")));
    // Readers never see the growing version.
    EXPECT_EQ(get("whole.txt"), "the old version");
    (*upload)->abort();
  }
  {
    auto upload = store_->begin_resume(P("whole.txt"), 4);
    ASSERT_TRUE(upload.ok());
    ASSERT_TRUE((*upload)->write(bytes_of("dropped")));
  }  // destroyed: a dropped connection
  EXPECT_EQ(get("whole.txt"), "the old version");
  auto object = store_->open(P("whole.txt"));
  ASSERT_TRUE(object.ok());
  auto after = store_->stat(P("whole.txt"));
  ASSERT_TRUE(after.ok());
  EXPECT_EQ(after->mtime.tv_nsec, before->mtime.tv_nsec);
  EXPECT_EQ(staging_entries(), 0u);
}

}  // namespace
}  // namespace streamcheck::store
