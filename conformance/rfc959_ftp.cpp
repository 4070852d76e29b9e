// RFC 959 FTP: the login sequence, the minimum implementation (§5.1), reply codes of
// file commands, data connections (PASV) and ABOR, over a raw control connection.
#include <poll.h>
#include <sys/socket.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <vector>

#include "conformance/ftp_replies.hpp"
#include "conformance/raw.hpp"

namespace streamcheck::conformance {
namespace {

using namespace std::chrono_literals;

// Logged in, with the URL's credentials or anonymously, where writes are allowed.
#define SKIP_UNLESS_FTP_LOGIN() SKIP_UNLESS_FTP_WRITES()

std::string read_all(bench::RawConnection& data) {
  std::string out;
  char buf[65536];
  for (;;) {
    const auto n = ::recv(data.fd(), buf, sizeof buf, 0);
    if (n <= 0) break;
    out.append(buf, static_cast<size_t>(n));
  }
  return out;
}

TEST(Rfc959Login, UserPassSequence) {
  SKIP_UNLESS_FTP_LOGIN();
  const auto& u = *suite().target().ftp;
  auto c = suite().ftp_raw(false);
  CHECK_REPLY(c->command("USER " + u.user),
              (Requirement{"RFC 959 §5.4", "USER is answered 331 (password needed) or 230."}), 331,
              230);
  CHECK_REPLY(c->command("PASS " + u.password),
              (Requirement{"RFC 959 §5.4", "PASS with the right password: 230."}), 230, 202);
}

TEST(Rfc959Login, WrongPasswordIs530) {
  SKIP_UNLESS_FTP_LOGIN();
  auto c = suite().ftp_raw(false);
  c->command("USER " + suite().target().ftp->user);
  CHECK_REPLY(c->command("PASS not-the-password"),
              (Requirement{"RFC 959 §5.4", "PASS with a wrong password: 530."}), 530);
}

TEST(Rfc959Login, CommandsBeforeLoginAre530) {
  SKIP_UNLESS_FTP();
  auto c = suite().ftp_raw(false);
  for (const char* cmd : {"PWD", "RETR x", "STOR x", "LIST", "CWD /", "DELE x"})
    CHECK_REPLY(c->command(cmd),
                (Requirement{"RFC 959 §5.4", "A command that needs a login, sent before it: 530."}),
                530);
}

TEST(Rfc959Commands, MinimumImplementation) {
  SKIP_UNLESS_FTP_LOGIN();
  auto c = suite().ftp_raw();
  constexpr Requirement req{"RFC 959 §5.1",
                            "The minimum implementation: TYPE A/I, MODE S, STRU F, NOOP."};
  CHECK_REPLY(c->command("TYPE A"), req, 200);
  CHECK_REPLY(c->command("TYPE I"), req, 200);
  CHECK_REPLY(c->command("MODE S"), req, 200);
  CHECK_REPLY(c->command("STRU F"), req, 200);
  CHECK_REPLY(c->command("NOOP"), req, 200);
}

TEST(Rfc959Commands, SystAndPwd) {
  SKIP_UNLESS_FTP_LOGIN();
  auto c = suite().ftp_raw();
  CHECK_REPLY(c->command("SYST"), (Requirement{"RFC 959 §4.1.3", "SYST: 215 and the system type."}),
              215);
  const auto pwd = c->command("PWD");
  check(pwd.code == 257 && pwd.text.find('"') != std::string::npos,
        {"RFC 959 §4.1.3, appendix II", "PWD: 257 \"directory\"."}, "257 with a quoted path",
        pwd.text);
}

TEST(Rfc959Commands, UnknownCommandIs500And502AndMissingArgumentIs501) {
  SKIP_UNLESS_FTP_LOGIN();
  auto c = suite().ftp_raw();
  CHECK_REPLY(c->command("XYZZY"),
              (Requirement{"RFC 959 §4.2", "An unrecognized command: 500 (or 502)."}), 500, 502);
  // RFC 959 does not say in which order a server checks a command: one that first finds
  // no data connection (vsftpd: 425) refuses it as rightly. Any error §5.4 lists for RETR.
  const auto retr = c->command("RETR");
  const auto errors = listed_errors("RETR");
  check(std::find(errors.begin(), errors.end(), retr.code) != errors.end(),
        {"RFC 959 §4.2, §5.4",
         "A command without its required argument is refused (501, or "
         "another error listed for it)."},
        "501 (or 500, 425, 450, 550, ...)", retr.code ? retr.text : std::string("no reply"));
}

TEST(Rfc959Commands, QuitIs221AndCloses) {
  SKIP_UNLESS_FTP();
  auto c = suite().ftp_raw(false);
  CHECK_REPLY(c->command("QUIT"), (Requirement{"RFC 959 §4.1.1", "QUIT: 221, then close."}), 221);
  check(c->connection().wait_closed(5s), {"RFC 959 §4.1.1", "QUIT closes the control connection."},
        "closed", "still open after 5 s");
}

TEST(Rfc959Files, RetrOfMissingFileIs550) {
  SKIP_UNLESS_FTP_LOGIN();
  auto c = suite().ftp_raw();
  auto data = c->open_passive();
  CHECK_REPLY(c->command("RETR " + suite().ftp_dir("rfc") + "no-such-file"),
              (Requirement{"RFC 959 §4.2", "RETR of a missing file: 550 (or 450)."}), 550, 450);
}

TEST(Rfc959Files, StorThenRetrOverPasv) {
  SKIP_UNLESS_APPLIES(Op::ftp_stor);
  auto c = suite().ftp_raw();
  const std::string path = suite().ftp_dir("rfc") + "pasv.txt";
  const std::string content = "line one\r\nline two\r\n\xff\x00 binary";
  auto pasv = c->command("PASV");
  CHECK_REPLY(pasv, (Requirement{"RFC 959 §4.1.2", "PASV: 227 with h1,h2,h3,h4,p1,p2."}), 227);
  auto data = c->open_passive();
  CHECK_REPLY(c->command("STOR " + path),
              (Requirement{"RFC 959 §5.4", "STOR with a data connection open: 125 or 150."}), 150,
              125);
  data->send(content);
  data->shutdown_write();
  data->wait_closed(5s);
  CHECK_REPLY(c->read_reply(),
              (Requirement{"RFC 959 §5.4", "After the data connection closes: 226 (or 250)."}), 226,
              250);
  auto back = c->open_passive();
  CHECK_REPLY(c->command("RETR " + path), (Requirement{"RFC 959 §5.4", "RETR: 125 or 150."}), 150,
              125);
  const auto got = read_all(*back);
  back.reset();  // a server may send 226 only once the client has closed (proftpd does)
  CHECK_REPLY(c->read_reply(), (Requirement{"RFC 959 §5.4", "RETR ends with 226 (or 250)."}), 226,
              250);
  check(got == content, {"RFC 959 §3.1.1.3", "TYPE I (image) moves the bytes unchanged."},
        std::to_string(content.size()) + " bytes as stored", std::to_string(got.size()) + " bytes");
}

TEST(Rfc959Files, DirectoriesDeleteAndRename) {
  SKIP_UNLESS_APPLIES(Op::ftp_stor);
  auto c = suite().ftp_raw();
  const std::string dir = suite().ftp_dir("rfc") + "made";
  CHECK_REPLY(c->command("MKD " + dir), (Requirement{"RFC 959 §4.1.3", "MKD: 257."}), 257);
  CHECK_REPLY(c->command("CWD " + dir), (Requirement{"RFC 959 §4.1.1", "CWD: 250."}), 250);
  CHECK_REPLY(c->command("CDUP"), (Requirement{"RFC 959 §4.1.1", "CDUP: 200 (or 250)."}), 200, 250);
  c->command("CWD /");
  CHECK_REPLY(c->command("RMD " + dir), (Requirement{"RFC 959 §4.1.3", "RMD: 250."}), 250);
  bench::FtpClient f(*suite().target().ftp);
  const std::string a = suite().ftp_dir("rfc") + "rename-a.txt";
  const std::string b = suite().ftp_dir("rfc") + "rename-b.txt";
  ASSERT_TRUE(f.stor(a, {suite().next_seed(), 100}).completed());
  CHECK_REPLY(c->command("RNFR " + a), (Requirement{"RFC 959 §4.1.3", "RNFR: 350."}), 350);
  CHECK_REPLY(c->command("RNTO " + b), (Requirement{"RFC 959 §4.1.3", "RNTO: 250."}), 250);
  CHECK_REPLY(c->command("DELE " + b), (Requirement{"RFC 959 §4.1.3", "DELE: 250."}), 250);
  CHECK_REPLY(c->command("DELE " + b),
              (Requirement{"RFC 959 §4.2", "DELE of a missing file: 550 (or 450)."}), 550, 450);
}

TEST(Rfc959Files, ListAndNlstOverTheDataConnection) {
  SKIP_UNLESS_FTP_LOGIN();
  SKIP_UNLESS_FTP_KNOWN();
  const auto& k = ftp_known();
  auto c = suite().ftp_raw();
  const std::string dir = k.path.substr(0, k.path.rfind('/'));
  for (const char* verb : {"NLST", "LIST"}) {
    auto data = c->open_passive();
    CHECK_REPLY(c->command(std::string(verb) + " " + dir),
                (Requirement{"RFC 959 §4.1.3", "LIST/NLST: 125 or 150, the listing, 226."}), 150,
                125);
    const auto listing = read_all(*data);
    data.reset();  // a server may send 226 only once the client has closed
    CHECK_REPLY(c->read_reply(), (Requirement{"RFC 959 §4.1.3", "LIST/NLST end with 226."}), 226,
                250);
    check(listing.find("known.bin") != std::string::npos,
          {"RFC 959 §4.1.3", "The listing names the directory's files."}, "known.bin listed",
          "\"" + listing.substr(0, 200) + "\"");
  }
}

// Reads what the data connection has, without waiting: false once it has ended.
bool drain(bench::RawConnection& data, std::uint64_t& got) {
  char buf[65536];
  for (;;) {
    const auto n = ::recv(data.fd(), buf, sizeof buf, MSG_DONTWAIT);
    if (n > 0) {
      got += static_cast<std::uint64_t>(n);
      continue;
    }
    return n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR);
  }
}

// ABOR during a RETR (RFC 959 §4.1.3). The client sends it as the RFC asks (Telnet IP,
// Synch, ABOR: send_abor()) and goes on reading the data connection while it waits for
// the replies: a server that does not watch the control connection during a transfer
// (vsftpd, async_abor_enable=NO by default) reads ABOR only once the transfer is done,
// and a client that stopped reading would leave it blocked on the data connection. The
// RFC allows two outcomes:
//   (a) the transfer was still in progress: 426 for it, then 226 for the ABOR;
//   (b) it had completed: 226 for it (all the data sent), then 226 for the ABOR, or
//       225 (RFC 959 §4.2 lists it for ABOR: data connection open, no transfer).
TEST(Rfc959Abort, AborDuringRetr) {
  SKIP_UNLESS_APPLIES(Op::ftp_stor);
  constexpr std::uint64_t kSize = 32 * MiB;
  constexpr auto kWait = 20s;  // for both replies; 32 MiB drain in well under that
  bench::FtpClient f(*suite().target().ftp);
  const std::string path = suite().ftp_dir("rfc") + "abor-big.bin";
  ASSERT_TRUE(f.stor(path, {suite().next_seed(), kSize}).completed());
  auto c = suite().ftp_raw();
  auto data = c->open_passive();
  if (!CHECK_REPLY(c->command("RETR " + path), (Requirement{"RFC 959 §5.4", "RETR: 125 or 150."}),
                   150, 125))
    return;
  // Mid-transfer: the first 256 KiB have come, and (the client reading no more for now)
  // the socket buffers fill with the next few MiB of 32 MiB.
  std::uint64_t got = 0;
  bool open = true;
  for (auto until = std::chrono::steady_clock::now() + 10s;
       open && got < 256 * KiB && std::chrono::steady_clock::now() < until;) {
    pollfd p{data->fd(), POLLIN, 0};
    ::poll(&p, 1, 50);
    open = drain(*data, got);
  }
  ASSERT_TRUE(send_abor(*c)) << "the control connection closed before ABOR";
  std::vector<bench::FtpReply> replies;
  const auto deadline = std::chrono::steady_clock::now() + kWait;
  while (replies.size() < 2 && std::chrono::steady_clock::now() < deadline) {
    pollfd p[2] = {{c->connection().fd(), POLLIN, 0}, {open ? data->fd() : -1, POLLIN, 0}};
    ::poll(p, 2, 50);
    if (open) open = drain(*data, got);
    // A whole reply may already sit in the control connection's buffer: look at once.
    const bool ready = p[0].revents != 0;
    const auto r = c->read_reply(ready ? 2000ms : 0ms);
    if (r.code != 0) {
      replies.push_back(r);
    } else if (ready) {
      break;  // closed, or a line that never ended
    }
  }
  // The rest of a completed transfer may still be in flight.
  for (auto until = std::chrono::steady_clock::now() + 5s;
       open && std::chrono::steady_clock::now() < until;) {
    pollfd p{data->fd(), POLLIN, 0};
    ::poll(&p, 1, 50);
    open = drain(*data, got);
  }
  const int first = replies.size() > 0 ? replies[0].code : 0;
  const int second = replies.size() > 1 ? replies[1].code : 0;
  const bool aborted = first == 426 && second == 226;
  const bool completed = first == 226 && (second == 225 || second == 226) && got == kSize;
  std::string seen;
  for (const auto& r : replies) seen += (seen.empty() ? "\"" : ", \"") + r.text + "\"";
  if (replies.size() < 2)
    seen += std::string(seen.empty() ? "no reply" : ", then nothing") + " within " +
            std::to_string(kWait.count()) + " s of ABOR";
  record("abor", std::string(aborted     ? "aborted: "
                             : completed ? "completed before ABOR: "
                                         : "") +
                     seen + "; " + std::to_string(got) + " data bytes read");
  check(aborted || completed,
        {"RFC 959 §4.1.3",
         "ABOR during a transfer: 426 for the transfer then 226 for ABOR; or, when the "
         "transfer had completed, 226 for it then 226 (or 225) for ABOR."},
        "426 then 226 (aborted), or 226 then 226/225 with all " + bytes(kSize) + " (completed)",
        seen + "; " + std::to_string(got) + " data bytes read, the data connection " +
            (open ? "still open" : "closed"));
  CHECK_REPLY(c->command("NOOP"),
              (Requirement{"RFC 959 §4.1.3", "The session goes on after ABOR."}), 200);
}

}  // namespace
}  // namespace streamcheck::conformance
