// Hostile input over FTP, commands past reason (the runner is hostile.cpp): arguments of
// 8 KiB, Telnet IAC storms on the control connection, PORT/EPRT to ports and protocols
// that do not exist, a hundred PASV in a row, REST offsets past 2^63 and 2^64 before a
// RETR, and commands that are odd but legal: verbs in lower case must succeed (RFC 959
// §5.3), ABOR with nothing to abort, CWD to a file.
#include <unistd.h>

#include "conformance/ftp_replies.hpp"
#include "conformance/hostile.hpp"

namespace streamcheck::conformance::hostile {
namespace {

using namespace std::chrono_literals;

constexpr Requirement kTelnet{
    "RFC 854, RFC 959 §4.1.3",
    "Telnet commands on the control connection (IAC IP, IAC DM, IAC NOP) are dropped, or the "
    "line is refused: either way a clear reply, and the server goes on."};
constexpr Requirement kCase{"RFC 959 §5.3",
                            "Upper and lower case letters in command codes are treated "
                            "identically: \"noop\" is NOOP, and succeeds."};
constexpr Requirement kListeners{
    "DESIGN bad input, P4",
    "A PASV (EPSV) replaces the last one's listening socket: a hundred in a row leave the "
    "server's descriptors where one would."};
constexpr Requirement kRest{
    "RFC 959 §4.1.3, RFC 3659 §5",
    "REST n then RETR skips n octets: for an n past the end of the file no byte is sent (554 "
    "or another error, or an empty transfer), never bytes from an offset the server wrapped."};
constexpr Requirement kEmptyLine{
    "RFC 959 §4.2",
    "An empty line carries no command: it is ignored or refused (500-502), and the next "
    "command is answered."};
constexpr Requirement kEprtRefused{"RFC 2428 §2",
                                   "EPRT with a network protocol the server does not support is "
                                   "refused."};
constexpr Requirement kEprt522{
    "RFC 2428 §2", "EPRT with an unsupported network protocol: 522, the code made for it.",
    Level::should};

std::string telnet_storm(int n) {
  // IAC IP, IAC DM, IAC NOP: two-byte Telnet commands, no option byte.
  std::string storm;
  for (int i = 0; i < n; ++i) storm += "\xff\xf4\xff\xf2\xff\xf1";
  return storm;
}

// `verb` (PASV or EPSV) a hundred times on one session: the tree's descriptors while the
// session is still open, against before it.
void hundred_passive(const std::string& verb) {
  auto& s = suite();
  auto c = s.ftp_raw();
  const auto before = s.settled_fds();
  int entered = 0;
  for (int i = 0; i < 100; ++i) {
    const auto r = c->command(verb);
    if (r.code == 227 || r.code == 229) ++entered;
    if (r.code == 0) break;
  }
  record("entered_passive", std::to_string(entered) + " of 100");
  const auto during = s.settled_fds(before.count + 3);
  check(during.count <= before.count + 3, kListeners,
        "at most " + std::to_string(before.count + 3) + " fds in the tree (3 more than before)",
        std::to_string(during.count) + " fds after " + std::to_string(entered) + " " + verb +
            " entered passive mode");
  check_reply_kind(c->command("NOOP"), "NOOP", {ReplyKind::completion},
                   "The session still answers after a hundred " + verb + ".");
}

// REST `offset`, then RETR of the known file over a passive connection.
void rest_then_retr(const std::string& offset) {
  auto c = suite().ftp_raw();
  const auto rest = c->command("REST " + offset);
  record("rest", reply_text(rest));
  if (rest.code != 350) {
    check_reply_kind(rest, "REST", {ReplyKind::error}, "REST " + offset + ": 350 or an error");
    return;
  }
  auto data = open_data(*c);
  if (!data.conn) GTEST_SKIP() << "no data connection: " << data.how;
  const auto retr = c->command("RETR " + ftp_known().path);
  std::uint64_t got = 0;
  auto end = retr;
  if (retr.code == 150 || retr.code == 125) {
    got = read_data(*data.conn, nullptr, 0, 10s);
    end = c->read_reply();
  }
  check(got == 0 && (end.code == 226 || end.code == 250 || end.code >= 400), kRest,
        "no byte after REST " + offset + ", and 554 (or another error) or 226",
        std::to_string(got) + " bytes, reply " + reply_text(end));
}

// USER/PASS in lower case (with the URL's credentials, or anonymous): logged in.
void lower_case_login() {
  const auto& url = *suite().target().ftp;
  auto c = suite().ftp_raw(false);
  const auto user = c->command("user " + (url.has_userinfo ? url.user : kAnonymousUser));
  const auto pass =
      user.code == 331
          ? c->command("pass " + (url.has_userinfo ? url.password : kAnonymousPassword))
          : user;
  check(pass.code == 230, kCase, "\"user\" and \"pass\" log in: 230",
        "user: " + reply_text(user) + ", pass: " + reply_text(pass));
}

// PASS of 8 KiB for a user that is not anonymous (whose password could be anything).
void long_password() {
  const auto& url = *suite().target().ftp;
  auto c = suite().ftp_raw(false);
  const auto user = c->command(
      "USER " + (url.has_userinfo ? url.user : "conformance-" + std::to_string(::getpid())));
  if (user.code != 331) GTEST_SKIP() << "USER answered " << reply_text(user) << ", not 331";
  const auto pass = c->command("PASS " + std::string(8192, 'p'));
  check(pass.code == 530 || pass.code == 500 || pass.code == 501 || pass.code == 421, kClear,
        "reply 530 or 500 or 501 (or 421 and a close)", reply_text(pass));
}

// EPRT with protocol 3: refused (the MUST), with 522 (the SHOULD).
void eprt_unknown_protocol() {
  auto c = suite().ftp_raw();
  const auto r = c->command("EPRT |3|127.0.0.1|51000|");
  if (check_reply_kind(r, "EPRT", {ReplyKind::error}, kEprtRefused.text))
    check(r.code == 522, kEprt522, "reply 522", reply_text(r));
}

// An empty line, then NOOP: the NOOP's 200 first (the line ignored, as vsftpd does), or
// after a 500-502 to the line.
void empty_line() {
  auto c = suite().ftp_raw();
  c->send_raw("\r\n");
  const auto first = c->command("NOOP");
  const bool refused = first.code >= 500 && first.code <= 502;
  const auto noop = refused ? c->read_reply() : first;
  check(noop.code == 200, kEmptyLine,
        "NOOP's 200 (after 500, 501 or 502 to the empty line, or with the line ignored)",
        refused ? reply_text(first) + ", then " + reply_text(noop) : reply_text(first));
}

Case with_known(Case c) {
  c.needs = Op::ftp_stor;
  return c;
}

std::vector<Case> cases() {
  std::vector<Case> v;
  const std::string kib8(8192, 'a');
  const auto login = [&v](const char* name, void (*run)()) {
    v.push_back(Case{"BadInput", name, Proto::ftp, run, "", std::nullopt, true});
  };
  // --- arguments of 8 KiB
  v.push_back(ftp_case(
      "BadInput", "FtpUserOf8KiB", [kib8] { return "USER " + kib8; },
      {331, 332, 530, 500, 501, 421}, false));
  v.push_back(Case{"BadInput", "FtpPassOf8KiB", Proto::ftp, long_password, ""});
  v.push_back(
      ftp_case("BadInput", "FtpCwdOf8KiB", [kib8] { return "CWD " + kib8; }, {550, 501, 500}));
  v.push_back(ftp_case("BadInput", "FtpSiteOf8KiB", [kib8] { return "SITE " + kib8; },
                       {500, 501, 502, 504}));
  v.push_back(ftp_case("BadInput", "FtpHelpOf8KiB", [kib8] { return "HELP " + kib8; },
                       {211, 214, 500, 501, 502, 504}));
  v.push_back(ftp_case("BadInput", "FtpRnfrOf8KiB", [kib8] { return "RNFR " + kib8; },
                       {550, 450, 501, 500, 553}));
  // --- Telnet on the control connection
  v.push_back(ftp_rule_case("BadInput", "FtpTelnetStormBeforeNoop", kTelnet,
                            [] { return telnet_storm(4000) + "NOOP"; }, {200, 500, 501, 502, 421}));
  v.push_back(ftp_rule_case("BadInput", "FtpTelnetIacIacStormAsArgument", kTelnet,
                            [] { return "CWD " + std::string(10000, '\xff'); },
                            {550, 501, 500, 553, 421}));
  v.push_back(ftp_rule_case(
      "Security", "FtpTelnetStormBeforeLogin", kTelnet,
      [] { return telnet_storm(4000) + "USER anonymous"; }, {331, 230, 530, 500, 501, 421}, false));
  // --- PORT and EPRT to what does not exist
  const std::vector<int> refused_port = {500, 501, 504, 530, 550};
  v.push_back(ftp_case(
      "Security", "FtpPortToPortZero", [] { return "PORT 127,0,0,1,0,0"; }, refused_port));
  v.push_back(ftp_case("BadInput", "FtpPortToPort65536", [] { return "PORT 127,0,0,1,256,0"; },
                       {501, 500, 504}));
  v.push_back(ftp_case("BadInput", "FtpPortAddressOctet300", [] { return "PORT 300,0,0,1,200,1"; },
                       {501, 500, 504}));
  v.push_back(ftp_case("BadInput", "FtpPortNumberPast2To32",
                       [] { return "PORT 127,0,0,1,4294967296,1"; }, {501, 500, 504}));
  login("FtpEprtUnknownProtocol", eprt_unknown_protocol);
  v.push_back(ftp_case("Security", "FtpEprtToPortZero", [] { return "EPRT |1|127.0.0.1|0|"; },
                       {500, 501, 504, 522, 530, 550}));
  v.push_back(ftp_case("BadInput", "FtpEprtToPort65536", [] { return "EPRT |1|127.0.0.1|65536|"; },
                       {500, 501, 522}));
  v.push_back(ftp_case("BadInput", "FtpEprtProtocolPast2To64",
                       [] { return "EPRT |18446744073709551617|127.0.0.1|51000|"; },
                       {500, 501, 522}));
  // --- passive storms
  v.push_back(Case{"BadInput", "FtpHundredPasvLeaveOneListener", Proto::ftp,
                   [] { hundred_passive("PASV"); }, "", std::nullopt, true});
  v.push_back(Case{"BadInput", "FtpHundredEpsvLeaveOneListener", Proto::ftp,
                   [] { hundred_passive("EPSV"); }, "", std::nullopt, true});
  // --- verbs in any case
  v.push_back(ftp_rule_case("BadInput", "FtpLowerCaseNoop", kCase, [] { return "noop"; }, {200}));
  v.push_back(ftp_rule_case("BadInput", "FtpLowerCaseType", kCase, [] { return "type I"; }, {200}));
  v.push_back(ftp_rule_case("BadInput", "FtpMixedCasePwd", kCase, [] { return "pWd"; }, {257}));
  v.push_back(Case{"Security", "FtpLowerCaseUserPassLogIn", Proto::ftp, lower_case_login, ""});
  // --- REST past 2^63 and 2^64, then RETR
  for (const auto& [name, offset] :
       {std::pair{"FtpRest2To63ThenRetr", "9223372036854775808"},
        std::pair{"FtpRest2To64Minus1ThenRetr", "18446744073709551615"},
        std::pair{"FtpRestPast2To64ThenRetr", "99999999999999999999999"}})
    v.push_back(with_known(Case{"BadInput", name, Proto::ftp, [offset] { rest_then_retr(offset); },
                                "", std::nullopt, true}));
  // --- odd but legal, or plainly wrong
  v.push_back(with_known(
      ftp_case("BadInput", "FtpCwdToAFile", [] { return "CWD " + ftp_known().path; }, {550, 501})));
  v.push_back(ftp_case("BadInput", "FtpRnfrOfAMissingFile",
                       [] { return "RNFR " + ftp_victim("missing-rnfr"); }, {550, 450}));
  v.push_back(ftp_case("BadInput", "FtpAborWithoutTransfer", [] { return "ABOR"; }, {225, 226}));
  v.push_back(ftp_case("BadInput", "FtpUnknownStructure", [] { return "STRU X"; }, {504, 501}));
  v.push_back(ftp_case("BadInput", "FtpAlloPast2To64", [] { return "ALLO 99999999999999999999"; },
                       {200, 202, 501, 504}));
  v.push_back(
      Case{"BadInput", "FtpEmptyLineThenNoop", Proto::ftp, empty_line, "", std::nullopt, true});
  return v;
}

[[maybe_unused]] const bool registered = register_cases(cases(), __FILE__, __LINE__);

}  // namespace
}  // namespace streamcheck::conformance::hostile
