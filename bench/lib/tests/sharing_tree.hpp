// Test helper: a forking server in miniature, for the PSS tests (proc_tree_test.cpp,
// probe_pss_test.cpp). Its parent writes 64 MiB of private anonymous memory, as a
// server's parent fills its heap before it forks a process per session; its children
// inherit those pages copy-on-write and read every one of them, so each is in every
// process's page tables: summed VmRSS counts them once per process, PSS once in all.
//
//   ForkedChild server(sharing_tree);   // replies "ready" once the 64 MiB are written
//   server.ask('f');                    // forks kChildren children, "forked" once they
//                                       // have read it all
//   server.ask('p');                    // each child writes 16 MiB of new memory of its
//                                       // own: "private"
//   server.ask('c');                    // each child writes over the first 16 MiB it
//                                       // inherited, so gets its own copy: "copied"
//   server.ask('u');                    // each child unmaps its 16 MiB of 'p': "unmapped"
//
// Closing the channel (the ForkedChild's destructor) ends the children, then the parent.
#pragma once

#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstddef>
#include <cstring>
#include <vector>

#include "bench/lib/tests/forked_child.hpp"

namespace streamcheck::bench::testing {

inline constexpr int kChildren = 4;
inline constexpr std::size_t kSharedBytes = 64u << 20;
inline constexpr std::size_t kOwnBytes = 16u << 20;
inline constexpr std::uint64_t kSharedKiB = kSharedBytes / 1024;
inline constexpr std::uint64_t kOwnKiB = kOwnBytes / 1024;

// ThreadSanitizer gives each forked child its own copy of the shadow memory of what it
// touches (~130 MiB of PSS each here, ~600 MiB for the tree): the sharing these tests
// measure is not there to see. Their PSS figures skip under it.
#if defined(__SANITIZE_THREAD__)
inline constexpr const char* kSharingHidden =
    "ThreadSanitizer's shadow memory is each forked child's own, so nothing here is shared";
#else
inline constexpr const char* kSharingHidden = nullptr;
#endif

namespace detail {

// A child of the tree: reads `shared` whole, says so, then does what each command says.
[[noreturn]] inline void sharing_child(char* shared, int commands, int replies) {
  volatile char sink = 0;
  for (std::size_t i = 0; i < kSharedBytes; i += 4096) sink = sink + shared[i];
  char c = 'r';
  (void)!::write(replies, &c, 1);
  void* own = nullptr;
  while (::read(commands, &c, 1) == 1) {
    if (c == 'p') {
      own = ::mmap(nullptr, kOwnBytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
      if (own == MAP_FAILED) ::_exit(8);
      std::memset(own, 2, kOwnBytes);
    } else if (c == 'c') {
      std::memset(shared, 3, kOwnBytes);
    } else if (c == 'u' && own != nullptr) {
      ::munmap(own, kOwnBytes);
      own = nullptr;
    }
    (void)!::write(replies, &c, 1);
  }
  ::_exit(0);
}

}  // namespace detail

// The ForkedChild body described at the top.
inline void sharing_tree(ForkedChild::Channel& ch) {
  auto* shared = static_cast<char*>(
      ::mmap(nullptr, kSharedBytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0));
  if (shared == MAP_FAILED) ::_exit(8);
  std::memset(shared, 1, kSharedBytes);
  int replies[2];
  if (::pipe(replies) != 0) ::_exit(5);
  std::vector<int> commands;  // one pipe per child, the write ends
  std::vector<pid_t> children;
  const auto all_reply = [&] {
    char c;
    for (std::size_t i = 0; i < children.size(); ++i)
      if (::read(replies[0], &c, 1) != 1) ::_exit(7);
  };
  ch.reply("ready");
  for (char c = ch.wait_command(); c != '\0'; c = ch.wait_command()) {
    if (c == 'f') {
      for (int i = 0; i < kChildren; ++i) {
        int pipe_to[2];
        if (::pipe(pipe_to) != 0) ::_exit(5);
        const pid_t pid = ::fork();
        if (pid == 0) {
          ::close(pipe_to[1]);
          for (const int fd : commands) ::close(fd);
          detail::sharing_child(shared, pipe_to[0], replies[1]);
        }
        ::close(pipe_to[0]);
        commands.push_back(pipe_to[1]);
        children.push_back(pid);
      }
      all_reply();
      ch.reply("forked");
      continue;
    }
    for (const int fd : commands) (void)!::write(fd, &c, 1);
    all_reply();
    ch.reply(c == 'p' ? "private" : c == 'c' ? "copied" : "unmapped");
  }
  for (const int fd : commands) ::close(fd);
  for (const pid_t pid : children) ::waitpid(pid, nullptr, 0);
}

}  // namespace streamcheck::bench::testing
