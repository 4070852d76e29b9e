#include "bench/lib/launcher.hpp"

#include <fcntl.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <mutex>
#include <optional>
#include <thread>

#include "bench/lib/boost_process.hpp"

#include "bench/lib/child_output.hpp"
#include "bench/lib/fd_limit.hpp"
#include "bench/lib/proc_tree.hpp"

namespace streamcheck::bench {
namespace bp = boost::process;
using Clock = std::chrono::steady_clock;
using Member = proc::TreeTracker::Member;

namespace {

// How often the output thread follows the server's process tree (to learn about
// processes that may later be orphaned and adopted by us).
constexpr std::chrono::milliseconds kTreeTick{200};

// In the child between fork and exec: only async-signal-safe calls. Gives the server a
// process group of its own, the parent-death signal, a clean start (no signals blocked
// or ignored because the harness had them so, no fd of the harness's: they would count
// against the server's descriptors and keep pipes open, and the descriptor limit the
// harness started with, not the one it raised for itself: fd_limit.hpp) and the working
// directory asked for. A failure is reported to Boost (which then fails the launch) and ends the
// child.
template <class Executor>
void prepare_child(Executor& exec, const char* working_dir, int death_signal, pid_t harness) {
  const auto fail = [&](const char* what) {
    exec.set_error(std::error_code(errno, std::system_category()), what);
    ::_exit(127);
  };
  if (::setpgid(0, 0) != 0) fail("setpgid");
  if (death_signal != 0) {
    if (::prctl(PR_SET_PDEATHSIG, death_signal) != 0) fail("prctl(PR_SET_PDEATHSIG)");
    if (::getppid() != harness) ::_exit(127);  // the harness is already gone
  }
  reset_signals_in_child();
  restore_fd_limit_in_child();
  if (::close_range(3, ~0U, CLOSE_RANGE_CLOEXEC) != 0) {
    for (int fd = 3; fd < 65536; ++fd) {
      const int flags = ::fcntl(fd, F_GETFD);
      if (flags >= 0) ::fcntl(fd, F_SETFD, flags | FD_CLOEXEC);
    }
  }
  if (working_dir[0] != '\0' && ::chdir(working_dir) != 0) fail("chdir to the working directory");
}

ExitStatus status_from_wait(int raw) {
  ExitStatus st;
  if (WIFEXITED(raw)) {
    st.exited = true;
    st.code = WEXITSTATUS(raw);
  } else if (WIFSIGNALED(raw)) {
    st.signal = WTERMSIG(raw);
  } else {
    st.known = false;  // Boost's "still running" marker: someone else reaped it
  }
  return st;
}

// Alive: /proc/PID is there, is the same process, and is not a zombie.
bool alive(const Member& m) {
  try {
    const auto st = proc::read_stat(m.pid);
    return st && st->start_ticks == m.start_ticks && !st->zombie();
  } catch (const Error&) {
    return true;  // unreadable: assume the worst
  }
}

// Reaps members that were adopted by us (we are a subreaper) and have ended.
void reap_adopted(const std::vector<Member>& members, pid_t launched) {
  const pid_t self = ::getpid();
  for (const auto& m : members) {
    if (m.pid == launched) continue;  // Boost's child object reaps that one
    try {
      const auto st = proc::read_stat(m.pid);
      if (st && st->zombie() && st->ppid == self && st->start_ticks == m.start_ticks) {
        ::waitpid(m.pid, nullptr, WNOHANG);
      }
    } catch (const Error&) {
    }
  }
}

std::string indent(const std::string& text) {
  std::string out = "  | ";
  for (const char c : text) {
    out += c;
    if (c == '\n') out += "  | ";
  }
  while (out.ends_with("  | ")) out.resize(out.size() - 4);
  if (!out.empty() && out.back() == '\n') out.pop_back();
  return out;
}

}  // namespace

Command Command::shell(std::string script) {
  Command c;
  c.display = "/bin/sh -c '" + script + "'";
  c.argv = {"/bin/sh", "-c", std::move(script)};
  return c;
}

Command Command::exec(std::vector<std::string> argv) {
  if (argv.empty() || argv.front().empty()) throw Error("cannot launch an empty command");
  Command c;
  for (const auto& a : argv) c.display += (c.display.empty() ? "" : " ") + a;
  c.argv = std::move(argv);
  return c;
}

std::string ExitStatus::to_string() const {
  std::string out;
  if (!known) {
    out = "ended, status unknown (reaped elsewhere)";
  } else if (exited) {
    out = "exited with status " + std::to_string(code);
  } else {
    const char* abbrev = ::sigabbrev_np(signal);
    out = "killed by signal " + std::to_string(signal) +
          (abbrev ? std::string(" (SIG") + abbrev + ")" : std::string());
  }
  if (sent_kill) out += ", after SIGTERM and the grace period ran out";
  return out;
}

void become_child_subreaper() {
  static std::once_flag once;
  std::call_once(once, [] {
    if (::prctl(PR_SET_CHILD_SUBREAPER, 1) != 0) {
      throw_errno(errno, "prctl", "PR_SET_CHILD_SUBREAPER");
    }
  });
}

struct ServerProcess::Impl {
  Command command;
  LaunchOptions options;
  bp::child child;
  pid_t pid = 0;
  std::mutex tree_mu;
  std::optional<proc::TreeTracker> tree;        // guarded by tree_mu
  std::unique_ptr<detail::ChildOutput> output;  // after `tree`: its thread uses it
  ReadyLine ready;
  std::optional<ExitStatus> final_status;

  void spawn();
  void await_ready();
  ExitStatus stop(std::chrono::milliseconds grace);
  [[noreturn]] void fail(LaunchError::Kind kind, const std::string& what);

  std::vector<Member> tree_members() {
    std::lock_guard lock(tree_mu);
    if (!tree) return {};
    tree->refresh();
    return tree->members();
  }
  // Every process of the server: its tree and its process group.
  std::vector<Member> all_members() {
    auto members = tree_members();
    for (const auto& m : proc::list_group(pid)) {
      if (std::none_of(members.begin(), members.end(),
                       [&](const Member& x) { return x.pid == m.pid; })) {
        members.push_back(m);
      }
    }
    return members;
  }
  bool child_running() {
    std::error_code ec;
    return child.running(ec);
  }
};

void ServerProcess::Impl::spawn() {
  const auto& argv = command.argv;
  boost::filesystem::path exe = argv.front();
  if (argv.front().find('/') == std::string::npos) {
    exe = bp::search_path(argv.front());
    if (exe.empty()) {
      throw LaunchError(
          LaunchError::Kind::spawn_failed,
          "cannot start `" + command.display + "`: \"" + argv.front() + "\" not found in PATH", "");
    }
  }
  const std::vector<std::string> args(argv.begin() + 1, argv.end());
  if (!options.working_dir.empty()) {
    std::error_code dir_ec;
    if (!std::filesystem::is_directory(options.working_dir, dir_ec)) {
      throw LaunchError(LaunchError::Kind::spawn_failed,
                        "cannot start `" + command.display + "`: working directory " +
                            options.working_dir.string() + " is not a directory",
                        "");
    }
  }

  // Our ends are close-on-exec, so no other child we start inherits them.
  int out[2];
  int err[2];
  if (::pipe2(out, O_CLOEXEC) != 0) throw_errno(errno, "pipe2", "server stdout");
  bp::pipe out_pipe(out[0], out[1]);
  if (::pipe2(err, O_CLOEXEC) != 0) throw_errno(errno, "pipe2", "server stderr");
  bp::pipe err_pipe(err[0], err[1]);

  bp::environment env = boost::this_process::environment();
  for (const auto& [key, value] : options.env) env[key] = value;
  const std::string working_dir = options.working_dir.string();

  const int death_signal = options.parent_death_signal;
  const pid_t harness = ::getpid();

  std::error_code ec;
  // clang-format would take `std_in < null, std_out > pipe` for template brackets.
  // clang-format off
  child = bp::child(
      bp::exe = exe,
      bp::args = args,
      bp::std_in < bp::null,
      bp::std_out > out_pipe,
      bp::std_err > err_pipe,
      env,
      bp::extend::on_exec_setup = [&](auto& exec) {
        prepare_child(exec, working_dir.c_str(), death_signal, harness);
      },
      // Boost 1.74 does not reap a child whose exec (or setup) failed; do it here.
      bp::extend::on_error = [](auto& exec, const std::error_code&) {
        if (exec.pid > 0) {
          ::kill(exec.pid, SIGKILL);
          ::waitpid(exec.pid, nullptr, 0);
        }
      },
      ec);
  // clang-format on
  if (ec) {
    throw LaunchError(LaunchError::Kind::spawn_failed,
                      "cannot start `" + command.display + "`: " + ec.message(), "");
  }
  pid = child.id();
  const int out_fd = out_pipe.native_source();
  out_pipe.assign_source(-1);
  const int err_fd = err_pipe.native_source();
  err_pipe.assign_source(-1);
  try {
    {
      std::lock_guard lock(tree_mu);
      tree.emplace(pid);
    }
    output = std::make_unique<detail::ChildOutput>(out_fd, err_fd, options.echo_output, kTreeTick,
                                                   [this] {
                                                     std::lock_guard lock(tree_mu);
                                                     tree->refresh();
                                                   });
  } catch (...) {
    ::kill(pid, SIGKILL);
    std::error_code ignored;
    child.wait(ignored);
    throw;
  }
}

void ServerProcess::Impl::await_ready() {
  const auto deadline = Clock::now() + options.ready_timeout;
  for (;;) {
    const auto event =
        output->wait(std::min(deadline, Clock::now() + std::chrono::milliseconds(20)));
    if (event == detail::ChildOutput::Event::ready) {
      ready = output->ready_line();
      tree_members();  // learn the tree as it is once ready
      return;
    }
    if (event == detail::ChildOutput::Event::bad_ready_line) {
      fail(LaunchError::Kind::bad_ready_line,
           "printed a malformed ready line: " + output->ready_line_error());
    }
    if (!child_running()) {
      output->wait_closed(Clock::now() + std::chrono::milliseconds(500));
      fail(LaunchError::Kind::exited, "ended before printing a ready line");
    }
    if (event == detail::ChildOutput::Event::stdout_closed) {
      // Most likely it is exiting: give it a moment, to report its status.
      const auto until = std::min(deadline, Clock::now() + std::chrono::seconds(1));
      while (child_running() && Clock::now() < until) {
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
      }
      if (!child_running()) {
        output->wait_closed(Clock::now() + std::chrono::milliseconds(500));
        fail(LaunchError::Kind::exited, "ended before printing a ready line");
      }
      fail(LaunchError::Kind::closed_stdout, "closed its stdout without printing a ready line");
    }
    if (Clock::now() >= deadline) {
      fail(LaunchError::Kind::timeout, "printed no ready line (\"" + std::string(kReadyPrefix) +
                                           " pid=... http=...\") within " +
                                           std::to_string(options.ready_timeout.count()) + " ms");
    }
  }
}

void ServerProcess::Impl::fail(LaunchError::Kind kind, const std::string& what) {
  const auto status = stop(options.stop_grace);
  const auto tail = output ? output->stderr_tail() : std::string();
  std::string message =
      "server command `" + command.display + "` (pid " + std::to_string(pid) + ") " + what;
  message += kind == LaunchError::Kind::exited ? ": " + status.to_string()
                                               : "; stopped it: " + status.to_string();
  if (tail.empty()) {
    message += "; its stderr was empty";
  } else {
    message += "; the end of its stderr:\n" + indent(tail);
  }
  throw LaunchError(kind, message, tail);
}

ExitStatus ServerProcess::Impl::stop(std::chrono::milliseconds grace) {
  if (final_status) return *final_status;
  ExitStatus status;
  std::vector<pid_t> signalled;
  const auto signal_new = [&](const std::vector<Member>& members, int sig) {
    for (const auto& m : members) {
      if (std::find(signalled.begin(), signalled.end(), m.pid) != signalled.end()) continue;
      if (m.pid == pid ? child_running() : alive(m)) ::kill(m.pid, sig);
      signalled.push_back(m.pid);
    }
  };
  const auto all_gone = [&](const std::vector<Member>& members) {
    if (child_running()) return false;
    return std::none_of(members.begin(), members.end(),
                        [&](const Member& m) { return m.pid != pid && alive(m); });
  };

  // SIGTERM to the launched process and its tree, and to any that appear meanwhile.
  if (child_running()) {
    ::kill(pid, SIGTERM);
    signalled.push_back(pid);
  }
  auto members = all_members();
  signal_new(members, SIGTERM);
  const auto deadline = Clock::now() + grace;
  for (;;) {
    reap_adopted(members, pid);
    if (all_gone(members) || Clock::now() >= deadline) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
    members = all_members();
    signal_new(members, SIGTERM);
  }

  // SIGKILL to whatever is left.
  if (child_running()) {
    status.sent_kill = true;
    ::kill(pid, SIGKILL);
  }
  for (int round = 0; round < 1000 && !all_gone(members = all_members()); ++round) {
    for (const auto& m : members) {
      if (m.pid != pid && alive(m)) ::kill(m.pid, SIGKILL);
    }
    reap_adopted(members, pid);
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  reap_adopted(all_members(), pid);
  if (child_running()) {
    // Still there after ~10 s of SIGKILL (stuck in the kernel): wait for good.
    std::error_code ec;
    child.wait(ec);
  }

  if (output) {
    output->wait_closed(Clock::now() + std::chrono::milliseconds(200));
    output->stop();
  }
  const auto sent_kill = status.sent_kill;
  status = status_from_wait(child.native_exit_code());
  status.sent_kill = sent_kill;
  final_status = status;
  return status;
}

ServerProcess::ServerProcess(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

std::unique_ptr<ServerProcess> ServerProcess::launch(const Command& command,
                                                     const LaunchOptions& options) {
  if (command.argv.empty() || command.argv.front().empty()) {
    throw Error("cannot launch an empty command");
  }
  become_child_subreaper();
  auto impl = std::make_unique<Impl>();
  impl->command = command;
  impl->options = options;
  impl->spawn();
  impl->await_ready();
  return std::unique_ptr<ServerProcess>(new ServerProcess(std::move(impl)));
}

ServerProcess::~ServerProcess() {
  if (!impl_) return;
  try {
    impl_->stop(impl_->options.stop_grace);
  } catch (...) {
    // A destructor must not throw; stop() only throws on allocation failure.
  }
}

const ReadyLine& ServerProcess::ready() const {
  return impl_->ready;
}
pid_t ServerProcess::pid() const {
  return impl_->pid;
}
const Command& ServerProcess::command() const {
  return impl_->command;
}

bool ServerProcess::running() {
  return !impl_->final_status && impl_->child_running();
}

ExitStatus ServerProcess::stop() {
  return impl_->stop(impl_->options.stop_grace);
}
ExitStatus ServerProcess::stop(std::chrono::milliseconds grace) {
  return impl_->stop(grace);
}

std::string ServerProcess::stderr_tail() const {
  return impl_->output->stderr_tail();
}
std::string ServerProcess::stdout_tail() const {
  return impl_->output->stdout_tail();
}

}  // namespace streamcheck::bench
