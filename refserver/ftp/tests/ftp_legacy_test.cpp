// The FTP front end's part in --legacy require-length and escape-root: ALLO n is the
// announced length it hands the store for the next STOR, APPE or STOU, and "../NAME" is
// resolved through the store's parse_path. So a refserver with those profiles on must
// answer 501 to a STOR or APPE with no ALLO before it, and RETR and SIZE ../NAME must
// read the file beside the root; what the profiles leave alone still works. And
// read-ahead: RETR of an object with no fd goes through the session's buffer from the
// queue, so a client that stops reading leaves the object in the server's memory, and
// the bytes stay exact, from a REST offset too.
#include <gtest/gtest.h>
#include <sys/socket.h>

#include <chrono>
#include <fstream>
#include <string>

#include "bench/lib/ftp_client.hpp"
#include "bench/lib/ftp_control.hpp"
#include "bench/lib/payload.hpp"
#include "refserver/testing/ftp_control.hpp"
#include "refserver/testing/payload_hash.hpp"
#include "refserver/testing/server_resources.hpp"
#include "refserver/testing/shared_refserver.hpp"
#include "refserver/testing/spawned_refserver.hpp"

namespace streamcheck {
namespace {

using bench::FtpControl;
using namespace std::chrono_literals;
using Server = testing::SpawnedRefserver;

constexpr std::string_view kBeside = "planted beside the root by ftp_legacy_test";

class FtpLegacy : public testing::SharedRefserverSuite<FtpLegacy> {
 public:
  static std::vector<std::string> server_args() {
    return {"--legacy", "require-length,escape-root"};
  }
  static void prepare(Server& server) {
    // The root's parent is the server's temp directory, removed with it.
    std::ofstream(server.root().parent_path() / "beside.txt") << kBeside;
  }

 protected:
  std::unique_ptr<FtpControl> logged_in() { return testing::ftp_logged_in(*server_); }
  // `verb` `name` with a data connection ready; the content is sent when the server
  // takes it. The first reply, and the final one when there is a transfer.
  std::pair<bench::FtpReply, bench::FtpReply> store(FtpControl& c, const std::string& verb,
                                                    const std::string& name,
                                                    const std::string& content) {
    auto data = c.open_passive();
    auto first = c.command(verb + " " + name);
    if (first.code != 150 && first.code != 125) return {first, {}};
    data->send(content);
    data->shutdown_write();
    data->wait_closed(5s);
    return {first, c.read_reply()};
  }
  std::string retrieve(FtpControl& c, const std::string& name, bench::FtpReply* first) {
    auto data = c.open_passive();
    *first = c.command("RETR " + name);
    if (first->code != 150 && first->code != 125) return {};
    std::string out;
    char buf[4096];
    for (ssize_t n; (n = ::recv(data->fd(), buf, sizeof buf, 0)) > 0;)
      out.append(buf, static_cast<size_t>(n));
    data.reset();
    EXPECT_EQ(c.read_reply().code, 226);
    return out;
  }
};

TEST_F(FtpLegacy, RequireLengthRefusesStorAndAppeWithoutAllo) {
  auto c = logged_in();
  auto refused = store(*c, "STOR", "no-allo.txt", "abc");
  EXPECT_EQ(refused.first.code, 501) << refused.first.text;
  EXPECT_NE(refused.first.text.find("length required"), std::string::npos) << refused.first.text;
  EXPECT_EQ(c->command("SIZE no-allo.txt").code, 550);

  EXPECT_EQ(c->command("ALLO 3").code, 202);
  auto taken = store(*c, "STOR", "allo.txt", "abc");
  EXPECT_EQ(taken.first.code, 150) << taken.first.text;
  EXPECT_EQ(taken.second.code, 226) << taken.second.text;

  // One ALLO announces one upload.
  EXPECT_EQ(store(*c, "STOR", "allo.txt", "xyz").first.code, 501);
  EXPECT_EQ(store(*c, "APPE", "allo.txt", "def").first.code, 501);
  EXPECT_EQ(c->command("ALLO 3 R 512").code, 202);
  EXPECT_EQ(store(*c, "APPE", "allo.txt", "def").second.code, 226);
  EXPECT_EQ(c->command("SIZE allo.txt").text, "213 6");
}

TEST_F(FtpLegacy, EscapeRootRetrAndSizeReadTheFileBesideTheRoot) {
  auto c = logged_in();
  EXPECT_EQ(c->command("SIZE ../beside.txt").text, "213 " + std::to_string(kBeside.size()));
  bench::FtpReply first;
  EXPECT_EQ(retrieve(*c, "../beside.txt", &first), kBeside) << first.text;
  EXPECT_EQ(retrieve(*c, "/../beside.txt", &first), kBeside) << first.text;
}

TEST_F(FtpLegacy, EscapeRootClimbsOneLevelOnlyAndNeverWrites) {
  auto c = logged_in();
  EXPECT_EQ(c->command("SIZE ../../etc/passwd").code, 553);
  EXPECT_EQ(c->command("DELE ../beside.txt").code, 550);
  EXPECT_EQ(c->command("ALLO 3").code, 202);
  EXPECT_EQ(store(*c, "STOR", "../beside.txt", "xyz").first.code, 550);
  EXPECT_EQ(c->command("MKD ../made-beside").code, 550);
  std::ifstream in(server_->root().parent_path() / "beside.txt");
  EXPECT_EQ(std::string(std::istreambuf_iterator<char>(in), {}), kBeside);
  EXPECT_FALSE(std::filesystem::exists(server_->root().parent_path() / "made-beside"));
}

TEST(FtpLegacyReadAhead, AStalledRetrGrowsTheServerByTheObjectOnlyWithTheProfile) {
  constexpr uint64_t MiB = 1024 * 1024;
  const bench::Payload p{42, 64 * MiB, bench::PayloadKind::random};
  const auto sha = bench::payload_sha256(p.seed, p.size, p.kind);
  for (bool legacy : {true, false}) {
    Server server(legacy ? std::vector<std::string>{"--legacy", "read-ahead"}
                         : std::vector<std::string>{});
    bench::FtpClient c(server.ftp());
    ASSERT_TRUE(c.stor("big.bin", p).completed());
    bench::Transfer retr;
    const uint64_t growth = testing::growth_with_stalled_reader(
        server.pid(), 48 * 1024, legacy ? 10s : 1s,
        [&](const bench::TransferOptions& stall) { retr = c.retr("big.bin", stall); });
    EXPECT_TRUE(retr.completed()) << retr.curl_error;
    EXPECT_EQ(retr.sha256, sha);
    EXPECT_TRUE(
        testing::stalled_growth_is(legacy, growth, 32 * 1024, 8 * 1024, "stalled 64 MiB RETR"));
    const uint64_t offset = 40 * MiB + 7;
    auto rest = c.rest_retr("big.bin", offset);
    EXPECT_TRUE(rest.completed()) << rest.curl_error;
    EXPECT_EQ(rest.body_bytes, p.size - offset);
    EXPECT_EQ(rest.sha256, testing::sha256_of_range(p, offset, p.size));
  }
}

}  // namespace
}  // namespace streamcheck
