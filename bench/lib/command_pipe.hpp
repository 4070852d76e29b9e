// Real client programs (curl, lftp, python) in interop tests: a payload streamed into a
// command's stdin, or a command's stdout hashed as it streams out; never a temp file.
#pragma once

#include <sys/wait.h>

#include <cstdio>
#include <string>
#include <utility>
#include <vector>

#include "bench/lib/payload.hpp"
#include "bench/lib/sha256.hpp"

namespace streamcheck::bench {

// Runs `command` through /bin/sh with bytes [0, size) of payload (seed, kind) on its
// stdin; returns its exit status (-1 when it could not run or was killed).
inline int run_with_payload(const std::string& command, std::uint64_t seed, std::uint64_t size,
                            PayloadKind kind) {
  FILE* pipe = ::popen(command.c_str(), "w");
  if (!pipe) return -1;
  PayloadStream stream(seed, size, kind);
  std::vector<std::byte> buf(256 * 1024);
  while (size_t n = stream.fill(buf))
    if (std::fwrite(buf.data(), 1, n, pipe) != n) break;
  int status = ::pclose(pipe);
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

// Runs `command` through /bin/sh and hashes its stdout: {exit status, SHA-256 hex}.
inline std::pair<int, std::string> run_and_hash(const std::string& command) {
  FILE* pipe = ::popen(command.c_str(), "r");
  if (!pipe) return {-1, ""};
  Sha256 hash;
  std::vector<char> buf(256 * 1024);
  while (size_t n = std::fread(buf.data(), 1, buf.size(), pipe))
    hash.update(std::string_view(buf.data(), n));
  int status = ::pclose(pipe);
  return {WIFEXITED(status) ? WEXITSTATUS(status) : -1, hash.final_hex()};
}

}  // namespace streamcheck::bench
