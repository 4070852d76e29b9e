#include "conformance/dav_values.hpp"

#include <array>
#include <cctype>

namespace streamcheck::conformance {
namespace {

constexpr std::array<std::string_view, 7> kDays{"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
constexpr std::array<std::string_view, 12> kMonths{"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                                   "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};

std::optional<int> digits(std::string_view s) {
  if (s.empty()) return std::nullopt;
  int v = 0;
  for (char c : s) {
    if (!std::isdigit(static_cast<unsigned char>(c))) return std::nullopt;
    v = v * 10 + (c - '0');
  }
  return v;
}

template <std::size_t N>
int index_of(const std::array<std::string_view, N>& names, std::string_view s) {
  for (std::size_t i = 0; i < N; ++i)
    if (names[i] == s) return static_cast<int>(i);
  return -1;
}

// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's days_from_civil).
long days_from_civil(long y, unsigned m, unsigned d) {
  y -= m <= 2;
  const long era = (y >= 0 ? y : y - 399) / 400;
  const auto yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<long>(doe) - 719468;
}

bool leap(int y) {
  return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

std::string without_slash(std::string s) {
  while (s.size() > 1 && s.back() == '/') s.pop_back();
  return s;
}

}  // namespace

bool is_imf_fixdate(std::string_view s) {
  // "Sun, 06 Nov 1994 08:49:37 GMT": fixed positions, 29 characters.
  if (s.size() != 29 || s.substr(3, 2) != ", " || s[7] != ' ' || s[11] != ' ' || s[16] != ' ' ||
      s[19] != ':' || s[22] != ':' || s.substr(25) != " GMT")
    return false;
  const int weekday = index_of(kDays, s.substr(0, 3));
  const int month = index_of(kMonths, s.substr(8, 3));
  const auto day = digits(s.substr(5, 2)), year = digits(s.substr(12, 4));
  const auto hour = digits(s.substr(17, 2)), minute = digits(s.substr(20, 2));
  const auto second = digits(s.substr(23, 2));
  if (weekday < 0 || month < 0 || !day || !year || !hour || !minute || !second) return false;
  constexpr std::array<int, 12> kLength{31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  const int days_in_month = kLength[static_cast<std::size_t>(month)] + (month == 1 && leap(*year));
  if (*day < 1 || *day > days_in_month || *hour > 23 || *minute > 59 || *second > 60) return false;
  const long days =
      days_from_civil(*year, static_cast<unsigned>(month + 1), static_cast<unsigned>(*day));
  return ((days % 7 + 7 + 4) % 7) == weekday;  // 1970-01-01 was a Thursday
}

std::optional<std::uint64_t> parse_decimal_u64(std::string_view s) {
  if (s.empty() || s.size() > 20) return std::nullopt;
  std::uint64_t v = 0;
  for (char c : s) {
    if (!std::isdigit(static_cast<unsigned char>(c))) return std::nullopt;
    const auto d = static_cast<std::uint64_t>(c - '0');
    if (v > (UINT64_MAX - d) / 10) return std::nullopt;
    v = v * 10 + d;
  }
  return v;
}

Listing listing_of(const std::vector<DavResponse>& responses, std::string_view path) {
  Listing out;
  const auto self = without_slash(std::string(path));
  const auto prefix = self == "/" ? self : self + "/";
  for (const auto& r : responses) {
    for (const auto& href : r.hrefs) {
      const auto p = without_slash(href_path(href));
      if (p == self) {
        out.self = true;
      } else if (p.starts_with(prefix) && p.size() > prefix.size() &&
                 p.find('/', prefix.size()) == std::string::npos) {
        if (!out.members.insert(p.substr(prefix.size())).second) out.twice.push_back(p);
      } else {
        out.strays.push_back(href);
      }
    }
  }
  return out;
}

}  // namespace streamcheck::conformance
