#include "bench/lib/target.hpp"

#include <signal.h>
#include <stdlib.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstdio>
#include <set>
#include <sstream>
#include <thread>

#include "bench/lib/error.hpp"
#include "bench/lib/proc.hpp"
#include "bench/lib/proc_tree.hpp"

namespace streamcheck::bench {
namespace {

// True when `binary --help` mentions `flag` (how we learn that a refserver build has FTP).
bool help_mentions(const std::filesystem::path& binary, const std::string& flag) {
  const std::string cmd = "'" + binary.string() + "' --help 2>/dev/null";
  FILE* p = ::popen(cmd.c_str(), "r");
  if (!p) return false;
  std::string text;
  char buf[4096];
  while (const auto n = std::fread(buf, 1, sizeof buf, p)) text.append(buf, n);
  ::pclose(p);
  return text.find(flag + " ") != std::string::npos || text.find(flag + ",") != std::string::npos ||
         text.find(flag + "=") != std::string::npos;
}

std::filesystem::path make_temp_dir(const std::filesystem::path& base) {
  std::string pattern = (base / "streambench-XXXXXX").string();
  if (!::mkdtemp(pattern.data())) throw_errno(errno, "mkdtemp", pattern);
  return pattern;
}

std::filesystem::path disk_temp_base() {
  if (const char* t = std::getenv("TMPDIR"); t && *t) return t;
  return "/var/tmp";
}

// The words of a command as a shell would split a simple one (no quotes honoured: the
// name is for display only).
std::vector<std::string> words_of(const Command& command) {
  const auto& argv = command.argv;
  const auto program = std::filesystem::path(argv.front()).filename().string();
  if ((program == "sh" || program == "bash") && argv.size() > 2 && argv[1] == "-c") {
    std::vector<std::string> words;
    std::istringstream in(argv[2]);
    for (std::string w; in >> w;) words.push_back(w);
    if (!words.empty()) return words;
  }
  return argv;
}

}  // namespace

std::string name_for_command(const Command& command) {
  if (command.argv.empty()) return "spawned";
  const auto words = words_of(command);
  // Wrappers and what they take before the program: `env A=1 nice -n 5 exec nginx`.
  static const std::set<std::string> wrappers{"env",  "exec",    "nice", "nohup", "setsid",
                                              "sudo", "taskset", "chrt", "stdbuf"};
  bool after_wrapper = false;
  for (const auto& w : words) {
    const auto base = std::filesystem::path(w).filename().string();
    if (wrappers.count(base)) {
      after_wrapper = true;
      continue;
    }
    if (w.find('=') != std::string::npos && w.front() != '-') continue;  // VAR=value
    if (after_wrapper && (w.front() == '-' || std::isdigit(static_cast<unsigned char>(w.front()))))
      continue;  // a wrapper's option or its argument (nice -n 5, taskset -c 0)
    if (!base.empty()) return base;
  }
  return std::filesystem::path(words.front()).filename().string();
}

std::string_view to_string(RootOn where) {
  return where == RootOn::tmpfs ? "tmpfs" : "disk";
}

RootOn parse_root_on(std::string_view text) {
  if (text == "tmpfs") return RootOn::tmpfs;
  if (text == "disk") return RootOn::disk;
  throw Error("invalid root location \"" + std::string(text) + "\" (use tmpfs or disk)");
}

Target::~Target() {
  on_interrupt_.reset();  // from here on, this destructor does it
  process_.reset();       // stops the server first
  if (!temp_dir_.empty()) {
    std::error_code ignored;
    std::filesystem::remove_all(temp_dir_, ignored);
  }
}

void Target::undo_on_interrupt() {
  if (!process_) return;
  // The launched command has a process group of its own (launcher.cpp): SIGTERM to it, as
  // the destructor would, then SIGKILL to what is left after the grace; then the root. No
  // reaping here: the process is ending anyway.
  const pid_t group = process_->pid();
  const pid_t server = pid;
  on_interrupt_ = std::make_unique<OnInterrupt>([group, server, dir = temp_dir_] {
    const auto running = [](pid_t p) {
      const auto st = proc::read_stat(p);
      return st && !st->zombie();
    };
    // Every process of the group, not just the two we know: a launcher script's trap
    // still cleans up after the shell above it and the server are gone.
    const auto any_running = [&] {
      if (running(server)) return true;
      const auto members = proc::list_group(group);
      return std::any_of(members.begin(), members.end(),
                         [&](const proc::ProcessId& m) { return running(m.pid); });
    };
    const auto wait_gone = [&](std::chrono::milliseconds limit) {
      const auto until = std::chrono::steady_clock::now() + limit;
      while (any_running() && std::chrono::steady_clock::now() < until)
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    };
    ::kill(-group, SIGTERM);
    wait_gone(std::chrono::seconds(2));
    ::kill(-group, SIGKILL);
    if (server != group) ::kill(server, SIGKILL);
    wait_gone(std::chrono::seconds(1));
    if (!dir.empty()) {
      std::error_code ignored;
      std::filesystem::remove_all(dir, ignored);
    }
  });
}

std::unique_ptr<Target> Target::spawn(const Command& command, const LaunchOptions& options) {
  return launch(command, options, {});
}

std::unique_ptr<Target> Target::launch(const Command& command, const LaunchOptions& options,
                                       const std::filesystem::path& temp_dir) {
  std::unique_ptr<Target> t(new Target());
  t->process_ = ServerProcess::launch(command, options);
  const auto& ready = t->process_->ready();
  t->http = ready.http;
  t->ftp = ready.ftp;
  t->pid = ready.pid;
  t->root = ready.root;
  t->description = command.display;
  t->name = name_for_command(command);
  t->temp_dir_ = temp_dir;
  t->undo_on_interrupt();
  return t;
}

std::unique_ptr<Target> Target::attach(const std::string& http_url, const std::string& ftp_url,
                                       pid_t pid) {
  if (http_url.empty() && ftp_url.empty()) throw Error("attach: give an HTTP or an FTP URL");
  if (pid <= 0 || !proc::exists(pid)) {
    throw Error("attach: no process " + std::to_string(pid) + " to probe");
  }
  std::unique_ptr<Target> t(new Target());
  if (!http_url.empty()) {
    t->http = parse_url(http_url);
    if (t->http->scheme != "http" && t->http->scheme != "https")
      throw Error("--http wants an http:// URL, not " + t->http->redacted());
    t->description = t->http->redacted();
  }
  if (!ftp_url.empty()) {
    t->ftp = parse_url(ftp_url);
    if (t->ftp->scheme != "ftp")
      throw Error("--ftp wants an ftp:// URL, not " + t->ftp->redacted());
    t->description += (t->description.empty() ? "" : " ") + t->ftp->redacted();
  }
  t->pid = pid;
  if (const auto st = proc::read_stat(pid)) t->name = st->comm;
  if (t->name.empty()) t->name = "attached";
  return t;
}

std::unique_ptr<Target> Target::remote(std::optional<Url> http, std::optional<Url> ftp,
                                       std::string name) {
  if (!http && !ftp) throw Error("remote target: no HTTP nor FTP URL");
  std::unique_ptr<Target> t(new Target());
  t->http = std::move(http);
  t->ftp = std::move(ftp);
  t->name = std::move(name);
  t->description = (t->http ? t->http->redacted() : "") + (t->http && t->ftp ? " " : "") +
                   (t->ftp ? t->ftp->redacted() : "");
  return t;
}

std::unique_ptr<Target> Target::spawn_refserver(const std::filesystem::path& binary, RootOn root_on,
                                                std::vector<std::string> extra_args) {
  const auto base = root_on == RootOn::tmpfs ? std::filesystem::path("/dev/shm") : disk_temp_base();
  const auto dir = make_temp_dir(base);
  std::vector<std::string> argv = {binary.string(), "--root",      (dir / "root").string(),
                                   "--http",        "127.0.0.1:0", "--log-level",
                                   "warn"};
  if (help_mentions(binary, "--ftp")) {
    argv.push_back("--ftp");
    argv.push_back("127.0.0.1:0");
  }
  argv.insert(argv.end(), extra_args.begin(), extra_args.end());
  std::unique_ptr<Target> t;
  try {
    t = launch(Command::exec(argv), {}, dir);
  } catch (...) {
    std::error_code ignored;
    std::filesystem::remove_all(dir, ignored);
    throw;
  }
  t->root = dir / "root";
  t->name = "refserver";
  return t;
}

std::optional<std::filesystem::path> find_refserver(const std::filesystem::path& exe_dir) {
  for (const auto& candidate : {exe_dir / "refserver", exe_dir / ".." / "refserver" / "refserver",
                                exe_dir / ".." / ".." / "refserver" / "refserver"}) {
    const auto path = candidate.lexically_normal();
    if (::access(path.c_str(), X_OK) == 0) return std::filesystem::canonical(path);
  }
  if (const char* path = std::getenv("PATH")) {
    std::string_view rest(path);
    while (!rest.empty()) {
      const auto colon = rest.find(':');
      const std::filesystem::path dir(std::string(rest.substr(0, colon)));
      if (!dir.empty() && ::access((dir / "refserver").c_str(), X_OK) == 0)
        return dir / "refserver";
      if (colon == std::string_view::npos) break;
      rest.remove_prefix(colon + 1);
    }
  }
  return std::nullopt;
}

}  // namespace streamcheck::bench
