// Pre-faulting: where the scratch file goes, how big it may be, and that it is written
// whole and leaves nothing behind.
#include "bench/lib/prefault.hpp"

#include <sys/stat.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "bench/lib/error.hpp"

namespace streamcheck::bench {
namespace {

constexpr std::uint64_t kMiB = 1024 * 1024;

class TempDir {
 public:
  TempDir() {
    char templ[] = "/dev/shm/prefault-test-XXXXXX";
    path_ = ::mkdtemp(templ);
  }
  ~TempDir() { std::filesystem::remove_all(path_); }
  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

std::size_t entries(const std::filesystem::path& dir) {
  std::size_t n = 0;
  for ([[maybe_unused]] const auto& e : std::filesystem::directory_iterator(dir)) ++n;
  return n;
}

TEST(PrefaultBytes, AsWantedWhenThereIsRoomElseTheRoomInWholeMiB) {
  EXPECT_EQ(prefault_bytes(2048 * kMiB, 10000 * kMiB), 2048 * kMiB);
  EXPECT_EQ(prefault_bytes(2048 * kMiB, 100 * kMiB + 5), 100 * kMiB);
  EXPECT_EQ(prefault_bytes(3 * kMiB + 7, 10000 * kMiB), 3 * kMiB);
  EXPECT_EQ(prefault_bytes(2048 * kMiB, 0), 0u);
}

TEST(PrefaultLocation, BesideTheRootWhenItsParentIsTheSameFilesystem) {
  TempDir dir;
  std::filesystem::create_directory(dir.path() / "root");
  const auto where = prefault_location(dir.path() / "root");
  EXPECT_EQ(where.dir, dir.path());
  EXPECT_EQ(where.why, "beside the root");
}

TEST(PrefaultLocation, InTheRootWhenItsParentIsAnotherFilesystem) {
  // /dev/shm is a tmpfs of its own; its parent, /dev, is not the same filesystem.
  const auto where = prefault_location(std::filesystem::path("/dev/shm"));
  EXPECT_EQ(where.dir, "/dev/shm");
  EXPECT_EQ(where.why, "in the root");
}

TEST(PrefaultLocation, MemoryThroughDevShmWhenTheRootIsUnknown) {
  const auto where = prefault_location(std::nullopt);
  EXPECT_EQ(where.dir, "/dev/shm");
  EXPECT_NE(where.why.find("unknown"), std::string::npos);
}

TEST(SpaceForPrefault, LessThanTheFreeSpaceAndTheFreeMemory) {
  TempDir dir;
  const auto space = space_for_prefault(dir.path());
  EXPECT_GT(space, 64 * kMiB);  // this machine has GiBs of both
  const auto fs = std::filesystem::space(dir.path());
  EXPECT_LT(space, fs.available);
  std::ifstream meminfo("/proc/meminfo");
  std::string key;
  std::uint64_t available_kib = 0;
  while (meminfo >> key >> available_kib && key != "MemAvailable:") meminfo.ignore(256, '\n');
  EXPECT_LT(space, available_kib * 1024);
  EXPECT_THROW(space_for_prefault(dir.path() / "nonexistent"), Error);
}

TEST(Prefault, WritesTheWholeFileThenLeavesNothing) {
  TempDir dir;
  std::uint64_t last_done = 0, calls = 0;
  std::uint64_t seen_size = 0;
  const auto r =
      prefault({dir.path(), "test"}, 130 * kMiB, [&](std::uint64_t done, std::uint64_t total) {
        EXPECT_EQ(total, 130 * kMiB);
        EXPECT_GT(done, last_done);
        last_done = done;
        ++calls;
        // While it runs, the scratch file is there, as long as what was written.
        for (const auto& e : std::filesystem::directory_iterator(dir.path())) {
          EXPECT_EQ(e.path().filename().string().rfind(".streambench-prefault-", 0), 0u);
          seen_size = e.file_size();
        }
      });
  EXPECT_EQ(r.bytes, 130 * kMiB);
  EXPECT_GT(r.seconds, 0);
  EXPECT_EQ(last_done, 130 * kMiB);
  EXPECT_EQ(calls, 3u);  // at 64, 128 and 130 MiB
  EXPECT_EQ(seen_size, 130 * kMiB);
  EXPECT_EQ(entries(dir.path()), 0u);
}

TEST(Prefault, AFailureIsAnErrorNamingThePathAndLeavesNothing) {
  TempDir dir;
  try {
    prefault({dir.path() / "missing", "test"}, kMiB);
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("open(" + (dir.path() / "missing").string()),
              std::string::npos)
        << e.what();
  }
  EXPECT_EQ(prefault({dir.path(), "test"}, 0).bytes, 0u);
  EXPECT_EQ(entries(dir.path()), 0u);
}

}  // namespace
}  // namespace streamcheck::bench
