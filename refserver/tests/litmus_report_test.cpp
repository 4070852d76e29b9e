// parse_litmus_output on what litmus 0.13 printed (stdout to a file, no terminal) against
// Apache's mod_dav (clean, with warnings) and nginx's dav + dav-ext (failures, skips,
// a suite cut short by a missing feature).
#include "refserver/testing/litmus_report.hpp"

#include <gtest/gtest.h>

namespace streamcheck::testing {
namespace {

using Lines = std::vector<std::string>;

const char* kApacheHttp =
    "-> running `http':\n"
    " 0. init..................  0. init.................. pass\n"
    " 1. begin.................  1. begin................. pass\n"
    " 2. expect100.............  2. expect100............. pass\n"
    " 3. finish................  3. finish................ pass\n"
    "<- summary for `http': of 4 tests run: 4 passed, 0 failed. 100.0%\n";

const char* kApacheLocksTail =
    "-> running `locks':\n"
    "17. cond_put_with_not..... 17. cond_put_with_not..... pass\n"
    "18. cond_put_corrupt_token WARNING: PUT failed with 400 not 423\n"
    "    ...................... pass (with 1 warning)\n"
    "    ...................... 19. complex_cond_put...... pass\n"
    "38. unmapped_lock......... WARNING: LOCK on unmapped url returned 200 not 201 "
    "(RFC4918:S7.3)\n"
    "    ...................... pass (with 1 warning)\n"
    "    ...................... 39. unlock................ pass\n"
    "40. finish................ 40. finish................ pass\n"
    "<- summary for `locks': of 41 tests run: 41 passed, 0 failed. 100.0%\n"
    "-> 2 warnings were issued.\n";

const char* kNginxCopymove =
    "-> running `copymove':\n"
    " 3. copy_simple........... WARNING: COPY to new resource should give 201 "
    "(RFC2518:S8.8.5)\n"
    "    ...................... pass (with 1 warning)\n"
    "    ......................  4. copy_overwrite........ FAIL (COPY overwrites collection: "
    "409 Conflict)\n"
    " 9. move.................. WARNING: MOVE to new resource didn't give 201\n"
    "    ...................... FAIL (MOVE overwrites collection `/litmus/movecoll/' to "
    "`/litmus/movedest': 409 Conflict)\n"
    "    ...................... 10. move_coll............. FAIL (MOVE collection "
    "`/litmus/mvdest2/' over non-collection `/litmus/mvnoncoll' with overwrite: 409 "
    "Conflict)\n"
    "12. finish................ 12. finish................ pass\n"
    "<- summary for `copymove': of 13 tests run: 10 passed, 3 failed. 76.9%\n"
    "-> 3 warnings were issued.\n";

const char* kNginxLocks =
    "-> running `locks':\n"
    " 2. options............... WARNING: server does not claim Class 2 compliance\n"
    "    ...................... pass (with 1 warning)\n"
    "    ......................  3. precond............... SKIPPED (locking tests skipped,\n"
    "server does not claim Class 2 compliance)\n"
    "-> 1 test was skipped.\n"
    "<- summary for `locks': of 3 tests run: 3 passed, 0 failed. 100.0%\n"
    "-> 1 warning was issued.\n";

const char* kNginxProps =
    "-> running `props':\n"
    " 3. propfind_invalid2.....  3. propfind_invalid2..... FAIL (PROPFIND with invalid "
    "namespace declaration in body (see FAQ) got 207 response not 400)\n"
    " 7. propget...............  7. propget............... SKIPPED\n"
    "29. finish................ 29. finish................ pass\n"
    "-> 1 test was skipped.\n"
    "<- summary for `props': of 29 tests run: 28 passed, 1 failed. 96.6%\n";

TEST(LitmusReport, CleanSuiteHasNoProblems) {
  LitmusReport r = parse_litmus_output(kApacheHttp);
  EXPECT_EQ(r.suite, "http");
  EXPECT_EQ(r.run, 4);
  EXPECT_EQ(r.passed, 4);
  EXPECT_EQ(r.failed, 0);
  EXPECT_EQ(r.last_test, "finish");
  EXPECT_TRUE(r.failures.empty());
  EXPECT_TRUE(r.skips.empty());
  EXPECT_TRUE(r.problems().empty());
}

TEST(LitmusReport, WarningsAreKeptButAllowed) {
  LitmusReport r = parse_litmus_output(kApacheLocksTail);
  EXPECT_EQ(r.warnings, Lines({"18. cond_put_corrupt_token: WARNING: PUT failed with 400 not 423",
                               "38. unmapped_lock: WARNING: LOCK on unmapped url returned 200 not "
                               "201 (RFC4918:S7.3)"}));
  EXPECT_EQ(r.run, 41);
  EXPECT_TRUE(r.problems().empty());
}

TEST(LitmusReport, FailuresNameTheirTestEvenOnAContinuationLine) {
  LitmusReport r = parse_litmus_output(kNginxCopymove);
  EXPECT_EQ(r.failed, 3);
  ASSERT_EQ(r.failures.size(), 3u);
  EXPECT_EQ(r.failures[0], "4. copy_overwrite: FAIL (COPY overwrites collection: 409 Conflict)");
  EXPECT_EQ(r.failures[1].rfind("9. move: FAIL (MOVE overwrites collection", 0), 0u)
      << r.failures[1];
  EXPECT_EQ(r.failures[2].rfind("10. move_coll: FAIL (MOVE collection", 0), 0u) << r.failures[2];
  EXPECT_EQ(r.warnings.size(), 2u);
  EXPECT_FALSE(r.problems().empty());
}

TEST(LitmusReport, ASuiteCutShortBySkippingTheRestIsAProblem) {
  LitmusReport r = parse_litmus_output(kNginxLocks);
  // The summary alone looks clean: 3 of 3 passed.
  EXPECT_EQ(r.run, 3);
  EXPECT_EQ(r.passed, 3);
  EXPECT_EQ(r.skips, Lines({"3. precond: SKIPPED (locking tests skipped, server does not "
                            "claim Class 2 compliance)"}));
  EXPECT_EQ(r.last_test, "precond");
  EXPECT_EQ(r.problems().size(), 2u);  // a skip, and no `finish`
}

TEST(LitmusReport, NestedParenthesesStayInOneReasonAndASkipCounts) {
  LitmusReport r = parse_litmus_output(kNginxProps);
  EXPECT_EQ(r.failures, Lines({"3. propfind_invalid2: FAIL (PROPFIND with invalid "
                               "namespace declaration in body (see FAQ) got 207 "
                               "response not 400)"}));
  EXPECT_EQ(r.skips, Lines({"7. propget: SKIPPED"}));
  EXPECT_EQ(r.last_test, "finish");
  EXPECT_EQ(r.problems().size(), 3u);  // failed, passed != run, a skip
}

TEST(LitmusReport, OutputWithoutASummaryIsAProblem) {
  std::string cut = kApacheHttp;
  cut.resize(cut.find("<- summary"));
  LitmusReport r = parse_litmus_output(cut);
  EXPECT_TRUE(r.summary_line.empty());
  ASSERT_EQ(r.problems().size(), 1u);
  EXPECT_NE(r.problems()[0].find("last test started: finish"), std::string::npos);
}

}  // namespace
}  // namespace streamcheck::testing
