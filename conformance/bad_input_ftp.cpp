// Hostile input over FTP (the runner is hostile.cpp): malformed commands
// (BadInput.Ftp*) and traversal, NUL, commands before login, RFC 2577 address checks,
// writes without credentials (Security.Ftp*).
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <sstream>

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
  if (!check(mkd.code != 0, kClear, "a reply to MKD " + arg, "no reply (closed or timed out)"))
    return;
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

// An anonymous STOR with a data connection ready, so that the server's answer is about
// the write itself: without one, 425 is what an anonymous-write server answers too.
void stor_without_credentials() {
  auto c = suite().ftp_raw(false);
  const auto user = c->command("USER anonymous");
  const auto pass = user.code == 331 ? c->command("PASS conformance@") : user;
  if (pass.code != 230) return;  // no anonymous login: no write either
  c->command("TYPE I");
  std::unique_ptr<bench::RawConnection> data;
  try {
    data = c->open_passive();
  } catch (const std::exception&) {
    // No EPSV: the STOR's answer is judged alone.
  }
  const auto r = c->command("STOR " + ftp_victim("anon-stor"));
  if (r.code == 125 || r.code == 150) {
    if (data) {
      data->send("abc");
      data.reset();
    }
    const auto end = c->read_reply();
    check(false, kNeedsCredentials, "an anonymous STOR refused (5xx)",
          "\"" + r.text + "\", then \"" + end.text + "\": anonymous writes allowed");
    return;
  }
  check(r.code >= 500 || (!data && r.code == 425), kClear, "an anonymous STOR refused (5xx)",
        r.code ? "\"" + r.text + "\"" : std::string("no reply"));
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
  v.push_back(Case{"Security", "FtpMkdTraversal", P::ftp, mkd_traversal, ""});
  v.push_back(ftp_case("Security", "FtpNulInPath", [] { return std::string("SIZE a\0b", 8); },
                       {501, 550, 553, 500}));
  v.push_back(ftp_case("Security", "FtpPortBounceOtherAddress",
                       [] { return "PORT 127,0,0,2,200,1"; }, {500, 501, 504, 530, 550}));
  v.push_back(ftp_case("Security", "FtpPortPrivilegedPort", [] { return "PORT 127,0,0,1,0,25"; },
                       {500, 501, 504, 530, 550}));
  v.push_back(ftp_case("Security", "FtpEprtOtherAddress", [] { return "EPRT |1|127.0.0.2|51000|"; },
                       {500, 501, 504, 522, 530, 550}));
  v.push_back(Case{"Security", "FtpPasvConnectionFromAnotherAddress", P::ftp,
                   [] {
                     auto c = suite().ftp_raw();
                     auto stolen = c->open_passive("127.0.0.2");
                     const auto r = c->command("RETR " + ftp_known().path);
                     std::string got;
                     char buf[4096];
                     const auto n = ::recv(stolen->fd(), buf, sizeof buf, 0);
                     if (n > 0) got.assign(buf, static_cast<size_t>(n));
                     const auto end = r.code == 150 || r.code == 125 ? c->read_reply(5s) : r;
                     check(got.empty() && end.code >= 400,
                           {"RFC 2577 §5",
                            "A passive data connection from another address than the control "
                            "connection's is refused."},
                           "no data to 127.0.0.2 and a 425 (or other 4xx/5xx) reply",
                           std::to_string(got.size()) + " bytes sent to 127.0.0.2, reply \"" +
                               end.text + "\"");
                   },
                   "", Op::ftp_stor});
  v.push_back(Case{"Security", "FtpWrongPasswordsAreRefused", P::ftp,
                   [] {
                     auto c = suite().ftp_raw(false);
                     for (int i = 0; i < 3; ++i) {
                       c->command("USER " + suite().target().ftp->user);
                       const auto r = c->command("PASS wrong-" + std::to_string(i));
                       if (r.code == 0) break;  // closed after too many: fine
                       check(r.code == 530 || r.code == 421, kClear, "530 (or 421 and close)",
                             r.text);
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
