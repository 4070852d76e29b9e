#include "bench/lib/boost_process.hpp"

#include <gtest/gtest.h>
#include <pthread.h>

#include <string>

namespace streamcheck::bench {
namespace {

namespace bp = boost::process;

// The SigBlk line of a `grep` started from a thread that blocks SIGINT, SIGTERM, SIGHUP
// (as every thread of the harness does), with or without reset_signals_in_child().
std::string blocked_in_child(bool reset) {
  sigset_t block, old;
  sigemptyset(&block);
  for (const int sig : {SIGINT, SIGTERM, SIGHUP}) sigaddset(&block, sig);
  ::pthread_sigmask(SIG_BLOCK, &block, &old);
  bp::ipstream out;
  const auto exe = bp::search_path("grep");
  const auto args = bp::args({"SigBlk", "/proc/self/status"});
  bp::child child = reset ? bp::child(
                                exe, args, bp::std_out > out,
                                bp::extend::on_exec_setup = [](auto&) { reset_signals_in_child(); })
                          : bp::child(exe, args, bp::std_out > out);
  std::string line;
  std::getline(out, line);
  child.wait();
  ::pthread_sigmask(SIG_SETMASK, &old, nullptr);
  return line;
}

TEST(ResetSignalsInChild, TheChildStartsWithNothingBlocked) {
  EXPECT_EQ(blocked_in_child(true), "SigBlk:\t0000000000000000");
  // Without it the child inherits the mask: what the reset is for.
  EXPECT_NE(blocked_in_child(false), "SigBlk:\t0000000000000000");
}

}  // namespace
}  // namespace streamcheck::bench
