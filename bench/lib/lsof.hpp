// lsof as a second opinion on a process tree's open files (P4): run through
// Boost.Process with field output (-F), parsed here.
#pragma once

#include <sys/types.h>

#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace streamcheck::bench {

struct LsofFile {
  pid_t pid = 0;
  std::string fd;        // "3", or lsof's names for the rest: "cwd", "txt", "mem", "rtd", ...
  int fd_number = -1;    // the descriptor when `fd` is a number, else -1
  std::string type;      // lsof's TYPE: "REG", "IPv4", "FIFO", "a_inode", "unix", ...
  std::string name;      // lsof's NAME
  bool deleted = false;  // NAME ends with "(deleted)"
};

// Parses `lsof -F ftn` output (fields one per line: p<pid>, f<fd>, t<type>, n<name>;
// other fields are ignored). Throws Error on a file field before any process field.
std::vector<LsofFile> parse_lsof_fields(std::string_view output);

// Runs `lsof -n -P -w -F ftn -p PID,...` and parses it. Only descriptors (numeric fd)
// are kept unless `all` is set. Throws Error when lsof cannot be run (not installed:
// the message says to install it) or prints nothing parseable; lsof's exit status 1
// (some PID gone) is not an error.
std::vector<LsofFile> run_lsof(std::span<const pid_t> pids, bool all = false);

}  // namespace streamcheck::bench
