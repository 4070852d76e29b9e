// Ctrl-C in the middle of a run. Left to the default action, SIGINT (or SIGTERM, SIGHUP)
// ends the harness at once: no destructor runs, so a spawned server's temp root stays
// behind, and on tmpfs that is memory nobody gets back (a 1 GiB run leaves GiBs).
//
//   int main(int argc, char** argv) {
//     bench::cleanup_on_signals();   // first: threads started later inherit the mask
//     ...
//   }
//   OnInterrupt undo([=] { ... });    // while `undo` lives, an interrupt runs its function
//
// On such a signal a thread of its own runs the registered functions, newest first, says
// so on stderr, and ends the process by the same signal (the shell sees 130 for Ctrl-C).
// So does a SIGPIPE from writing to a closed stdout or stderr (`streambench | head`).
// Without cleanup_on_signals() registrations cost nothing and never run.
#pragma once

#include <functional>

namespace streamcheck::bench {

void cleanup_on_signals();

class OnInterrupt {
 public:
  explicit OnInterrupt(std::function<void()> undo);
  ~OnInterrupt();  // waits while an interrupt is running the functions, then unregisters
  OnInterrupt(const OnInterrupt&) = delete;
  OnInterrupt& operator=(const OnInterrupt&) = delete;

 private:
  unsigned long id_;
};

}  // namespace streamcheck::bench
