// The one error type of bench/lib.
//
// Everything here that can fail throws streamcheck::bench::Error (or a subclass that
// carries more detail, like LaunchError) with a message that says what was being done,
// on what, and why it failed, e.g.
//   invalid size "12XB": unknown unit "XB" (use B, KiB, MiB, GiB, TiB, kB, MB, GB, TB)
//   open(/proc/123/io): Permission denied
// The harness is a client tool, not a server: a failed measurement must stop the run (or
// the one benchmark) loudly, and exceptions give that with the least ceremony. Things
// that are normal rather than failures are not thrown: a process that exits while it is
// being read is reported as std::nullopt or skipped, as each function documents.
// errno is turned into text in exactly one place: errno_message().
#pragma once

#include <stdexcept>
#include <string>
#include <string_view>

namespace streamcheck::bench {

class Error : public std::runtime_error {
 public:
  explicit Error(const std::string& message) : std::runtime_error(message) {}
};

// "CALL(WHAT): strerror(err)", e.g. "open(/proc/12/io): Permission denied".
std::string errno_message(int err, std::string_view call, std::string_view what);

// Throws Error(errno_message(err, call, what)).
[[noreturn]] void throw_errno(int err, std::string_view call, std::string_view what);

}  // namespace streamcheck::bench
