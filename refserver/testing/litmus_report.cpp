#include "refserver/testing/litmus_report.hpp"

#include <algorithm>
#include <regex>
#include <sstream>

namespace streamcheck::testing {
namespace {

// A test's start, a result worth keeping, or the summary; the first that comes in a line.
const std::regex kToken(
    R"((\d+)\. ([A-Za-z0-9_]+))"
    R"(|\bFAIL(?:ED)?\b|\bSKIPPED\b|\bWARNING:)"
    R"(|<- summary for `([^']*)': of (\d+) tests? run: (\d+) passed, (\d+) failed)");

bool parentheses_open(const std::string& text) {
  return std::count(text.begin(), text.end(), '(') > std::count(text.begin(), text.end(), ')');
}

}  // namespace

LitmusReport parse_litmus_output(std::string_view output) {
  LitmusReport report;
  std::vector<std::string> lines;
  std::istringstream in{std::string(output)};
  for (std::string line; std::getline(in, line);) lines.push_back(line);

  std::string current = "?";  // "N. name" of the test under way
  for (size_t i = 0; i < lines.size(); ++i) {
    const std::string& line = lines[i];
    for (auto it = std::sregex_iterator(line.begin(), line.end(), kToken);
         it != std::sregex_iterator(); ++it) {
      const std::smatch& m = *it;
      if (m[1].matched) {
        current = m[1].str() + ". " + m[2].str();
        report.last_test = m[2].str();
        continue;
      }
      if (m[3].matched) {
        report.summary_line = line;
        report.suite = m[3].str();
        report.run = std::stoi(m[4].str());
        report.passed = std::stoi(m[5].str());
        report.failed = std::stoi(m[6].str());
        break;
      }
      // A result: its text runs to the end of the line, and on while a "(" is open
      // (litmus wraps some reasons).
      std::string text = line.substr(static_cast<size_t>(m.position(0)));
      while (parentheses_open(text) && i + 1 < lines.size()) text += " " + lines[++i];
      std::string entry = current + ": " + text;
      if (m.str(0) == "WARNING:")
        report.warnings.push_back(entry);
      else if (m.str(0) == "SKIPPED")
        report.skips.push_back(entry);
      else
        report.failures.push_back(entry);
      break;  // the rest of the line belongs to the result's text
    }
  }
  return report;
}

std::vector<std::string> LitmusReport::problems() const {
  std::vector<std::string> out;
  if (summary_line.empty()) {
    out.push_back("no summary line: the suite did not finish (last test started: " +
                  (last_test.empty() ? std::string("none") : last_test) + ")");
    return out;
  }
  if (failed > 0 || !failures.empty())
    out.push_back(std::to_string(failed) + " failed (" + std::to_string(failures.size()) +
                  " FAIL lines)");
  if (passed != run)
    out.push_back(std::to_string(passed) + " passed of " + std::to_string(run) + " run");
  if (!skips.empty())
    out.push_back(std::to_string(skips.size()) +
                  " skipped: a feature litmus looked for is missing");
  if (last_test != "finish")
    out.push_back("the suite stopped after `" + last_test + "`, before its last test `finish`");
  return out;
}

}  // namespace streamcheck::testing
