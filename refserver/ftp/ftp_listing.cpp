#include "refserver/ftp/ftp_listing.hpp"

#include <algorithm>
#include <array>
#include <cstdio>
#include <ctime>
#include <vector>

namespace streamcheck::ftp {
namespace {

using store::Entry;
using store::EntryType;

// GNU ls: "recent" means modified within the last half of an average Gregorian year.
constexpr time_t kSixMonths = 31556952 / 2;

constexpr std::array<std::string_view, 12> kMonths = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                                      "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};

// gmtime_r, or the epoch when the time cannot be broken down (a year out of range).
std::tm utc(time_t t) {
  std::tm tm{};
  if (gmtime_r(&t, &tm) == nullptr || tm.tm_year + 1900 > 9999 || tm.tm_year + 1900 < 0) {
    const time_t epoch = 0;
    gmtime_r(&epoch, &tm);
  }
  return tm;
}

std::string_view mode_string(EntryType type, bool writable) {
  switch (type) {
    case EntryType::file:
      return writable ? "-rw-r--r--" : "-r--r--r--";
    case EntryType::directory:
      return writable ? "drwxr-xr-x" : "dr-xr-xr-x";
    case EntryType::other:
      break;
  }
  return "?---------";
}

std::string_view perm_fact(EntryType type, bool writable) {
  switch (type) {
    case EntryType::file:
      return writable ? "adfrw" : "r";
    case EntryType::directory:
      return writable ? "flcdmpe" : "el";
    case EntryType::other:
      break;
  }
  return "";
}

}  // namespace

bool is_listable_name(std::string_view name) {
  if (name.empty()) return false;
  for (char c : name) {
    const auto b = static_cast<unsigned char>(c);
    if (b < 0x20 || b == 0x7f) return false;
  }
  return true;
}

bool append_list_line(std::string& out, const Entry& entry, const ListingOptions& options) {
  if (!is_listable_name(entry.name)) return false;
  const std::tm tm = utc(entry.mtime.tv_sec);
  const time_t now = options.now.tv_sec;
  const bool recent = entry.mtime.tv_sec <= now && entry.mtime.tv_sec > now - kSixMonths;

  // "Nov 25 16:37" or "Nov 25  2024": 12 characters either way.
  std::array<char, 64> date{};  // 12 used; room for any int, so no truncation warning
  if (recent) {
    std::snprintf(date.data(), date.size(), "%s %2d %02d:%02d", kMonths[tm.tm_mon].data(),
                  tm.tm_mday, tm.tm_hour, tm.tm_min);
  } else {
    std::snprintf(date.data(), date.size(), "%s %2d  %4d", kMonths[tm.tm_mon].data(), tm.tm_mday,
                  tm.tm_year + 1900);
  }

  // Owner and group padded to 8, as ls and vsftpd do; longer names just push on.
  auto pad = [&out](std::string_view s, size_t width) {
    out += s;
    if (s.size() < width) out.append(width - s.size(), ' ');
  };
  out += mode_string(entry.type, options.writable);
  out += "    1 ";
  pad(options.owner, 8);
  out += ' ';
  pad(options.group, 8);
  out += ' ';
  const std::string size = std::to_string(entry.size);
  if (size.size() < 8) out.append(8 - size.size(), ' ');  // right-aligned in 8, as vsftpd
  out += size;
  out += ' ';
  out += date.data();
  out += ' ';
  out += entry.name;
  out += "\r\n";
  return true;
}

bool append_nlst_line(std::string& out, const Entry& entry) {
  if (!is_listable_name(entry.name)) return false;
  out += entry.name;
  out += "\r\n";
  return true;
}

std::string mlsx_facts(const Entry& entry, bool writable, bool is_cdir) {
  std::string facts = "type=";
  switch (entry.type) {
    case EntryType::file:
      facts += "file";
      break;
    case EntryType::directory:
      facts += is_cdir ? "cdir" : "dir";
      break;
    case EntryType::other:
      facts += "OS.unix=other";
      break;
  }
  facts += ';';
  if (entry.type == EntryType::file) {
    facts += "size=" + std::to_string(entry.size) + ";";
  }
  facts += "modify=" + format_time_val(entry.mtime) + ";";
  facts += "perm=";
  facts += perm_fact(entry.type, writable);
  facts += ';';
  return facts;
}

bool append_mlsd_line(std::string& out, const Entry& entry, bool writable) {
  if (!is_listable_name(entry.name)) return false;
  out += mlsx_facts(entry, writable);
  out += ' ';
  out += entry.name;
  out += "\r\n";
  return true;
}

Reply mlst_reply(const Entry& entry, std::string_view path, bool writable, bool is_cdir) {
  std::vector<std::string> lines;
  lines.push_back("Listing " + std::string(path));
  lines.push_back(mlsx_facts(entry, writable, is_cdir) + " " + std::string(path));
  lines.emplace_back("End");
  return Reply::multi(ReplyCode::file_action_ok, std::move(lines));
}

std::string format_time_val(const timespec& t, bool with_millis) {
  const std::tm tm = utc(t.tv_sec);
  std::array<char, 80> buf{};  // 14 (+4) used; room for any int
  std::snprintf(buf.data(), buf.size(), "%04d%02d%02d%02d%02d%02d", tm.tm_year + 1900,
                tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec);
  std::string out = buf.data();
  if (with_millis) {
    const long ms = t.tv_nsec >= 0 && t.tv_nsec < 1000000000 ? t.tv_nsec / 1000000 : 0;
    std::snprintf(buf.data(), buf.size(), ".%03ld", ms);
    out += buf.data();
  }
  return out;
}

namespace {

// The number in text[pos, pos + n), or -1 unless it is n ASCII digits.
int digits_at(std::string_view text, size_t pos, size_t n) {
  int value = 0;
  for (char c : text.substr(pos, n)) {
    if (c < '0' || c > '9') return -1;
    value = value * 10 + (c - '0');
  }
  return value;
}

bool is_leap(int year) {
  return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
}

int days_in_month(int year, int month) {
  constexpr std::array<int, 12> kDays = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  return month == 2 && is_leap(year) ? 29 : kDays[static_cast<size_t>(month - 1)];
}

}  // namespace

std::optional<timespec> parse_time_val(std::string_view text) {
  constexpr size_t kDigits = 14;
  const std::string_view digits = text.substr(0, kDigits);
  if (digits.size() < kDigits ||
      !std::all_of(digits.begin(), digits.end(), [](char c) { return c >= '0' && c <= '9'; })) {
    return std::nullopt;
  }
  const int year = digits_at(text, 0, 4), month = digits_at(text, 4, 2),
            day = digits_at(text, 6, 2), hour = digits_at(text, 8, 2),
            minute = digits_at(text, 10, 2), second = digits_at(text, 12, 2);
  if (month < 1 || month > 12 || day < 1 || day > days_in_month(year, month) || hour > 23 ||
      minute > 59 || second > 59) {
    return std::nullopt;
  }
  long nanos = 0;
  if (text.size() > kDigits) {
    const std::string_view fraction = text.substr(kDigits + 1);
    if (text[kDigits] != '.' || fraction.empty()) return std::nullopt;
    long scale = 100'000'000;
    for (char c : fraction) {
      if (c < '0' || c > '9') return std::nullopt;
      nanos += (c - '0') * scale;
      scale /= 10;
    }
  }
  std::tm tm{};
  tm.tm_year = year - 1900;
  tm.tm_mon = month - 1;
  tm.tm_mday = day;
  tm.tm_hour = hour;
  tm.tm_min = minute;
  tm.tm_sec = second;
  return timespec{::timegm(&tm), nanos};
}

}  // namespace streamcheck::ftp
