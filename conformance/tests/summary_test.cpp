// The verdict lines and the exit status: a property whose every test skipped is "not
// tested", never a pass; a run that tested nothing is not green.
#include "conformance/summary.hpp"

#include <gtest/gtest.h>

#include <sstream>

namespace streamcheck::conformance {
namespace {

using R = Outcome::Result;

Outcome make(const std::string& suite, R r, const std::string& why = "") {
  return {suite, suite + ".T", r, why, {}};
}

// A line of `text` that starts (after indentation) with `head` and holds `rest`.
bool has_line(const std::string& text, const std::string& head, const std::string& rest) {
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) {
    const auto start = line.find_first_not_of(' ');
    if (start != std::string::npos && line.compare(start, head.size(), head) == 0 &&
        line.find(rest) != std::string::npos)
      return true;
  }
  return false;
}

TEST(ConformanceSummary, GroupsArePropertiesRfcsAndSuites) {
  EXPECT_EQ(group_of("P1FlatMemory"), "P1");
  EXPECT_EQ(group_of("P6AtomicCommit"), "P6");
  EXPECT_EQ(group_of("Rfc959Login"), "Rfc959");
  EXPECT_EQ(group_of("Rfc9110Range"), "Rfc9110");
  EXPECT_EQ(group_of("Security"), "Security");
  EXPECT_EQ(group_of("BadInput"), "BadInput");
}

TEST(ConformanceSummary, AllSkippedIsNotTestedWithTheFirstReason) {
  const auto s = summarize({make("P1FlatMemory", R::passed),
                            make("P6AtomicCommit", R::skipped, "FTP uploads: no credentials"),
                            make("P6AtomicCommit", R::skipped, "second reason")},
                           Rules{});
  EXPECT_EQ(s.status, 0) << s.text;
  EXPECT_TRUE(has_line(s.text, "P6 atomic commit",
                       "not tested: 2 skipped (P6AtomicCommit.T: FTP uploads: no credentials)"))
      << s.text;
  EXPECT_TRUE(has_line(s.text, "P1 flat memory", "1 passed, 0 failed, 0 skipped")) << s.text;
  // Properties come first, in order.
  EXPECT_LT(s.text.find("P1 flat"), s.text.find("P6 atomic"));
}

TEST(ConformanceSummary, RequiredButUntestedExitsTwo) {
  const std::vector<Outcome> run{make("P1FlatMemory", R::passed),
                                 make("P6AtomicCommit", R::skipped, "no uploads")};
  auto s = summarize(run, Rules{{"P6"}, std::nullopt, std::nullopt});
  EXPECT_EQ(s.status, 2) << s.text;
  EXPECT_NE(s.text.find("required but not tested: P6"), std::string::npos) << s.text;
  s = summarize(run, Rules{{"P7"}, std::nullopt, std::nullopt});  // not even selected
  EXPECT_EQ(s.status, 2) << s.text;
  EXPECT_NE(s.text.find("P7 unknown length: not tested: no test of it was selected"),
            std::string::npos)
      << s.text;
  EXPECT_EQ(summarize(run, Rules{{"P1"}, std::nullopt, std::nullopt}).status, 0);
}

TEST(ConformanceSummary, NothingTestedIsNotAPassAndAFailureWins) {
  auto s = summarize({make("P1FlatMemory", R::skipped, "x"), make("Rfc959Login", R::skipped, "y")},
                     Rules{});
  EXPECT_EQ(s.status, 2) << s.text;
  EXPECT_NE(s.text.find("nothing was tested: not a pass"), std::string::npos) << s.text;
  EXPECT_EQ(summarize({}, Rules{}).status, 2);
  s = summarize({make("P2NoCopies", R::failed), make("P6AtomicCommit", R::skipped, "z")},
                Rules{{"P6"}, std::nullopt, std::nullopt});
  EXPECT_EQ(s.status, 1) << s.text;
  EXPECT_NE(s.text.find("1 failed, 0 skipped  FAIL"), std::string::npos) << s.text;
}

TEST(ConformanceSummary, SkipsAreGroupedByReasonWithTheirTests) {
  Outcome a = make("P1FlatMemory", R::skipped, "no Range");
  Outcome b = make("P2NoCopies", R::skipped, "no Range");
  Outcome c = make("P3FirstByte", R::skipped, "no FTP URL");
  b.name = "P2NoCopies.HttpRange";
  const auto s = summarize({make("P4FdLeaks", R::passed), a, b, c}, Rules{});
  EXPECT_NE(s.text.find("  2x no Range\n    P1FlatMemory.T, P2NoCopies.HttpRange\n"),
            std::string::npos)
      << s.text;
  EXPECT_NE(s.text.find("  1x no FTP URL\n    P3FirstByte.T\n"), std::string::npos) << s.text;
}

TEST(ConformanceSummary, WarningsAreCountedButDoNotFail) {
  Outcome o = make("Rfc9110Range", R::passed);
  o.warnings = {"SHOULD [RFC 9110 §15.5.17] a 416 carries Content-Range\n  expected: ..."};
  const auto s = summarize({o}, Rules{});
  EXPECT_EQ(s.status, 0) << s.text;
  EXPECT_NE(s.text.find("1 SHOULD/MAY not met"), std::string::npos) << s.text;
  EXPECT_NE(s.text.find("Rfc9110Range.T: SHOULD [RFC 9110 §15.5.17] a 416 carries "
                        "Content-Range\n"),
            std::string::npos)
      << s.text;
  EXPECT_NE(s.text.find(", 1 warnings"), std::string::npos) << s.text;
}

TEST(ConformanceSummary, MoreSkipsThanAllowedExitsTwo) {
  const std::vector<Outcome> run{make("P1FlatMemory", R::passed),
                                 make("P2NoCopies", R::skipped, "a"),
                                 make("P3FirstByte", R::skipped, "b")};
  EXPECT_EQ(summarize(run, Rules{{}, 2, std::nullopt}).status, 0);
  const auto s = summarize(run, Rules{{}, 1, std::nullopt});
  EXPECT_EQ(s.status, 2) << s.text;
  EXPECT_NE(s.text.find("2 skipped, more than --max-skips 1"), std::string::npos) << s.text;
}

TEST(ConformanceSummary, TheSkipsMustBeExactlyTheExpectedOnes) {
  const std::vector<ExpectedSkip> expected{{"P2NoCopies.T", "no Range"}};
  const Rules rules{{}, std::nullopt, expected};
  // As expected.
  auto s = summarize({make("P1FlatMemory", R::passed), make("P2NoCopies", R::skipped, "no Range!")},
                     rules);
  EXPECT_EQ(s.status, 0) << s.text;
  // A new skip: a regression hiding as a skip.
  s = summarize({make("P1FlatMemory", R::skipped, "probe failed"),
                 make("P2NoCopies", R::skipped, "no Range")},
                rules);
  EXPECT_EQ(s.status, 1) << s.text;
  EXPECT_NE(s.text.find("unexpected skip: P1FlatMemory.T (probe failed)"), std::string::npos)
      << s.text;
  // The listed test skipped for another reason.
  s = summarize({make("P1FlatMemory", R::passed), make("P2NoCopies", R::skipped, "no FTP URL")},
                rules);
  EXPECT_EQ(s.status, 1) << s.text;
  EXPECT_NE(s.text.find("skipped for another reason: P2NoCopies.T"), std::string::npos) << s.text;
  // The listed test ran: the list is out of date.
  s = summarize({make("P1FlatMemory", R::passed), make("P2NoCopies", R::passed)}, rules);
  EXPECT_EQ(s.status, 1) << s.text;
  EXPECT_NE(s.text.find("expected to skip, but it ran and passed: P2NoCopies.T"), std::string::npos)
      << s.text;
  // A listed test not selected is no difference.
  EXPECT_EQ(summarize({make("P1FlatMemory", R::passed)}, rules).status, 0);
}

TEST(ConformanceSummary, AttributesCarryTheVerdictForTheReport) {
  const auto s = summarize(
      {make("P1FlatMemory", R::passed), make("P6AtomicCommit", R::skipped, "x")}, Rules{});
  const auto has = [&](const std::string& key, const std::string& value) {
    for (const auto& [k, v] : s.attributes)
      if (k == key) return v == value;
    return false;
  };
  EXPECT_TRUE(has("conformance.P1", "1 passed, 0 failed, 0 skipped"));
  EXPECT_TRUE(has("conformance.P6", "0 passed, 0 failed, 1 skipped"));
  EXPECT_TRUE(has("conformance.skip_reasons", "1x x"));
  EXPECT_TRUE(has("conformance.total", "1 passed, 0 failed, 1 skipped"));
  EXPECT_TRUE(has("conformance.verdict", "pass"));
}

TEST(ExpectedSkips, OneTestAndItsReasonPerLine) {
  const auto list = parse_expected_skips(
      "# the refserver's skips\n\nP5Coherency.FtpTypeA   FEAT does not list  \n"
      "  Rfc9110Etag.Weak\tno weak ETag # why\n");
  ASSERT_EQ(list.size(), 2u);
  EXPECT_EQ(list[0].test, "P5Coherency.FtpTypeA");
  EXPECT_EQ(list[0].reason, "FEAT does not list");
  EXPECT_EQ(list[1].test, "Rfc9110Etag.Weak");
  EXPECT_EQ(list[1].reason, "no weak ETag");
  EXPECT_THROW(parse_expected_skips("P1FlatMemory.HttpGet\n"), std::invalid_argument);
}

}  // namespace
}  // namespace streamcheck::conformance
