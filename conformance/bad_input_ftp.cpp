// Hostile input over FTP (the runner is hostile.cpp): malformed commands
// (BadInput.Ftp*) and traversal, NUL, commands before login, RFC 2577 address checks,
// writes without credentials (Security.Ftp*).
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <sstream>

#include "conformance/ftp_replies.hpp"
#include "conformance/hostile.hpp"

namespace streamcheck::conformance::hostile {
namespace {

using namespace std::chrono_literals;

// `path` resolved against the absolute directory `cwd` as a confining server resolves
// it: ".." at "/" stays at "/" (as in POSIX, where "/.." is "/").
std::string resolve(const std::string& cwd, const std::string& path) {
  std::vector<std::string> parts;
  std::istringstream in(path.starts_with('/') ? path : cwd + "/" + path);
  for (std::string part; std::getline(in, part, '/');) {
    if (part.empty() || part == ".") continue;
    if (part != "..") {
      parts.push_back(part);
    } else if (!parts.empty()) {
      parts.pop_back();
    }
  }
  std::string out;
  for (const auto& p : parts) out += "/" + p;
  return out.empty() ? "/" : out;
}

// The path of a 257 reply (RFC 959 appendix II): between double quotes, a doubled
// quote standing for one. nullopt when there is none.
std::optional<std::string> quoted_path(const std::string& text) {
  auto i = text.find('"');
  if (i == std::string::npos) return std::nullopt;
  std::string out;
  for (++i; i < text.size(); ++i) {
    if (text[i] != '"') {
      out += text[i];
    } else if (i + 1 < text.size() && text[i + 1] == '"') {
      out += '"';
      ++i;
    } else {
      return out;
    }
  }
  return std::nullopt;
}

// MKD ../../NAME must not make a directory outside the served tree.
//
// No RFC says what a server does with ".." at the top of what it serves. Refusing
// (550/553) is safe; so is confining it, as vsftpd (chroot) and pyftpdlib (a virtual
// root) do: "/.." is "/", and the directory is made at the top of the served tree. What
// can be judged from outside is the FTP namespace itself: the served tree is what its
// absolute paths reach, without "..". A directory made inside it can be found there
// again; one made outside cannot. The text of the 257 reply proves nothing by itself:
// vsftpd answers 257 "/../../NAME" created (the argument appended to the working
// directory) for a directory it made at "/NAME" inside its chroot. So:
//  - a refusal (4xx/5xx): passes;
//  - a 2xx: the directory is looked for with CWD where a confining server puts it: the
//    path of the reply and the argument, each resolved against the working directory
//    with ".." stopping at "/", and the argument with its ".." dropped. Found: inside,
//    it passes (and is removed with RMD). Found nowhere: the server says it made a
//    directory that its own namespace does not hold, which is the evidence of an escape
//    that can be had from outside: it fails (and the same traversal is sent to RMD, so
//    that the host is not left littered).
//  - with the store root known (--root, white-box), a NAME that appears beside the root
//    or one level above it, where ../../NAME from the root lands, is an escape whatever
//    the namespace shows.
// NAME is unique to the run, so an earlier run's directory cannot pass for this one's.
void mkd_traversal() {
  auto& s = suite();
  const std::string name = "conformance-escape-" + std::to_string(::getpid());
  const std::string arg = "../../" + name;
  const auto& root = s.target().root;
  const EscapeWatch outside(name);
  auto c = s.ftp_raw();
  const auto pwd = c->command("PWD");
  const std::string cwd = quoted_path(pwd.text).value_or("/");
  const auto mkd = c->command("MKD " + arg);
  if (!check(mkd.code != 0, kClear, "a reply to MKD " + arg, reply_text(mkd))) return;
  const auto escaped = outside.take_escaped();
  if (!check(escaped.empty(), kClear,
             "no directory " + name + " outside the store root " + (root ? root->string() : ""),
             "MKD " + arg + " answered \"" + mkd.text + "\" and made" + escaped))
    return;
  if (mkd.code >= 400) {
    record("mkd_traversal", "refused: " + mkd.text);
    return;
  }
  std::vector<std::string> places;
  const auto add = [&](const std::string& p) {
    if (std::find(places.begin(), places.end(), p) == places.end()) places.push_back(p);
  };
  if (const auto said = quoted_path(mkd.text)) add(resolve(cwd, *said));
  add(resolve(cwd, arg));
  add(resolve(cwd, name));
  std::string found;
  for (const auto& p : places) {
    if (c->command("CWD " + p).code / 100 == 2) {
      found = p;
      break;
    }
  }
  c->command("CWD " + cwd);
  std::string where;
  for (const auto& p : places) where += (where.empty() ? "" : ", ") + p;
  if (!found.empty()) {
    const auto rmd = c->command("RMD " + found);
    record("mkd_traversal",
           "made inside the served tree at " + found + " (\"" + mkd.text + "\"); RMD: " + rmd.text);
    return;
  }
  const auto rmd = c->command("RMD " + arg);
  check(false, kClear,
        "MKD " + arg + " refused, or the directory made inside the served tree (found at " + where +
            ")",
        "\"" + mkd.text + "\", and no directory at " + where +
            ": made outside what the server serves (RMD " + arg + ": " + rmd.text + ")");
}

// An anonymous STOR must be refused, and for want of credentials. Only a refusal that
// says so passes, never one that could be about something else (a 425 "Can't open data
// connection" is what a server that takes anonymous writes answers too when it has no
// data connection):
//  - anonymous login refused: STOR before login must get 530 ("Not logged in") or 532
//    ("Need account for storing files"), RFC 959 §4.2;
//  - anonymous login taken: a passive data connection is opened first (EPSV, else PASV,
//    and connected), then STOR must get 530, 532 or 550 (§4.2: "no access"; §5.4 does
//    not list 550 for STOR, yet it is the reply servers give for a permission refused).
//    When no data connection can be had, a 530/532/550 still passes; any other answer
//    proves nothing either way and the case skips, saying so.
// A 1yz is the finding: the write was taken.
void stor_without_credentials() {
  constexpr Requirement kRefusal{
      "Security, RFC 959 §4.2",
      "An anonymous STOR is refused for want of credentials: 530, 532 (or 550 once logged in)."};
  auto c = suite().ftp_raw(false);
  const auto pass = login_anonymously(*c);
  const bool logged_in = pass.code == 230;
  DataConnection data;
  if (logged_in) {
    c->command("TYPE I");
    data = open_data(*c);
  }
  const auto r = c->command("STOR " + ftp_victim("anon-stor"));
  if (r.code == 125 || r.code == 150) {
    if (data.conn) {
      data.conn->send("abc");
      data.conn.reset();
    }
    const auto end = c->read_reply();
    check(false, kNeedsCredentials, "an anonymous STOR refused",
          reply_text(r) + ", then " + reply_text(end) + ": anonymous writes allowed");
    return;
  }
  const std::string context =
      logged_in ? "logged in as anonymous (" + reply_text(pass) +
                      "), data connection: " + (data.conn ? data.how : "none (" + data.how + ")")
                : "anonymous login refused (" + reply_text(pass) + ")";
  const bool refused = r.code == 530 || r.code == 532 || (logged_in && r.code == 550);
  if (!refused && logged_in && !data.conn) {
    record("anon_stor", context + "; STOR: " + r.text);
    GTEST_SKIP() << "no data connection could be opened as anonymous (" << data.how
                 << "), and STOR answered " << reply_text(r)
                 << ", which says nothing about credentials";
  }
  check(refused, kRefusal, logged_in ? "reply 530 or 532 or 550" : "reply 530 or 532",
        reply_text(r) + "; " + context);
}

std::vector<Case> cases() {
  using P = Proto;
  std::vector<Case> v;
  const auto big = [](char ch, size_t n) { return std::string(n, ch); };
  v.push_back(ftp_case("BadInput", "FtpUnknownCommand", [] { return "XYZZY"; }, {500, 502}));
  v.push_back(ftp_case("BadInput", "FtpMissingArgument", [] { return "RETR"; }, {501, 500}));
  v.push_back(ftp_case("BadInput", "FtpOverlongLine", [big] { return "RETR " + big('a', 10000); },
                       {500, 501, 550, 553}));
  v.push_back(ftp_case("BadInput", "FtpBinaryGarbage",
                       [] { return std::string("\x01\x02\x03\x80"); }, {500, 501, 502}));
  v.push_back(
      ftp_case("BadInput", "FtpRestNotANumber", [] { return "REST abc"; }, {501, 500, 554}));
  v.push_back(ftp_case("BadInput", "FtpRestNegative", [] { return "REST -5"; }, {501, 500, 554}));
  v.push_back(ftp_case("BadInput", "FtpUnknownType", [] { return "TYPE X"; }, {504, 501}));
  v.push_back(ftp_case("BadInput", "FtpUnknownMode", [] { return "MODE Z"; }, {504, 501}));
  v.push_back(ftp_case("BadInput", "FtpMalformedPort", [] { return "PORT 1,2,3"; }, {501, 500}));
  v.push_back(ftp_case("BadInput", "FtpRntoWithoutRnfr", [] { return "RNTO x"; }, {503}));
  v.push_back(ftp_case("BadInput", "FtpDeleMissing", [] { return "DELE " + ftp_victim("missing"); },
                       {550, 450}));
  v.push_back(ftp_case(
      "Security", "FtpRetrBeforeLogin", [] { return "RETR x"; }, {530}, false));
  v.push_back(ftp_case(
      "Security", "FtpStorBeforeLogin", [] { return "STOR " + ftp_victim("pre-login"); }, {530},
      false, "pre-login"));
  v.push_back(ftp_case(
      "Security", "FtpPassBeforeUser", [] { return "PASS x"; }, {503, 530}, false));
  v.push_back(ftp_case("Security", "FtpTraversalRaw", [] { return "SIZE ../../../../etc/passwd"; },
                       {550, 553, 501}));
  v.push_back(ftp_case("Security", "FtpTraversalAbsolute", [] { return "RETR /etc/passwd"; },
                       {550, 553, 425, 501}));
  v.push_back(ftp_case("Security", "FtpTraversalPercentEncoded",
                       [] { return "SIZE %2e%2e/%2e%2e/etc/passwd"; }, {550, 553, 501}));
  v.push_back(Case{"Security", "FtpMkdTraversal", P::ftp, mkd_traversal, "", std::nullopt, true});
  v.push_back(ftp_case("Security", "FtpNulInPath", [] { return std::string("SIZE a\0b", 8); },
                       {501, 550, 553, 500}));
  v.push_back(ftp_case("Security", "FtpPortBounceOtherAddress",
                       [] { return "PORT 127,0,0,2,200,1"; }, {500, 501, 504, 530, 550}));
  v.push_back(ftp_case("Security", "FtpPortPrivilegedPort", [] { return "PORT 127,0,0,1,0,25"; },
                       {500, 501, 504, 530, 550}));
  v.push_back(ftp_case("Security", "FtpEprtOtherAddress", [] { return "EPRT |1|127.0.0.2|51000|"; },
                       {500, 501, 504, 522, 530, 550}));
  v.push_back(Case{
      "Security", "FtpPasvConnectionFromAnotherAddress", P::ftp,
      [] {
        auto c = suite().ftp_raw();
        auto stolen = c->open_passive("127.0.0.2");
        const auto r = c->command("RETR " + ftp_known().path);
        std::string got;
        char buf[4096];
        const auto n = ::recv(stolen->fd(), buf, sizeof buf, 0);
        if (n > 0) got.assign(buf, static_cast<size_t>(n));
        const auto end = r.code == 150 || r.code == 125 ? c->read_reply(5s) : r;
        const auto errors = listed_errors("RETR");
        check(got.empty() && std::find(errors.begin(), errors.end(), end.code) != errors.end(),
              {"RFC 2577 §5",
               "A passive data connection from another address than the control "
               "connection's is refused."},
              "no data to 127.0.0.2 and a 425 (or other error listed for RETR)",
              std::to_string(got.size()) + " bytes sent to 127.0.0.2, reply " + reply_text(end));
      },
      "", Op::ftp_stor});
  v.push_back(Case{"Security", "FtpWrongPasswordsAreRefused", P::ftp,
                   [] {
                     // Without credentials in the URL, a user of the run's own: a wrong
                     // password is refused for a user that does not exist as well.
                     const auto& url = *suite().target().ftp;
                     const std::string user =
                         url.has_userinfo ? url.user : "conformance-" + std::to_string(::getpid());
                     auto c = suite().ftp_raw(false);
                     for (int i = 0; i < 3; ++i) {
                       c->command("USER " + user);
                       const auto r = c->command("PASS wrong-" + std::to_string(i));
                       if (r.code == 0) break;  // closed after too many: fine
                       check_reply_among(r, "PASS", {530, 421},
                                         "A wrong password is refused: 530 (or 421 and close).");
                     }
                   },
                   ""});
  v.push_back(
      Case{"Security", "FtpStorWithoutCredentials", P::ftp, stor_without_credentials, "anon-stor"});
  return v;
}

[[maybe_unused]] const bool registered = register_cases(cases(), __FILE__, __LINE__);

}  // namespace
}  // namespace streamcheck::conformance::hostile
