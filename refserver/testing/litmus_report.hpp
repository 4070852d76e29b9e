// What one litmus suite's output says (litmus 0.13, the WebDAV test suite: basic,
// copymove, props, locks, http), read from its stdout as a test sees it.
//
// Each test prints "N. name....." and then "pass", "FAIL (why)", "SKIPPED (why)" or
// "XFAIL"; a warning comes as "WARNING: text" before the test's result. Without a
// terminal the progress is printed twice ("3. foo.....  3. foo..... pass"), and a reason
// may run onto the next line. The suite ends with
//   <- summary for `basic': of 16 tests run: 16 passed, 0 failed. 100.0%
// where skipped tests are not counted as run. A test that finds a feature missing skips
// the rest of the suite (SKIPPED, then the summary at once), so a clean summary alone
// does not mean that every test ran: the last test of every suite is `finish`.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace streamcheck::testing {

struct LitmusReport {
  std::string suite;         // as the summary line names it
  std::string summary_line;  // "" when none was printed (litmus crashed or was stopped)
  int run = 0;
  int passed = 0;
  int failed = 0;
  std::string last_test;  // the name of the last test that started
  // "4. copy_overwrite: FAIL (COPY overwrites collection: 409 Conflict)", in order.
  std::vector<std::string> failures;
  std::vector<std::string> skips;     // "3. precond: SKIPPED (locking tests skipped, ...)"
  std::vector<std::string> warnings;  // "18. cond_put_corrupt_token: WARNING: PUT failed ..."

  // Why this is not a complete, clean run: no summary, a failure, a skip, a count that
  // does not add up, a suite that stopped before `finish`. Empty when all is well;
  // warnings are allowed.
  std::vector<std::string> problems() const;
};

// Reads the output of one suite's program (/usr/libexec/litmus/SUITE).
LitmusReport parse_litmus_output(std::string_view output);

}  // namespace streamcheck::testing
