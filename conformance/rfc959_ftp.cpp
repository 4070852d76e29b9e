// RFC 959 FTP: the login sequence, the minimum implementation (§5.1), reply codes of
// file commands, data connections (PASV) and ABOR, over a raw control connection.
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <vector>

#include "conformance/ftp_replies.hpp"
#include "conformance/raw.hpp"

namespace streamcheck::conformance {
namespace {

using namespace std::chrono_literals;

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
  check_reply_among(c->command("USER " + (u.has_userinfo ? u.user : kAnonymousUser)), "USER",
                    {331, 230}, "USER is answered 331 (password needed) or 230.");
  check_reply_among(c->command("PASS " + (u.has_userinfo ? u.password : kAnonymousPassword)),
                    "PASS", {230, 202}, "PASS with the right password: 230 (or 202, superfluous).");
}

TEST(Rfc959Login, WrongPasswordIs530) {
  SKIP_UNLESS_FTP();
  if (!suite().target().ftp->has_userinfo)
    GTEST_SKIP() << "the FTP URL has no user whose password could be wrong";
  auto c = suite().ftp_raw(false);
  c->command("USER " + suite().target().ftp->user);
  check_reply_among(c->command("PASS not-the-password"), "PASS", {530},
                    "PASS with a wrong password: 530.");
}

// Before login, what must not happen is access to the files: a command that reads, writes,
// lists or moves about them MUST be refused with an error RFC 959 §5.4 lists for it, and
// SHOULD be refused with 530 (§4.2: "Not logged in"; 532 for STOR, "Need account for
// storing files"), the reply that tells the client why. PWD is different: §5.4 lists no
// 530 for it, only 257 and errors, so a server may name its initial directory before
// login (it gives no access to a file): 257 is recorded, not judged; an error must be one
// listed for PWD, or 530 as for every command that needs a login.
TEST(Rfc959Login, CommandsBeforeLoginAreRefused) {
  SKIP_UNLESS_FTP();
  auto c = suite().ftp_raw(false);
  for (const char* cmd : {"RETR x", "STOR x", "LIST", "CWD /", "DELE x"}) {
    const auto r = c->command(cmd);
    const auto verb = verb_of(cmd);
    if (!check_reply_kind(r, verb, {ReplyKind::error},
                          "A command that reaches the files is refused before login."))
      continue;
    check(r.code == 530 || (verb == "STOR" && r.code == 532),
          {"RFC 959 §4.2, §5.4",
           "A command refused for want of a login says so: 530 (532 for STOR).", Level::should},
          std::string(cmd) + ": 530", reply_text(r));
  }
  const auto pwd = c->command("PWD");
  if (pwd.code == 257) {
    record("pwd_before_login", pwd.text);
    return;
  }
  check(pwd.code == 530 || (is_listed("PWD", pwd.code) && pwd.code >= 400),
        {"RFC 959 §4.2, §5.4", "PWD before login: 257, or an error listed for it, or 530."},
        "257, 530 or another error listed for PWD", reply_text(pwd));
}

TEST(Rfc959Commands, MinimumImplementation) {
  SKIP_UNLESS_FTP_LOGIN();
  auto c = suite().ftp_raw();
  // §5.1 requires these, so the 504 that §5.4 lists for a parameter not implemented is
  // no answer here: only the completion.
  constexpr std::string_view kMinimum =
      "The minimum implementation (§5.1): TYPE A/I, MODE S, STRU F, NOOP.";
  for (const char* cmd : {"TYPE A", "TYPE I", "MODE S", "STRU F", "NOOP"})
    check_reply_kind(c->command(cmd), verb_of(cmd), {ReplyKind::completion}, kMinimum);
}

TEST(Rfc959Commands, SystAndPwd) {
  SKIP_UNLESS_FTP_LOGIN();
  auto c = suite().ftp_raw();
  check_reply_kind(c->command("SYST"), "SYST", {ReplyKind::completion},
                   "SYST: 215 and the system type.");
  const auto pwd = c->command("PWD");
  check(pwd.code == 257 && pwd.text.find('"') != std::string::npos,
        {"RFC 959 §4.1.3, appendix II", "PWD: 257 \"directory\"."}, "257 with a quoted path",
        reply_text(pwd));
}

TEST(Rfc959Commands, UnknownCommandIs500And502AndMissingArgumentIs501) {
  SKIP_UNLESS_FTP_LOGIN();
  auto c = suite().ftp_raw();
  // Not a verb any RFC lists: §4.2's meanings decide (500 unrecognized, 502 not implemented).
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
  check_reply_kind(c->command("QUIT"), "QUIT", {ReplyKind::completion}, "QUIT: 221, then close.");
  check(c->connection().wait_closed(5s), {"RFC 959 §4.1.1", "QUIT closes the control connection."},
        "closed", "still open after 5 s");
}

TEST(Rfc959Files, RetrOfMissingFileIs550) {
  SKIP_UNLESS_FTP_LOGIN();
  auto c = suite().ftp_raw();
  auto data = c->open_passive();
  // In the suite's own directory when it may write; else a name of its own at the top.
  const std::string missing = suite().why_no_ftp_writes().empty()
                                  ? suite().ftp_dir("rfc") + "no-such-file"
                                  : "conformance-" + std::to_string(::getpid()) + "-no-such-file";
  check_reply_among(c->command("RETR " + missing), "RETR", {550, 450},
                    "RETR of a missing file: 550 (or 450).");
}

TEST(Rfc959Files, StorThenRetrOverPasv) {
  SKIP_UNLESS_APPLIES(Op::ftp_stor);
  auto c = suite().ftp_raw();
  const std::string path = suite().ftp_dir("rfc") + "pasv.txt";
  const std::string content = "line one\r\nline two\r\n\xff\x00 binary";
  auto pasv = c->command("PASV");
  check_reply_kind(pasv, "PASV", {ReplyKind::completion}, "PASV: 227 with h1,h2,h3,h4,p1,p2.");
  auto data = c->open_passive();
  check_reply_kind(c->command("STOR " + path), "STOR", {ReplyKind::preliminary},
                   "STOR with a data connection open: 125 or 150.");
  data->send(content);
  data->shutdown_write();
  data->wait_closed(5s);
  check_reply_kind(c->read_reply(), "STOR", {ReplyKind::completion},
                   "After the data connection closes: 226 or 250.");
  auto back = c->open_passive();
  check_reply_kind(c->command("RETR " + path), "RETR", {ReplyKind::preliminary},
                   "RETR: 125 or 150.");
  const auto got = read_all(*back);
  back.reset();  // a server may send 226 only once the client has closed (proftpd does)
  check_reply_kind(c->read_reply(), "RETR", {ReplyKind::completion}, "RETR ends with 226 or 250.");
  check(got == content, {"RFC 959 §3.1.1.3", "TYPE I (image) moves the bytes unchanged."},
        std::to_string(content.size()) + " bytes as stored", std::to_string(got.size()) + " bytes");
}

TEST(Rfc959Files, DirectoriesDeleteAndRename) {
  SKIP_UNLESS_APPLIES(Op::ftp_stor);
  auto c = suite().ftp_raw();
  const std::string dir = suite().ftp_dir("rfc") + "made";
  const auto kDone = {ReplyKind::completion};
  check_reply_kind(c->command("MKD " + dir), "MKD", kDone, "MKD: 257.");
  check_reply_kind(c->command("CWD " + dir), "CWD", kDone, "CWD: 250.");
  check_reply_kind(c->command("CDUP"), "CDUP", kDone, "CDUP: 200 (or 250, as CWD).");
  c->command("CWD /");
  check_reply_kind(c->command("RMD " + dir), "RMD", kDone, "RMD: 250.");
  bench::FtpClient f(*suite().target().ftp);
  const std::string a = suite().ftp_dir("rfc") + "rename-a.txt";
  const std::string b = suite().ftp_dir("rfc") + "rename-b.txt";
  ASSERT_TRUE(f.stor(a, {suite().next_seed(), 100}).completed());
  check_reply_kind(c->command("RNFR " + a), "RNFR", {ReplyKind::intermediate}, "RNFR: 350.");
  check_reply_kind(c->command("RNTO " + b), "RNTO", kDone, "RNTO: 250.");
  check_reply_kind(c->command("DELE " + b), "DELE", kDone, "DELE: 250.");
  check_reply_among(c->command("DELE " + b), "DELE", {550, 450},
                    "DELE of a missing file: 550 (or 450).");
}

TEST(Rfc959Files, ListAndNlstOverTheDataConnection) {
  SKIP_UNLESS_FTP_LOGIN();
  SKIP_UNLESS_FTP_KNOWN();
  const auto& k = ftp_known();
  auto c = suite().ftp_raw();
  const std::string dir = k.path.substr(0, k.path.rfind('/'));
  for (const char* verb : {"NLST", "LIST"}) {
    auto data = c->open_passive();
    check_reply_kind(c->command(std::string(verb) + " " + dir), verb, {ReplyKind::preliminary},
                     "LIST/NLST: 125 or 150, the listing, then 226 or 250.");
    const auto listing = read_all(*data);
    data.reset();  // a server may send 226 only once the client has closed
    check_reply_kind(c->read_reply(), verb, {ReplyKind::completion},
                     "LIST/NLST end with 226 or 250.");
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
  if (!check_reply_kind(c->command("RETR " + path), "RETR", {ReplyKind::preliminary},
                        "RETR: 125 or 150."))
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
  check_reply_kind(c->command("NOOP"), "NOOP", {ReplyKind::completion},
                   "The session goes on after ABOR: NOOP gets 200.");
}

}  // namespace
}  // namespace streamcheck::conformance
