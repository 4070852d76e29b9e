// The FTP front end's exact replies, over a raw control connection to the spawned
// refserver: login, data connection setup, RFC 3659 facts, ABOR mid-transfer, and
// hostile input (RFC 2577 address checks, over-long lines, traversal, login limits).
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>

#include <chrono>
#include <fstream>
#include <string>
#include <thread>

#include "bench/lib/ftp_control.hpp"
#include "bench/lib/http_client.hpp"
#include "bench/lib/payload.hpp"
#include "bench/lib/tests/eventually.hpp"
#include "refserver/testing/ftp_control.hpp"
#include "refserver/testing/shared_refserver.hpp"
#include "refserver/testing/spawned_refserver.hpp"

namespace streamcheck {
namespace {

using bench::FtpControl;
using bench::testing::eventually;
using namespace std::chrono_literals;
using Server = testing::SpawnedRefserver;
constexpr uint64_t MiB = 1024 * 1024;

class FtpProtocol : public testing::SharedRefserverSuite<FtpProtocol> {
 public:
  // The suite's server: see SharedRefserverSuite.
  static std::vector<std::string> server_args() {
    return {"--idle-timeout", "2", "--max-connections", "6"};
  }
  static void prepare(Server& server) {
    bench::HttpClient http(server.http());
    ASSERT_EQ(http.put("/big.bin", {1, 64 * MiB, bench::PayloadKind::random}).status, 201);
    ASSERT_EQ(http.put("/small.txt", {2, 1000, bench::PayloadKind::random}).status, 201);
  }

 protected:
  std::unique_ptr<FtpControl> connect() { return testing::ftp_connect(*server_); }
  std::unique_ptr<FtpControl> logged_in() { return testing::ftp_logged_in(*server_); }
};

TEST_F(FtpProtocol, Rfc959LoginSequence) {
  auto c = connect();
  EXPECT_EQ(c->command("PWD").code, 530);     // before login
  EXPECT_EQ(c->command("PASS x").code, 503);  // PASS before USER
  EXPECT_EQ(c->command("USER tester").code, 331);
  EXPECT_EQ(c->command("PASS wrong").code, 530);  // after a delay
  EXPECT_EQ(c->command("RETR big.bin").code, 530);
  EXPECT_EQ(c->command("USER tester").code, 331);
  EXPECT_EQ(c->command(std::string("PASS ") + Server::kPassword).code, 230);
  auto pwd = c->command("PWD");
  EXPECT_EQ(pwd.code, 257);
  EXPECT_NE(pwd.text.find("\"/\""), std::string::npos) << pwd.text;
  EXPECT_EQ(c->command("ACCT x").code, 502);
  EXPECT_EQ(c->command("SYST").code, 215);
  EXPECT_EQ(c->command("XYZZ").code, 500);
  EXPECT_EQ(c->command("RETR").code, 501);  // argument missing
  EXPECT_EQ(c->command("QUIT").code, 221);
  EXPECT_TRUE(c->connection().wait_closed(5s));
}

TEST_F(FtpProtocol, Rfc2577ThreeFailedLoginsClose) {
  auto c = connect();
  for (int i = 0; i < 2; ++i) {
    EXPECT_EQ(c->command("USER tester").code, 331);
    EXPECT_EQ(c->command("PASS bad").code, 530);
  }
  EXPECT_EQ(c->command("USER tester").code, 331);
  EXPECT_EQ(c->command("PASS bad").code, 421);
  EXPECT_TRUE(c->connection().wait_closed(5s));
}

TEST_F(FtpProtocol, Rfc959PasvAndRfc2428Epsv) {
  auto c = logged_in();
  auto pasv = c->command("PASV");
  EXPECT_EQ(pasv.code, 227);
  EXPECT_NE(pasv.text.find("(127,0,0,1,"), std::string::npos) << pasv.text;
  EXPECT_EQ(c->command("EPSV").code, 229);
  EXPECT_EQ(c->command("EPSV 1").code, 229);
  EXPECT_EQ(c->command("EPSV 7").code, 522);
  EXPECT_EQ(c->command("EPSV ALL").code, 200);
  EXPECT_EQ(c->command("PASV").code, 503);  // RFC 2428 §4: only EPSV after EPSV ALL
  EXPECT_EQ(c->command("PORT 127,0,0,1,200,1").code, 503);
}

TEST_F(FtpProtocol, Rfc3659SizeMdtmRestMlst) {
  auto c = logged_in();
  EXPECT_EQ(c->command("SIZE small.txt").text, "213 1000");
  EXPECT_EQ(c->command("SIZE nope.txt").code, 550);
  auto mdtm = c->command("MDTM small.txt");
  EXPECT_EQ(mdtm.code, 213);
  EXPECT_EQ(mdtm.text.size(), 4u + 14u) << mdtm.text;  // "213 YYYYMMDDHHMMSS"
  auto mlst = c->command("MLST small.txt");
  EXPECT_EQ(mlst.code, 250);
  EXPECT_NE(mlst.text.find("type=file;size=1000;"), std::string::npos) << mlst.text;
  EXPECT_EQ(c->command("REST 900").code, 350);
  auto data = c->open_passive();
  EXPECT_EQ(c->command("RETR small.txt").code, 150);
  EXPECT_TRUE(data->wait_closed(5s));
  EXPECT_EQ(c->read_reply().code, 226);
  EXPECT_EQ(c->command("REST 5000").code, 350);
  auto data2 = c->open_passive();
  EXPECT_EQ(c->command("RETR small.txt").code, 554);  // past the end
  EXPECT_EQ(c->command("REST x").code, 501);
  EXPECT_EQ(c->command("TYPE A").code, 200);
  EXPECT_EQ(c->command("SIZE small.txt").code, 550);  // not offered in ASCII
  EXPECT_EQ(c->command("TYPE E").code, 504);
  EXPECT_EQ(c->command("MODE B").code, 504);
  EXPECT_EQ(c->command("STRU R").code, 504);
  EXPECT_EQ(c->command("ALLO 100").code, 202);
}

TEST_F(FtpProtocol, Rfc959AborDuringRetr) {
  auto c = logged_in();
  auto data = c->open_passive();
  EXPECT_EQ(c->command("RETR big.bin").code, 150);
  // The server is mid-transfer once its first bytes are here; read nothing, and 64 MiB
  // never fit in the socket buffers, so it stays there.
  pollfd first_bytes{data->fd(), POLLIN, 0};
  ASSERT_EQ(::poll(&first_bytes, 1, 30'000), 1) << "no byte of the RETR came";
  // Clients send Telnet IP and Synch before ABOR (RFC 959 §4.1.3).
  c->send_raw(
      "\xff\xf4\xff\xf2"
      "ABOR\r\n");
  EXPECT_EQ(c->read_reply().code, 426);
  EXPECT_EQ(c->read_reply().code, 226);
  EXPECT_EQ(c->command("NOOP").code, 200);  // the session goes on
  EXPECT_EQ(c->command("ABOR").code, 225);  // nothing to abort now
}

TEST_F(FtpProtocol, Rfc959AborDuringStorKeepsOldVersion) {
  auto c = logged_in();
  auto data = c->open_passive();
  EXPECT_EQ(c->command("STOR small.txt").code, 150);
  data->send(std::string(2 * MiB, 'x'));
  ASSERT_TRUE(server_->wait_staging_used()) << "the STOR never reached the staging directory";
  EXPECT_EQ(c->command("ABOR").code, 426);
  EXPECT_EQ(c->read_reply().code, 226);
  EXPECT_TRUE(server_->wait_staging_empty()) << server_->staging_listing();
  EXPECT_EQ(c->command("SIZE small.txt").text, "213 1000");
  // A reset data connection aborts the same way.
  auto data2 = c->open_passive();
  EXPECT_EQ(c->command("STOR small.txt").code, 150);
  data2->send(std::string(MiB, 'y'));
  data2->reset();
  EXPECT_EQ(c->read_reply().code, 426);
  EXPECT_TRUE(server_->wait_staging_empty()) << server_->staging_listing();
  EXPECT_EQ(c->command("SIZE small.txt").text, "213 1000");
}

// The client connects, sends and resets before the server takes the connection (a
// loaded server takes it late): the transfer was aborted (426), not refused as a
// connection from elsewhere (425), and the old version stays.
TEST_F(FtpProtocol, Rfc959DataConnectionResetBeforeAcceptIs426) {
  auto c = logged_in();
  auto data = c->open_passive();
  data->send(std::string(64 * 1024, 'y'));
  data->reset();
  // Time for the reset to reach the server's side before STOR has it take the connection:
  // no event says it has (the connection is gone on our side, unaccepted on the server's).
  // Were it late, it would reset a connection the server had taken: a 426 as well.
  std::this_thread::sleep_for(50ms);
  EXPECT_EQ(c->command("STOR small.txt").code, 150);
  const auto reply = c->read_reply();
  EXPECT_EQ(reply.code, 426) << reply.text;
  EXPECT_TRUE(server_->wait_staging_empty()) << server_->staging_listing();
  EXPECT_EQ(c->command("SIZE small.txt").text, "213 1000");
}

TEST_F(FtpProtocol, Rfc959CommandsPipelinedBehindATransferWaitForIt) {
  auto c = logged_in();
  auto data = c->open_passive();
  c->send_raw("RETR small.txt\r\nSIZE small.txt\r\nMDTM small.txt\r\n");
  EXPECT_EQ(c->read_reply().code, 150);
  EXPECT_TRUE(data->wait_closed(5s));
  EXPECT_EQ(c->read_reply().code, 226);
  EXPECT_EQ(c->read_reply().text, "213 1000");  // SIZE, after the transfer's reply
  EXPECT_EQ(c->read_reply().code, 213);         // MDTM
}

// RNTO runs the store's rename off the network thread: the commands pipelined behind it
// wait for its reply, and see the object under its new name.
TEST_F(FtpProtocol, Rfc959RenamePipelinedCommandsWaitForIt) {
  auto c = logged_in();
  auto data = c->open_passive();
  ASSERT_EQ(c->command("STOR rename-a.txt").code, 150);
  data->send("renamed bytes");
  data.reset();
  ASSERT_EQ(c->read_reply().code, 226);
  c->send_raw(
      "RNFR rename-a.txt\r\nRNTO rename-b.txt\r\nSIZE rename-b.txt\r\nSIZE rename-a.txt\r\n");
  EXPECT_EQ(c->read_reply().code, 350);
  EXPECT_EQ(c->read_reply().code, 250);
  EXPECT_EQ(c->read_reply().text, "213 13");  // after the rename's reply, with its result
  EXPECT_EQ(c->read_reply().code, 550);
  c->send_raw("RNFR rename-b.txt\r\nRNTO no-such-dir/x.txt\r\nSIZE rename-b.txt\r\n");
  EXPECT_EQ(c->read_reply().code, 350);
  EXPECT_EQ(c->read_reply().code / 100, 5) << "a rename the store refuses";
  EXPECT_EQ(c->read_reply().text, "213 13");
  EXPECT_EQ(c->command("DELE rename-b.txt").code, 250);
}

TEST_F(FtpProtocol, Rfc2577PassiveConnectionFromAnotherAddressIsRefused) {
  auto c = logged_in();
  auto stolen = c->open_passive("127.0.0.2");
  EXPECT_EQ(c->command("RETR small.txt").code, 150);
  auto reply = c->read_reply();
  EXPECT_EQ(reply.code, 425) << reply.text;
  EXPECT_TRUE(stolen->wait_closed(5s));
  EXPECT_EQ(c->command("NOOP").code, 200);
}

TEST_F(FtpProtocol, Rfc2577PortBounceIsRefused) {
  auto c = logged_in();
  EXPECT_EQ(c->command("PORT 127,0,0,2,200,1").code, 504);  // another address
  EXPECT_EQ(c->command("PORT 127,0,0,1,0,80").code, 504);   // a privileged port
  EXPECT_EQ(c->command("EPRT |1|127.0.0.2|51000|").code, 504);
  EXPECT_EQ(c->command("PORT 1,2,3").code, 501);
  EXPECT_EQ(c->command("RETR small.txt").code, 425);  // no data connection set up
}

TEST_F(FtpProtocol, OverlongCommandIs500AndTheSessionGoesOn) {
  auto c = logged_in();
  EXPECT_EQ(c->command("RETR " + std::string(5000, 'a')).code, 500);
  EXPECT_EQ(c->command("NOOP").code, 200);
}

TEST_F(FtpProtocol, TraversalStaysInTheRootAndStagingIsInvisible) {
  auto c = logged_in();
  EXPECT_EQ(c->command("CWD ../../..").code, 553);
  EXPECT_EQ(c->command("SIZE ../../etc/passwd").code, 553);
  EXPECT_EQ(c->command("SIZE /etc/passwd").code, 550);
  EXPECT_EQ(c->command("CWD /.staging").code, 550);
  EXPECT_EQ(c->command("MKD .staging").code, 550);
  auto data = c->open_passive();
  EXPECT_EQ(c->command("NLST").code, 150);
  std::string names;
  while (auto line = data->read_line(5s)) names += *line + "\n";
  EXPECT_EQ(c->read_reply().code, 226);
  EXPECT_NE(names.find("big.bin"), std::string::npos) << names;
  EXPECT_EQ(names.find(".staging"), std::string::npos) << names;
}

TEST_F(FtpProtocol, IdleSessionGets421) {
  auto c = logged_in();
  auto reply = c->read_reply(10s);
  EXPECT_EQ(reply.code, 421) << reply.text;
  EXPECT_TRUE(c->connection().wait_closed(5s));
}

// The server's TCP state of the connection from local port `from` to `to`, from
// /proc/PID/net/tcp ("01" established, "04" FIN-WAIT-1, ...); "" when it has none.
std::string tcp_state(pid_t pid, uint16_t from, uint16_t to) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/net/tcp");
  std::string line, slot, local, remote, state;
  std::getline(in, line);
  while (in >> slot >> local >> remote >> state && std::getline(in, line)) {
    auto port = [](const std::string& a) {
      return std::stoul(a.substr(a.find(':') + 1), nullptr, 16);
    };
    if (port(local) == from && port(remote) == to) return state;
  }
  return "";
}

uint16_t port_of(int fd, bool peer) {
  sockaddr_in a{};
  socklen_t n = sizeof a;
  if ((peer ? ::getpeername(fd, reinterpret_cast<sockaddr*>(&a), &n)
            : ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &n)) != 0)
    return 0;
  return ntohs(a.sin_port);
}

// A client that stops reading a RETR until the idle timeout: the data connection is reset,
// not closed with megabytes still queued, which the kernel would keep sending (FIN-WAIT-1)
// for as long as the client trickles reads.
TEST_F(FtpProtocol, IdleRetrIsResetNotLeftQueuedInTheKernel) {
  auto c = logged_in();
  auto data = c->open_passive();
  EXPECT_EQ(c->command("RETR big.bin").code, 150);
  pollfd first_bytes{data->fd(), POLLIN, 0};
  ASSERT_EQ(::poll(&first_bytes, 1, 30'000), 1) << "no byte of the RETR came";
  const auto server_port = port_of(data->fd(), true), client_port = port_of(data->fd(), false);
  ASSERT_EQ(tcp_state(server_->pid(), server_port, client_port), "01");
  // Reading nothing, the session times out (2 s).
  auto reply = c->read_reply(10s);
  if (reply.code == 426) reply = c->read_reply(10s);
  EXPECT_EQ(reply.code, 421) << reply.text;
  std::string state;
  EXPECT_TRUE(eventually(
      [&] { return (state = tcp_state(server_->pid(), server_port, client_port)).empty(); }, 5s))
      << "the server's end of the stalled data connection is still in TCP state " << state
      << " (04: FIN-WAIT-1, sending what was queued)";
}

TEST_F(FtpProtocol, OverMaxConnectionsIs421AtGreeting) {
  std::vector<std::unique_ptr<FtpControl>> held;
  for (int i = 0; i < 6; ++i) held.push_back(connect());
  FtpControl extra("127.0.0.1", server_->ftp().port);
  EXPECT_EQ(extra.read_reply().code, 421);
  held.clear();
  // A slot is free again once the server has seen the held sessions close: until then a
  // new one still gets the 421.
  std::unique_ptr<FtpControl> c;
  int greeting = 0;
  EXPECT_TRUE(eventually([&] {
    c = std::make_unique<FtpControl>("127.0.0.1", server_->ftp().port);
    greeting = c->read_reply().code;
    return greeting == 220;
  })) << "the last greeting was "
      << greeting;
  EXPECT_TRUE(c->login(Server::kUser, Server::kPassword));
}

}  // namespace
}  // namespace streamcheck
