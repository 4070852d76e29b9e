// MFMT (draft-somers-ftp-mfxx), the command rclone and lftp set a file's modification
// time with, over a raw control connection to the spawned refserver: the reply's
// exact form, MDTM and the store agreeing on the time afterwards, the refusals (bad
// times, missing files, collections, no login, a read-only login), FEAT and HELP; and
// curl sending it as a quote command.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

#include "refserver/testing/ftp_control.hpp"
#include "refserver/testing/shared_refserver.hpp"
#include "refserver/testing/spawned_refserver.hpp"

namespace streamcheck {
namespace {

namespace fs = std::filesystem;
using bench::FtpControl;
using Server = testing::SpawnedRefserver;

constexpr time_t kJan2 = 1577934245;  // 2020-01-02 03:04:05 UTC

class FtpMfmt : public testing::SharedRefserverSuite<FtpMfmt> {
 public:
  // Anonymous logins may read: MFMT must be refused to them as STOR is.
  static std::vector<std::string> server_args() { return {"--anonymous", "read"}; }
  static void prepare(Server& server) {
    std::ofstream(server.root() / "m.txt") << "mfmt";
    std::ofstream(server.root() / "with space.txt") << "spaced";
    fs::create_directory(server.root() / "dir");
  }

 protected:
  std::unique_ptr<FtpControl> connect() { return testing::ftp_connect(*server_); }
  std::unique_ptr<FtpControl> logged_in() { return testing::ftp_logged_in(*server_); }
  time_t host_mtime(const std::string& name) const {
    struct stat st {};
    EXPECT_EQ(::stat((server_->root() / name).c_str(), &st), 0) << name;
    return st.st_mtim.tv_sec;
  }
};

TEST_F(FtpMfmt, SetsTheTimeMdtmThenReports) {
  auto c = logged_in();
  EXPECT_EQ(c->command("MFMT 20200102030405 m.txt").text, "213 Modify=20200102030405; m.txt");
  EXPECT_EQ(c->command("MDTM m.txt").text, "213 20200102030405");
  EXPECT_EQ(host_mtime("m.txt"), kJan2);
  auto mlst = c->command("MLST /m.txt");
  EXPECT_NE(mlst.text.find("modify=20200102030405;"), std::string::npos) << mlst.text;

  // A fraction is kept and echoed to the millisecond; an absolute path as given.
  EXPECT_EQ(c->command("MFMT 19991231235959.250 /m.txt").text,
            "213 Modify=19991231235959.250; /m.txt");
  EXPECT_EQ(c->command("MDTM m.txt").text, "213 19991231235959");
  // The path is the rest of the line, spaces included.
  EXPECT_EQ(c->command("MFMT 20200102030405 with space.txt").text,
            "213 Modify=20200102030405; with space.txt");
  EXPECT_EQ(host_mtime("with space.txt"), kJan2);
  // Relative to the working directory.
  std::ofstream(server_->root() / "dir" / "inner.txt") << "in";
  EXPECT_EQ(c->command("CWD dir").code, 250);
  EXPECT_EQ(c->command("MFMT 20200102030405 inner.txt").code, 213);
  EXPECT_EQ(host_mtime("dir/inner.txt"), kJan2);
}

TEST_F(FtpMfmt, BadTimesAndArgumentsAre501) {
  auto c = logged_in();
  const time_t before = host_mtime("m.txt");
  for (const char* line :
       {"MFMT 20201302030405 m.txt", "MFMT 2020010203040 m.txt", "MFMT 2020O102030405 m.txt",
        "MFMT abcdefghijklmn m.txt", "MFMT 20230229000000 m.txt", "MFMT 20200102030460 m.txt",
        "MFMT 20200102030405. m.txt", "MFMT 20200102030405", "MFMT 20200102030405 ", "MFMT m.txt",
        "MFMT  20200102030405 m.txt", "MFMT"}) {
    EXPECT_EQ(c->command(line).code, 501) << line;
  }
  EXPECT_EQ(host_mtime("m.txt"), before);
  EXPECT_EQ(c->command("NOOP").code, 200) << "the session goes on";
}

TEST_F(FtpMfmt, MissingFilesAndCollectionsAre550) {
  auto c = logged_in();
  EXPECT_EQ(c->command("MFMT 20200102030405 nope.txt").code, 550);
  EXPECT_EQ(c->command("MFMT 20200102030405 nodir/x.txt").code, 550);
  EXPECT_EQ(c->command("MFMT 20200102030405 dir").code, 550);
  EXPECT_EQ(c->command("MFMT 20200102030405 /").code, 550);
  EXPECT_NE(host_mtime("dir"), kJan2);
  EXPECT_FALSE(fs::exists(server_->root() / "nope.txt")) << "MFMT never creates";
}

TEST_F(FtpMfmt, NeedsALoginThatMayWrite) {
  auto c = connect();
  EXPECT_EQ(c->command("MFMT 20200102030405 m.txt").code, 530);
  ASSERT_TRUE(c->login("anonymous", "guest@example.com"));
  const time_t before = host_mtime("m.txt");
  auto refused = c->command("MFMT 20100102030405 m.txt");
  auto stor_refused = c->command("STOR m.txt");
  EXPECT_EQ(refused.code, 550) << refused.text;
  EXPECT_EQ(refused.code, stor_refused.code) << "refused as STOR is";
  EXPECT_EQ(host_mtime("m.txt"), before);
  EXPECT_EQ(c->command("MDTM m.txt").code, 213) << "reading the time is still allowed";
}

TEST_F(FtpMfmt, FeatListsItAndHelpKnowsIt) {
  auto c = connect();
  auto feat = c->command("FEAT");
  EXPECT_EQ(feat.code, 211);
  EXPECT_NE(feat.text.find("\n MFMT\n"), std::string::npos) << feat.text;
  auto help = c->command("HELP MFMT");
  EXPECT_EQ(help.code, 214);
  EXPECT_NE(help.text.find("YYYYMMDDHHMMSS"), std::string::npos) << help.text;
  auto all = c->command("HELP");
  EXPECT_NE(all.text.find("MFMT"), std::string::npos) << all.text;
}

TEST_F(FtpMfmt, CurlSendsItAsAQuoteCommand) {
  std::ofstream(server_->root() / "curl.txt") << "curl";
  const std::string url = std::string("ftp://") + Server::kUser + ":" + Server::kPassword + "@" +
                          server_->ftp().authority() + "/";
  // -Q runs the command before the listing; curl fails on a reply of 400 or more.
  const std::string cmd = "curl -sS -o /dev/null -Q 'MFMT 20200102030405 curl.txt' '" + url + "'";
  ASSERT_EQ(std::system(cmd.c_str()), 0) << cmd;
  EXPECT_EQ(host_mtime("curl.txt"), kJan2);
  const std::string missing =
      "curl -sS -o /dev/null -Q 'MFMT 20200102030405 none.txt' '" + url + "' 2>/dev/null";
  EXPECT_NE(std::system(missing.c_str()), 0);
}

}  // namespace
}  // namespace streamcheck
