// Starting a server under test and stopping it again, leaving nothing behind.
//
// The harness judges any server from outside; all it needs is a command that starts
// the server and prints a ready line (ready_line.hpp) on stdout, like
//   refserver --http 0 --ftp 0 --root /tmp/x
//   scripts/peers/nginx
// ServerProcess::launch() runs the command (Boost.Process), reads its stdout line by line
// until the ready line, and from then on keeps draining the command's stdout and stderr
// on a thread, so the server never blocks on a full pipe; the last 4 KiB of each are
// kept for error messages.
//
// Child subreaper: launch() makes the harness process a child subreaper
// (prctl(PR_SET_CHILD_SUBREAPER), once per process, never undone). Forking servers can
// lose a session's io counters when a transfer child outlives its parent and is
// re-parented to init, out of the server's tree (seen with vsftpd); as a subreaper the
// harness adopts such orphans instead, so the probe still finds them and stop() can kill
// and reap them. The cost: any orphaned descendant of the harness becomes its child, and
// stays a zombie until someone reaps it; stop() reaps those of the server's tree.
//
// Process group: the server runs in a process group of its own (its PID is the group's
// id). Everything it forks stays in that group unless it leaves on purpose (setsid), so
// stop() finds every process of the server, orphans included, by scanning for the group
// as well as by following the process tree. (The output thread also follows the tree
// every 200 ms with a proc::TreeTracker, nearly free while no process is created, so
// that processes that leave the group are known too.)
//
// Stopping (stop() or the destructor): SIGTERM to every process of the server (the group
// and the tree, processes that appear meanwhile too), a grace period for all of them to
// exit, then SIGKILL to whatever is left, and every one reaped that is ours to reap.
// Processes are named by PID and start time, so a reused PID is never signalled.
//
// If the harness dies without stopping the server (a crash, SIGKILL, Ctrl-C: being in its
// own group, the server does not get the terminal's SIGINT), the launched process gets
// LaunchOptions::parent_death_signal (SIGTERM by default) from the kernel.
#pragma once

#include <signal.h>
#include <sys/types.h>

#include <chrono>
#include <filesystem>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "bench/lib/error.hpp"
#include "bench/lib/ready_line.hpp"

namespace streamcheck::bench {

// What to run.
struct Command {
  std::vector<std::string> argv;  // argv[0]: a path, or a name looked up in PATH
  std::string display;            // how messages show the command

  // `/bin/sh -c script`: pipes, redirections, `exec`, `$$` as in a shell.
  static Command shell(std::string script);
  // The program and its arguments, with no shell in between. Throws Error if empty.
  static Command exec(std::vector<std::string> argv);
};

struct LaunchOptions {
  std::chrono::milliseconds ready_timeout{20'000};
  std::chrono::milliseconds stop_grace{5'000};  // SIGTERM to SIGKILL
  // Added to (or replacing entries of) the harness's environment.
  std::vector<std::pair<std::string, std::string>> env;
  std::filesystem::path working_dir;  // empty: the harness's
  bool echo_output = false;           // also copy the server's stdout and stderr to ours
  // Sent by the kernel to the launched process when the thread that launched it ends
  // (prctl(PR_SET_PDEATHSIG)), so a harness that dies does not leave a server behind.
  // Note it is the launching *thread*: launch from a thread that outlives the server
  // (the main thread, say), or set 0 to turn this off.
  int parent_death_signal = SIGTERM;
};

// How the launched process ended.
struct ExitStatus {
  bool exited = false;  // exited normally, with `code`
  int code = 0;
  int signal = 0;          // killed by this signal (when !exited)
  bool known = true;       // false if the status could not be collected (reaped elsewhere)
  bool sent_kill = false;  // the grace period ran out and stop() sent SIGKILL

  bool clean() const { return known && exited && code == 0; }
  // "exited with status 0", "killed by signal 9 (SIGKILL) after the 5000 ms grace period"
  std::string to_string() const;
};

class LaunchError : public Error {
 public:
  enum class Kind {
    spawn_failed,    // the program could not be started
    exited,          // it ended before printing a ready line
    closed_stdout,   // it closed its stdout without printing a ready line
    timeout,         // no ready line within the timeout
    bad_ready_line,  // it printed a line starting with the prefix that did not parse
  };
  LaunchError(Kind kind, const std::string& message, std::string stderr_tail)
      : Error(message), kind_(kind), stderr_tail_(std::move(stderr_tail)) {}
  Kind kind() const { return kind_; }
  // The last few KiB of what the command wrote to stderr (also in what()).
  const std::string& stderr_tail() const { return stderr_tail_; }

 private:
  Kind kind_;
  std::string stderr_tail_;
};

// One running server. Not thread-safe: use it from one thread at a time.
class ServerProcess {
 public:
  // Starts `command` and waits for its ready line. On any failure the process and its
  // descendants are stopped (as stop() does) before LaunchError is thrown; its message
  // names the command, what went wrong, the exit status if it ended, and the tail of
  // its stderr.
  static std::unique_ptr<ServerProcess> launch(const Command& command,
                                               const LaunchOptions& options = {});

  // Stops the server if still running (see stop()); never throws.
  ~ServerProcess();
  ServerProcess(const ServerProcess&) = delete;
  ServerProcess& operator=(const ServerProcess&) = delete;

  const ReadyLine& ready() const;
  // The launched process (a launcher script, or the server itself).
  pid_t pid() const;
  // The process to probe, as the ready line names it.
  pid_t server_pid() const { return ready().pid; }

  // Whether the launched process is still running (reaps it if it has ended).
  bool running();

  // Stops the launched process and its descendants: SIGTERM, up to `grace` (the
  // options' stop_grace by default) for all of them to exit, SIGKILL to the rest; reaps.
  // Returns how the launched process ended. Idempotent: later calls return the same.
  ExitStatus stop();
  ExitStatus stop(std::chrono::milliseconds grace);

  // The last few KiB the command wrote to each stream, so far.
  std::string stderr_tail() const;
  std::string stdout_tail() const;

  const Command& command() const;

  struct Impl;  // in launcher.cpp

 private:
  explicit ServerProcess(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

// Makes this process a child subreaper (see the top of this file). Called by launch();
// idempotent. Throws Error if prctl fails.
void become_child_subreaper();

}  // namespace streamcheck::bench
