// The value checks of the WebDAV tests accept what RFC 4918 allows and nothing that
// would hide a wrong reply: a date with the wrong weekday, a length with a sign, a
// listing with a grandchild or a member twice.
#include "conformance/dav_values.hpp"

#include <gtest/gtest.h>

namespace streamcheck::conformance {
namespace {

TEST(DavValues, Rfc1123DatesAreImfFixdatesWithTheRightWeekday) {
  EXPECT_TRUE(is_imf_fixdate("Sun, 06 Nov 1994 08:49:37 GMT"));
  EXPECT_TRUE(is_imf_fixdate("Mon, 07 Dec 2026 14:11:00 GMT"));
  EXPECT_TRUE(is_imf_fixdate("Thu, 29 Feb 2024 23:59:59 GMT"));
  EXPECT_FALSE(is_imf_fixdate("Mon, 06 Nov 1994 08:49:37 GMT")) << "wrong weekday";
  EXPECT_FALSE(is_imf_fixdate("Thu, 29 Feb 2023 00:00:00 GMT")) << "no such day";
  EXPECT_FALSE(is_imf_fixdate("Sunday, 06-Nov-94 08:49:37 GMT")) << "RFC 850 form";
  EXPECT_FALSE(is_imf_fixdate("Sun Nov  6 08:49:37 1994")) << "asctime form";
  EXPECT_FALSE(is_imf_fixdate("2026-12-07T14:11:00Z")) << "creationdate's form";
  EXPECT_FALSE(is_imf_fixdate("Sun, 06 Nov 1994 08:49:37 UTC"));
  EXPECT_FALSE(is_imf_fixdate("Sun, 06 Nov 1994 24:49:37 GMT"));
}

TEST(DavValues, ContentLengthsAreDigitsThatFit64Bits) {
  EXPECT_EQ(parse_decimal_u64("0"), 0u);
  EXPECT_EQ(parse_decimal_u64("5368709120"), 5368709120u);
  EXPECT_EQ(parse_decimal_u64("18446744073709551615"), UINT64_MAX);
  EXPECT_EQ(parse_decimal_u64("18446744073709551616"), std::nullopt);
  EXPECT_EQ(parse_decimal_u64("-1"), std::nullopt);
  EXPECT_EQ(parse_decimal_u64(" 3"), std::nullopt);
  EXPECT_EQ(parse_decimal_u64("3.0"), std::nullopt);
  EXPECT_EQ(parse_decimal_u64(""), std::nullopt);
}

std::vector<DavResponse> listed(std::initializer_list<std::string> hrefs) {
  std::vector<DavResponse> out;
  for (const auto& h : hrefs) out.push_back(DavResponse{.hrefs = {h}});
  return out;
}

TEST(DavValues, AListingNamesTheCollectionItsMembersAndStrays) {
  const auto l = listing_of(listed({"http://h:1/c/d/", "/c/d/a.bin", "/c/d/sub/", "/c/d/sub/deep",
                                    "/c/other", "/c/d/a.bin"}),
                            "/c/d/");
  EXPECT_TRUE(l.self);
  EXPECT_EQ(l.members, (std::set<std::string>{"a.bin", "sub"}));
  EXPECT_EQ(l.strays, (std::vector<std::string>{"/c/d/sub/deep", "/c/other"}));
  EXPECT_EQ(l.twice, std::vector<std::string>{"/c/d/a.bin"});
  const auto without_self = listing_of(listed({"/c/d/x"}), "/c/d");
  EXPECT_FALSE(without_self.self);
  EXPECT_EQ(without_self.members, std::set<std::string>{"x"});
}

}  // namespace
}  // namespace streamcheck::conformance
