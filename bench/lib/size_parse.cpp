#include "bench/lib/size_parse.hpp"

#include <array>
#include <cctype>
#include <limits>

#include "bench/lib/error.hpp"

namespace streamcheck::bench {
namespace {

struct Unit {
  std::string_view name;
  std::uint64_t factor;
};

constexpr std::uint64_t kKi = 1024;
constexpr std::array<Unit, 9> kUnits = {{
    {"B", 1},
    {"KiB", kKi},
    {"MiB", kKi* kKi},
    {"GiB", kKi* kKi* kKi},
    {"TiB", kKi* kKi* kKi* kKi},
    {"kB", 1000},
    {"MB", 1000'000},
    {"GB", 1000'000'000},
    {"TB", 1000'000'000'000},
}};
constexpr std::string_view kUnitList = "B, KiB, MiB, GiB, TiB, kB, MB, GB, TB";

bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(a[i])) !=
        std::tolower(static_cast<unsigned char>(b[i]))) {
      return false;
    }
  }
  return true;
}

bool is_blank(char c) {
  return c == ' ' || c == '\t';
}
bool is_digit(char c) {
  return c >= '0' && c <= '9';
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && is_blank(s.front())) s.remove_prefix(1);
  while (!s.empty() && is_blank(s.back())) s.remove_suffix(1);
  return s;
}

[[noreturn]] void fail(std::string_view text, std::string_view why) {
  throw Error("invalid size \"" + std::string(text) + "\": " + std::string(why));
}

}  // namespace

std::uint64_t parse_size(std::string_view text) {
  const auto s = trim(text);
  if (s.empty()) fail(text, "empty");
  if (s.front() == '-') fail(text, "sizes cannot be negative");
  if (s.front() == '+') fail(text, "expected digits, without a sign");
  if (!is_digit(s.front())) fail(text, "expected a number of bytes, e.g. 100, 16MiB, 10MB");

  std::size_t i = 0;
  std::uint64_t number = 0;
  constexpr auto kMax = std::numeric_limits<std::uint64_t>::max();
  while (i < s.size() && is_digit(s[i])) {
    const auto digit = static_cast<std::uint64_t>(s[i] - '0');
    if (number > (kMax - digit) / 10) fail(text, "too large (over 2^64-1 bytes)");
    number = number * 10 + digit;
    ++i;
  }
  if (i < s.size() && (s[i] == '.' || s[i] == ',')) {
    fail(text, "sizes are whole numbers (write 1536MiB, not 1.5GiB)");
  }
  const auto unit = trim(s.substr(i));
  if (unit.empty()) return number;
  for (const auto& u : kUnits) {
    if (!iequals(unit, u.name)) continue;
    if (number > kMax / u.factor) fail(text, "too large (over 2^64-1 bytes)");
    return number * u.factor;
  }
  fail(text, "unknown unit \"" + std::string(unit) + "\" (use " + std::string(kUnitList) + ")");
}

std::vector<std::uint64_t> parse_size_list(std::string_view text) {
  if (trim(text).empty()) throw Error("invalid size list \"" + std::string(text) + "\": empty");
  std::vector<std::uint64_t> sizes;
  std::size_t begin = 0;
  for (std::size_t item = 1;; ++item) {
    const auto comma = text.find(',', begin);
    const auto piece =
        text.substr(begin, comma == std::string_view::npos ? text.npos : comma - begin);
    if (trim(piece).empty()) {
      throw Error("invalid size list \"" + std::string(text) + "\": item " + std::to_string(item) +
                  " is empty");
    }
    try {
      sizes.push_back(parse_size(piece));
    } catch (const Error& e) {
      throw Error("invalid size list \"" + std::string(text) + "\": item " + std::to_string(item) +
                  ": " + e.what());
    }
    if (comma == std::string_view::npos) break;
    begin = comma + 1;
  }
  return sizes;
}

std::string format_size(std::uint64_t bytes) {
  if (bytes == 0) return "0";
  // Binary units first (largest that divides exactly), then decimal.
  for (std::size_t u = 4; u >= 1; --u) {
    if (bytes % kUnits[u].factor == 0) {
      return std::to_string(bytes / kUnits[u].factor) + std::string(kUnits[u].name);
    }
  }
  for (std::size_t u = 8; u >= 5; --u) {
    if (bytes % kUnits[u].factor == 0) {
      return std::to_string(bytes / kUnits[u].factor) + std::string(kUnits[u].name);
    }
  }
  return std::to_string(bytes);
}

}  // namespace streamcheck::bench
