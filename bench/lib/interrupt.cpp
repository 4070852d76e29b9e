#include "bench/lib/interrupt.hpp"

#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <unistd.h>

#include <atomic>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <map>
#include <mutex>
#include <thread>

namespace streamcheck::bench {
namespace {

struct Registry {
  std::mutex mu;
  unsigned long next = 0;
  std::map<unsigned long, std::function<void()>> undo;  // by registration order
};

pthread_t signal_thread;
// Set by a SIGPIPE handler on whichever thread wrote and read by the signal thread: an
// atomic (lock-free, so safe in a handler), not a volatile sig_atomic_t, which orders
// nothing between threads (ThreadSanitizer reported the race).
std::atomic<bool> output_closed{false};

Registry& registry() {
  static Registry* r = new Registry();  // never destroyed: the signal thread may outlive main
  return *r;
}

sigset_t stop_signals() {
  sigset_t set;
  sigemptyset(&set);
  for (const int sig : {SIGINT, SIGTERM, SIGHUP}) sigaddset(&set, sig);
  return set;
}

// SIGPIPE comes to the thread that wrote. Only a closed stdout or stderr (`streambench |
// head`) ends the run: the signal thread is told to, as for SIGTERM. Any other pipe's
// writer gets its EPIPE and handles it.
void on_sigpipe(int) {
  pollfd fds[2] = {{STDOUT_FILENO, 0, 0}, {STDERR_FILENO, 0, 0}};
  if (::poll(fds, 2, 0) > 0 && ((fds[0].revents | fds[1].revents) & POLLERR) && !output_closed) {
    output_closed = true;
    ::pthread_kill(signal_thread, SIGTERM);
  }
}

[[noreturn]] void on_signal(int sig) {
  if (output_closed) sig = SIGPIPE;
  auto& r = registry();
  // Held to the end: a destructor unregistering meanwhile waits instead of racing.
  r.mu.lock();
  if (!r.undo.empty()) {
    std::fprintf(stderr, "interrupted (%s): stopping what this run started\n", ::strsignal(sig));
    std::fflush(nullptr);
    // The other threads go on until the end: what they would print now (transfers failing
    // as the server stops) is noise, not news.
    if (const int null = ::open("/dev/null", O_WRONLY | O_CLOEXEC); null >= 0) {
      ::dup2(null, STDOUT_FILENO);
      ::dup2(null, STDERR_FILENO);
    }
  }
  for (auto it = r.undo.rbegin(); it != r.undo.rend(); ++it) {
    try {
      it->second();
    } catch (...) {
      // Best effort: the next one still runs.
    }
  }
  std::fflush(nullptr);
  std::signal(sig, SIG_DFL);
  const sigset_t set = stop_signals();
  ::pthread_sigmask(SIG_UNBLOCK, &set, nullptr);
  ::raise(sig);
  std::_Exit(128 + sig);  // the signal is ignored by the default action: end anyway
}

}  // namespace

void cleanup_on_signals() {
  static std::once_flag once;
  std::call_once(once, [] {
    const sigset_t set = stop_signals();
    ::pthread_sigmask(SIG_BLOCK, &set, nullptr);
    std::thread waiter([set] {
      int sig = 0;
      while (::sigwait(&set, &sig) != 0) {
      }
      on_signal(sig);
    });
    signal_thread = waiter.native_handle();
    waiter.detach();
    struct sigaction pipe {};
    pipe.sa_handler = on_sigpipe;
    sigemptyset(&pipe.sa_mask);
    ::sigaction(SIGPIPE, &pipe, nullptr);
  });
}

OnInterrupt::OnInterrupt(std::function<void()> undo) {
  auto& r = registry();
  std::lock_guard lock(r.mu);
  id_ = r.next++;
  r.undo.emplace(id_, std::move(undo));
}

OnInterrupt::~OnInterrupt() {
  auto& r = registry();
  std::lock_guard lock(r.mu);
  r.undo.erase(id_);
}

}  // namespace streamcheck::bench
