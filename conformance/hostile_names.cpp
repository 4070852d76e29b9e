// Hostile names over both protocols (the runner is hostile.cpp): every control byte in
// a path (HTTP percent-encoded and raw, FTP raw), overlong UTF-8 for "." and "/" (the
// IIS traversal of 2000), names of 4 096 bytes (NAME_MAX is 255) and paths 1 000
// directories deep, made one level at a time. A server may refuse such a name or take
// it; taken, it must give back what it took under the same name, and nothing escapes.
#include <chrono>
#include <cstdio>

#include "conformance/ftp_replies.hpp"
#include "conformance/hostile.hpp"

namespace streamcheck::conformance::hostile {
namespace {

constexpr Requirement kControl{
    "RFC 3986 §2.1, RFC 9112 §3.2",
    "A control byte in a path is refused (400; 404 for a name that does not exist), or, taken "
    "as a name, round-trips: what was stored under it reads back, and goes with DELETE."};
constexpr Requirement kOverlong{
    "RFC 3629 §3, §10",
    "Overlong UTF-8 (C0 AE for \".\", C0 AF for \"/\") is invalid and never decoded into "
    "\"..\": refused or not found, never a file outside the served tree."};
constexpr Requirement kLongName{
    "DESIGN bad input",
    "A name of 4 096 bytes (NAME_MAX is 255) gets a clear refusal (4xx, or an FTP error), "
    "never a 5xx without one or a crash."};
constexpr Requirement kDeep{
    "DESIGN bad input",
    "A chain of 1 000 nested directories is made, or refused at some depth with a clear "
    "error; it can be removed again, and the server goes on."};

// 0x01-0x1f and 0x7f: NUL has cases of its own (HttpNulInPath*, FtpNulInPath).
std::vector<int> control_bytes() {
  std::vector<int> out;
  for (int b = 1; b < 0x20; ++b) out.push_back(b);
  out.push_back(0x7f);
  return out;
}
std::string hex(int b) {
  char s[4];
  std::snprintf(s, sizeof s, "%02X", b);
  return s;
}

// Every control byte, one request each on a fresh connection; the bytes whose answer
// failed, with it, in one verdict.
void http_each_control_byte(bool raw) {
  std::string wrong;
  for (const int b : control_bytes()) {
    // CR and LF raw end the request line: they are framing, not a path byte.
    if (raw && (b == '\r' || b == '\n')) continue;
    const std::string name =
        raw ? "ctl-" + std::string(1, static_cast<char>(b)) + "-x" : "ctl-%" + hex(b) + "-x";
    const auto r = http_exchange("GET /" + name + " HTTP/1.1\r\nHost: x\r\n\r\n");
    // §3.2 lets a server answer an invalid request-line 301 with the target encoded.
    const bool ok = r && (r->status == 400 || r->status == 404 || (raw && r->status == 301));
    if (!ok) wrong += " " + hex(b) + ": " + status_text(r) + ";";
  }
  check(wrong.empty(), kControl, raw ? "400 (or 404, 301) for each byte" : "400 or 404 for each",
        "byte" + wrong);
}

// PUT of a name with each control byte, percent-encoded: refused, or round-tripped.
void http_put_each_control_byte() {
  for (const int b : control_bytes()) {
    const auto path = victim("ctl-%" + hex(b) + "-x");
    const auto r = http_exchange("PUT " + path + " HTTP/1.1\r\n" + write_headers() +
                                 "Content-Length: 3\r\n\r\nabc");
    check_refused_or_stored(r, path, "abc", {400, 403, 404, 409}, kControl);
  }
}

// FTP: MKD of a name with each raw control byte (CR and LF end the line), then RMD of the
// same name when it was made.
void ftp_mkd_each_control_byte() {
  auto c = suite().ftp_raw();
  std::string wrong;
  for (const int b : control_bytes()) {
    if (b == '\r' || b == '\n') continue;
    const auto name = ftp_victim("ctl-" + std::string(1, static_cast<char>(b)) + "-x");
    const auto mkd = c->command("MKD " + name);
    if (mkd.code == 257) {
      const auto rmd = c->command("RMD " + name);
      if (rmd.code != 250) wrong += " " + hex(b) + ": made, and RMD " + reply_text(rmd) + ";";
    } else if (mkd.code < 400 || mkd.code >= 600) {
      wrong += " " + hex(b) + ": " + reply_text(mkd) + ";";
    }
  }
  // Any 4yz/5yz refuses: 553 ("File name not allowed", RFC 959 §4.2) says it best,
  // though §5.4 lists only 550 for MKD.
  check(wrong.empty(), kControl, "MKD refused (4yz or 5yz), or made and removed with RMD",
        "byte" + wrong);
}

// HTTP: MKCOL one level deeper at a time; the top is deleted afterwards (Depth: infinity).
void http_thousand_deep() {
  if (!suite().http_allows("MKCOL")) GTEST_SKIP() << "OPTIONS does not allow MKCOL";
  const std::string top = victim("deep-http");
  std::string path = top;
  int depth = 0;
  std::string stop;
  // As for FTP below: a slow server (1 000 connections to a Python one: 18 s) is judged on
  // the levels made in 5 s.
  const auto budget = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  for (; depth < 1000 && std::chrono::steady_clock::now() < budget; ++depth) {
    if (depth > 0) path += "/d";
    const auto r = http_exchange("MKCOL " + path + "/ HTTP/1.1\r\n" + write_headers() + "\r\n");
    if (!r || r->status != 201) {
      stop = status_text(r);
      break;
    }
  }
  record("depth", std::to_string(depth) + (stop.empty() ? "" : ", then " + stop));
  const auto del = http_exchange("DELETE " + top + "/ HTTP/1.1\r\n" + write_headers() + "\r\n");
  check(stop.empty() || stop.starts_with("status 4") || stop.starts_with("status 507"), kDeep,
        "201 at each level, or a 4xx (507) where the server stops",
        "level " + std::to_string(depth + 1) + ": " + stop);
  check(depth == 0 || (del && del->status / 100 == 2), kDeep, "DELETE of the top: a 2xx",
        status_text(del));
}

// The directory of a 257 reply: between the first two double quotes ("/" without them).
std::string quoted(const std::string& text) {
  const auto open = text.find('"');
  const auto close = open == std::string::npos ? open : text.find('"', open + 1);
  return close == std::string::npos ? "/" : text.substr(open + 1, close - open - 1);
}

// FTP: MKD and CWD one level at a time, then back up with CDUP and RMD.
void ftp_thousand_deep() {
  auto c = suite().ftp_raw();
  const auto top = ftp_victim("deep-ftp");  // relative to where the session starts
  const auto start = c->command("PWD");
  int depth = 0;
  std::string stop;
  // A server whose every command resolves the whole path (pyftpdlib: 41 ms a command at
  // 1 000 levels, 164 s for the chain) is slow, not wrong: the chain stops after 5 s,
  // and the levels made by then are judged and removed.
  const auto budget = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  for (; depth < 1000 && std::chrono::steady_clock::now() < budget; ++depth) {
    const auto name = depth == 0 ? top : std::string("d");
    const auto mkd = c->command("MKD " + name);
    if (mkd.code != 257) {
      stop = "MKD " + reply_text(mkd);
      break;
    }
    const auto cwd = c->command("CWD " + name);
    if (cwd.code != 250) {
      stop = "CWD " + reply_text(cwd);
      ++depth;
      break;
    }
  }
  record("depth", std::to_string(depth) + (stop.empty() ? "" : ", then " + stop));
  std::string removal;
  for (int level = depth; level > 0; --level) {
    if (level > 1 && c->command("CDUP").code / 100 != 2) c->command("CWD ..");
    // The top is named from where it was made: back to the start's directory.
    if (level == 1) c->command("CWD " + quoted(start.text));
    const auto rmd = c->command("RMD " + std::string(level == 1 ? top : "d"));
    if (rmd.code != 250 && removal.empty())
      removal = "RMD at level " + std::to_string(level) + ": " + reply_text(rmd);
  }
  check(stop.empty() || stop.find("\"4") != std::string::npos ||
            stop.find("\"5") != std::string::npos,
        kDeep, "257 and 250 at each level, or an error where the server stops",
        "level " + std::to_string(depth + 1) + ": " + stop);
  check(removal.empty(), kDeep, "every level removed again with RMD: 250", removal);
}

std::vector<Case> cases() {
  std::vector<Case> v;
  const std::string dots = "%C0%AE%C0%AE/%C0%AE%C0%AE/%C0%AE%C0%AE/";
  const std::string raw_dots = "\xC0\xAE\xC0\xAE/\xC0\xAE\xC0\xAE/\xC0\xAE\xC0\xAE/";
  const std::string n4096(4096, 'n');
  // FTP cases that make directories: they need the writes the suite's STOR needs.
  const auto login = [&v](const char* suite_name, const char* name, void (*run)()) {
    v.push_back(Case{suite_name, name, Proto::ftp, run, "", Op::ftp_stor, true});
  };
  // --- control bytes
  v.push_back(Case{"Security", "HttpEveryControlBytePercentEncoded", Proto::http,
                   [] { http_each_control_byte(false); }, ""});
  v.push_back(Case{"Security", "HttpEveryControlByteRaw", Proto::http,
                   [] { http_each_control_byte(true); }, ""});
  v.push_back(Case{"Security", "HttpPutEveryControlBytePercentEncoded", Proto::http,
                   http_put_each_control_byte, "", Op::http_put});
  v.push_back(ftp_rule_case("Security", "FtpCwdEveryControlByte", kControl,
                            [] {
                              std::string s = "CWD ";
                              for (const int b : control_bytes())
                                if (b != '\r' && b != '\n') s += static_cast<char>(b);
                              return s;
                            },
                            {550, 501, 553}));
  login("Security", "FtpMkdEveryControlByte", ftp_mkd_each_control_byte);
  // --- overlong UTF-8
  v.push_back(
      http_rule_case("Security", "HttpOverlongUtf8DotDotPercentEncoded", std::nullopt, kOverlong,
                     [dots] { return "GET /" + dots + "etc/passwd HTTP/1.1\r\nHost: x\r\n\r\n"; },
                     {400, 403, 404}));
  v.push_back(http_rule_case(
      "Security", "HttpOverlongUtf8DotDotRaw", std::nullopt, kOverlong,
      [raw_dots] { return "GET /" + raw_dots + "etc/passwd HTTP/1.1\r\nHost: x\r\n\r\n"; },
      {400, 403, 404}));
  v.push_back(http_rule_case(
      "Security", "HttpOverlongUtf8Slash", std::nullopt, kOverlong,
      [] { return "GET /..%C0%AF..%C0%AF..%C0%AFetc%C0%AFpasswd HTTP/1.1\r\nHost: x\r\n\r\n"; },
      {400, 403, 404}));
  v.push_back(ftp_rule_case("Security", "FtpOverlongUtf8DotDotRaw", kOverlong,
                            [raw_dots] { return "CWD " + raw_dots + "etc"; }, {550, 501, 553}));
  v.push_back(ftp_rule_case("Security", "FtpOverlongUtf8DotDotPercentEncoded", kOverlong,
                            [dots] { return "CWD " + dots + "etc"; }, {550, 501, 553}));
  // --- names of 4 096 bytes
  v.push_back(
      Case{"BadInput", "HttpPutNameOf4096Bytes", Proto::http,
           [n4096] {
             const auto path = victim(n4096);
             const auto r = http_exchange("PUT " + path + " HTTP/1.1\r\n" + write_headers() +
                                          "Content-Length: 3\r\n\r\nabc");
             check_refused_or_stored(r, path, "abc", {400, 403, 404, 409, 414, 431}, kLongName);
           },
           "", Op::http_put});
  v.push_back(http_rule_case("BadInput", "HttpGetNameOf4096Bytes", std::nullopt, kLongName,
                             [n4096] { return "GET /" + n4096 + " HTTP/1.1\r\nHost: x\r\n\r\n"; },
                             {400, 403, 404, 414, 431}));
  v.push_back(ftp_case("BadInput", "FtpMkdNameOf4096Bytes",
                       [n4096] { return "MKD " + ftp_victim(n4096); }, {550, 553, 501, 500}));
  v.push_back(ftp_case("BadInput", "FtpCwdNameOf4096Bytes", [n4096] { return "CWD " + n4096; },
                       {550, 553, 501, 500}));
  // --- 1 000 levels deep
  v.push_back(http_rule_case("BadInput", "HttpGetThousandDeepPath", std::nullopt, kDeep,
                             [] {
                               std::string p;
                               for (int i = 0; i < 1000; ++i) p += "/d";
                               return "GET " + p + " HTTP/1.1\r\nHost: x\r\n\r\n";
                             },
                             {404, 400, 414}));
  v.push_back(Case{"BadInput", "HttpMkcolThousandDeep", Proto::http, http_thousand_deep,
                   "deep-http", Op::http_put});
  v.push_back(ftp_case("BadInput", "FtpCwdThousandDeepPath",
                       [] {
                         std::string p = "CWD ";
                         for (int i = 0; i < 1000; ++i) p += "d/";
                         return p;
                       },
                       {550, 501}));
  login("BadInput", "FtpMkdThousandDeep", ftp_thousand_deep);
  return v;
}

[[maybe_unused]] const bool registered = register_cases(cases(), __FILE__, __LINE__);

}  // namespace
}  // namespace streamcheck::conformance::hostile
