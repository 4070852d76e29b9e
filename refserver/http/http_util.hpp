// Small pure functions of the HTTP front end: URL path decoding, HTTP dates, Range
// and entity-tag matching, media types, and the one mapping of store errors to status
// codes. No I/O here, so all of it is unit-tested directly.
#pragma once

#include <cstdint>
#include <ctime>
#include <optional>
#include <ostream>  // boost/beast/http/status.hpp needs it first
#include <string>
#include <string_view>
#include <vector>

#include <boost/beast/http/status.hpp>

#include "refserver/store/status.hpp"

namespace streamcheck::http {

// "/a%20b/c?x=1" -> "/a b/c". nullopt on a malformed escape or a NUL, encoded or not
// (the caller answers 400). '+' is not a space in a path.
std::optional<std::string> decode_target_path(std::string_view target);

// Escapes a path for use in a URL (listing links, Location): keeps unreserved
// characters and '/', percent-encodes the rest.
std::string encode_path(std::string_view path);

// IMF-fixdate, RFC 9110 §5.6.7: "Sun, 06 Nov 1994 08:49:37 GMT".
std::string format_http_date(std::time_t t);
// Accepts the three formats a recipient must (RFC 9110 §5.6.7): IMF-fixdate, the
// obsolete RFC 850 form (its two-digit year taken within 50 years of now) and asctime's;
// nullopt otherwise. Names are case-sensitive; the day name of IMF-fixdate is not checked.
std::optional<std::time_t> parse_http_date(std::string_view s);

struct ByteRange {
  uint64_t first = 0;
  uint64_t last = 0;  // inclusive
  uint64_t length() const { return last - first + 1; }
};

enum class RangeVerdict {
  ignore,         // no usable Range: send the whole representation (200)
  satisfiable,    // send `range` (206)
  unsatisfiable,  // 416 with Content-Range: bytes */size
};

struct RangeRequest {
  RangeVerdict verdict = RangeVerdict::ignore;
  ByteRange range;
};

// RFC 9110 §14.2 for one "bytes=" range: "a-b", "a-", "-n". A syntactically invalid
// header, another unit, or several ranges are ignored (the server may ignore Range);
// a valid range that starts at or past `size` is unsatisfiable.
RangeRequest parse_range(std::string_view header, uint64_t size);

// RFC 9110 §13.1.1/§13.1.2: does a comma-separated list of entity tags (or "*") match
// `etag`? `weak` allows W/ tags to match (If-None-Match), strong comparison otherwise.
bool etag_list_matches(std::string_view list, std::string_view etag, bool weak);

// RFC 9110 §13.2.2: the order in which conditional request headers are evaluated.
struct Preconditions {
  std::optional<std::string_view> if_match;
  std::optional<std::string_view> if_none_match;
  std::optional<std::string_view> if_modified_since;
  std::optional<std::string_view> if_unmodified_since;
};
struct CurrentVersion {  // absent when the target has no current representation
  std::string_view etag;
  std::time_t mtime = 0;
};
enum class PreconditionVerdict { proceed, not_modified /* 304 */, failed /* 412 */ };
PreconditionVerdict evaluate_preconditions(const Preconditions& p,
                                           const std::optional<CurrentVersion>& current,
                                           bool get_or_head);

// Content-Type by file extension; application/octet-stream when unknown.
std::string_view media_type_for(std::string_view name);

// The one mapping from a store error to a status code (handlers may override it for
// a method-specific meaning, e.g. MKCOL on an existing name is 405).
boost::beast::http::status status_for(store::Errc code);

// "Basic dXNlcjpwYXNz" -> {"user", "pass"}; nullopt when malformed.
struct BasicCredentials {
  std::string user;
  std::string password;
};
std::optional<BasicCredentials> parse_basic_auth(std::string_view header);

// Escapes &, <, >, " and ' for HTML text and attributes.
std::string html_escape(std::string_view s);

}  // namespace streamcheck::http
