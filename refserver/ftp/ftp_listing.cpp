#include "refserver/ftp/ftp_listing.hpp"

#include <array>
#include <cstdio>
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

}  // namespace streamcheck::ftp
