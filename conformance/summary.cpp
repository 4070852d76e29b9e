#include "conformance/summary.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <map>

namespace streamcheck::conformance {
namespace {

// What the properties are called in DESIGN.md.
const std::map<std::string, std::string>& property_titles() {
  static const std::map<std::string, std::string> titles{
      {"P1", "flat memory"},    {"P2", "no copies"}, {"P3", "first byte at once"},
      {"P4", "no fd leaks"},    {"P5", "coherency"}, {"P6", "atomic commit"},
      {"P7", "unknown length"},
  };
  return titles;
}

struct Tally {
  int passed = 0, failed = 0, skipped = 0;
  std::string first_skip;
};

std::string label(const std::string& group) {
  const auto& titles = property_titles();
  if (const auto it = titles.find(group); it != titles.end()) return group + " " + it->second;
  if (group.starts_with("Rfc")) return "RFC " + group.substr(3);
  return group;
}

// Properties first, in order, then the RFCs and the rest by name.
bool before(const std::string& a, const std::string& b) {
  const bool pa = property_titles().contains(a), pb = property_titles().contains(b);
  if (pa != pb) return pa;
  return a < b;
}

std::string line_for(const std::string& group, const Tally& t) {
  char head[64];
  std::snprintf(head, sizeof head, "  %-22s ", label(group).c_str());
  if (t.passed + t.failed == 0)
    return head + std::string("not tested: ") + std::to_string(t.skipped) + " skipped (" +
           t.first_skip + ")";
  std::string out = head + std::to_string(t.passed) + " passed, " + std::to_string(t.failed) +
                    " failed, " + std::to_string(t.skipped) + " skipped";
  if (t.failed) out += "  FAIL";
  return out;
}

}  // namespace

std::string group_of(const std::string& suite) {
  if (suite.size() >= 2 && suite[0] == 'P' && std::isdigit(static_cast<unsigned char>(suite[1])))
    return suite.substr(0, 2);
  if (suite.starts_with("Rfc")) {
    std::size_t end = 3;
    while (end < suite.size() && std::isdigit(static_cast<unsigned char>(suite[end]))) ++end;
    return suite.substr(0, end);
  }
  return suite;
}

Summary summarize(const std::vector<Outcome>& outcomes, const std::set<std::string>& required) {
  std::map<std::string, Tally> groups;
  Tally all;
  for (const auto& o : outcomes) {
    for (Tally* t : {&groups[group_of(o.suite)], &all}) {
      switch (o.result) {
        case Outcome::Result::passed:
          ++t->passed;
          break;
        case Outcome::Result::failed:
          ++t->failed;
          break;
        case Outcome::Result::skipped:
          ++t->skipped;
          if (t->first_skip.empty()) t->first_skip = o.name + ": " + o.skip_reason;
          break;
      }
    }
  }
  std::vector<std::string> order;
  for (const auto& [group, tally] : groups) order.push_back(group);
  for (const auto& group : required)
    if (!groups.contains(group)) order.push_back(group);
  std::sort(order.begin(), order.end(), before);

  Summary s;
  s.text = "conformance: verdict by property and RFC\n";
  std::vector<std::string> untested_required;
  for (const auto& group : order) {
    const auto it = groups.find(group);
    if (it == groups.end()) {
      s.text += "  " + label(group) + ": not tested: no test of it was selected\n";
    } else {
      s.text += line_for(group, it->second) + "\n";
    }
    if (required.contains(group) &&
        (it == groups.end() || it->second.passed + it->second.failed == 0))
      untested_required.push_back(group);
  }
  s.text += "conformance: " + std::to_string(all.passed) + " passed, " +
            std::to_string(all.failed) + " failed, " + std::to_string(all.skipped) +
            " skipped of " + std::to_string(outcomes.size()) + " selected";
  if (all.failed) {
    s.status = 1;
  } else if (all.passed == 0) {
    s.text += "; nothing was tested: not a pass";
    s.status = 2;
  }
  if (!untested_required.empty()) {
    s.text += "; required but not tested:";
    for (const auto& g : untested_required) s.text += " " + g;
    if (s.status == 0) s.status = 2;
  }
  s.text += "\n";
  return s;
}

std::vector<Outcome> outcomes_of_this_run() {
  std::vector<Outcome> out;
  const auto& unit = *::testing::UnitTest::GetInstance();
  for (int i = 0; i < unit.total_test_suite_count(); ++i) {
    const auto& suite = *unit.GetTestSuite(i);
    for (int j = 0; j < suite.total_test_count(); ++j) {
      const auto& info = *suite.GetTestInfo(j);
      if (!info.should_run()) continue;
      const auto& result = *info.result();
      Outcome o;
      o.suite = suite.name();
      o.name = std::string(suite.name()) + "." + info.name();
      if (result.Failed()) {
        o.result = Outcome::Result::failed;
      } else if (result.Skipped()) {
        o.result = Outcome::Result::skipped;
        for (int k = 0; k < result.total_part_count(); ++k) {
          const auto& part = result.GetTestPartResult(k);
          if (part.skipped()) {
            o.skip_reason = part.message();
            break;
          }
        }
      }
      out.push_back(std::move(o));
    }
  }
  // A failure outside any test (the environment's SetUp: the target unreachable) fails
  // the run even when every test then skipped.
  if (unit.ad_hoc_test_result().Failed())
    out.push_back({"Environment", "Environment.SetUp", Outcome::Result::failed, ""});
  return out;
}

}  // namespace streamcheck::conformance
