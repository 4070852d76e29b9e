// Store::copy_file (WebDAV COPY of a file) is a transaction with flat memory: a reader
// of the target sees the old version or the whole new one, a cancelled copy leaves
// nothing, and a 256 MiB copy costs no more memory than a small one. Also rename's
// overwrite flag (MOVE with Overwrite: F).
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <atomic>
#include <chrono>
#include <fstream>
#include <stop_token>
#include <string>
#include <thread>

#include "refserver/store/store.hpp"
#include "refserver/store/tests/temp_store.hpp"

namespace streamcheck::store {
namespace {

namespace fs = std::filesystem;
using testing::has_pattern;
using testing::kMiB;
using testing::path;
using testing::TempStore;
using testing::write_pattern;

class StoreCopyTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(temp_.ok());
    fs::create_directory(temp_.root() / "dir");
  }
  Store& store() { return temp_.store(); }
  fs::path host(std::string_view p) { return temp_.root() / path(p).relative(); }

  TempStore temp_{testing::kExt4Dir};  // ext4: copy_file_range copies, there is no reflink
};

TEST_F(StoreCopyTest, CopiesTheBytesAndTellsWhetherTheTargetIsNew) {
  write_pattern(host("/a.bin"), 3 * kMiB + 17, 1);
  auto first = store().copy_file(path("/a.bin"), path("/dir/b.bin"), /*overwrite=*/false);
  ASSERT_TRUE(first) << first.status().to_string();
  EXPECT_TRUE(first->created);
  EXPECT_EQ(first->size, 3 * kMiB + 17);
  EXPECT_EQ(first->sha256, "");
  EXPECT_EQ(first->etag, store().open(path("/dir/b.bin")).value()->etag());
  EXPECT_TRUE(has_pattern(host("/dir/b.bin"), 3 * kMiB + 17, 1));
  EXPECT_TRUE(has_pattern(host("/a.bin"), 3 * kMiB + 17, 1)) << "the source is left alone";

  write_pattern(host("/c.bin"), kMiB, 2);
  auto refused = store().copy_file(path("/c.bin"), path("/dir/b.bin"), /*overwrite=*/false);
  EXPECT_EQ(refused.status().code(), Errc::already_exists) << refused.status().to_string();
  EXPECT_TRUE(has_pattern(host("/dir/b.bin"), 3 * kMiB + 17, 1));

  auto replaced = store().copy_file(path("/c.bin"), path("/dir/b.bin"), /*overwrite=*/true);
  ASSERT_TRUE(replaced) << replaced.status().to_string();
  EXPECT_FALSE(replaced->created);
  EXPECT_NE(replaced->etag, first->etag);
  EXPECT_TRUE(has_pattern(host("/dir/b.bin"), kMiB, 2));
  EXPECT_EQ(temp_.staged(), 0u);
}

TEST_F(StoreCopyTest, AnEmptyFileCopiesToAnEmptyFile) {
  std::ofstream(host("/empty"));
  auto copied = store().copy_file(path("/empty"), path("/empty2"), false);
  ASSERT_TRUE(copied) << copied.status().to_string();
  EXPECT_EQ(copied->size, 0u);
  EXPECT_EQ(fs::file_size(host("/empty2")), 0u);
}

TEST_F(StoreCopyTest, RefusesWhatIsNotAFileToAFile) {
  write_pattern(host("/a.bin"), 1000, 1);
  ASSERT_EQ(::mkfifo(host("/fifo").c_str(), 0644), 0);
  fs::create_directory(host("/dir/sub"));
  struct Case {
    const char* from;
    const char* to;
    bool overwrite;
    Errc code;
  };
  for (const Case& c :
       {Case{"/missing", "/x", true, Errc::not_found},
        Case{"/dir", "/x", true, Errc::is_a_directory}, Case{"/", "/x", true, Errc::is_a_directory},
        Case{"/fifo", "/x", true, Errc::invalid_argument},
        Case{"/a.bin", "/a.bin", true, Errc::invalid_argument},
        Case{"/a.bin", "/nope/x", true, Errc::parent_missing},
        Case{"/a.bin", "/dir/sub", true, Errc::is_a_directory},
        Case{"/a.bin", "/dir/sub", false, Errc::is_a_directory},
        Case{"/a.bin", "/", true, Errc::is_a_directory}}) {
    auto result = store().copy_file(path(c.from), path(c.to), c.overwrite);
    EXPECT_EQ(result.status().code(), c.code)
        << c.from << " -> " << c.to << ": " << result.status().to_string();
  }
  EXPECT_FALSE(fs::exists(host("/x")));
  EXPECT_TRUE(fs::is_directory(host("/dir/sub")));
  EXPECT_EQ(temp_.staged(), 0u);
}

TEST_F(StoreCopyTest, AStopRequestedBeforehandCopiesNothing) {
  write_pattern(host("/a.bin"), kMiB, 1);
  std::stop_source stop;
  stop.request_stop();
  auto result = store().copy_file(path("/a.bin"), path("/b.bin"), true, stop.get_token());
  EXPECT_EQ(result.status().code(), Errc::bad_state);
  EXPECT_NE(result.status().message().find("copy cancelled"), std::string::npos);
  EXPECT_FALSE(fs::exists(host("/b.bin")));
  EXPECT_EQ(temp_.staged(), 0u);
}

// --- 256 MiB: transactional, cancellable, flat -------------------------------------

constexpr uint64_t kBig = 256 * kMiB;

TEST_F(StoreCopyTest, ReadersSeeTheOldVersionOrTheWholeNewOne) {
  write_pattern(host("/big.bin"), kBig, 3);
  write_pattern(host("/dir/target.bin"), kMiB, 4);
  auto old_version = store().open(path("/dir/target.bin"));
  ASSERT_TRUE(old_version);

  std::atomic<bool> done{false};
  std::atomic<int> opened{0};
  std::atomic<int> partial{0};
  std::thread reader([&] {
    while (!done.load()) {
      auto object = store().open(path("/dir/target.bin"));
      if (!object) continue;
      ++opened;
      const uint64_t size = (*object)->size();
      if (size != kMiB && size != kBig) ++partial;
    }
  });
  auto copied = store().copy_file(path("/big.bin"), path("/dir/target.bin"), true);
  done = true;
  reader.join();
  ASSERT_TRUE(copied) << copied.status().to_string();
  EXPECT_FALSE(copied->created);
  EXPECT_GT(opened.load(), 0);
  EXPECT_EQ(partial.load(), 0) << "a reader saw a version that was neither old nor new";

  // The reader that opened before the copy still reads the old bytes, all of them.
  std::string bytes(kMiB, '\0');
  uint64_t got = 0;
  while (got < kMiB) {
    auto n = (*old_version)
                 ->read_at(got, std::as_writable_bytes(std::span(bytes.data() + got, kMiB - got)));
    ASSERT_TRUE(n);
    if (*n == 0) break;
    got += *n;
  }
  ASSERT_EQ(got, kMiB);
  for (uint64_t i = 0; i < kMiB; i += 4093) {
    ASSERT_EQ(bytes[i], testing::pattern_byte(i, 4)) << "old version, byte " << i;
  }
  EXPECT_TRUE(has_pattern(host("/dir/target.bin"), kBig, 3));
}

TEST_F(StoreCopyTest, ACancelMidCopyLeavesNoTargetAndNothingStaged) {
  write_pattern(host("/big.bin"), kBig, 5);
  std::stop_source stop;
  Result<CommitInfo> result = Status(Errc::io_error, "not run");
  std::thread copier([&] {
    result = store().copy_file(path("/big.bin"), path("/copy.bin"), true, stop.get_token());
  });
  // Stop once the staging file exists: the copy has begun and, at 16 MiB a call,
  // has many chunks to go.
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (temp_.staged() == 0 && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::microseconds(100));
  }
  stop.request_stop();
  copier.join();
  EXPECT_EQ(result.status().code(), Errc::bad_state) << result.status().to_string();
  EXPECT_NE(result.status().message().find("copy cancelled"), std::string::npos);
  EXPECT_FALSE(fs::exists(host("/copy.bin")));
  EXPECT_EQ(temp_.staged(), 0u);
}

// kB of a "Vm...:" line of /proc/self/status.
uint64_t vm_kib(std::string_view field) {
  std::ifstream status("/proc/self/status");
  std::string line;
  while (std::getline(status, line)) {
    if (line.starts_with(field)) return std::stoull(line.substr(field.size()));
  }
  return 0;
}

TEST_F(StoreCopyTest, MemoryStaysFlatFor256MiB) {
  write_pattern(host("/big.bin"), kBig, 6);
  // Resets the peak (VmHWM) to the current RSS (Linux >= 4.0), so the peak read after
  // the copy is the copy's.
  {
    std::ofstream clear("/proc/self/clear_refs");
    clear << "5";
    ASSERT_TRUE(clear.good());
  }
  const uint64_t before = vm_kib("VmRSS:");
  auto copied = store().copy_file(path("/big.bin"), path("/dir/big.bin"), false);
  const uint64_t peak = vm_kib("VmHWM:");
  ASSERT_TRUE(copied) << copied.status().to_string();
  ASSERT_GT(before, 0u);
  EXPECT_LT(peak - before, 8u * 1024) << "RSS grew by " << (peak - before) << " KiB";
  EXPECT_TRUE(has_pattern(host("/dir/big.bin"), kBig, 6));
}

// --- rename's overwrite flag --------------------------------------------------------

TEST_F(StoreCopyTest, RenameWithoutOverwriteNeverReplaces) {
  write_pattern(host("/a.bin"), 1000, 1);
  write_pattern(host("/b.bin"), 2000, 2);
  const Status st = store().rename(path("/a.bin"), path("/b.bin"), /*overwrite=*/false);
  EXPECT_EQ(st.code(), Errc::already_exists) << st.to_string();
  EXPECT_TRUE(has_pattern(host("/a.bin"), 1000, 1));
  EXPECT_TRUE(has_pattern(host("/b.bin"), 2000, 2));
  EXPECT_EQ(store().rename(path("/a.bin"), path("/dir"), false).code(), Errc::already_exists);

  ASSERT_TRUE(store().rename(path("/a.bin"), path("/dir/a.bin"), false));
  EXPECT_TRUE(has_pattern(host("/dir/a.bin"), 1000, 1));
  EXPECT_TRUE(store().rename(path("/b.bin"), path("/b.bin"), false)) << "onto itself: nothing";
  ASSERT_TRUE(store().rename(path("/b.bin"), path("/dir/a.bin")));  // overwrite by default
  EXPECT_TRUE(has_pattern(host("/dir/a.bin"), 2000, 2));
  EXPECT_FALSE(fs::exists(host("/b.bin")));
}

}  // namespace
}  // namespace streamcheck::store
