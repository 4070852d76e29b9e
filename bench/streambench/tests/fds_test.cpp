// `streambench fds`: /proc and lsof side by side, and --save/--against catching a
// descriptor leaked on purpose by a helper process.
#include <fcntl.h>
#include <unistd.h>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <filesystem>

#include "bench/lib/tests/forked_child.hpp"
#include "bench/streambench/tests/run_command.hpp"

namespace streamcheck::streambench {
namespace {

using bench::testing::ForkedChild;
using testing::run_command;

// A helper that, on 'l', opens a temp file and unlinks it: a leaked descriptor.
void leaker(ForkedChild::Channel& ch) {
  ch.reply("ready");
  for (;;) {
    const char c = ch.wait_command();
    if (c != 'l') return;
    char path[] = "/tmp/streambench-leak-XXXXXX";
    const int fd = ::mkstemp(path);
    ::unlink(path);
    ch.reply(std::to_string(fd));
  }
}

TEST(StreambenchFds, ProcAndLsofAgreeAndDeletedFilesAreFlagged) {
  ForkedChild child(leaker);
  ASSERT_EQ(child.read_reply(), "ready");
  const int fd = std::stoi(child.ask('l'));
  const auto ran =
      run_command(STREAMBENCH_BINARY, {"fds", "--pid", std::to_string(child.pid()), "--json"});
  ASSERT_EQ(ran.status, 0) << ran.out << ran.err;
  const auto doc = nlohmann::json::parse(ran.out);
  EXPECT_TRUE(doc.at("agree").get<bool>());
  EXPECT_EQ(doc.at("deleted_open"), 1);
  bool found = false;
  for (const auto& p : doc.at("processes"))
    for (const auto& f : p.at("fds"))
      if (f.at("fd") == fd) {
        found = true;
        EXPECT_TRUE(f.at("deleted").get<bool>());
        ASSERT_FALSE(f.at("lsof").is_null());
        EXPECT_NE(f["lsof"]["name"].get<std::string>().find("streambench-leak-"),
                  std::string::npos);
      }
  EXPECT_TRUE(found);
}

TEST(StreambenchFds, SaveThenAgainstNamesALeakedDescriptor) {
  ForkedChild child(leaker);
  ASSERT_EQ(child.read_reply(), "ready");
  const auto saved = std::filesystem::temp_directory_path() /
                     ("streambench-fds-" + std::to_string(::getpid()) + ".json");
  const auto pid = std::to_string(child.pid());
  const auto save =
      run_command(STREAMBENCH_BINARY, {"fds", "--pid", pid, "--save", saved.string()});
  ASSERT_EQ(save.status, 0) << save.err;
  // Nothing happened yet: no growth.
  const auto same =
      run_command(STREAMBENCH_BINARY, {"fds", "--pid", pid, "--against", saved.string()});
  EXPECT_EQ(same.status, 0) << same.err;
  const int fd = std::stoi(child.ask('l'));
  const auto grown =
      run_command(STREAMBENCH_BINARY, {"fds", "--pid", pid, "--against", saved.string()});
  std::filesystem::remove(saved);
  EXPECT_EQ(grown.status, 1) << grown.err;
  EXPECT_NE(grown.err.find("fd " + std::to_string(fd) + " -> /tmp/streambench-leak-"),
            std::string::npos)
      << grown.err;
}

TEST(StreambenchFds, MissingProcessIsAnError) {
  EXPECT_EQ(run_command(STREAMBENCH_BINARY, {"fds", "--pid", "999999999"}).status, 3);
  EXPECT_EQ(run_command(STREAMBENCH_BINARY, {"fds"}).status, 3);
}

}  // namespace
}  // namespace streamcheck::streambench
