// The verdict lines and the exit status: a property whose every test skipped is "not
// tested", never a pass; a run that tested nothing is not green.
#include "conformance/summary.hpp"

#include <gtest/gtest.h>

#include <sstream>

namespace streamcheck::conformance {
namespace {

using R = Outcome::Result;

Outcome make(const std::string& suite, R r, const std::string& why = "") {
  return {suite, suite + ".T", r, why};
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
                           {});
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
  auto s = summarize(run, {"P6"});
  EXPECT_EQ(s.status, 2) << s.text;
  EXPECT_NE(s.text.find("required but not tested: P6"), std::string::npos) << s.text;
  s = summarize(run, {"P7"});  // not even selected
  EXPECT_EQ(s.status, 2) << s.text;
  EXPECT_NE(s.text.find("P7 unknown length: not tested: no test of it was selected"),
            std::string::npos)
      << s.text;
  EXPECT_EQ(summarize(run, {"P1"}).status, 0);
}

TEST(ConformanceSummary, NothingTestedIsNotAPassAndAFailureWins) {
  auto s =
      summarize({make("P1FlatMemory", R::skipped, "x"), make("Rfc959Login", R::skipped, "y")}, {});
  EXPECT_EQ(s.status, 2) << s.text;
  EXPECT_NE(s.text.find("nothing was tested: not a pass"), std::string::npos) << s.text;
  EXPECT_EQ(summarize({}, {}).status, 2);
  s = summarize({make("P2NoCopies", R::failed), make("P6AtomicCommit", R::skipped, "z")}, {"P6"});
  EXPECT_EQ(s.status, 1) << s.text;
  EXPECT_NE(s.text.find("1 failed, 0 skipped  FAIL"), std::string::npos) << s.text;
}

}  // namespace
}  // namespace streamcheck::conformance
