// Running real client programs (litmus, rclone, mount.davfs) from an interop test: each
// in a scratch directory of the test's own, its output in a log there that a failure
// message can quote, and every run bounded in time so that a client that hangs on a
// server fails the test instead of stalling ctest. Files are written and hashed as
// streams through one fixed buffer, whatever their size.
#pragma once

#include <stdlib.h>
#include <sys/wait.h>

#include <chrono>
#include <cstdio>
#include <deque>
#include <filesystem>
#include <fstream>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "bench/lib/payload.hpp"
#include "bench/lib/sha256.hpp"
#include "bench/lib/transfer.hpp"

namespace streamcheck::testing {

// A fresh directory /tmp/TAG-XXXXXX, removed with all it holds when the object goes.
// Declare it before anything that lives in it (a mount, a server's root) so that it
// goes last.
class ScratchDir {
 public:
  explicit ScratchDir(const std::string& tag) {
    std::string pattern = "/tmp/" + tag + "-XXXXXX";
    if (!::mkdtemp(pattern.data())) throw std::runtime_error("mkdtemp failed for " + pattern);
    path_ = pattern;
  }
  ~ScratchDir() {
    std::error_code ignored;
    std::filesystem::remove_all(path_, ignored);
  }
  ScratchDir(const ScratchDir&) = delete;
  ScratchDir& operator=(const ScratchDir&) = delete;

  const std::filesystem::path& path() const { return path_; }
  std::filesystem::path operator/(const std::string& name) const { return path_ / name; }

 private:
  std::filesystem::path path_;
};

// `text` as one word for /bin/sh.
inline std::string shell_quote(std::string_view text) {
  std::string out = "'";
  for (char c : text) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return out + "'";
}

// Runs `command` through /bin/sh with its stdout and stderr appended to `log`, under
// timeout(1): SIGTERM after `limit`, SIGKILL 5 s later. Returns the exit status (124
// when it timed out, -1 when it could not run or died of a signal).
inline int run_logged(const std::string& command, const std::filesystem::path& log,
                      std::chrono::seconds limit) {
  std::string line = "timeout -k 5 " + std::to_string(limit.count()) + " /bin/sh -c " +
                     shell_quote(command) + " >>" + shell_quote(log.string()) + " 2>&1";
  int status = std::system(line.c_str());
  return status != -1 && WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

// The lines of `file` that contain `needle`, in order (none when the file is missing).
inline std::vector<std::string> lines_with(const std::filesystem::path& file,
                                           std::string_view needle) {
  std::vector<std::string> out;
  std::ifstream in(file);
  for (std::string line; std::getline(in, line);)
    if (line.find(needle) != std::string::npos) out.push_back(line);
  return out;
}

// The last `count` lines of `file`, for a failure message ("" when it is missing).
inline std::string tail_of(const std::filesystem::path& file, size_t count) {
  std::deque<std::string> last;
  std::ifstream in(file);
  for (std::string line; std::getline(in, line);) {
    last.push_back(line);
    if (last.size() > count) last.pop_front();
  }
  std::string out;
  for (const auto& line : last) out += "  | " + line + "\n";
  return out;
}

// Everything in `file`, for outputs of a few KiB (litmus's stdout).
inline std::string read_small_file(const std::filesystem::path& file) {
  std::ifstream in(file);
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

// Writes payload `p` (bytes [0, size) of seed and kind) into a new `file`.
inline void write_payload_file(const std::filesystem::path& file, const bench::Payload& p) {
  std::FILE* out = std::fopen(file.c_str(), "wbx");
  if (!out) throw std::runtime_error("cannot create " + file.string());
  bench::PayloadStream stream(p.seed, p.size, p.kind);
  std::vector<std::byte> buf(1 << 20);
  bool ok = true;
  while (size_t n = stream.fill(buf)) ok = ok && std::fwrite(buf.data(), 1, n, out) == n;
  ok = std::fclose(out) == 0 && ok;
  if (!ok) throw std::runtime_error("cannot write " + file.string());
}

// SHA-256 (hex) of `file`'s bytes; "" when it cannot be read.
inline std::string file_sha256(const std::filesystem::path& file) {
  std::FILE* in = std::fopen(file.c_str(), "rb");
  if (!in) return "";
  bench::Sha256 hash;
  std::vector<std::byte> buf(1 << 20);
  while (size_t n = std::fread(buf.data(), 1, buf.size(), in))
    hash.update(std::span<const std::byte>(buf.data(), n));
  std::fclose(in);
  return hash.final_hex();
}

}  // namespace streamcheck::testing
