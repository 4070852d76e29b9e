#include "conformance/summary.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <map>
#include <stdexcept>
#include <string_view>

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

std::vector<ExpectedSkip> parse_expected_skips(const std::string& text) {
  std::vector<ExpectedSkip> out;
  std::size_t line_no = 0;
  std::size_t pos = 0;
  while (pos <= text.size()) {
    const auto end = std::min(text.find('\n', pos), text.size());
    std::string line = text.substr(pos, end - pos);
    pos = end + 1;
    ++line_no;
    if (const auto hash = line.find('#'); hash != std::string::npos) line.erase(hash);
    const auto first = line.find_first_not_of(" \t\r");
    if (first == std::string::npos) continue;
    const auto gap = line.find_first_of(" \t", first);
    const auto reason = gap == std::string::npos ? gap : line.find_first_not_of(" \t\r", gap);
    if (reason == std::string::npos)
      throw std::invalid_argument("line " + std::to_string(line_no) + ": \"" + line +
                                  "\" names a test but not the words of its skip reason");
    auto last = line.find_last_not_of(" \t\r");
    out.push_back({line.substr(first, gap - first), line.substr(reason, last + 1 - reason)});
  }
  return out;
}

namespace {

// The skips against the expected list: lines naming each difference.
std::vector<std::string> skip_differences(const std::vector<Outcome>& outcomes,
                                          const std::vector<ExpectedSkip>& expected) {
  std::vector<std::string> out;
  for (const auto& o : outcomes) {
    const auto it = std::find_if(expected.begin(), expected.end(),
                                 [&](const ExpectedSkip& e) { return e.test == o.name; });
    const bool listed = it != expected.end();
    if (o.result == Outcome::Result::skipped) {
      if (!listed)
        out.push_back("unexpected skip: " + o.name + " (" + o.skip_reason + ")");
      else if (o.skip_reason.find(it->reason) == std::string::npos)
        out.push_back("skipped for another reason: " + o.name + " (" + o.skip_reason +
                      "; expected \"" + it->reason + "\")");
    } else if (listed) {
      out.push_back("expected to skip, but it ran and " +
                    std::string(o.result == Outcome::Result::passed ? "passed" : "failed") + ": " +
                    o.name + " (update the expected skips)");
    }
  }
  return out;
}

// "reason" -> the tests that skipped for it, in the order they ran.
std::vector<std::pair<std::string, std::vector<std::string>>> skips_by_reason(
    const std::vector<Outcome>& outcomes) {
  std::vector<std::pair<std::string, std::vector<std::string>>> out;
  for (const auto& o : outcomes) {
    if (o.result != Outcome::Result::skipped) continue;
    auto it = std::find_if(out.begin(), out.end(),
                           [&](const auto& entry) { return entry.first == o.skip_reason; });
    if (it == out.end()) it = out.insert(out.end(), {o.skip_reason, {}});
    it->second.push_back(o.name);
  }
  return out;
}

std::string tally_text(const Tally& t) {
  return std::to_string(t.passed) + " passed, " + std::to_string(t.failed) + " failed, " +
         std::to_string(t.skipped) + " skipped";
}

}  // namespace

Summary summarize(const std::vector<Outcome>& outcomes, const Rules& rules) {
  std::map<std::string, Tally> groups;
  Tally all;
  std::vector<std::string> warnings;
  for (const auto& o : outcomes) {
    for (const auto& w : o.warnings) warnings.push_back(o.name + ": " + w);
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
  for (const auto& group : rules.required)
    if (!groups.contains(group)) order.push_back(group);
  std::sort(order.begin(), order.end(), before);

  Summary s;
  s.text = "conformance: verdict by property and RFC\n";
  std::vector<std::string> untested_required;
  for (const auto& group : order) {
    const auto it = groups.find(group);
    if (it == groups.end()) {
      s.text += "  " + label(group) + ": not tested: no test of it was selected\n";
      s.attributes.emplace_back("conformance." + group, "not selected");
    } else {
      s.text += line_for(group, it->second) + "\n";
      s.attributes.emplace_back("conformance." + group, tally_text(it->second));
    }
    if (rules.required.contains(group) &&
        (it == groups.end() || it->second.passed + it->second.failed == 0))
      untested_required.push_back(group);
  }
  const auto by_reason = skips_by_reason(outcomes);
  if (!by_reason.empty()) {
    s.text += "conformance: skipped, by reason\n";
    std::string reasons;
    for (const auto& [reason, tests] : by_reason) {
      s.text += "  " + std::to_string(tests.size()) + "x " + reason + "\n    ";
      for (std::size_t i = 0; i < tests.size(); ++i) s.text += (i ? ", " : "") + tests[i];
      s.text += "\n";
      reasons += (reasons.empty() ? "" : "\n") + std::to_string(tests.size()) + "x " + reason;
    }
    s.attributes.emplace_back("conformance.skip_reasons", reasons);
  }
  if (!warnings.empty()) {
    s.text += "conformance: " + std::to_string(warnings.size()) +
              " SHOULD/MAY not met (warnings, not failures)\n";
    for (const auto& w : warnings) s.text += "  " + w.substr(0, w.find('\n')) + "\n";
  }
  std::vector<std::string> differences;
  if (rules.expected_skips) differences = skip_differences(outcomes, *rules.expected_skips);
  for (const auto& d : differences) s.text += "conformance: " + d + "\n";

  s.text += "conformance: " + tally_text(all) + " of " + std::to_string(outcomes.size()) +
            " selected, " + std::to_string(warnings.size()) + " warnings";
  if (all.failed || !differences.empty()) {
    s.status = 1;
    if (!differences.empty())
      s.text +=
          "; the skips differ from the expected list (" + std::to_string(differences.size()) + ")";
  } else if (all.passed == 0) {
    s.text += "; nothing was tested: not a pass";
    s.status = 2;
  }
  if (!untested_required.empty()) {
    s.text += "; required but not tested:";
    for (const auto& g : untested_required) s.text += " " + g;
    if (s.status == 0) s.status = 2;
  }
  if (rules.max_skips && all.skipped > *rules.max_skips) {
    s.text += "; " + std::to_string(all.skipped) + " skipped, more than --max-skips " +
              std::to_string(*rules.max_skips);
    if (s.status == 0) s.status = 2;
  }
  s.text += "\n";
  s.attributes.emplace_back("conformance.total", tally_text(all));
  s.attributes.emplace_back("conformance.warnings", std::to_string(warnings.size()));
  s.attributes.emplace_back("conformance.verdict", s.status == 0   ? "pass"
                                                   : s.status == 1 ? "fail"
                                                                   : "not tested enough");
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
      for (int k = 0; k < result.test_property_count(); ++k) {
        const auto& property = result.GetTestProperty(k);
        if (std::string_view(property.key()).starts_with("warning."))
          o.warnings.push_back(property.value());
      }
      out.push_back(std::move(o));
    }
  }
  // A failure outside any test (the environment's SetUp: the target unreachable) fails
  // the run even when every test then skipped.
  if (unit.ad_hoc_test_result().Failed())
    out.push_back({"Environment", "Environment.SetUp", Outcome::Result::failed, "", {}});
  return out;
}

}  // namespace streamcheck::conformance
