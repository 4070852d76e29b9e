#include "bench/lib/lsof.hpp"

#include <charconv>

#include "bench/lib/boost_process.hpp"

#include "bench/lib/error.hpp"

namespace streamcheck::bench {
namespace bp = boost::process;

std::vector<LsofFile> parse_lsof_fields(std::string_view output) {
  std::vector<LsofFile> files;
  pid_t pid = 0;
  LsofFile* current = nullptr;
  while (!output.empty()) {
    const auto nl = output.find('\n');
    std::string_view line = output.substr(0, nl);
    output.remove_prefix(nl == std::string_view::npos ? output.size() : nl + 1);
    if (line.empty()) continue;
    const char field = line.front();
    const std::string_view value = line.substr(1);
    switch (field) {
      case 'p': {
        int v = 0;
        const auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), v);
        if (ec != std::errc() || end != value.data() + value.size() || v <= 0)
          throw Error("lsof output: bad process field \"" + std::string(line) + "\"");
        pid = v;
        current = nullptr;
        break;
      }
      case 'f': {
        if (pid == 0) throw Error("lsof output: file field before any process field");
        LsofFile f;
        f.pid = pid;
        f.fd = std::string(value);
        int v = 0;
        const auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), v);
        if (ec == std::errc() && end == value.data() + value.size()) f.fd_number = v;
        files.push_back(std::move(f));
        current = &files.back();
        break;
      }
      case 't':
        if (current) current->type = std::string(value);
        break;
      case 'n':
        if (current) {
          current->name = std::string(value);
          current->deleted = value.ends_with("(deleted)");
        }
        break;
      default:
        break;  // c (command), g, R, L, a, l, ... : not needed
    }
  }
  return files;
}

std::vector<LsofFile> run_lsof(std::span<const pid_t> pids, bool all) {
  if (pids.empty()) return {};
  const auto exe = bp::search_path("lsof");
  if (exe.empty()) throw Error("lsof is not installed (apt-get install lsof)");
  std::string list;
  for (const pid_t p : pids) list += (list.empty() ? "" : ",") + std::to_string(p);
  bp::ipstream out;
  std::string text;
  int code = 0;
  try {
    bp::child child(
        exe, bp::args({"-n", "-P", "-w", "-F", "ftn", "-p", list}), bp::std_out > out,
        bp::std_err > bp::null, bp::std_in < bp::null,
        bp::extend::on_exec_setup = [](auto&) { reset_signals_in_child(); });
    std::string line;
    while (std::getline(out, line)) text += line + "\n";
    child.wait();
    code = child.exit_code();
  } catch (const std::exception& e) {
    throw Error(std::string("running lsof: ") + e.what());
  }
  if (code != 0 && code != 1) throw Error("lsof exited with status " + std::to_string(code));
  auto files = parse_lsof_fields(text);
  if (!all) std::erase_if(files, [](const LsofFile& f) { return f.fd_number < 0; });
  return files;
}

}  // namespace streamcheck::bench
