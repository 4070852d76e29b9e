#include "bench/lib/size_parse.hpp"

#include <gtest/gtest.h>

#include "bench/lib/error.hpp"

namespace streamcheck::bench {
namespace {

constexpr std::uint64_t KiB = 1024, MiB = KiB * 1024, GiB = MiB * 1024, TiB = GiB * 1024;

std::string error_of(std::string_view text) {
  try {
    parse_size(text);
  } catch (const Error& e) {
    return e.what();
  }
  return "";
}

TEST(ParseSize, BinaryUnits) {
  EXPECT_EQ(parse_size("16MiB"), 16 * MiB);
  EXPECT_EQ(parse_size("256MiB"), 256 * MiB);
  EXPECT_EQ(parse_size("1GiB"), GiB);
  EXPECT_EQ(parse_size("512KiB"), 512 * KiB);
  EXPECT_EQ(parse_size("2TiB"), 2 * TiB);
}

TEST(ParseSize, DecimalUnitsAndBytes) {
  EXPECT_EQ(parse_size("100"), 100u);
  EXPECT_EQ(parse_size("100B"), 100u);
  EXPECT_EQ(parse_size("10MB"), 10'000'000u);
  EXPECT_EQ(parse_size("10kB"), 10'000u);
  EXPECT_EQ(parse_size("3GB"), 3'000'000'000u);
  EXPECT_EQ(parse_size("1TB"), 1'000'000'000'000u);
  EXPECT_EQ(parse_size("0"), 0u);
}

TEST(ParseSize, UnitsIgnoreCaseAndBlanksAreAllowed) {
  EXPECT_EQ(parse_size("16mib"), 16 * MiB);
  EXPECT_EQ(parse_size("10mb"), 10'000'000u);
  EXPECT_EQ(parse_size(" 16 MiB "), 16 * MiB);
}

TEST(ParseSize, LargestValues) {
  EXPECT_EQ(parse_size("18446744073709551615"), UINT64_MAX);
  EXPECT_EQ(parse_size("16777215TiB"), 16777215 * TiB);
}

TEST(ParseSize, RejectsHostileInputClearly) {
  const std::pair<const char*, const char*> cases[] = {
      {"", "empty"},
      {"   ", "empty"},
      {"-1", "negative"},
      {"-16MiB", "negative"},
      {"+5", "sign"},
      {"MiB", "expected a number"},
      {"abc", "expected a number"},
      {"12XB", "unknown unit \"XB\""},
      {"12 M", "unknown unit \"M\""},
      {"1.5GiB", "whole numbers"},
      {"1,5MiB", "whole numbers"},
      {"16MiB16", "unknown unit"},
      {"18446744073709551616", "too large"},
      {"99999999999999999999999", "too large"},
      {"16777216TiB", "too large"},
      {"20000000000GB", "too large"},
  };
  for (const auto& [text, expected] : cases) {
    const auto message = error_of(text);
    ASSERT_FALSE(message.empty()) << "accepted: \"" << text << "\"";
    EXPECT_NE(message.find(expected), std::string::npos) << text << " -> " << message;
    EXPECT_NE(message.find(std::string("\"") + text + "\""), std::string::npos)
        << "the message should quote the input: " << message;
  }
}

TEST(ParseSize, UnknownUnitMessageListsTheKnownOnes) {
  EXPECT_NE(error_of("5XiB").find("KiB, MiB, GiB"), std::string::npos);
}

TEST(ParseSizeList, CommaList) {
  EXPECT_EQ(parse_size_list("16MiB,256MiB,1GiB"),
            (std::vector<std::uint64_t>{16 * MiB, 256 * MiB, GiB}));
  EXPECT_EQ(parse_size_list("0, 1 ,1"), (std::vector<std::uint64_t>{0, 1, 1}));
  EXPECT_EQ(parse_size_list("4KiB"), (std::vector<std::uint64_t>{4 * KiB}));
}

TEST(ParseSizeList, RejectsEmptyItemsAndBadItemsNamingThePosition) {
  for (const auto& [text, expected] : std::vector<std::pair<std::string, std::string>>{
           {"", "empty"},
           {",", "item 1 is empty"},
           {"16MiB,", "item 2 is empty"},
           {"16MiB,,1GiB", "item 2 is empty"},
           {",16MiB", "item 1 is empty"},
           {"16MiB, ,1GiB", "item 2 is empty"},
           {"16MiB,-1", "item 2: invalid size \"-1\": sizes cannot be negative"},
           {"1GiB,2QB", "item 2: invalid size \"2QB\""},
       }) {
    try {
      parse_size_list(text);
      ADD_FAILURE() << "accepted: \"" << text << "\"";
    } catch (const Error& e) {
      EXPECT_NE(std::string(e.what()).find(expected), std::string::npos)
          << text << " -> " << e.what();
    }
  }
}

TEST(FormatSize, ShortestExactSpelling) {
  EXPECT_EQ(format_size(0), "0");
  EXPECT_EQ(format_size(100), "100");
  EXPECT_EQ(format_size(16 * MiB), "16MiB");
  EXPECT_EQ(format_size(GiB), "1GiB");
  EXPECT_EQ(format_size(1536 * MiB), "1536MiB");
  EXPECT_EQ(format_size(512 * KiB), "512KiB");
  EXPECT_EQ(format_size(3 * TiB), "3TiB");
  EXPECT_EQ(format_size(10'000'000), "10MB");
  EXPECT_EQ(format_size(1000), "1kB");
  EXPECT_EQ(format_size(16 * MiB + 1), "16777217");
}

TEST(FormatSize, RoundTrips) {
  const std::vector<std::uint64_t> values = {0,
                                             1,
                                             1023,
                                             1024,
                                             1000,
                                             4096000,
                                             10'000'000,
                                             16 * MiB,
                                             16 * MiB - 1,
                                             5 * TiB,
                                             7'000'000'000'000,
                                             UINT64_MAX,
                                             UINT64_MAX - UINT64_MAX % TiB};
  for (const std::uint64_t v : values) {
    EXPECT_EQ(parse_size(format_size(v)), v) << v << " -> " << format_size(v);
  }
}

}  // namespace
}  // namespace streamcheck::bench
