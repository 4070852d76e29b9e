// Test helper: a child process forked from the test and driven step by step, so a test
// can read /proc between the child's actions.
//
//   ForkedChild child([](ForkedChild::Channel& ch) {
//     ch.reply("started");
//     ch.wait_command();            // until the test says go
//     ... allocate, open files ...
//     ch.reply("done");
//     ch.wait_command();            // until told, or until the test closes the channel
//   });                             // the child exits when the body returns
//   child.read_reply();             // "started"
//   child.command('g'); child.read_reply();
//
// The child never returns into the test: when the body ends it exits with _exit (2 if
// the body threw). The destructor closes the channel and reaps it (SIGKILL after 5 s).
#pragma once

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <functional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <thread>

namespace streamcheck::bench::testing {

class ForkedChild {
 public:
  class Channel {
   public:
    Channel(int in, int out) : in_(in), out_(out) {}
    // The next command byte, or '\0' once the test closed the channel.
    char wait_command() {
      char c = 0;
      for (;;) {
        const auto n = ::read(in_, &c, 1);
        if (n == 1) return c;
        if (n < 0 && errno == EINTR) continue;
        return '\0';
      }
    }
    // Sends one line (no '\n' inside).
    void reply(std::string_view text) {
      std::string line(text);
      line += '\n';
      write_all(line);
    }
    int command_fd() const { return in_; }

   private:
    void write_all(std::string_view bytes) {
      while (!bytes.empty()) {
        const auto n = ::write(out_, bytes.data(), bytes.size());
        if (n <= 0) ::_exit(3);
        bytes.remove_prefix(static_cast<std::size_t>(n));
      }
    }
    int in_;
    int out_;
  };

  explicit ForkedChild(const std::function<void(Channel&)>& body) {
    int to_child[2];
    int from_child[2];
    if (::pipe2(to_child, O_CLOEXEC) != 0 || ::pipe2(from_child, O_CLOEXEC) != 0) {
      throw std::runtime_error("pipe2 failed");
    }
    pid_ = ::fork();
    if (pid_ < 0) throw std::runtime_error("fork failed");
    if (pid_ == 0) {
      ::close(to_child[1]);
      ::close(from_child[0]);
      Channel ch(to_child[0], from_child[1]);
      try {
        body(ch);
      } catch (...) {
        ::_exit(2);
      }
      ::_exit(0);
    }
    ::close(to_child[0]);
    ::close(from_child[1]);
    to_child_ = to_child[1];
    from_child_ = from_child[0];
  }

  ~ForkedChild() {
    if (to_child_ >= 0) ::close(to_child_);
    if (from_child_ >= 0) ::close(from_child_);
    reap(std::chrono::seconds(5));
  }
  ForkedChild(const ForkedChild&) = delete;
  ForkedChild& operator=(const ForkedChild&) = delete;

  pid_t pid() const { return pid_; }

  void command(char c) {
    if (::write(to_child_, &c, 1) != 1) throw std::runtime_error("child gone");
  }
  // The next line the child replied; throws if it exited instead.
  std::string read_reply() {
    std::string line;
    char c;
    for (;;) {
      const auto n = ::read(from_child_, &c, 1);
      if (n < 0 && errno == EINTR) continue;
      if (n != 1) throw std::runtime_error("child exited before replying");
      if (c == '\n') return line;
      line += c;
    }
  }
  std::string ask(char c) {
    command(c);
    return read_reply();
  }

  // Closes the channel (the child exits) and waits up to `timeout`, then SIGKILL.
  // Returns the wait status, or -1 if already reaped.
  int reap(std::chrono::milliseconds timeout) {
    if (pid_ <= 0) return -1;
    if (to_child_ >= 0) {
      ::close(to_child_);
      to_child_ = -1;
    }
    int status = 0;
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (::waitpid(pid_, &status, WNOHANG) == 0) {
      if (std::chrono::steady_clock::now() > deadline) {
        ::kill(pid_, SIGKILL);
        ::waitpid(pid_, &status, 0);
        break;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(2));
    }
    pid_ = -1;
    return status;
  }

 private:
  pid_t pid_ = -1;
  int to_child_ = -1;
  int from_child_ = -1;
};

}  // namespace streamcheck::bench::testing
