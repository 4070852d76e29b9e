// WebDAV locks seen from FTP, on one refserver: FTP has no lock tokens, so every write to
// a resource a WebDAV lock covers is refused with 450 naming the lock, until the lock is
// released over HTTP; writes elsewhere go on.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <string_view>

#include "bench/lib/ftp_control.hpp"
#include "bench/lib/http_client.hpp"
#include "refserver/testing/dav_exchange.hpp"
#include "refserver/testing/ftp_control.hpp"
#include "refserver/testing/shared_refserver.hpp"
#include "refserver/testing/spawned_refserver.hpp"

namespace streamcheck {
namespace {

using bench::FtpControl;
using bench::FtpReply;
using Server = testing::SpawnedRefserver;
using testing::file_bytes;

constexpr std::string_view kExclusiveLock =
    "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<D:lockinfo xmlns:D=\"DAV:\">"
    "<D:lockscope><D:exclusive/></D:lockscope><D:locktype><D:write/></D:locktype>"
    "<D:owner>ftp-dav-locks-test</D:owner></D:lockinfo>";

class FtpDavLocks : public testing::SharedRefserverSuite<FtpDavLocks> {
 public:
  static void prepare(Server& server) {
    bench::HttpClient http(server.http());
    ASSERT_EQ(http.mkcol("/tree/").status, 201);
  }

 protected:
  // LOCKs `path` over HTTP as the test user; its token, or "" (a failure recorded).
  std::string lock(const std::string& path, std::string_view depth) {
    auto res = testing::dav_exchange(*server_, "LOCK", path,
                                     {"Depth: " + std::string(depth), "Timeout: Second-600"},
                                     kExclusiveLock);
    if (!res || (res->status != 200 && res->status != 201)) {
      ADD_FAILURE() << "LOCK " << path << ": " << (res ? res->status : 0);
      return {};
    }
    std::string token = res->header("Lock-Token");
    EXPECT_TRUE(token.size() > 2 && token.front() == '<' && token.back() == '>') << token;
    return token.size() > 2 ? token.substr(1, token.size() - 2) : token;
  }
  int unlock(const std::string& path, const std::string& token) {
    auto res = testing::dav_exchange(*server_, "UNLOCK", path, {"Lock-Token: <" + token + ">"});
    return res ? res->status : 0;
  }

  // A file of `bytes` at `path`, made on disk beneath the server's root.
  void make_file(const std::string& path, std::string_view bytes) {
    std::ofstream(server_->root() / path.substr(1), std::ios::binary) << bytes;
    ASSERT_EQ(file_bytes(server_->root() / path.substr(1)), bytes);
  }

  // `command` ("STOR name", "APPE name") with `bytes` on a passive data connection: the
  // final reply, or the refusal that came instead of 150.
  static FtpReply upload(FtpControl& c, const std::string& command, std::string_view bytes) {
    auto data = c.open_passive();
    auto reply = c.command(command);
    if (reply.code != 150) return reply;
    data->send(bytes);
    data.reset();
    return c.read_reply();
  }
};

// The 450's text, checked for the token: a client (or its user) learns who holds what.
::testing::AssertionResult refused_naming(const FtpReply& reply, const std::string& token) {
  if (reply.code == 450 && !token.empty() && reply.text.find(token) != std::string::npos)
    return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure() << "not a 450 naming " << token << ": " << reply.text;
}

TEST_F(FtpDavLocks, EveryWriteToALockedFileIs450NamingTheLock) {
  make_file("/locked.txt", "as locked\n");
  const auto token = lock("/locked.txt", "0");
  ASSERT_FALSE(token.empty());
  auto c = testing::ftp_logged_in(*server_);
  EXPECT_TRUE(refused_naming(upload(*c, "STOR locked.txt", "overwritten\n"), token));
  EXPECT_TRUE(refused_naming(upload(*c, "APPE locked.txt", "appended\n"), token));
  EXPECT_TRUE(refused_naming(c->command("DELE locked.txt"), token));
  EXPECT_TRUE(refused_naming(c->command("RNFR locked.txt"), token));
  EXPECT_EQ(file_bytes(server_->root() / "locked.txt"), "as locked\n");
  // The lock is on one file: the one beside it takes uploads.
  EXPECT_EQ(upload(*c, "STOR beside-locked.txt", "beside\n").code, 226);
  EXPECT_EQ(file_bytes(server_->root() / "beside-locked.txt"), "beside\n");
  EXPECT_EQ(unlock("/locked.txt", token), 204);
}

TEST_F(FtpDavLocks, NewFileInACollectionLockedDepthInfinityIs450) {
  ASSERT_EQ(testing::dav_exchange(*server_, "MKCOL", "/tree/sub/")->status, 201);
  const auto token = lock("/tree/sub/", "infinity");
  ASSERT_FALSE(token.empty());
  auto c = testing::ftp_logged_in(*server_);
  EXPECT_TRUE(refused_naming(upload(*c, "STOR /tree/sub/new.txt", "new\n"), token));
  EXPECT_FALSE(std::filesystem::exists(server_->root() / "tree/sub/new.txt"));
  // Beside the locked collection, in its unlocked parent.
  EXPECT_EQ(upload(*c, "STOR /tree/beside-sub.txt", "beside\n").code, 226);
  EXPECT_EQ(file_bytes(server_->root() / "tree/beside-sub.txt"), "beside\n");
  EXPECT_EQ(unlock("/tree/sub/", token), 204);
  EXPECT_EQ(upload(*c, "STOR /tree/sub/new.txt", "new\n").code, 226);
}

TEST_F(FtpDavLocks, AfterUnlockTheFtpUploadLands) {
  make_file("/released.txt", "before\n");
  const auto token = lock("/released.txt", "0");
  ASSERT_FALSE(token.empty());
  auto c = testing::ftp_logged_in(*server_);
  ASSERT_TRUE(refused_naming(upload(*c, "STOR released.txt", "too early\n"), token));
  ASSERT_EQ(unlock("/released.txt", token), 204);
  const std::string bytes = "the FTP upload, once the lock is gone\n";
  EXPECT_EQ(upload(*c, "STOR released.txt", bytes).code, 226);
  EXPECT_EQ(file_bytes(server_->root() / "released.txt"), bytes);
}

}  // namespace
}  // namespace streamcheck
