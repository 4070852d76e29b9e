// Boost.Process v1 (header-only), included with its warnings kept out of our -Werror
// build. Include this instead of <boost/process/...> directly.
#pragma once

#include <signal.h>

#include <cstring>

#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wold-style-cast"
#pragma GCC diagnostic ignored "-Wshadow"
#pragma GCC diagnostic ignored "-Wunused-parameter"
#pragma GCC diagnostic ignored "-Wpedantic"
#include <boost/process/args.hpp>
#include <boost/process/child.hpp>
#include <boost/process/env.hpp>
#include <boost/process/environment.hpp>
#include <boost/process/exe.hpp>
#include <boost/process/extend.hpp>
#include <boost/process/io.hpp>
#include <boost/process/pipe.hpp>
#include <boost/process/search_path.hpp>
#pragma GCC diagnostic pop

namespace streamcheck::bench {

// For a child, between fork and exec (so only async-signal-safe calls): it starts with
// no signal blocked or ignored because the harness had it so (interrupt.hpp blocks
// SIGINT, SIGTERM and SIGHUP in every thread of the harness; a tool left so would outlive
// a Ctrl-C). Use as
//   bp::child c(exe, ..., bp::extend::on_exec_setup = [](auto&) { reset_signals_in_child(); });
inline void reset_signals_in_child() {
  sigset_t none;
  sigemptyset(&none);
  sigprocmask(SIG_SETMASK, &none, nullptr);
  struct sigaction dfl;
  std::memset(&dfl, 0, sizeof dfl);
  dfl.sa_handler = SIG_DFL;
  for (const int sig : {SIGPIPE, SIGTERM, SIGINT, SIGHUP, SIGCHLD, SIGQUIT, SIGUSR1, SIGUSR2})
    sigaction(sig, &dfl, nullptr);
}

}  // namespace streamcheck::bench
