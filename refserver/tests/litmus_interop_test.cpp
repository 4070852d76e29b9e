// litmus, the WebDAV test suite (RFC 4918 class 1 and 2), against a real server: one test
// per litmus suite (basic, copymove, props, locks, http), each on its own server and
// root, so that ctest runs them side by side (interop.litmus.SUITE). Each suite must run
// to its end with every test passed, none failed and none skipped for a missing feature;
// warnings are allowed and printed. litmus writes debug.log (its HTTP trace) and
// child.log into its working directory: the test's scratch directory, whose debug.log
// tail a failure shows.
#include <gtest/gtest.h>

#include <filesystem>
#include <string>

#include "refserver/testing/client_run.hpp"
#include "refserver/testing/interop_server.hpp"
#include "refserver/testing/litmus_report.hpp"

namespace streamcheck {
namespace {

using namespace std::chrono_literals;

// Where Debian's litmus keeps its suite programs (the litmus script's TESTROOT) and the
// files it PUTs (HTDOCS).
const std::filesystem::path kSuites = "/usr/libexec/litmus";
const std::filesystem::path kHtdocs = "/usr/share/litmus/htdocs";

std::string joined(const std::vector<std::string>& lines) {
  std::string out;
  for (const auto& line : lines) out += "  " + line + "\n";
  return out;
}

class Litmus : public ::testing::TestWithParam<std::string> {};

TEST_P(Litmus, SuitePassesWholeWithNothingSkipped) {
  const std::string suite = GetParam();
  const std::filesystem::path program = kSuites / suite;
  ASSERT_TRUE(std::filesystem::exists(program))
      << program << " is missing: install the Debian package litmus (scripts/setup does)";

  testing::ScratchDir dir("litmus-" + suite);
  testing::InteropServer server;
  ASSERT_TRUE(server.http()) << server.name() << " offers no HTTP";
  const bench::Url& http = *server.http();

  const auto out = dir / "litmus.out";
  const std::string command = "cd " + testing::shell_quote(dir.path().string()) + " && " +
                              testing::shell_quote(program.string()) + " --htdocs " +
                              testing::shell_quote(kHtdocs.string()) + " " +
                              testing::shell_quote(testing::InteropServer::without_userinfo(http)) +
                              " " + testing::shell_quote(http.user) + " " +
                              testing::shell_quote(http.password);
  const int status = testing::run_logged(command, out, 240s);

  const testing::LitmusReport report = testing::parse_litmus_output(testing::read_small_file(out));
  const std::string where = suite + " against " + server.name() + ": " +
                            (report.summary_line.empty() ? "(no summary)" : report.summary_line);
  if (!report.warnings.empty())
    std::printf("%s\n%zu warnings (allowed):\n%s", where.c_str(), report.warnings.size(),
                joined(report.warnings).c_str());
  const auto problems = report.problems();
  EXPECT_TRUE(problems.empty()) << where << "\n"
                                << joined(problems) << "failed:\n"
                                << joined(report.failures) << "skipped:\n"
                                << joined(report.skips) << "the end of debug.log:\n"
                                << testing::tail_of(dir / "debug.log", 40);
  // litmus exits non-zero on any failure; a clean report with a bad status is a crash
  // after the summary, or the time limit.
  if (problems.empty()) {
    EXPECT_EQ(status, 0) << where << "\nthe end of its output:\n" << testing::tail_of(out, 20);
  }
}

INSTANTIATE_TEST_SUITE_P(Interop, Litmus,
                         ::testing::Values("basic", "copymove", "props", "locks", "http"),
                         [](const auto& param_info) { return param_info.param; });

}  // namespace
}  // namespace streamcheck
