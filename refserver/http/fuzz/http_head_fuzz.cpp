// A request head as the refserver reads it: Boost.Beast's parser with the limits a session
// sets (limit_request_parser), bytes arriving in pieces into one buffer as
// async_read_header gets them, then the server's own rules (check_request_head: one Host,
// chunked the only transfer coding, the target's size). The verdict is the status the
// session answers with, or "dispatch".
//
// Input: a limits byte, the split seed's length and the seed, then the bytes. Checked:
//   - the same verdict, request line, fields and framing for any split of the bytes
//     followed by the end of the stream (see read_head), but for a head over the header
//     limit, where Beast's verdict depends on the split (see below);
//   - a head dispatched has exactly one Host (HTTP/1.1; at most one in HTTP/1.0), one
//     framing at most (Content-Length xor chunked; Transfer-Encoding only as the one field
//     "chunked"), a Content-Length within the body limit, a target within its limit and
//     no control byte in the target or in any field value (HTAB aside);
//   - rendered back (request line, then each field as parsed) it is dispatched again
//     with the same request line, fields and framing; with every field name upper-cased
//     too, since field names are case-insensitive (RFC 9110 §5.1).
#include <algorithm>
#include <cctype>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <boost/asio/buffer.hpp>
#include <boost/beast/core/string.hpp>
#include <boost/beast/http/error.hpp>

#include "fuzz/fuzz_check.hpp"
#include "refserver/http/request_head.hpp"

namespace {

namespace beast_http = boost::beast::http;
using streamcheck::fuzz::printable;
using streamcheck::http::RequestParser;

struct Limits {
  size_t header_bytes = 16 * 1024;
  size_t target_bytes = 8 * 1024;
  uint64_t max_upload = 0;
};

constexpr unsigned kClosed = 1;

struct Verdict {
  unsigned status = 0;  // the session's answer; 0: dispatched; kClosed: none
  std::string method, target;
  unsigned version = 0;
  std::vector<std::pair<std::string, std::string>> fields;
  bool chunked = false;
  std::optional<uint64_t> content_length;
  friend bool operator==(const Verdict&, const Verdict&) = default;
};

bool has_control(std::string_view s, bool tab_allowed) {
  return std::any_of(s.begin(), s.end(), [&](char ch) {
    const auto c = static_cast<unsigned char>(ch);
    return (c < 0x20 && !(tab_allowed && c == '\t')) || c == 0x7f;
  });
}

// Feeds the pieces as a session's reads would: appended to one buffer, which Beast
// parses from its start each time (it takes nothing of a head until the head is whole),
// then the end of the stream.
Verdict read_head(const std::vector<std::string_view>& pieces, const Limits& limits) {
  RequestParser parser;
  streamcheck::http::limit_request_parser(parser, limits.header_bytes, limits.max_upload);
  std::string buffer;
  boost::system::error_code ec;
  Verdict v;
  for (std::string_view piece : pieces) {
    buffer += piece;
    while (!parser.is_header_done() && !buffer.empty()) {
      const size_t n = parser.put(boost::asio::buffer(buffer), ec);
      FUZZ_CHECK(n <= buffer.size());
      // Consumed even with need_more (a whole request line, say), as Beast's read does.
      buffer.erase(0, n);
      if (ec == beast_http::error::need_more) {
        ec = {};
        break;
      }
      if (ec) {
        v.status = static_cast<unsigned>(streamcheck::http::rejection_for_parse_error(ec).status);
        return v;
      }
      if (n == 0) break;
    }
  }
  if (!parser.is_header_done()) {
    // The stream ends here: Beast says end_of_stream (the session closes without a word)
    // when nothing came, partial_message otherwise. An error in an incomplete head shows
    // at once or only here depending on the split (Beast parses a request line as soon as
    // it can, but only once it has the whole head when the first try needed more), so the
    // verdicts are compared at the end of the stream.
    if (!parser.got_some()) {
      v.status = kClosed;
      return v;
    }
    parser.put_eof(ec);
    FUZZ_CHECK(ec);
    v.status = static_cast<unsigned>(streamcheck::http::rejection_for_parse_error(ec).status);
    return v;
  }
  const auto& head = parser.get();
  if (auto rejection = streamcheck::http::check_request_head(head, limits.target_bytes)) {
    v.status = static_cast<unsigned>(rejection->status);
    return v;
  }
  v.method = std::string(head.method_string());
  v.target = std::string(head.target());
  v.version = head.version();
  for (const auto& f : head) v.fields.emplace_back(f.name_string(), f.value());
  v.chunked = parser.chunked();
  if (auto length = parser.content_length()) v.content_length = *length;
  return v;
}

void check_dispatched(const Verdict& v, const Limits& limits, const std::string& detail) {
  size_t hosts = 0, lengths = 0, codings = 0;
  for (const auto& [name, value] : v.fields) {
    FUZZ_CHECK_MSG(!has_control(value, true), detail);
    hosts += boost::beast::iequals(name, "host");
    lengths += boost::beast::iequals(name, "content-length");
    if (boost::beast::iequals(name, "transfer-encoding")) {
      ++codings;
      FUZZ_CHECK_MSG(boost::beast::iequals(value, "chunked"), detail);
    }
  }
  FUZZ_CHECK_MSG(hosts == 1 || (v.version < 11 && hosts == 0), detail);
  FUZZ_CHECK_MSG(codings <= 1, detail);
  FUZZ_CHECK_MSG(v.chunked == (codings == 1), detail);
  FUZZ_CHECK_MSG(!(v.chunked && v.content_length), detail);
  FUZZ_CHECK_MSG(v.content_length.has_value() == (lengths > 0), detail);
  if (v.content_length && limits.max_upload != 0)
    FUZZ_CHECK_MSG(*v.content_length <= limits.max_upload, detail);
  FUZZ_CHECK_MSG(v.target.size() <= limits.target_bytes, detail);
  FUZZ_CHECK_MSG(
      !v.target.empty() && !has_control(v.target, false) && v.target.find(' ') == std::string::npos,
      detail);
}

std::string render(const Verdict& v, bool upper_names) {
  std::string out = v.method + " " + v.target + " HTTP/" + std::to_string(v.version / 10) + "." +
                    std::to_string(v.version % 10) + "\r\n";
  for (auto [name, value] : v.fields) {
    if (upper_names)
      for (char& c : name) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    out += name + ": " + value + "\r\n";
  }
  return out + "\r\n";
}

// Equal but for the case of field names.
bool same_but_case(const Verdict& a, const Verdict& b) {
  if (a.status != b.status || a.method != b.method || a.target != b.target ||
      a.version != b.version || a.chunked != b.chunked || a.content_length != b.content_length ||
      a.fields.size() != b.fields.size())
    return false;
  for (size_t i = 0; i < a.fields.size(); ++i)
    if (!boost::beast::iequals(a.fields[i].first, b.fields[i].first) ||
        a.fields[i].second != b.fields[i].second)
      return false;
  return true;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  streamcheck::fuzz::FuzzInput input(data, size);
  const uint8_t limits_byte = input.byte();
  Limits limits;
  // Small limits on odd bytes, so that short inputs reach them too.
  if (limits_byte & 1) {
    limits.header_bytes = 16 + (limits_byte >> 1) % 64;
    limits.target_bytes = 1 + (limits_byte >> 1) % 16;
  }
  if (limits_byte & 2) limits.max_upload = 1 + (limits_byte >> 2) % 32;
  const std::string_view seed = input.take(input.byte() % 8);
  const std::string_view bytes = input.rest();
  const std::string detail = printable(bytes);

  const Verdict whole = read_head({bytes}, limits);
  const Verdict split = read_head(streamcheck::fuzz::split_by(bytes, seed), limits);
  // Beast 1.74 holds a head that comes in one piece to its header limit twice, once for
  // the request line and once for the fields, and one that comes in pieces to it once,
  // for the whole (basic_parser::put, maybe_need_more), which it counts as over once
  // the buffer reaches the limit: from there on the verdict depends on the split, and
  // one of the two is 431. Left to Beast: the limit still bounds the head, at twice its
  // value.
  const bool over_limit =
      bytes.size() >= limits.header_bytes && (whole.status == 431 || split.status == 431);
  FUZZ_CHECK_MSG(split == whole || over_limit, detail + ": " + std::to_string(whole.status) +
                                                   " / " + std::to_string(split.status));
  if (whole.status != 0) return 0;
  check_dispatched(whole, limits, detail);

  // The rendering may be longer than the original (": " where ":" was): no limit here.
  const Limits roomy{1 << 20, limits.target_bytes, limits.max_upload};
  const std::string rendered = render(whole, false);
  FUZZ_CHECK_MSG(read_head({rendered}, roomy) == whole, detail + " -> " + printable(rendered));
  const std::string upper = render(whole, true);
  FUZZ_CHECK_MSG(same_but_case(read_head({upper}, roomy), whole),
                 detail + " -> " + printable(upper));
  return 0;
}
