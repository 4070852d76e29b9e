// The run's verdict per property and per RFC: what passed, failed, and what was not
// tested at all. A property whose every test skipped was not judged, and says so with
// the first reason; a run that tested nothing is never green.
#pragma once

#include <set>
#include <string>
#include <vector>

namespace streamcheck::conformance {

struct Outcome {
  enum class Result { passed, failed, skipped };
  std::string suite;  // "P1FlatMemory", "Rfc959Login", "Security", ...
  std::string name;
  Result result = Result::passed;
  std::string skip_reason;  // the GTEST_SKIP() message, when skipped
};

// The group a test suite reports under: "P1".."P7" for the properties, "Rfc959",
// "Rfc9110", ... for the RFCs, else the suite's name ("BadInput", "Security").
std::string group_of(const std::string& suite);

struct Summary {
  std::string text;  // one line per group, then the totals
  // 0: no failure, something tested, every required group tested; 1: a test failed;
  // 2: a required group (or the whole run) tested nothing.
  int status = 0;
};

// `required`: groups that must have run at least one test (--require P1,P2,...).
Summary summarize(const std::vector<Outcome>& outcomes, const std::set<std::string>& required);

// The outcomes of the tests GoogleTest ran in this process.
std::vector<Outcome> outcomes_of_this_run();

}  // namespace streamcheck::conformance
