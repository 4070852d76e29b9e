// The run's verdict per property and per RFC: what passed, failed, and what was not
// tested at all. A property whose every test skipped was not judged, and says so with
// the first reason; a run that tested nothing is never green. Skips are counted and
// grouped by reason, SHOULD/MAY warnings counted, and a run may be held to an exact
// list of expected skips (a new skip is a failure, so a regression cannot hide as one).
#pragma once

#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

namespace streamcheck::conformance {

struct Outcome {
  enum class Result { passed, failed, skipped };
  std::string suite;  // "P1FlatMemory", "Rfc959Login", "Security", ...
  std::string name;
  Result result = Result::passed;
  std::string skip_reason;            // the GTEST_SKIP() message, when skipped
  std::vector<std::string> warnings;  // SHOULD / MAY not met (suite.hpp: check)
};

// The group a test suite reports under: "P1".."P7" for the properties, "Rfc959",
// "Rfc9110", ... for the RFCs, else the suite's name ("BadInput", "Security").
std::string group_of(const std::string& suite);

// A skip the run expects: the test and words its reason must contain.
struct ExpectedSkip {
  std::string test;    // "P5Coherency.FtpTypeA"
  std::string reason;  // "FEAT does not list"
};
// One per line: "Suite.Test  words of the reason"; blank lines and '#' comments skipped.
// Throws std::invalid_argument naming the line when a line has no reason.
std::vector<ExpectedSkip> parse_expected_skips(const std::string& text);

struct Rules {
  std::set<std::string> required;  // groups that must have run a test (--require)
  std::optional<int> max_skips;    // more skips than this: exit 2 (--max-skips)
  // When set, the skips must be exactly these (of the selected tests): a skip not in the
  // list, or a listed test that ran, fails the run (--expect-skips).
  std::optional<std::vector<ExpectedSkip>> expected_skips;
};

struct Summary {
  std::string text;  // one line per group, skips by reason, warnings, then the totals
  // 0: no failure, something tested, every rule met; 1: a test failed, or the skips
  // differ from the expected list; 2: a required group (or the whole run) tested
  // nothing, or more skips than allowed.
  int status = 0;
  // The same, as key/value pairs for the JUnit/JSON report ("conformance.P1": "3 passed,
  // 0 failed, 1 skipped", "conformance.verdict": "pass", ...).
  std::vector<std::pair<std::string, std::string>> attributes;
};

Summary summarize(const std::vector<Outcome>& outcomes, const Rules& rules);

// The outcomes of the tests GoogleTest ran in this process.
std::vector<Outcome> outcomes_of_this_run();

}  // namespace streamcheck::conformance
