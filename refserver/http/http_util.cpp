#include "refserver/http/http_util.hpp"

#include "refserver/dav/dav_xml.hpp"

#include <openssl/evp.h>

#include <algorithm>
#include <array>
#include <charconv>
#include <cstring>

namespace streamcheck::http {
namespace {

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

bool iequals(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) ==
                  std::tolower(static_cast<unsigned char>(y));
         });
}

std::optional<uint64_t> parse_u64(std::string_view s) {
  if (s.empty()) return std::nullopt;
  uint64_t v = 0;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || end != s.data() + s.size()) return std::nullopt;
  return v;
}

constexpr std::array<const char*, 7> kDays = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
constexpr std::array<const char*, 12> kMonths = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                                 "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};

}  // namespace

std::optional<std::string> decode_target_path(std::string_view target) {
  auto query = target.find_first_of("?#");
  if (query != std::string_view::npos) target = target.substr(0, query);
  std::string out;
  out.reserve(target.size());
  for (size_t i = 0; i < target.size(); ++i) {
    char c = target[i];
    if (c == '%') {
      if (i + 2 >= target.size()) return std::nullopt;
      int hi = hex_value(target[i + 1]);
      int lo = hex_value(target[i + 2]);
      if (hi < 0 || lo < 0) return std::nullopt;
      c = static_cast<char>(hi * 16 + lo);
      i += 2;
    }
    // Encoded or not: Beast refuses a raw NUL in a target, but a caller with a URI from
    // elsewhere relies on this too.
    if (c == '\0') return std::nullopt;
    out.push_back(c);
  }
  return out;
}

std::string encode_path(std::string_view path) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : path) {
    if (std::isalnum(c) || c == '-' || c == '.' || c == '_' || c == '~' || c == '/') {
      out.push_back(static_cast<char>(c));
    } else {
      out.push_back('%');
      out.push_back(kHex[c >> 4]);
      out.push_back(kHex[c & 15]);
    }
  }
  return out;
}

std::string format_http_date(std::time_t t) {
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[64];
  std::snprintf(buf, sizeof buf, "%s, %02d %s %04d %02d:%02d:%02d GMT", kDays[tm.tm_wday],
                tm.tm_mday, kMonths[tm.tm_mon], tm.tm_year + 1900, tm.tm_hour, tm.tm_min,
                tm.tm_sec);
  return buf;
}

namespace {

constexpr std::time_t kYear10000 = 253402300800;  // 10000-01-01T00:00:00Z
constexpr std::array<const char*, 7> kLongDays = {"Sunday",   "Monday", "Tuesday", "Wednesday",
                                                  "Thursday", "Friday", "Saturday"};

// The fields of a date in one of the three formats, checked and turned into a time.
struct DateFields {
  int day = -1, month = -1, year = -1, hour = -1, minute = -1, second = -1;

  std::optional<std::time_t> to_time() const {
    if (day < 1 || day > 31 || month < 0 || year < 1970 || hour < 0 || hour > 23 || minute < 0 ||
        minute > 59 || second < 0 || second > 60)
      return std::nullopt;
    std::tm tm{};
    tm.tm_mday = day;
    tm.tm_mon = month;
    tm.tm_year = year - 1900;
    tm.tm_hour = hour;
    tm.tm_min = minute;
    tm.tm_sec = second;
    // A leap second on the last day of 9999 is in year 10000, which IMF-fixdate's
    // four-digit year cannot write.
    auto t = timegm(&tm);
    if (t >= kYear10000) return std::nullopt;
    return t;
  }
};

// Digits only (from_chars would take no sign, but the caller's fixed widths want digits).
int number(std::string_view s) {
  if (s.empty() || s.find_first_not_of("0123456789") != std::string_view::npos) return -1;
  auto v = parse_u64(s);
  return v ? static_cast<int>(*v) : -1;
}

int month_index(std::string_view name) {
  for (size_t i = 0; i < kMonths.size(); ++i)
    if (name == kMonths[i]) return static_cast<int>(i);
  return -1;
}

// "08:49:37" at `pos` of `s`.
bool read_time(std::string_view s, size_t pos, DateFields& f) {
  if (s[pos + 2] != ':' || s[pos + 5] != ':') return false;
  f.hour = number(s.substr(pos, 2));
  f.minute = number(s.substr(pos + 3, 2));
  f.second = number(s.substr(pos + 6, 2));
  return true;
}

// "Sun, 06 Nov 1994 08:49:37 GMT", exactly 29 characters.
std::optional<std::time_t> parse_imf_fixdate(std::string_view s) {
  if (s.size() != 29 || s.substr(3, 2) != ", " || s.substr(25) != " GMT") return std::nullopt;
  if (s[7] != ' ' || s[11] != ' ' || s[16] != ' ') return std::nullopt;
  DateFields f;
  f.day = number(s.substr(5, 2));
  f.month = month_index(s.substr(8, 3));
  f.year = number(s.substr(12, 4));
  if (!read_time(s, 17, f)) return std::nullopt;
  return f.to_time();
}

// "Sunday, 06-Nov-94 08:49:37 GMT": the two-digit year is the one within 50 years of now,
// in the past when it would be more than 50 years ahead (RFC 9110 §5.6.7).
std::optional<std::time_t> parse_rfc850_date(std::string_view s) {
  auto comma = s.find(", ");
  if (comma == std::string_view::npos ||
      std::find(kLongDays.begin(), kLongDays.end(), s.substr(0, comma)) == kLongDays.end())
    return std::nullopt;
  auto rest = s.substr(comma + 2);  // "06-Nov-94 08:49:37 GMT"
  if (rest.size() != 22 || rest[2] != '-' || rest[6] != '-' || rest[9] != ' ' ||
      rest.substr(18) != " GMT")
    return std::nullopt;
  DateFields f;
  f.day = number(rest.substr(0, 2));
  f.month = month_index(rest.substr(3, 3));
  int yy = number(rest.substr(7, 2));
  if (yy < 0 || !read_time(rest, 10, f)) return std::nullopt;
  std::time_t now = std::time(nullptr);
  std::tm now_tm{};
  gmtime_r(&now, &now_tm);
  int this_year = now_tm.tm_year + 1900;
  f.year = this_year - this_year % 100 + yy;
  if (f.year > this_year + 50) f.year -= 100;
  if (f.year <= this_year - 50) f.year += 100;
  return f.to_time();
}

// "Sun Nov  6 08:49:37 1994", exactly 24 characters; the day is two digits or SP DIGIT.
std::optional<std::time_t> parse_asctime_date(std::string_view s) {
  if (s.size() != 24 || s[3] != ' ' || s[7] != ' ' || s[10] != ' ' || s[19] != ' ' ||
      std::find(kDays.begin(), kDays.end(), s.substr(0, 3)) == kDays.end())
    return std::nullopt;
  DateFields f;
  f.month = month_index(s.substr(4, 3));
  f.day = s[8] == ' ' ? number(s.substr(9, 1)) : number(s.substr(8, 2));
  f.year = number(s.substr(20, 4));
  if (!read_time(s, 11, f)) return std::nullopt;
  return f.to_time();
}

}  // namespace

std::optional<std::time_t> parse_http_date(std::string_view s) {
  s = trim(s);
  if (auto t = parse_imf_fixdate(s)) return t;
  if (auto t = parse_rfc850_date(s)) return t;
  return parse_asctime_date(s);
}

RangeRequest parse_range(std::string_view header, uint64_t size) {
  header = trim(header);
  constexpr std::string_view kUnit = "bytes=";
  if (header.size() < kUnit.size() || !iequals(header.substr(0, kUnit.size()), kUnit)) return {};
  auto spec = trim(header.substr(kUnit.size()));
  if (spec.find(',') != std::string_view::npos) return {};  // several ranges: ignored
  auto dash = spec.find('-');
  if (dash == std::string_view::npos) return {};
  auto first_text = trim(spec.substr(0, dash));
  auto last_text = trim(spec.substr(dash + 1));
  if (first_text.empty()) {  // suffix range "-n": the last n bytes
    auto n = parse_u64(last_text);
    if (!n) return {};
    if (*n == 0 || size == 0) return {RangeVerdict::unsatisfiable, {}};
    uint64_t len = std::min(*n, size);
    return {RangeVerdict::satisfiable, {size - len, size - 1}};
  }
  auto first = parse_u64(first_text);
  if (!first) return {};
  uint64_t last = size == 0 ? 0 : size - 1;
  if (!last_text.empty()) {
    auto l = parse_u64(last_text);
    if (!l || *l < *first) return {};
    last = std::min(*l, last);
  }
  if (*first >= size) return {RangeVerdict::unsatisfiable, {}};
  return {RangeVerdict::satisfiable, {*first, last}};
}

bool etag_list_matches(std::string_view list, std::string_view etag, bool weak) {
  list = trim(list);
  if (list == "*") return true;
  auto strip_weak = [](std::string_view t, bool& was_weak) {
    was_weak = t.size() > 2 && t.substr(0, 2) == "W/";
    return was_weak ? t.substr(2) : t;
  };
  bool etag_weak = false;
  auto opaque = strip_weak(etag, etag_weak);
  while (!list.empty()) {
    // A comma inside an entity tag's quotes is part of the tag (etagc has it), not a
    // separator: "a,b" is one tag.
    size_t comma = 0;
    for (bool quoted = false; comma < list.size() && (quoted || list[comma] != ','); ++comma)
      if (list[comma] == '"') quoted = !quoted;
    auto item = trim(list.substr(0, comma));
    list = comma == list.size() ? std::string_view() : list.substr(comma + 1);
    bool item_weak = false;
    auto item_opaque = strip_weak(item, item_weak);
    if (item_opaque != opaque) continue;
    if (weak || (!item_weak && !etag_weak)) return true;
  }
  return false;
}

PreconditionVerdict evaluate_preconditions(const Preconditions& p,
                                           const std::optional<CurrentVersion>& current,
                                           bool get_or_head) {
  if (p.if_match) {
    if (!current || !etag_list_matches(*p.if_match, current->etag, /*weak=*/false))
      return PreconditionVerdict::failed;
  } else if (p.if_unmodified_since && current) {
    auto since = parse_http_date(*p.if_unmodified_since);
    if (since && current->mtime > *since) return PreconditionVerdict::failed;
  }
  if (p.if_none_match) {
    if (current && etag_list_matches(*p.if_none_match, current->etag, /*weak=*/true))
      return get_or_head ? PreconditionVerdict::not_modified : PreconditionVerdict::failed;
  } else if (p.if_modified_since && get_or_head && current) {
    auto since = parse_http_date(*p.if_modified_since);
    if (since && current->mtime <= *since) return PreconditionVerdict::not_modified;
  }
  return PreconditionVerdict::proceed;
}

std::string_view media_type_for(std::string_view name) {
  struct Entry {
    std::string_view ext, type;
  };
  static constexpr Entry kTypes[] = {
      {"html", "text/html; charset=utf-8"},
      {"htm", "text/html; charset=utf-8"},
      {"txt", "text/plain; charset=utf-8"},
      {"css", "text/css"},
      {"js", "text/javascript"},
      {"json", "application/json"},
      {"xml", "application/xml"},
      {"png", "image/png"},
      {"jpg", "image/jpeg"},
      {"jpeg", "image/jpeg"},
      {"gif", "image/gif"},
      {"svg", "image/svg+xml"},
      {"pdf", "application/pdf"},
      {"zip", "application/zip"},
      {"gz", "application/gzip"},
      {"tar", "application/x-tar"},
      {"mp4", "video/mp4"},
      {"iso", "application/x-iso9660-image"},
  };
  auto dot = name.rfind('.');
  if (dot != std::string_view::npos) {
    auto ext = name.substr(dot + 1);
    for (const auto& e : kTypes)
      if (iequals(ext, e.ext)) return e.type;
  }
  return "application/octet-stream";
}

boost::beast::http::status status_for(store::Errc code) {
  using boost::beast::http::status;
  switch (code) {
    case store::Errc::ok:
      return status::ok;
    case store::Errc::invalid_path:
      return status::bad_request;
    case store::Errc::name_too_long:
      return status::uri_too_long;
    case store::Errc::not_found:
      return status::not_found;
    case store::Errc::parent_missing:
      return status::conflict;
    case store::Errc::already_exists:
      return status::method_not_allowed;
    case store::Errc::not_a_directory:
      return status::conflict;
    case store::Errc::is_a_directory:
      return status::method_not_allowed;
    case store::Errc::directory_not_empty:
      return status::conflict;
    case store::Errc::escapes_root:
      return status::forbidden;
    case store::Errc::permission_denied:
      return status::forbidden;
    case store::Errc::no_space:
      return status::insufficient_storage;
    case store::Errc::invalid_argument:
      return status::bad_request;
    case store::Errc::length_required:
      return status::length_required;
    case store::Errc::bad_state:
      return status::internal_server_error;
    case store::Errc::not_supported:
      // This server cannot do it on this filesystem (dead properties without user
      // extended attributes): the request was fine, the capability is missing.
      return status::not_implemented;
    case store::Errc::io_error:
      return status::internal_server_error;
  }
  return status::internal_server_error;
}

std::optional<BasicCredentials> parse_basic_auth(std::string_view header) {
  header = trim(header);
  constexpr std::string_view kScheme = "basic ";
  if (header.size() <= kScheme.size() || !iequals(header.substr(0, kScheme.size()), kScheme))
    return std::nullopt;
  auto b64 = trim(header.substr(kScheme.size()));
  if (b64.empty() || b64.size() % 4 != 0 || b64.size() > 4096) return std::nullopt;
  std::string decoded(b64.size() / 4 * 3, '\0');
  int n = EVP_DecodeBlock(reinterpret_cast<unsigned char*>(decoded.data()),
                          reinterpret_cast<const unsigned char*>(b64.data()),
                          static_cast<int>(b64.size()));
  if (n < 0) return std::nullopt;
  // EVP_DecodeBlock counts the bytes that the '=' padding stands for.
  size_t padding = (b64.back() == '=') + (b64.size() > 1 && b64[b64.size() - 2] == '=');
  decoded.resize(static_cast<size_t>(n) - padding);
  auto colon = decoded.find(':');
  if (colon == std::string::npos) return std::nullopt;
  return BasicCredentials{decoded.substr(0, colon), decoded.substr(colon + 1)};
}

std::string html_escape(std::string_view s) {
  return dav::xml_escape(s);  // the same five characters, the same entities
}

}  // namespace streamcheck::http
