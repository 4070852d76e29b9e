// A target: the server under test, as the harness knows it. Its HTTP and/or FTP URL
// (credentials in the userinfo), the PID whose process tree is probed, optionally the
// store root (for white-box checks) and the running process when the harness started
// it (which it then stops when the Target goes).
//
//   auto t = Target::spawn_refserver(binary, RootOn::disk);      // default of streambench
//   auto t = Target::spawn(Command::shell("scripts/peers/nginx"));  // any launcher
//   auto t = Target::attach("http://u:p@127.0.0.1:8080/", "", 1234); // started by the user
#pragma once

#include <sys/types.h>

#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "bench/lib/interrupt.hpp"
#include "bench/lib/launcher.hpp"
#include "bench/lib/url.hpp"

namespace streamcheck::bench {

// Where a spawned refserver keeps its objects: tmpfs (/dev/shm, measures the server's
// own cost) or disk (the temp directory, $TMPDIR or /var/tmp, bound by the disk).
enum class RootOn { tmpfs, disk };
std::string_view to_string(RootOn where);
// "tmpfs" / "disk"; throws Error otherwise.
RootOn parse_root_on(std::string_view text);

// A spawned target's name for benchmark names: the program a command runs, past a shell's
// -c, wrappers (env, exec, nice, taskset, ...), their options and VAR=value words:
// `env A=1 scripts/peers/nginx --root /srv` -> "nginx".
std::string name_for_command(const Command& command);

class Target {
 public:
  // Launches `command` (launcher.hpp) and takes URLs and PID from its ready line.
  // Throws LaunchError.
  static std::unique_ptr<Target> spawn(const Command& command, const LaunchOptions& options = {});

  // A server the user started. At least one URL; `pid` must exist. Throws Error.
  static std::unique_ptr<Target> attach(const std::string& http_url, const std::string& ftp_url,
                                        pid_t pid);

  // A server known by its URLs alone, probed elsewhere (pid 0): what streambench --mpi's
  // load ranks, on other hosts than the server's, are given. At least one URL.
  static std::unique_ptr<Target> remote(std::optional<Url> http, std::optional<Url> ftp,
                                        std::string name);

  // The refserver at `binary` on ephemeral loopback ports in a fresh temp root (removed
  // when the Target goes), with FTP too when the binary has it (its --help names
  // --ftp). `extra_args` are added to its command line.
  static std::unique_ptr<Target> spawn_refserver(const std::filesystem::path& binary,
                                                 RootOn root_on = RootOn::disk,
                                                 std::vector<std::string> extra_args = {});

  ~Target();
  Target(const Target&) = delete;
  Target& operator=(const Target&) = delete;

  std::string name;         // for benchmark names: "refserver", the command's name, ...
  std::optional<Url> http;  // scheme http or https
  std::optional<Url> ftp;   // scheme ftp
  pid_t pid = 0;            // the process whose tree is probed
  std::optional<std::filesystem::path> root;  // the store root, when known
  std::string description;  // for messages: the command, or the URLs (passwords hidden)

  bool has_http() const { return http.has_value(); }
  bool has_ftp() const { return ftp.has_value(); }
  // The launched server, when this harness started it (nullptr when attached).
  ServerProcess* process() const { return process_.get(); }

 private:
  Target() = default;
  // spawn(), with a folder of the harness's to remove with the server (or on Ctrl-C).
  static std::unique_ptr<Target> launch(const Command& command, const LaunchOptions& options,
                                        const std::filesystem::path& temp_dir);
  std::unique_ptr<ServerProcess> process_;
  std::filesystem::path temp_dir_;  // removed in the destructor when set
  // Stops the server and removes temp_dir_ if the run is interrupted (interrupt.hpp).
  std::unique_ptr<OnInterrupt> on_interrupt_;
  void undo_on_interrupt();
};

// The refserver binary next to `exe_dir` (the directory of the running program): looks
// in exe_dir, exe_dir/../refserver, exe_dir/../../refserver (a build tree), then PATH.
// nullopt when none is found.
std::optional<std::filesystem::path> find_refserver(const std::filesystem::path& exe_dir);

}  // namespace streamcheck::bench
