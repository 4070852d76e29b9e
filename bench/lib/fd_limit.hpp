// The harness's own descriptor limit. A load run holds thousands of connections at once
// (each transfer its own, an FTP one two, and each curl handle that polls a wake-up pair
// of its own), far past the soft RLIMIT_NOFILE of 1024 that most shells give; the hard
// limit is the ceiling the administrator set, and raising the soft one to it needs no
// privilege.
//
// A server the harness starts gets back the soft limit the harness found
// (restore_fd_limit_in_child()): it is measured with the limit it would have had without
// the harness, so a server that needs more must raise its own, and a test of that can fail.
#pragma once

#include <cstdint>

namespace streamcheck::bench {

struct FdLimits {
  std::uint64_t soft = 0;
  std::uint64_t hard = 0;  // RLIM_INFINITY shows as UINT64_MAX
};

// Raises this process's soft RLIMIT_NOFILE to its hard limit (once: later calls return the
// limits now) and returns the limits after. Call it at start-up, before any thread or child
// exists. Throws Error when the limits cannot be read.
FdLimits raise_fd_limit();

// In a child between fork and exec (async-signal-safe): the soft limit the harness had
// before raise_fd_limit(); nothing when it was never raised.
void restore_fd_limit_in_child();

}  // namespace streamcheck::bench
