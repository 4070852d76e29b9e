// Hostile input over HTTP, sizes and counts past reason (the runner is hostile.cpp): a
// thousand Range specs, absurd If-* dates, ten thousand header fields, a 1 GiB header
// line streamed in pieces, multipart bodies of ten thousand empty parts, over-long
// boundaries and nested multiparts. Each is judged by what the RFC lets a server do with
// it: refuse it clearly, or take it and answer correctly.
#include <poll.h>
#include <sys/socket.h>

#include <cerrno>

#include "conformance/hostile.hpp"

namespace streamcheck::conformance::hostile {
namespace {

using namespace std::chrono_literals;

constexpr Requirement kRanges{
    "RFC 9110 §14.2",
    "A server MAY ignore Range (200, the whole object) or reject many small or overlapping "
    "ranges (416); a 206 sends each range's bytes, not many copies of the object."};
constexpr Requirement kInvalidDate{
    "RFC 9110 §13.1.3, §13.1.4",
    "A recipient MUST ignore If-Modified-Since / If-Unmodified-Since whose value is not a valid "
    "HTTP-date: the GET is answered as without it, 200 and the whole object."};
constexpr Requirement kFutureImsDate{
    "RFC 9110 §13.1.3",
    "If-Modified-Since later than the last modification: 304 (SHOULD), or the whole object."};
constexpr Requirement kPastImsDate{
    "RFC 9110 §13.1.3",
    "If-Modified-Since before the last modification: the condition is true, 200 and the "
    "whole object."};
constexpr Requirement kPastIusDate{
    "RFC 9110 §13.1.4",
    "If-Unmodified-Since before the last modification: false, 412 (or, for a server that "
    "takes the year for invalid, ignored: 200 and the whole object)."};
constexpr Requirement kFutureIusDate{
    "RFC 9110 §13.1.4",
    "If-Unmodified-Since after the last modification: the condition is true, 200 and the "
    "whole object."};
constexpr Requirement kHeaderLine{
    "DESIGN bad input, RFC 9110 §15.5.20",
    "A header line past the server's limit is cut off (431 or 400, or a close) long before "
    "1 GiB has been sent."};
constexpr Requirement kParts{
    "RFC 7578 §4.2, RFC 2046 §5.1.1",
    "A form-data part without Content-Disposition is invalid: the POST is refused (400, 413) "
    "or answered 2xx, never an error of the server's own."};
constexpr Requirement kBoundary{
    "RFC 2046 §5.1.1",
    "A boundary is 1 to 70 characters: a longer or empty one is refused (400, 415), or, taken "
    "anyway, the file is stored byte for byte."};
constexpr Requirement kNested{
    "RFC 7578 §4.3, RFC 2046 §5.1",
    "A multipart/mixed part inside form-data is refused (400, 415) or taken byte-exact: as "
    "one file of its raw bytes, or as the files it holds."};

// 1000 ranges of the known object: single bytes in order, or 1000 times the whole
// object ("0-"), the shape of CVE-2011-3192. A 206 may be multipart/byteranges with a
// part header each (about 100 bytes): bounded by two objects plus 256 bytes a range.
void thousand_ranges(bool overlapping) {
  const auto& k = http_known();
  std::string spec = "bytes=";
  for (int i = 0; i < 1000; ++i)
    spec += (i ? "," : "") +
            (overlapping ? std::string("0-") : std::to_string(i) + "-" + std::to_string(i));
  auto conn = suite().http_raw();
  conn->send(get_known("Range: " + spec + "\r\n"));
  const auto r = conn->read_http_response(10s, false, 64 << 20);
  if (r && r->status == 206) {
    record("ranges", "206 with " + std::to_string(r->body.size()) + " bytes");
    const std::size_t bound = 2 * k.content.size() + 256 * 1000;
    check(r->body.size() <= bound, kRanges, "a 206 of at most " + std::to_string(bound) + " bytes",
          "206 with " + std::to_string(r->body.size()) + " bytes for a " +
              std::to_string(k.content.size()) + "-byte object");
    return;
  }
  check_whole_or(r, {416}, kRanges);
}

// "GET / ... X-Long: aaaa..." streamed in 64 KiB pieces, never held whole, until the
// server answers or closes, or 1 GiB has gone: how far it let the line run.
void gibibyte_header_line() {
  constexpr std::uint64_t kCap = 1ULL << 30;
  auto conn = suite().http_raw();
  const int fd = conn->fd();
  conn->send("GET / HTTP/1.1\r\nHost: x\r\nX-Long: ");
  const std::string piece(64 * 1024, 'a');
  std::uint64_t sent = 0;
  bool stopped = false;  // the server answered, closed or stopped reading
  auto idle_since = std::chrono::steady_clock::now();
  while (sent < kCap && !stopped) {
    pollfd p{fd, POLLIN | POLLOUT, 0};
    if (::poll(&p, 1, 100) < 0) break;
    if (p.revents & (POLLIN | POLLERR | POLLHUP)) {
      stopped = true;
    } else if (p.revents & POLLOUT) {
      const auto n = ::send(fd, piece.data(), piece.size(), MSG_NOSIGNAL | MSG_DONTWAIT);
      if (n < 0 && errno != EAGAIN && errno != EINTR) stopped = true;
      if (n > 0) {
        sent += static_cast<std::uint64_t>(n);
        idle_since = std::chrono::steady_clock::now();
      }
    } else if (std::chrono::steady_clock::now() - idle_since > 2s) {
      stopped = true;  // no room for 2 s: it stopped reading; its answer decides
    }
  }
  record("header_line_bytes_sent", std::to_string(sent));
  const auto r = conn->read_http_response(
      std::chrono::milliseconds(static_cast<long>(suite().config.slowloris_seconds * 1000)));
  const bool closed = r || conn->wait_closed(1s);
  const std::string taken = bytes(sent) + " of the line sent";
  if (r) {
    check(r->status == 431 || r->status == 400, kHeaderLine, "431 or 400",
          status_text(r) + " after " + taken);
  } else {
    check(closed && sent < kCap, kHeaderLine, "a close before 1 GiB",
          (closed ? "closed" : "neither answered nor closed") + std::string(" after ") + taken);
  }
  check(sent < kCap, kHeaderLine, "cut off before 1 GiB", taken);
}

std::string multipart_post(const std::string& type, const std::string& body) {
  return "POST " + suite().http_dir("hostile") + " HTTP/1.1\r\n" + write_headers() +
         "Content-Type: " + type + "\r\nContent-Length: " + std::to_string(body.size()) +
         "\r\n\r\n" + body;
}
std::string file_part(const std::string& boundary, const std::string& name,
                      const std::string& content, const std::string& type = "") {
  return "--" + boundary + "\r\nContent-Disposition: form-data; name=\"f\"; filename=\"" + name +
         "\"\r\n" + (type.empty() ? "" : "Content-Type: " + type + "\r\n") + "\r\n" + content +
         "\r\n";
}

Case boundary_case(const char* name, const char* object, std::string boundary) {
  return Case{"BadInput",
              name,
              Proto::http,
              [object, boundary] {
                const auto r = http_exchange(multipart_post(
                    "multipart/form-data; boundary=\"" + boundary + "\"",
                    file_part(boundary, victim_name(object), "data") + "--" + boundary + "--\r\n"));
                check_refused_or_stored(r, victim(object), "data", {400, 415}, kBoundary);
              },
              object,
              Op::http_post};
}

// A form-data part of type multipart/mixed holding two files (the HTML 4 way of sending
// several files in one field). Whatever of the three names the server stored must be
// byte-exact: the outer part's raw bytes, or the inner files.
void nested_multipart() {
  const std::string inner = file_part("in", victim_name("mp-nested-a"), "A") +
                            file_part("in", victim_name("mp-nested-b"), "B") + "--in--";
  const auto r = http_exchange(multipart_post(
      "multipart/form-data; boundary=out",
      file_part("out", victim_name("mp-nested"), inner, "multipart/mixed; boundary=in") +
          "--out--\r\n"));
  if (r && (r->status == 400 || r->status == 415)) return record("refused", status_text(r));
  if (!check(r && r->status / 100 == 2, kNested, "status 400 or 415 or a 2xx", status_text(r)))
    return;
  std::string stored;
  for (const auto& [name, content] : {std::pair{std::string("mp-nested"), inner},
                                      std::pair{std::string("mp-nested-a"), std::string("A")},
                                      std::pair{std::string("mp-nested-b"), std::string("B")}}) {
    const auto got = http_exchange("GET " + victim(name) + " HTTP/1.1\r\nHost: x\r\n\r\n");
    if (!got || got->status != 200) continue;
    http_exchange("DELETE " + victim(name) + " HTTP/1.1\r\n" + write_headers() + "\r\n");
    stored += " " + name;
    check(
        got->body == content, kNested,
        name + ": " + std::to_string(content.size()) + " bytes as sent",
        std::to_string(got->body.size()) + " bytes" + (got->body == content ? "" : " that differ"));
  }
  record("stored", stored.empty() ? "nothing" : stored);
}

std::vector<Case> cases() {
  std::vector<Case> v;
  const auto read = [&v](const char* name, const Requirement& rule, std::string extra,
                         std::vector<int> others) {
    v.push_back(Case{
        "BadInput", name, Proto::http,
        [rule, extra, others] { check_whole_or(http_exchange(get_known(extra)), others, rule); },
        "", Op::http_put});
  };
  // --- Range lists
  v.push_back(Case{"BadInput", "HttpThousandSmallRanges", Proto::http,
                   [] { thousand_ranges(false); }, "", Op::http_put});
  v.push_back(Case{"Security", "HttpThousandOverlappingWholeRanges", Proto::http,
                   [] { thousand_ranges(true); }, "", Op::http_put});
  read("HttpRangeStartPast2To64", kRanges, "Range: bytes=99999999999999999999999-\r\n", {416});
  // --- If-* dates
  read("HttpIfModifiedSinceYear9999", kFutureImsDate,
       "If-Modified-Since: Fri, 31 Dec 9999 23:59:59 GMT\r\n", {304});
  read("HttpIfModifiedSinceYear0001", kPastImsDate,
       "If-Modified-Since: Mon, 01 Jan 0001 00:00:00 GMT\r\n", {});
  read("HttpIfModifiedSinceGarbage", kInvalidDate, "If-Modified-Since: not a date\r\n", {});
  read("HttpIfModifiedSinceFiveDigitYear", kInvalidDate,
       "If-Modified-Since: Sat, 01 Jan 99999 00:00:00 GMT\r\n", {});
  read("HttpIfModifiedSinceFieldsOutOfRange", kInvalidDate,
       "If-Modified-Since: Thu, 99 Foo 1970 99:99:99 GMT\r\n", {});
  read("HttpIfUnmodifiedSinceGarbage", kInvalidDate,
       "If-Unmodified-Since: 18446744073709551616\r\n", {});
  read("HttpIfUnmodifiedSinceYear0001", kPastIusDate,
       "If-Unmodified-Since: Mon, 01 Jan 0001 00:00:00 GMT\r\n", {412});
  read("HttpIfUnmodifiedSinceYear9999", kFutureIusDate,
       "If-Unmodified-Since: Fri, 31 Dec 9999 23:59:59 GMT\r\n", {});
  // --- header block sizes
  v.push_back(http_case("BadInput", "HttpTenThousandHeaders", std::nullopt,
                        [] {
                          std::string r = "GET / HTTP/1.1\r\nHost: x\r\n";
                          for (int i = 0; i < 10000; ++i)
                            r += "X-H" + std::to_string(i) + ": v\r\n";
                          return r + "\r\n";
                        },
                        {431, 400, 413}));
  v.push_back(
      Case{"Security", "HttpGibibyteHeaderLineIsCutOff", Proto::http, gibibyte_header_line, ""});
  // --- multipart shapes
  v.push_back(Case{"BadInput", "HttpMultipartTenThousandEmptyParts", Proto::http,
                   [] {
                     std::string body = "--b\r\n\r\n";
                     for (int i = 1; i < 10000; ++i) body += "\r\n--b\r\n\r\n";
                     const auto r = http_exchange(
                         multipart_post("multipart/form-data; boundary=b", body + "\r\n--b--\r\n"));
                     check(r && (r->status / 100 == 2 || r->status == 400 || r->status == 413),
                           kParts, "status 400 or 413 or a 2xx", status_text(r));
                   },
                   "", Op::http_post});
  v.push_back(boundary_case("HttpMultipartBoundaryOf71Chars", "mp-71", std::string(71, 'B')));
  v.push_back(boundary_case("HttpMultipartBoundaryOf4096Chars", "mp-4096", std::string(4096, 'B')));
  v.push_back(boundary_case("HttpMultipartEmptyBoundary", "mp-empty", ""));
  v.push_back(Case{"BadInput", "HttpMultipartNestedMixed", Proto::http, nested_multipart,
                   "mp-nested", Op::http_post});
  return v;
}

[[maybe_unused]] const bool registered = register_cases(cases(), __FILE__, __LINE__);

}  // namespace
}  // namespace streamcheck::conformance::hostile
