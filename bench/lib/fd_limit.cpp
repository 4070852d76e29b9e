#include "bench/lib/fd_limit.hpp"

#include <sys/resource.h>

#include <cerrno>

#include "bench/lib/error.hpp"

namespace streamcheck::bench {
namespace {

// Written once by raise_fd_limit() before any child is started, read in children.
bool g_raised = false;
rlimit g_found{};

}  // namespace

FdLimits raise_fd_limit() {
  rlimit now{};
  if (::getrlimit(RLIMIT_NOFILE, &now) != 0) throw_errno(errno, "getrlimit", "RLIMIT_NOFILE");
  if (!g_raised) {
    g_found = now;
    g_raised = true;
    if (now.rlim_cur < now.rlim_max) {
      rlimit raised = now;
      raised.rlim_cur = now.rlim_max;
      if (::setrlimit(RLIMIT_NOFILE, &raised) == 0) now = raised;
    }
  }
  return {static_cast<std::uint64_t>(now.rlim_cur), static_cast<std::uint64_t>(now.rlim_max)};
}

void restore_fd_limit_in_child() {
  if (g_raised) ::setrlimit(RLIMIT_NOFILE, &g_found);
}

}  // namespace streamcheck::bench
