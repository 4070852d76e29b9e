#include "bench/lib/target.hpp"

#include <unistd.h>

#include <gtest/gtest.h>

#include "bench/lib/error.hpp"
#include "bench/lib/target_options.hpp"
#include "bench/lib/transfer.hpp"

namespace streamcheck::bench {
namespace {

TEST(Target, SpawnsTheRefserverInATempRootAndRemovesIt) {
  std::filesystem::path root;
  {
    auto t = Target::spawn_refserver(REFSERVER_BINARY, RootOn::tmpfs);
    EXPECT_EQ(t->name, "refserver");
    ASSERT_TRUE(t->has_http());
    EXPECT_EQ(t->http->host, "127.0.0.1");
    EXPECT_TRUE(t->http->has_userinfo);
    EXPECT_GT(t->pid, 0);
    ASSERT_TRUE(t->root);
    root = *t->root;
    EXPECT_TRUE(root.string().starts_with("/dev/shm/"));
    EXPECT_TRUE(std::filesystem::is_directory(root));
    ASSERT_NE(t->process(), nullptr);
  }
  EXPECT_FALSE(std::filesystem::exists(root));
  EXPECT_FALSE(std::filesystem::exists(root.parent_path()));
}

TEST(Target, AttachChecksItsArguments) {
  EXPECT_THROW(Target::attach("", "", ::getpid()), Error);
  EXPECT_THROW(Target::attach("http://127.0.0.1:1/", "", 999'999'999), Error);
  EXPECT_THROW(Target::attach("ftp://127.0.0.1:1/", "", ::getpid()), Error);
  EXPECT_THROW(Target::attach("", "http://127.0.0.1:1/", ::getpid()), Error);
  auto t = Target::attach("http://u:p@127.0.0.1:1/", "ftp://127.0.0.1:2/", ::getpid());
  EXPECT_EQ(t->pid, ::getpid());
  EXPECT_EQ(t->http->password, "p");
  EXPECT_EQ(t->ftp->port, 2);
  EXPECT_EQ(t->process(), nullptr);
  EXPECT_EQ(t->description.find("p@"), std::string::npos);  // password hidden
}

// --stall-timeout and --answer-timeout reach every transfer made after the target.
TEST(Target, MakeTargetSetsTheStallLimitsOfLaterTransfers) {
  const auto before = default_stall_limits();
  TargetOptions o;
  o.http = "http://127.0.0.1:1/";
  o.pid = ::getpid();
  o.stall_seconds = 7;
  o.answer_seconds = 0;
  const auto t = make_target(o, "test", exe_dir());
  EXPECT_EQ(TransferOptions{}.stall_timeout, std::chrono::seconds(7));
  EXPECT_EQ(TransferOptions{}.answer_timeout, std::chrono::seconds(0));
  o.stall_seconds = -1;
  EXPECT_THROW(make_target(o, "test", exe_dir()), Error);
  set_default_stall_limits(before);
}

TEST(Target, RootOnParses) {
  EXPECT_EQ(parse_root_on("tmpfs"), RootOn::tmpfs);
  EXPECT_EQ(parse_root_on("disk"), RootOn::disk);
  EXPECT_THROW(parse_root_on("ram"), Error);
}

TEST(Target, SpawnedTargetIsNamedAfterTheProgramPastWrappers) {
  EXPECT_EQ(name_for_command(Command::exec({"scripts/peers/nginx"})), "nginx");
  EXPECT_EQ(name_for_command(Command::exec({"env", "A=1", "/usr/sbin/vsftpd", "-x"})), "vsftpd");
  EXPECT_EQ(name_for_command(Command::shell("scripts/peers/pyftpdlib --root /srv")), "pyftpdlib");
  EXPECT_EQ(name_for_command(Command::shell("exec env TMPDIR=/dev/shm nice -n 5 ./myserver -p 0")),
            "myserver");
  EXPECT_EQ(name_for_command(Command::shell("taskset -c 0 refserver --root r")), "refserver");
  EXPECT_EQ(name_for_command(Command::shell("A=1 B=2 server")), "server");
}

TEST(Target, FindsTheRefserverInABuildTree) {
  const std::filesystem::path bin(REFSERVER_BINARY);
  // From the build tree's bench/streambench directory.
  const auto found = find_refserver(bin.parent_path().parent_path() / "bench" / "streambench");
  ASSERT_TRUE(found);
  EXPECT_EQ(*found, std::filesystem::canonical(bin));
}

}  // namespace
}  // namespace streamcheck::bench
