// parse_http_date (RFC 9110 §5.6.7), which If-Modified-Since and If-Unmodified-Since go
// through, against format_http_date, which writes Date and Last-Modified.
//
// Input: an instant (8 bytes, big-endian, taken within 1970..9999), then a date text.
// Checked:
//   - a text that parses names an instant that, written as IMF-fixdate, parses back to the
//     same instant;
//   - the names are case-sensitive (RFC 9110 §5.6.7: %s"GMT", day and month names): the
//     text upper- or lower-cased whole parses to the same instant or not at all, never
//     to another one;
//   - the instant, written in each of the three formats a recipient MUST accept
//     (IMF-fixdate, the obsolete RFC 850 form with its two-digit year, asctime), parses
//     to that instant; the RFC 850 form only for years within 49 of now, as its year
//     means the one within 50 years of now.
#include <cctype>
#include <cstdio>
#include <ctime>
#include <string>
#include <string_view>

#include "fuzz/fuzz_check.hpp"
#include "refserver/http/http_util.hpp"

namespace {

using streamcheck::fuzz::printable;
using streamcheck::http::format_http_date;
using streamcheck::http::parse_http_date;

constexpr const char* kDays[] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
constexpr const char* kLongDays[] = {"Sunday",   "Monday", "Tuesday", "Wednesday",
                                     "Thursday", "Friday", "Saturday"};
constexpr const char* kMonths[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                   "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
constexpr std::time_t kYear10000 = 253402300800;  // 10000-01-01T00:00:00Z

// "Sunday, 06-Nov-94 08:49:37 GMT"
std::string rfc850(const std::tm& tm) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%s, %02d-%s-%02d %02d:%02d:%02d GMT", kLongDays[tm.tm_wday],
                tm.tm_mday, kMonths[tm.tm_mon], tm.tm_year % 100, tm.tm_hour, tm.tm_min, tm.tm_sec);
  return buf;
}

// "Sun Nov  6 08:49:37 1994"
std::string asctime_date(const std::tm& tm) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%s %s %2d %02d:%02d:%02d %04d", kDays[tm.tm_wday],
                kMonths[tm.tm_mon], tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
                tm.tm_year + 1900);
  return buf;
}

std::string with_case(std::string_view s, int (*change)(int)) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(change(static_cast<unsigned char>(c)));
  return out;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  streamcheck::fuzz::FuzzInput input(data, size);
  const auto instant = static_cast<std::time_t>(input.u64() % kYear10000);
  const std::string_view text = input.rest();

  if (const auto parsed = parse_http_date(text)) {
    FUZZ_CHECK_MSG(*parsed >= 0, printable(text));
    const std::string imf = format_http_date(*parsed);
    FUZZ_CHECK_MSG(parse_http_date(imf) == parsed, printable(text) + " -> " + imf);
    for (const auto& other : {with_case(text, ::toupper), with_case(text, ::tolower)}) {
      const auto again = parse_http_date(other);
      FUZZ_CHECK_MSG(!again || again == parsed, printable(text) + " / " + printable(other));
    }
  }

  std::tm tm{};
  gmtime_r(&instant, &tm);
  const std::string imf = format_http_date(instant);
  FUZZ_CHECK_MSG(parse_http_date(imf) == instant, imf);
  const std::string asc = asctime_date(tm);
  FUZZ_CHECK_MSG(parse_http_date(asc) == instant, asc + " (" + imf + ")");
  std::tm now{};
  const std::time_t now_t = std::time(nullptr);
  gmtime_r(&now_t, &now);
  if (tm.tm_year > now.tm_year - 49 && tm.tm_year < now.tm_year + 49) {
    const std::string obsolete = rfc850(tm);
    FUZZ_CHECK_MSG(parse_http_date(obsolete) == instant, obsolete + " (" + imf + ")");
  }
  return 0;
}
