// Listing lines: LIST (ls -l), NLST, MLSD/MLST facts (RFC 3659 §7) and the MDTM time
// value (RFC 3659 §2.3), against a fixed `now`.
#include "refserver/ftp/ftp_listing.hpp"

#include <gtest/gtest.h>

#include <ctime>
#include <string>

namespace streamcheck::ftp {
namespace {

using store::Entry;
using store::EntryType;

timespec utc(int year, int month, int day, int hour, int minute, int second, long nsec = 0) {
  std::tm tm{};
  tm.tm_year = year - 1900;
  tm.tm_mon = month - 1;
  tm.tm_mday = day;
  tm.tm_hour = hour;
  tm.tm_min = minute;
  tm.tm_sec = second;
  return timespec{timegm(&tm), nsec};
}

Entry file(std::string name, uint64_t size, timespec mtime) {
  return Entry{std::move(name), EntryType::file, size, mtime};
}

Entry dir(std::string name, timespec mtime) {
  return Entry{std::move(name), EntryType::directory, 4096, mtime};
}

const timespec kNow = utc(2026, 11, 26, 9, 0, 0);
const timespec kModified = utc(2026, 11, 25, 16, 37, 0);

std::string list_line(const Entry& e, ListingOptions options = {}) {
  if (options.now.tv_sec == 0) options.now = kNow;
  std::string out;
  EXPECT_TRUE(append_list_line(out, e, options));
  return out;
}

TEST(ListFormat, RecentFileShowsTimeOfDay) {
  EXPECT_EQ(list_line(file("b.bin", 1234, kModified)),
            "-rw-r--r--    1 ftp      ftp          1234 Nov 25 16:37 b.bin\r\n");
}

TEST(ListFormat, OldFileShowsYearAndSpacePaddedDay) {
  EXPECT_EQ(list_line(file("old", 7, utc(2024, 3, 5, 1, 2, 3))),
            "-rw-r--r--    1 ftp      ftp             7 Mar  5  2024 old\r\n");
}

TEST(ListFormat, FutureFileShowsYear) {
  EXPECT_EQ(list_line(file("f", 1, utc(2026, 11, 26, 9, 0, 1))),
            "-rw-r--r--    1 ftp      ftp             1 Nov 26  2026 f\r\n");
}

TEST(ListFormat, SixMonthBoundaryFollowsGnuLs) {
  constexpr time_t kSixMonths = 15778476;
  const timespec just_recent{kNow.tv_sec - kSixMonths + 1, 0};
  const timespec just_old{kNow.tv_sec - kSixMonths, 0};
  EXPECT_NE(list_line(file("a", 1, just_recent)).find(":"), std::string::npos);
  EXPECT_EQ(list_line(file("a", 1, just_old)).find(":"), std::string::npos);
  EXPECT_NE(list_line(file("a", 1, kNow)).find(":"), std::string::npos);
}

TEST(ListFormat, DirectoryHasDFlag) {
  EXPECT_EQ(list_line(dir("sub", kModified)),
            "drwxr-xr-x    1 ftp      ftp          4096 Nov 25 16:37 sub\r\n");
}

TEST(ListFormat, ReadOnlySessionAndOtherEntries) {
  ListingOptions ro;
  ro.writable = false;
  EXPECT_EQ(list_line(file("a", 1, kModified), ro).substr(0, 10), "-r--r--r--");
  EXPECT_EQ(list_line(dir("d", kModified), ro).substr(0, 10), "dr-xr-xr-x");
  EXPECT_EQ(list_line(Entry{"link", EntryType::other, 0, kModified}).substr(0, 10), "?---------");
}

TEST(ListFormat, LongValuesPushTheColumnsOn) {
  ListingOptions o;
  o.owner = "averylongowner";
  EXPECT_EQ(list_line(file("big", 123456789012, kModified), o),
            "-rw-r--r--    1 averylongowner ftp      123456789012 Nov 25 16:37 big\r\n");
}

TEST(ListFormat, NamesWithSpacesStayWhole) {
  EXPECT_EQ(list_line(file(" a b ", 1, kModified)),
            "-rw-r--r--    1 ftp      ftp             1 Nov 25 16:37  a b \r\n");
}

TEST(ListFormat, SkipsNamesThatCannotBeOnALine) {
  for (const char* name : {"a\r\nb", "a\nb", "a\rb", "", "tab\there", "del\x7f"}) {
    std::string out = "kept\r\n";
    ListingOptions options;
    options.now = kNow;
    EXPECT_FALSE(append_list_line(out, file(name, 1, kModified), options));
    EXPECT_FALSE(append_nlst_line(out, file(name, 1, kModified)));
    EXPECT_FALSE(append_mlsd_line(out, file(name, 1, kModified), true));
    EXPECT_EQ(out, "kept\r\n");
  }
  EXPECT_TRUE(is_listable_name("\xc3\xa9t\xc3\xa9.txt"));
}

TEST(NlstFormat, NameOnly) {
  std::string out;
  EXPECT_TRUE(append_nlst_line(out, file("a.bin", 1, kModified)));
  EXPECT_TRUE(append_nlst_line(out, dir("sub", kModified)));
  EXPECT_EQ(out, "a.bin\r\nsub\r\n");
}

TEST(Rfc3659Mlsd, FileFacts) {
  std::string out;
  EXPECT_TRUE(append_mlsd_line(out, file("b.bin", 123, kModified), true));
  EXPECT_EQ(out, "type=file;size=123;modify=20261125163700;perm=adfrw; b.bin\r\n");
}

TEST(Rfc3659Mlsd, DirectoryFactsHaveNoSize) {
  std::string out;
  EXPECT_TRUE(append_mlsd_line(out, dir("sub", kModified), true));
  EXPECT_EQ(out, "type=dir;modify=20261125163700;perm=flcdmpe; sub\r\n");
}

TEST(Rfc3659Mlsd, ReadOnlyAndOtherPerms) {
  EXPECT_EQ(mlsx_facts(file("a", 1, kModified), false),
            "type=file;size=1;modify=20261125163700;perm=r;");
  EXPECT_EQ(mlsx_facts(dir("d", kModified), false), "type=dir;modify=20261125163700;perm=el;");
  EXPECT_EQ(mlsx_facts(Entry{"x", EntryType::other, 0, kModified}, true),
            "type=OS.unix=other;modify=20261125163700;perm=;");
}

TEST(Rfc3659Mlsd, NameWithSpacesAndSemicolonsFollowsOneSpace) {
  std::string out;
  EXPECT_TRUE(append_mlsd_line(out, file(" a; b=c;", 0, kModified), true));
  EXPECT_EQ(out, "type=file;size=0;modify=20261125163700;perm=adfrw;  a; b=c;\r\n");
}

TEST(Rfc3659Mlst, ReplyHasOneIndentedFactLine) {
  EXPECT_EQ(mlst_reply(file("b.bin", 3, kModified), "/a/b.bin", true).format(),
            "250-Listing /a/b.bin\r\n"
            " type=file;size=3;modify=20261125163700;perm=adfrw; /a/b.bin\r\n"
            "250 End\r\n");
}

TEST(Rfc3659Mlst, WorkingDirectoryIsCdir) {
  EXPECT_EQ(mlst_reply(dir("", kModified), "/", true, true).format(),
            "250-Listing /\r\n"
            " type=cdir;modify=20261125163700;perm=flcdmpe; /\r\n"
            "250 End\r\n");
}

TEST(Rfc3659Mdtm, TimeValIsUtcFourteenDigits) {
  EXPECT_EQ(format_time_val(kModified), "20261125163700");
  EXPECT_EQ(format_time_val(timespec{0, 0}), "19700101000000");
  EXPECT_EQ(format_time_val(utc(2024, 2, 29, 23, 59, 59)), "20240229235959");
}

TEST(Rfc3659Mdtm, OptionalMillisecondsTruncate) {
  EXPECT_EQ(format_time_val(utc(2026, 11, 25, 16, 37, 0, 123999999), true), "20261125163700.123");
  EXPECT_EQ(format_time_val(utc(2026, 11, 25, 16, 37, 0, 5000000), true), "20261125163700.005");
  EXPECT_EQ(format_time_val(utc(2026, 11, 25, 16, 37, 0, 123999999)), "20261125163700");
}

// MFMT's time: the inverse of format_time_val, strict about the grammar and calendar.
std::optional<timespec> parsed(std::string_view text) {
  return parse_time_val(text);
}

TEST(Rfc3659Mfmt, ParsesFourteenDigitsAsUtc) {
  auto t = parsed("20200102030405");
  ASSERT_TRUE(t);
  EXPECT_EQ(t->tv_sec, 1577934245);  // date -u -d @1577934245: Thu Jan 2 03:04:05 2020
  EXPECT_EQ(t->tv_nsec, 0);
  EXPECT_EQ(parsed("19700101000000")->tv_sec, 0);
  EXPECT_EQ(parsed("19691231235959")->tv_sec, -1);
  EXPECT_EQ(parsed("20240229235959")->tv_sec, utc(2024, 2, 29, 23, 59, 59).tv_sec);
  EXPECT_EQ(format_time_val(*parsed("20261125163700")), "20261125163700");
}

TEST(Rfc3659Mfmt, FractionIsOptionalAndScaled) {
  EXPECT_EQ(parsed("20200102030405.5")->tv_nsec, 500'000'000);
  EXPECT_EQ(parsed("20200102030405.678")->tv_nsec, 678'000'000);
  EXPECT_EQ(parsed("20200102030405.123456789")->tv_nsec, 123'456'789);
  EXPECT_EQ(parsed("20200102030405.1234567891")->tv_nsec, 123'456'789);
  EXPECT_EQ(format_time_val(*parsed("20200102030405.678"), true), "20200102030405.678");
}

TEST(Rfc3659Mfmt, RefusesWhatIsNotATimeVal) {
  for (const char* bad : {"",
                          "2020010203040",
                          "202001020304056",
                          "2020O102030405",
                          "20201302030405",
                          "20200002030405",
                          "20200100030405",
                          "20200132030405",
                          "20230229000000",
                          "21000229000000",
                          "20200431000000",
                          "20200102240000",
                          "20200102036000",
                          "20200102030460",
                          "20200102030405.",
                          "20200102030405,5",
                          "20200102030405.5x",
                          " 20200102030405",
                          "+2020102030405",
                          "20200102030405Z",
                          "abcdefghijklmn"}) {
    EXPECT_FALSE(parsed(bad)) << bad;
  }
  EXPECT_TRUE(parsed("20000229000000")) << "2000 is a leap year";
  EXPECT_TRUE(parsed("20201231235959"));
}

}  // namespace
}  // namespace streamcheck::ftp
