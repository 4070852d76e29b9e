// parse_ready_line, and parse_url beneath it: the one line the harness reads from a
// server it launches, so it must refuse garbage with an Error and nothing else.
//
// Input: the line. Checked for every accepted line:
//   - it is a ready line (is_ready_line agrees), with a pid in 1..2^31-1 and at least
//     one of http= and ftp=, each of its own schemes, and an absolute root;
//   - each URL text parses on its own to the same Url, with a non-zero port that is the
//     scheme's default unless one was written;
//   - rendered back in canonical form (fields in a fixed order, one space apart) it
//     parses to the same ReadyLine.
// Any exception but bench::Error escapes and is a finding.
#include <string>
#include <string_view>

#include "bench/lib/error.hpp"
#include "bench/lib/ready_line.hpp"
#include "fuzz/fuzz_check.hpp"

namespace {

using namespace streamcheck::bench;
using streamcheck::fuzz::printable;

bool same_url(const Url& a, const Url& b) {
  return a.scheme == b.scheme && a.user == b.user && a.password == b.password &&
         a.has_userinfo == b.has_userinfo && a.host == b.host && a.port == b.port &&
         a.explicit_port == b.explicit_port && a.path == b.path;
}

bool same_url(const std::optional<Url>& a, const std::optional<Url>& b) {
  if (a.has_value() != b.has_value()) return false;
  return !a || same_url(*a, *b);
}

void check_url(const Url& url, const std::string& text) {
  FUZZ_CHECK(url.port != 0);
  if (!url.explicit_port) FUZZ_CHECK(url.port == default_port(url.scheme));
  FUZZ_CHECK(!url.host.empty());
  const Url again = parse_url(text);
  FUZZ_CHECK_MSG(same_url(again, url), printable(text));
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view line(reinterpret_cast<const char*>(data), size);
  ReadyLine ready;
  try {
    ready = parse_ready_line(line);
  } catch (const Error&) {
    return 0;
  }
  FUZZ_CHECK(is_ready_line(line));
  FUZZ_CHECK(ready.pid >= 1);
  FUZZ_CHECK(ready.http || ready.ftp);
  FUZZ_CHECK(ready.http.has_value() == !ready.http_text.empty());
  FUZZ_CHECK(ready.ftp.has_value() == !ready.ftp_text.empty());
  if (ready.http) {
    FUZZ_CHECK(ready.http->scheme == "http" || ready.http->scheme == "https");
    check_url(*ready.http, ready.http_text);
  }
  if (ready.ftp) {
    FUZZ_CHECK(ready.ftp->scheme == "ftp" || ready.ftp->scheme == "ftps");
    check_url(*ready.ftp, ready.ftp_text);
  }
  if (ready.root) FUZZ_CHECK(ready.root->is_absolute());

  std::string canonical = std::string(kReadyPrefix) + " pid=" + std::to_string(ready.pid);
  if (ready.http) canonical += " http=" + ready.http_text;
  if (ready.ftp) canonical += " ftp=" + ready.ftp_text;
  if (ready.root) canonical += " root=" + ready.root->string();
  for (const auto& [key, value] : ready.extra) canonical += " " + key + "=" + value;
  ReadyLine again;
  try {
    again = parse_ready_line(canonical);
  } catch (const Error& e) {
    FUZZ_CHECK_MSG(false, printable(line) + " -> " + printable(canonical) + ": " + e.what());
  }
  FUZZ_CHECK_MSG(again.pid == ready.pid && same_url(again.http, ready.http) &&
                     same_url(again.ftp, ready.ftp) && again.http_text == ready.http_text &&
                     again.ftp_text == ready.ftp_text && again.root == ready.root &&
                     again.extra == ready.extra,
                 printable(line) + " -> " + printable(canonical));
  return 0;
}
