// streambench's http-copy and http-move against real WebDAV servers that do COPY and MOVE
// (scripts/peers/nginx: the dav module; scripts/peers/apache2: mod_dav_fs), each skipped
// when not installed. Both copy through their own buffers (read and write), so copies is
// about 1.0 for COPY, and MOVE is a rename within the root.
#include <unistd.h>

#include <gtest/gtest.h>

#include <filesystem>
#include <string>

#include "bench/streambench/tests/dav_rows.hpp"
#include "bench/streambench/tests/json_run.hpp"

namespace streamcheck::streambench {
namespace {

namespace fs = std::filesystem;

void copy_and_move_on(const std::string& peer, const std::string& binary) {
  if (::access(binary.c_str(), X_OK) != 0)
    GTEST_SKIP() << binary << " is not there (scripts/setup installs it)";
  const fs::path launcher = fs::path(STREAMCHECK_PEERS_DIR) / peer;
  const auto r =
      testing::run_json("streambench-dav-" + peer + ".json",
                        {"--spawn", "'" + launcher.string() + "'", "--name", peer, "--sizes",
                         "8MiB", "--ops", "http-copy,http-move", "--no-checks", "--no-progress"});
  ASSERT_EQ(r.ran.status, 0) << r.ran.err << r.ran.out;
  EXPECT_EQ(r.ran.err.find("skipping"), std::string::npos) << r.ran.err;
  testing::expect_copy_and_move_rows(r.doc, peer, "8MiB", 8 << 20, testing::CopyPath::read_write);
}

TEST(StreambenchPeersDav, Nginx) {
  copy_and_move_on("nginx", "/usr/sbin/nginx");
}

TEST(StreambenchPeersDav, Apache2) {
  copy_and_move_on("apache2", "/usr/sbin/apache2");
}

}  // namespace
}  // namespace streamcheck::streambench
