// Judging the values of WebDAV replies without a server: the forms RFC 4918 gives its
// live properties, and what a Depth 1 PROPFIND lists. Pure functions, unit-tested.
#pragma once

#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "conformance/multistatus.hpp"

namespace streamcheck::conformance {

// An rfc1123-date (RFC 4918 §15.7's getlastmodified), as HTTP writes it: IMF-fixdate of
// RFC 9110 §5.6.7, "Sun, 06 Nov 1994 08:49:37 GMT", with a real calendar date whose
// weekday is right.
bool is_imf_fixdate(std::string_view s);

// A getcontentlength (RFC 4918 §15.4: 1*DIGIT) as a number; nullopt when it is not
// digits alone or does not fit 64 bits.
std::optional<std::uint64_t> parse_decimal_u64(std::string_view s);

// What a Depth 1 PROPFIND of the collection at `path` ("/a/b/", decoded) listed: each
// href's path (href_path) compared without a trailing "/", its last segment when it is a
// direct member, the collection itself when it is the collection, else a stray.
struct Listing {
  bool self = false;                // the collection itself was listed
  std::set<std::string> members;    // "x.bin", "sub" (no trailing "/")
  std::vector<std::string> strays;  // hrefs that are neither
  std::vector<std::string> twice;   // members listed more than once
};
Listing listing_of(const std::vector<DavResponse>& responses, std::string_view path);

}  // namespace streamcheck::conformance
