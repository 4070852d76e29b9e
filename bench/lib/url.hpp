// A small URL splitter for the URLs a target announces (http://, https://, ftp://).
//
// Not a general URL library: it splits `scheme://[user[:password]@]host[:port][/path]`
// into parts, percent-decodes user and password (so "u%3Ab" is the user "u:b"), and
// rejects what a server's ready line should never contain. The clients hand the URL
// itself to libcurl; this is for reading the parts (FTP login, the host and port to
// open a raw socket to, the base path).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace streamcheck::bench {

struct Url {
  std::string scheme;    // lower case: "http", "https", "ftp"
  std::string user;      // percent-decoded; empty when the URL has no userinfo
  std::string password;  // percent-decoded; empty when absent
  bool has_userinfo = false;
  std::string host;        // as written, without the brackets of an IPv6 literal
  std::uint16_t port = 0;  // explicit port, or the scheme's default (80, 443, 21)
  bool explicit_port = false;
  std::string path = "/";  // path with query, as written (not decoded); "/" when empty

  // The URL with the password replaced by "***", for messages and logs.
  std::string redacted() const;
  // "host:port", with brackets around an IPv6 literal.
  std::string authority() const;
};

// Splits `text` into a Url. Throws Error naming the URL (password redacted) and the
// fault: no "://", unknown scheme, empty host, bad port (not digits, 0, over 65535),
// bad percent escape, spaces or control characters.
Url parse_url(std::string_view text);

// Decodes %XX escapes. Throws Error on a truncated or non-hex escape.
std::string percent_decode(std::string_view text);

// The default port of a scheme this harness speaks (http 80, https 443, ftp 21,
// ftps 990), or 0 when unknown.
std::uint16_t default_port(std::string_view scheme);

}  // namespace streamcheck::bench
