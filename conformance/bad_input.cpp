// Hostile input over both protocols (BadInput.*: malformed framing and commands;
// Security.*: traversal, NUL, commands before login, RFC 2577 address checks, writes
// without credentials, slowloris). Each case must get a clear error; afterwards the
// server still serves a normal request, no object of the case exists, and the server's
// tree holds no more descriptors than before the case.
#include <sys/socket.h>

#include <functional>
#include <thread>

#include "conformance/raw.hpp"

namespace streamcheck::conformance {
namespace {

using namespace std::chrono_literals;

constexpr Requirement kClear{"DESIGN bad input",
                             "Hostile input gets a clear error status or reply."};
constexpr Requirement kAfter{"DESIGN bad input",
                             "After hostile input the server still serves, keeps no partial "
                             "object and no descriptor of it."};

enum class Proto { http, ftp };
struct Case {
  const char* suite;
  const char* name;
  Proto proto;
  std::function<void()> run;  // sends the input, checks the answer
  std::string object;         // a path the case must not leave behind ("" for none)
};

std::string victim(const std::string& name) {
  return suite().http_dir("hostile") + name;
}
std::string ftp_victim(const std::string& name) {
  return suite().ftp_dir("hostile") + name;
}

// An HTTP case: `request` on a fresh connection must get one of `codes`.
Case http_case(const char* suite_name, const char* name, std::function<std::string()> request,
               std::initializer_list<int> codes_list, std::string object = "") {
  std::vector<int> codes(codes_list);
  return Case{suite_name, name, Proto::http,
              [request, codes] {
                const auto r = http_exchange(request());
                bool ok = false;
                std::string want;
                for (const int c : codes) {
                  ok = ok || (r && r->status == c);
                  want += (want.empty() ? "" : " or ") + std::to_string(c);
                }
                check(ok, kClear, "status " + want, status_text(r));
              },
              std::move(object)};
}

// An FTP case: `command` (after login unless `anonymous`) must get one of `codes`.
Case ftp_case(const char* suite_name, const char* name, std::function<std::string()> command,
              std::initializer_list<int> codes_list, bool login = true, std::string object = "") {
  std::vector<int> codes(codes_list);
  return Case{suite_name, name, Proto::ftp,
              [command, codes, login] {
                auto c = suite().ftp_raw(login);
                const auto r = c->command(command());
                bool ok = false;
                std::string want;
                for (const int x : codes) {
                  ok = ok || r.code == x;
                  want += (want.empty() ? "" : " or ") + std::to_string(x);
                }
                check(ok, kClear, "reply " + want,
                      r.code ? "\"" + r.text + "\"" : std::string("no reply"));
              },
              std::move(object)};
}

std::string put_head(const std::string& path, const std::string& extra) {
  return "PUT " + path + " HTTP/1.1\r\n" + write_headers() + extra;
}
std::string multipart(const std::string& dir, const std::string& type, const std::string& body) {
  return "POST " + dir + " HTTP/1.1\r\n" + write_headers() + "Content-Type: " + type +
         "\r\nContent-Length: " + std::to_string(body.size()) + "\r\n\r\n" + body;
}

std::vector<Case> cases() {
  using P = Proto;
  std::vector<Case> v;
  const auto big = [](char ch, size_t n) { return std::string(n, ch); };
  // --- HTTP framing and syntax
  v.push_back(
      http_case("BadInput", "HttpGarbageRequestLine", [] { return "garbage\r\n\r\n"; }, {400}));
  v.push_back(http_case("BadInput", "HttpUnknownVersion",
                        [] { return "GET / HTTP/9.9\r\nHost: x\r\n\r\n"; }, {400, 505}));
  v.push_back(http_case("BadInput", "HttpControlCharInTarget",
                        [] { return "GET /a\x01z HTTP/1.1\r\nHost: x\r\n\r\n"; }, {400}));
  v.push_back(
      http_case("BadInput", "HttpOversizeRequestLine",
                [big] { return "GET /" + big('a', 70000) + " HTTP/1.1\r\nHost: x\r\n\r\n"; },
                {414, 400, 431}));
  v.push_back(http_case(
      "BadInput", "HttpOversizeHeader",
      [big] { return "GET / HTTP/1.1\r\nHost: x\r\nX-Big: " + big('b', 70000) + "\r\n\r\n"; },
      {431, 400, 413}));
  v.push_back(http_case("BadInput", "HttpTooManyHeaders",
                        [] {
                          std::string r = "GET / HTTP/1.1\r\nHost: x\r\n";
                          for (int i = 0; i < 3000; ++i) r += "X-H" + std::to_string(i) + ": v\r\n";
                          return r + "\r\n";
                        },
                        {431, 400, 413}));
  v.push_back(http_case("BadInput", "HttpHeaderWithoutColon",
                        [] { return "GET / HTTP/1.1\r\nHost: x\r\nNoColonHere\r\n\r\n"; }, {400}));
  v.push_back(http_case(
      "BadInput", "HttpContentLengthAndChunked",
      [] {
        return put_head(victim("cl-te"),
                        "Content-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n");
      },
      {400}, "cl-te"));
  v.push_back(http_case(
      "BadInput", "HttpNegativeContentLength",
      [] { return put_head(victim("neg"), "Content-Length: -5\r\n\r\n"); }, {400}, "neg"));
  v.push_back(http_case(
      "BadInput", "HttpTwoDifferentContentLengths",
      [] {
        return put_head(victim("two-cl"), "Content-Length: 3\r\nContent-Length: 5\r\n\r\nabcde");
      },
      {400}, "two-cl"));
  v.push_back(http_case(
      "BadInput", "HttpContentLengthOverflow",
      [] {
        return put_head(victim("cl-overflow"),
                        "Content-Length: 99999999999999999999999\r\n\r\nabc");
      },
      {400, 413}, "cl-overflow"));
  v.push_back(http_case(
      "BadInput", "HttpBadChunkSize",
      [] {
        return put_head(victim("bad-chunk"),
                        "Transfer-Encoding: chunked\r\n\r\nzz\r\nabc\r\n0\r\n\r\n");
      },
      {400}, "bad-chunk"));
  v.push_back(http_case(
      "BadInput", "HttpChunkSizeOverflow",
      [] {
        return put_head(
            victim("chunk-overflow"),
            "Transfer-Encoding: chunked\r\n\r\nFFFFFFFFFFFFFFFFFFFF\r\nabc\r\n0\r\n\r\n");
      },
      {400, 413}, "chunk-overflow"));
  v.push_back(http_case(
      "BadInput", "HttpChunkWithoutCrlf",
      [] {
        return put_head(victim("chunk-crlf"),
                        "Transfer-Encoding: chunked\r\n\r\n3\r\nabcXY4\r\nabcd\r\n0\r\n\r\n");
      },
      {400}, "chunk-crlf"));
  v.push_back(http_case(
      "BadInput", "HttpUnknownTransferCoding",
      [] { return put_head(victim("te-gzip"), "Transfer-Encoding: gzip\r\n\r\nabc"); },
      {400, 501, 411}, "te-gzip"));
  v.push_back(Case{"BadInput", "HttpLyingContentLengthThenClose", P::http,
                   [] {
                     auto conn = suite().http_raw();
                     conn->send(put_head(victim("short-body"), "Content-Length: 100000\r\n\r\n") +
                                std::string(1000, 'x'));
                     conn->shutdown_write();
                     const auto r = conn->read_http_response(10s);
                     check(!r || r->status >= 400, kClear,
                           "no 2xx for a body cut short (an error or a close)", status_text(r));
                   },
                   "short-body"});
  v.push_back(Case{"BadInput", "HttpTruncatedChunkedBodyThenClose", P::http,
                   [] {
                     auto conn = suite().http_raw();
                     conn->send(put_head(victim("short-chunked"),
                                         "Transfer-Encoding: chunked\r\n\r\n1000\r\n") +
                                std::string(100, 'x'));
                     conn->shutdown_write();
                     const auto r = conn->read_http_response(10s);
                     check(!r || r->status >= 400, kClear, "no 2xx for a chunked body cut short",
                           status_text(r));
                   },
                   "short-chunked"});
  v.push_back(http_case(
      "BadInput", "HttpMultipartWithoutClosingBoundary",
      [] {
        return multipart(suite().http_dir("hostile"), "multipart/form-data; boundary=XyZ",
                         "--XyZ\r\nContent-Disposition: form-data; name=\"f\"; "
                         "filename=\"mp-open\"\r\n\r\ndata");
      },
      {400}, "mp-open"));
  v.push_back(http_case(
      "BadInput", "HttpMultipartWrongBoundary",
      [] {
        return multipart(suite().http_dir("hostile"), "multipart/form-data; boundary=XyZ",
                         "--Other\r\nContent-Disposition: form-data; name=\"f\"; "
                         "filename=\"mp-wrong\"\r\n\r\ndata\r\n--Other--\r\n");
      },
      {400}, "mp-wrong"));
  v.push_back(http_case("BadInput", "HttpMultipartWithoutBoundaryParameter",
                        [] {
                          return multipart(suite().http_dir("hostile"), "multipart/form-data",
                                           "--a\r\n\r\nx\r\n--a--\r\n");
                        },
                        {400, 415}));
  v.push_back(http_case(
      "BadInput", "HttpMultipartPartWithoutHeaderEnd",
      [] {
        return multipart(
            suite().http_dir("hostile"), "multipart/form-data; boundary=XyZ",
            "--XyZ\r\nContent-Disposition: form-data; name=\"f\"; filename=\"mp-head\"" +
                std::string(2000, ' ') + "\r\n--XyZ--\r\n");
      },
      {400, 431, 413}, "mp-head"));
  v.push_back(http_case("BadInput", "HttpInvalidPercentEscape",
                        [] { return "GET /a%zz HTTP/1.1\r\nHost: x\r\n\r\n"; }, {400, 404}));
  // --- HTTP security
  v.push_back(http_case("Security", "HttpTraversalRaw",
                        [] { return "GET /../../../../etc/passwd HTTP/1.1\r\nHost: x\r\n\r\n"; },
                        {400, 403, 404}));
  v.push_back(
      http_case("Security", "HttpTraversalPercentEncoded",
                [] { return "GET /%2e%2e/%2e%2e/%2e%2e/etc/passwd HTTP/1.1\r\nHost: x\r\n\r\n"; },
                {400, 403, 404}));
  v.push_back(
      http_case("Security", "HttpTraversalDoubleEncoded",
                [] { return "GET /%252e%252e/%252e%252e/etc/passwd HTTP/1.1\r\nHost: x\r\n\r\n"; },
                {400, 403, 404}));
  v.push_back(
      http_case("Security", "HttpTraversalBackslash",
                [] { return "GET /..%5c..%5c..%5cetc%5cpasswd HTTP/1.1\r\nHost: x\r\n\r\n"; },
                {400, 403, 404}));
  v.push_back(http_case(
      "Security", "HttpPutTraversal",
      [] { return put_head("/%2e%2e/conformance-escape.bin", "Content-Length: 3\r\n\r\nabc"); },
      {400, 403, 404, 409}));
  v.push_back(http_case("Security", "HttpNulInPathEncoded",
                        [] { return "GET /a%00b HTTP/1.1\r\nHost: x\r\n\r\n"; }, {400, 404}));
  v.push_back(http_case("Security", "HttpNulInPathRaw",
                        [] { return std::string("GET /a\0b HTTP/1.1\r\nHost: x\r\n\r\n", 29); },
                        {400}));
  v.push_back(http_case(
      "Security", "HttpPutWithoutCredentials",
      [] {
        return "PUT " + victim("no-auth") + " HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n\r\nabc";
      },
      {401, 403}, "no-auth"));
  v.push_back(http_case(
      "Security", "HttpPutWithWrongCredentials",
      [] {
        return "PUT " + victim("bad-auth") +
               " HTTP/1.1\r\nHost: x\r\nAuthorization: Basic bm9ib2R5Ondyb25n\r\nContent-Length: "
               "3\r\n\r\nabc";
      },
      {401, 403}, "bad-auth"));
  v.push_back(
      http_case("Security", "HttpDeleteWithoutCredentials",
                [] { return "DELETE " + http_known().path + " HTTP/1.1\r\nHost: x\r\n\r\n"; },
                {401, 403, 405}));
  v.push_back(http_case(
      "Security", "HttpMkcolWithoutCredentials",
      [] { return "MKCOL " + victim("no-auth-dir/") + " HTTP/1.1\r\nHost: x\r\n\r\n"; },
      {401, 403, 405}, "no-auth-dir"));
  v.push_back(http_case(
      "Security", "HttpPostWithoutCredentials",
      [] {
        const std::string body =
            "--b\r\nContent-Disposition: form-data; name=\"f\"; "
            "filename=\"post-no-auth\"\r\n\r\nx\r\n--b--\r\n";
        return "POST " + suite().http_dir("hostile") +
               " HTTP/1.1\r\nHost: x\r\nContent-Type: multipart/form-data; "
               "boundary=b\r\nContent-Length: " +
               std::to_string(body.size()) + "\r\n\r\n" + body;
      },
      {401, 403, 405}, "post-no-auth"));
  v.push_back(Case{
      "Security", "HttpSlowlorisIsCutOff", P::http,
      [] {
        auto slow = suite().http_raw();
        slow->send("GET / HTTP/1.1\r\nHost: x\r\n");  // and never the blank line
        const auto r = http_exchange("GET " + http_known().path + " HTTP/1.1\r\nHost: x\r\n\r\n");
        check(r && r->status == 200, kAfter, "other clients are served while a slow one waits",
              status_text(r));
        const auto limit =
            std::chrono::milliseconds(static_cast<long>(suite().config.slowloris_seconds * 1000));
        check(slow->wait_closed(limit), kClear,
              "a header block never finished is cut off within " +
                  fixed(suite().config.slowloris_seconds, 0) + " s (--slowloris-seconds)",
              "the connection stayed open");
      },
      ""});
  // --- FTP
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
  v.push_back(ftp_case("Security", "FtpMkdTraversal", [] { return "MKD ../../conformance-escape"; },
                       {550, 553, 501}));
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
                   ""});
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
  v.push_back(Case{"Security", "FtpStorWithoutCredentials", P::ftp,
                   [] {
                     auto c = suite().ftp_raw(false);
                     const auto user = c->command("USER anonymous");
                     const auto pass = user.code == 331 ? c->command("PASS conformance@") : user;
                     if (pass.code != 230) return;  // no anonymous login: no write either
                     const auto r = c->command("STOR " + ftp_victim("anon-stor"));
                     check(r.code >= 500 || r.code == 425, kClear,
                           "an anonymous STOR is refused (5xx)", r.text);
                   },
                   "anon-stor"});
  return v;
}

class HostileCase : public ::testing::Test {
 public:
  explicit HostileCase(Case c) : case_(std::move(c)) {}
  void TestBody() override {
    auto& s = suite();
    if (case_.proto == Proto::http) {
      SKIP_UNLESS_HTTP();
      if (!s.target().http->has_userinfo) GTEST_SKIP() << "no credentials in the HTTP URL";
      http_known();
    } else {
      SKIP_UNLESS_FTP();
      if (!s.target().ftp->has_userinfo) GTEST_SKIP() << "no credentials in the FTP URL";
      ftp_known();
    }
    const auto before = s.settled_fds();
    case_.run();
    // Still serving, on a new connection.
    if (case_.proto == Proto::http) {
      const auto& k = http_known();
      const auto r = http_exchange("GET " + k.path + " HTTP/1.1\r\nHost: x\r\n\r\n");
      check(r && r->status == 200 && r->body == k.content, kAfter,
            "a normal GET afterwards: 200 and the object", status_text(r));
      if (!case_.object.empty()) {
        const auto g =
            http_exchange("HEAD " + victim(case_.object) + " HTTP/1.1\r\nHost: x\r\n\r\n", true);
        check(g && g->status == 404, kAfter, "no object " + victim(case_.object), status_text(g));
      }
    } else {
      auto c = s.ftp_raw();
      const auto& k = ftp_known();
      const auto size = c->command("SIZE " + k.path);
      check(size.code == 213, kAfter, "a normal SIZE afterwards: 213", size.text);
      if (!case_.object.empty()) {
        const auto m = c->command("SIZE " + ftp_victim(case_.object));
        check(m.code == 550, kAfter, "no file " + ftp_victim(case_.object), m.text);
      }
    }
    const auto after = s.settled_fds(before.count);
    check(after.count <= before.count && after.deleted.empty(), kAfter,
          "the tree's fd count back to " + std::to_string(before.count) + ", none on deleted files",
          std::to_string(after.count) + " fds, " + std::to_string(after.deleted.size()) +
              " on deleted files");
  }

 private:
  Case case_;
};

// Registered before RUN_ALL_TESTS (from main), one test per case.
[[maybe_unused]] const bool registered = [] {
  for (auto& c : cases()) {
    const std::string file = __FILE__;
    ::testing::RegisterTest(c.suite, c.name, nullptr, nullptr, file.c_str(), __LINE__,
                            [c]() -> ::testing::Test* { return new HostileCase(c); });
  }
  return true;
}();

}  // namespace
}  // namespace streamcheck::conformance
