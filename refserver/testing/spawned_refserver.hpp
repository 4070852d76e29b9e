// The real refserver, started for an integration test as the harness starts any server:
// a process on ephemeral loopback ports in a fresh temp root, known to the test only by
// its ready line. Stopped (SIGTERM) and its root removed when the object goes.
#pragma once

#include <openssl/evp.h>
#include <stdlib.h>

#include <chrono>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "bench/lib/launcher.hpp"
#include "bench/lib/tests/eventually.hpp"

#ifndef REFSERVER_BINARY
#error "REFSERVER_BINARY must name the refserver executable"
#endif

namespace streamcheck::testing {

class SpawnedRefserver {
 public:
  static constexpr const char* kUser = "tester";
  static constexpr const char* kPassword = "s3cret-pass";

  // `existing_root`: serve this directory (a mount, say), left as it is at the end,
  // instead of a fresh one in the temp directory.
  explicit SpawnedRefserver(std::vector<std::string> extra_args = {},
                            std::string root_base = "/tmp",
                            std::filesystem::path existing_root = {}) {
    std::string pattern = root_base + "/refserver-test-XXXXXX";
    if (!::mkdtemp(pattern.data())) throw std::runtime_error("mkdtemp failed in " + root_base);
    dir_ = pattern;
    root_ = existing_root.empty() ? dir_ / "root" : std::move(existing_root);
    std::vector<std::string> argv = {REFSERVER_BINARY,
                                     "--root",
                                     root().string(),
                                     "--user",
                                     std::string(kUser) + ":" + kPassword,
                                     "--threads",
                                     "2",
                                     "--fsync",
                                     "never",
                                     "--log-level",
                                     "warn"};
    // STREAMCHECK_SERVER_LOG=debug shows the server's log beside the test's output.
    bench::LaunchOptions options;
    if (const char* level = std::getenv("STREAMCHECK_SERVER_LOG")) {
      argv[argv.size() - 1] = level;
      options.echo_output = true;
    }
    argv.insert(argv.end(), extra_args.begin(), extra_args.end());
    process_ = bench::ServerProcess::launch(bench::Command::exec(argv), options);
  }
  ~SpawnedRefserver() {
    process_.reset();
    std::error_code ignored;
    std::filesystem::remove_all(dir_, ignored);
  }
  SpawnedRefserver(const SpawnedRefserver&) = delete;
  SpawnedRefserver& operator=(const SpawnedRefserver&) = delete;

  pid_t pid() const { return process_->server_pid(); }
  bench::ServerProcess& process() { return *process_; }
  const bench::Url& http() const { return *process_->ready().http; }
  const bench::Url& ftp() const { return *process_->ready().ftp; }
  const std::filesystem::path& root() const { return root_; }
  // The ports it listens on for clients.
  std::vector<uint16_t> listening_ports() const { return {http().port, ftp().port}; }
  std::string http_base() const { return "http://" + http().authority(); }
  std::string http_base_with_user() const {
    return std::string("http://") + kUser + ":" + kPassword + "@" + http().authority();
  }
  // base64("user:password"), for a raw Authorization header.
  std::string basic_token() const {
    std::string plain = std::string(kUser) + ":" + kPassword;
    std::string out(4 * ((plain.size() + 2) / 3) + 1, '\0');
    int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                            reinterpret_cast<const unsigned char*>(plain.data()),
                            static_cast<int>(plain.size()));
    out.resize(static_cast<size_t>(n));
    return out;
  }

  // Names in ROOT/.staging, for messages.
  std::string staging_listing() const {
    std::string out = "staging holds:";
    std::error_code ec;
    for (const auto& e : std::filesystem::directory_iterator(root() / ".staging", ec))
      out += " " + e.path().filename().string();
    return out;
  }
  // Waits (up to `timeout`) for the server to have removed every staging file: it learns
  // of a vanished client asynchronously.
  bool wait_staging_empty(
      std::chrono::milliseconds timeout = bench::testing::kEventuallyTimeout) const {
    return bench::testing::eventually(
        [&] {
          std::error_code ec;
          return std::filesystem::is_empty(root() / ".staging", ec) && !ec;
        },
        timeout);
  }
  // Waits (up to `timeout`) for the server to have staged something: an upload under way.
  bool wait_staging_used(
      std::chrono::milliseconds timeout = bench::testing::kEventuallyTimeout) const {
    return bench::testing::eventually(
        [&] {
          std::error_code ec;
          return !std::filesystem::is_empty(root() / ".staging", ec) && !ec;
        },
        timeout);
  }

 private:
  std::filesystem::path dir_;
  std::filesystem::path root_;
  std::unique_ptr<bench::ServerProcess> process_;
};

}  // namespace streamcheck::testing
