// How a harness program (streambench, conformance) is told what to test, in one place:
//
//   --spawn CMD                      start the server with a shell command that prints
//                                    the ready line (launcher.hpp)
//   --http URL --ftp URL --pid PID   attach to a server the user started
//   (neither)                        spawn the refserver found next to the program (or
//                                    --refserver BINARY), with --refserver-arg ARGS
//   --root DIR                       the store root, when known (white-box checks)
//   --stall-timeout S --answer-timeout S
//                                    how long to wait for a server that moves no byte
//                                    (transfer.hpp: StallLimits)
//
// add_target_options() declares them on a CLI11 app (header-only, so sc_bench does not
// link CLI11); make_target() turns them into a Target.
#pragma once

#include <sys/types.h>

#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "bench/lib/target.hpp"
#include "bench/lib/transfer.hpp"

namespace streamcheck::bench {

struct TargetOptions {
  std::string spawn;
  std::string http;
  std::string ftp;
  int pid = 0;
  std::string root;  // the store root of an attached or spawned server, when known
  std::string name;  // the target's name (default: from the target)
  RootOn root_on = RootOn::disk;
  std::string refserver;                    // default: found next to the program
  std::vector<std::string> refserver_args;  // added to the spawned refserver's command line
  long stall_seconds = default_stall_limits().stall.count();
  long answer_seconds = default_stall_limits().answer.count();
};

// Makes the target the options name (see the top of this file), and sets the stall
// limits of every transfer after it. `program` names the calling program in messages;
// `exe_dir` is where to look for the refserver. Throws Error (or LaunchError) with the
// reason.
std::unique_ptr<Target> make_target(const TargetOptions& options, const std::string& program,
                                    const std::filesystem::path& exe_dir);

// The directory of the running program (/proc/self/exe), or the working directory.
std::filesystem::path exe_dir();

// Declares the options on a CLI11 app. `App` is CLI::App (a template so that this header
// does not need CLI11 unless it is used).
template <class App>
void add_target_options(App& app, TargetOptions& o) {
  auto* spawn = app.add_option("--spawn", o.spawn,
                               "Start the server with this shell command; it must print a "
                               "'streamcheck-ready pid=... http=... ftp=...' line");
  auto* http = app.add_option("--http", o.http, "Attach: the server's HTTP URL (user:pass@)");
  auto* ftp = app.add_option("--ftp", o.ftp, "Attach: the server's FTP URL (user:pass@)");
  auto* pid = app.add_option("--pid", o.pid, "Attach: the PID whose process tree to probe");
  spawn->excludes(http)->excludes(ftp)->excludes(pid);
  app.add_option("--root", o.root, "The server's store root, when known (white-box checks)");
  app.add_option("--name", o.name, "The target's name in reports");
  auto* ref =
      app.add_option("--refserver", o.refserver, "The refserver binary to spawn by default");
  auto* ref_args =
      app.add_option("--refserver-arg", o.refserver_args,
                     "An argument added to the default refserver's command line (repeatable; "
                     "e.g. --refserver-arg=--legacy --refserver-arg=spool-upload)")
          ->allow_extra_args(false);
  spawn->excludes(ref)->excludes(ref_args);
  http->excludes(ref)->excludes(ref_args);
  ftp->excludes(ref)->excludes(ref_args);
  app.add_option("--stall-timeout", o.stall_seconds,
                 "Seconds a transfer may move no byte before it fails as stalled (0: never)")
      ->capture_default_str();
  app.add_option("--answer-timeout", o.answer_seconds,
                 "Seconds to wait for the answer to an upload once its body is sent, e.g. "
                 "while the server fsyncs it (0: never)")
      ->capture_default_str();
}

}  // namespace streamcheck::bench
