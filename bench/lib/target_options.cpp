#include "bench/lib/target_options.hpp"

#include "bench/lib/error.hpp"

namespace streamcheck::bench {

std::filesystem::path exe_dir() {
  std::error_code ec;
  const auto self = std::filesystem::read_symlink("/proc/self/exe", ec);
  return ec ? std::filesystem::current_path() : self.parent_path();
}

std::unique_ptr<Target> make_target(const TargetOptions& o, const std::string& program,
                                    const std::filesystem::path& dir) {
  if (o.stall_seconds < 0 || o.answer_seconds < 0)
    throw Error("--stall-timeout and --answer-timeout take seconds, 0 or more");
  set_default_stall_limits(
      {std::chrono::seconds(o.stall_seconds), std::chrono::seconds(o.answer_seconds)});
  std::unique_ptr<Target> target;
  if (!o.spawn.empty()) {
    target = Target::spawn(Command::shell(o.spawn));
  } else if (!o.http.empty() || !o.ftp.empty() || o.pid != 0) {
    if (o.pid == 0) throw Error("--http/--ftp need --pid, the server process to probe");
    target = Target::attach(o.http, o.ftp, o.pid);
  } else {
    std::filesystem::path binary = o.refserver;
    if (binary.empty()) {
      const auto found = find_refserver(dir);
      if (!found)
        throw Error("no refserver next to " + program +
                    " or on PATH: give --refserver, --spawn or --http/--ftp/--pid");
      binary = *found;
    }
    target = Target::spawn_refserver(binary, o.root_on, o.refserver_args);
  }
  if (!o.root.empty()) target->root = o.root;
  if (!o.name.empty()) target->name = o.name;
  return target;
}

}  // namespace streamcheck::bench
