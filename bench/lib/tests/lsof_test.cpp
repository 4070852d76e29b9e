#include "bench/lib/lsof.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <algorithm>

#include "bench/lib/error.hpp"
#include "bench/lib/tests/forked_child.hpp"

namespace streamcheck::bench {
namespace {

TEST(LsofParse, ReadsProcessesAndFiles) {
  const auto files = parse_lsof_fields(
      "p12\nfcwd\ntDIR\nn/\nf3\ntREG\nn/tmp/x (deleted)\np13\nf0\ntCHR\nn/dev/null\n");
  ASSERT_EQ(files.size(), 3u);
  EXPECT_EQ(files[0].pid, 12);
  EXPECT_EQ(files[0].fd, "cwd");
  EXPECT_EQ(files[0].fd_number, -1);
  EXPECT_EQ(files[1].fd_number, 3);
  EXPECT_EQ(files[1].type, "REG");
  EXPECT_TRUE(files[1].deleted);
  EXPECT_EQ(files[2].pid, 13);
  EXPECT_EQ(files[2].name, "/dev/null");
  EXPECT_FALSE(files[2].deleted);
}

TEST(LsofParse, RejectsHostileOutput) {
  EXPECT_THROW(parse_lsof_fields("f3\nn/x\n"), Error);  // file before process
  EXPECT_THROW(parse_lsof_fields("pabc\n"), Error);
  EXPECT_THROW(parse_lsof_fields("p-1\n"), Error);
  EXPECT_TRUE(parse_lsof_fields("").empty());
  EXPECT_TRUE(parse_lsof_fields("\n\n").empty());
  // Unknown fields and fields without a file are ignored.
  EXPECT_EQ(parse_lsof_fields("p1\nn/orphan-name\nx\nf7\nzzz\n").size(), 1u);
}

TEST(Lsof, SeesAChildsUnlinkedFile) {
  testing::ForkedChild child([](testing::ForkedChild::Channel& ch) {
    char path[] = "/tmp/lsof-test-XXXXXX";
    const int fd = ::mkstemp(path);
    ::unlink(path);
    ch.reply(std::to_string(fd));
    ch.wait_command();
  });
  const int fd = std::stoi(child.read_reply());
  const pid_t pids[] = {child.pid()};
  const auto files = run_lsof(pids);
  const auto it = std::find_if(files.begin(), files.end(),
                               [&](const LsofFile& f) { return f.fd_number == fd; });
  ASSERT_NE(it, files.end());
  EXPECT_TRUE(it->deleted) << it->name;
  EXPECT_NE(it->name.find("lsof-test-"), std::string::npos);
  EXPECT_TRUE(
      std::all_of(files.begin(), files.end(), [](const LsofFile& f) { return f.fd_number >= 0; }));
}

}  // namespace
}  // namespace streamcheck::bench
