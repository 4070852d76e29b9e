#include "bench/lib/url.hpp"

#include <algorithm>
#include <cctype>

#include "bench/lib/error.hpp"

namespace streamcheck::bench {
namespace {

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// Hides the password of a raw URL text that failed to parse: everything between the
// first ':' after "://" and the last '@' of the authority.
std::string redact_raw(std::string_view text) {
  const auto sep = text.find("://");
  if (sep == std::string_view::npos) return std::string(text);
  const auto auth_begin = sep + 3;
  const auto auth_end = std::min(text.find_first_of("/?#", auth_begin), text.size());
  const auto at = text.substr(0, auth_end).rfind('@');
  if (at == std::string_view::npos || at < auth_begin) return std::string(text);
  const auto colon = text.substr(0, at).find(':', auth_begin);
  if (colon == std::string_view::npos) return std::string(text);
  return std::string(text.substr(0, colon + 1)) + "***" + std::string(text.substr(at));
}

[[noreturn]] void fail(std::string_view text, std::string_view why) {
  throw Error("invalid URL \"" + redact_raw(text) + "\": " + std::string(why));
}

}  // namespace

std::uint16_t default_port(std::string_view scheme) {
  if (scheme == "http") return 80;
  if (scheme == "https") return 443;
  if (scheme == "ftp") return 21;
  if (scheme == "ftps") return 990;
  return 0;
}

std::string percent_decode(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] != '%') {
      out.push_back(text[i]);
      continue;
    }
    if (i + 2 >= text.size()) {
      throw Error("truncated percent escape at offset " + std::to_string(i));
    }
    const int hi = hex_value(text[i + 1]);
    const int lo = hex_value(text[i + 2]);
    if (hi < 0 || lo < 0) {
      throw Error("bad percent escape \"" + std::string(text.substr(i, 3)) + "\" at offset " +
                  std::to_string(i));
    }
    out.push_back(static_cast<char>(hi * 16 + lo));
    i += 2;
  }
  return out;
}

Url parse_url(std::string_view text) {
  for (const char c : text) {
    const auto u = static_cast<unsigned char>(c);
    if (u <= 0x20 || u == 0x7f) fail(text, "contains a space or control character");
  }
  const auto sep = text.find("://");
  if (sep == std::string_view::npos || sep == 0) fail(text, "expected scheme://");

  Url url;
  url.scheme.resize(sep);
  std::transform(text.begin(), text.begin() + static_cast<std::ptrdiff_t>(sep), url.scheme.begin(),
                 [](char c) { return static_cast<char>(std::tolower(c)); });
  if (default_port(url.scheme) == 0) {
    fail(text, "unknown scheme \"" + url.scheme + "\" (expected http, https, ftp or ftps)");
  }

  const auto auth_begin = sep + 3;
  const auto auth_end = std::min(text.find_first_of("/?#", auth_begin), text.size());
  std::string_view authority = text.substr(auth_begin, auth_end - auth_begin);
  const auto rest = text.substr(auth_end);
  url.path = rest.empty() ? "/" : std::string(rest);
  if (url.path.front() != '/') url.path.insert(0, "/");

  // userinfo: everything up to the last '@' of the authority.
  if (const auto at = authority.rfind('@'); at != std::string_view::npos) {
    const auto userinfo = authority.substr(0, at);
    authority.remove_prefix(at + 1);
    const auto colon = userinfo.find(':');
    try {
      url.user = percent_decode(userinfo.substr(0, colon));
      if (colon != std::string_view::npos)
        url.password = percent_decode(userinfo.substr(colon + 1));
    } catch (const Error& e) {
      fail(text, std::string("in user or password: ") + e.what());
    }
    url.has_userinfo = true;
  }

  // host[:port], host may be an IPv6 literal in brackets.
  std::string_view port_text;
  bool has_port = false;
  if (!authority.empty() && authority.front() == '[') {
    const auto close = authority.find(']');
    if (close == std::string_view::npos) fail(text, "unterminated IPv6 literal");
    url.host = std::string(authority.substr(1, close - 1));
    const auto after = authority.substr(close + 1);
    if (!after.empty()) {
      if (after.front() != ':') fail(text, "unexpected text after IPv6 literal");
      port_text = after.substr(1);
      has_port = true;
    }
  } else {
    const auto colon = authority.rfind(':');
    url.host = std::string(authority.substr(0, colon));
    if (colon != std::string_view::npos) {
      port_text = authority.substr(colon + 1);
      has_port = true;
    }
  }
  if (url.host.empty()) fail(text, "empty host");

  url.port = default_port(url.scheme);
  if (has_port) {
    if (port_text.empty() || port_text.size() > 5 ||
        !std::all_of(port_text.begin(), port_text.end(),
                     [](char c) { return c >= '0' && c <= '9'; })) {
      fail(text, "port \"" + std::string(port_text) + "\" is not a number from 1 to 65535");
    }
    unsigned value = 0;
    for (const char c : port_text) value = value * 10 + static_cast<unsigned>(c - '0');
    if (value == 0 || value > 65535) {
      fail(text, "port " + std::to_string(value) + " is out of range 1..65535");
    }
    url.port = static_cast<std::uint16_t>(value);
    url.explicit_port = true;
  }
  return url;
}

std::string Url::authority() const {
  const bool v6 = host.find(':') != std::string::npos;
  std::string out = v6 ? "[" + host + "]" : host;
  return out + ":" + std::to_string(port);
}

std::string Url::redacted() const {
  std::string out = scheme + "://";
  if (has_userinfo) {
    out += user;
    if (!password.empty()) out += ":***";
    out += "@";
  }
  const bool v6 = host.find(':') != std::string::npos;
  out += v6 ? "[" + host + "]" : host;
  if (explicit_port) out += ":" + std::to_string(port);
  return out + path;
}

}  // namespace streamcheck::bench
