#include "bench/streambench/fds.hpp"

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <map>
#include <set>

#include "bench/lib/error.hpp"
#include "bench/lib/lsof.hpp"
#include "bench/lib/proc_tree.hpp"

namespace streamcheck::streambench {
namespace {

using nlohmann::json;

struct Row {
  pid_t pid = 0;
  int fd = -1;
  std::string target;  // /proc's readlink; "" when /proc did not show it
  bool deleted = false;
  std::string kind;
  const bench::LsofFile* lsof = nullptr;
  bool agree = true;
};

struct View {
  std::vector<bench::LsofFile> lsof;  // the rows point into it (a move keeps the buffer)
  std::vector<Row> rows;
  std::map<pid_t, std::string> comm;
  bool agree = true;
};

View look(pid_t root, bool with_lsof) {
  bench::proc::TreeTracker tracker(root);
  const auto pids = tracker.pids();
  if (pids.empty()) throw bench::Error("no process " + std::to_string(root));
  const auto first =
      bench::proc::read_tree(pids, {.memory = false, .io = false, .fd_targets = true});
  View v;
  if (with_lsof) v.lsof = bench::run_lsof(pids);
  const auto& lsof = v.lsof;
  const auto second =
      bench::proc::read_tree(pids, {.memory = false, .io = false, .fd_targets = true});
  std::set<std::pair<pid_t, int>> in_second;
  for (const auto& p : second.processes)
    for (const auto& f : p.fds) in_second.insert({p.stat.pid, f.fd});
  std::set<std::pair<pid_t, int>> in_proc;
  for (const auto& p : first.processes) {
    v.comm[p.stat.pid] = p.stat.comm;
    for (const auto& f : p.fds) {
      Row r{p.stat.pid, f.fd, f.target, f.deleted, bench::proc::to_string(f.kind)};
      in_proc.insert({r.pid, r.fd});
      for (const auto& l : lsof)
        if (l.pid == r.pid && l.fd_number == r.fd) r.lsof = &l;
      // Only a descriptor open on both /proc readings must be in lsof's view.
      if (with_lsof && !r.lsof && in_second.count({r.pid, r.fd})) r.agree = false;
      v.rows.push_back(std::move(r));
    }
  }
  for (const auto& l : lsof) {
    if (in_proc.count({l.pid, l.fd_number}) || in_second.count({l.pid, l.fd_number})) continue;
    Row r;
    r.pid = l.pid;
    r.fd = l.fd_number;
    r.lsof = &l;
    r.deleted = l.deleted;
    r.agree = false;  // lsof saw what neither /proc reading did
    v.rows.push_back(std::move(r));
  }
  for (const auto& r : v.rows) v.agree = v.agree && r.agree;
  return v;
}

json to_json(pid_t root, const View& v, bool with_lsof) {
  json processes = json::array();
  std::map<pid_t, json> by_pid;
  for (const auto& r : v.rows) {
    json fd = {{"fd", r.fd}, {"target", r.target}, {"kind", r.kind}, {"deleted", r.deleted}};
    if (with_lsof) {
      fd["lsof"] = r.lsof ? json{{"type", r.lsof->type}, {"name", r.lsof->name}} : json(nullptr);
      fd["agree"] = r.agree;
    }
    by_pid[r.pid].push_back(fd);
  }
  std::size_t deleted = 0;
  for (const auto& r : v.rows) deleted += r.deleted ? 1 : 0;
  for (auto& [pid, fds] : by_pid) {
    const auto c = v.comm.find(pid);
    processes.push_back({{"pid", pid}, {"comm", c == v.comm.end() ? "" : c->second}, {"fds", fds}});
  }
  json out = {
      {"pid", root}, {"processes", processes}, {"total", v.rows.size()}, {"deleted_open", deleted}};
  if (with_lsof) out["agree"] = v.agree;
  return out;
}

void print_table(const View& v, bool with_lsof) {
  std::printf("%-8s %-5s %-50s %s\n", "PID", "FD", "/proc", with_lsof ? "lsof" : "");
  for (const auto& r : v.rows) {
    std::string lsof = r.lsof ? r.lsof->type + " " + r.lsof->name : with_lsof ? "-" : "";
    std::printf("%-8d %-5d %-50s %s%s%s\n", static_cast<int>(r.pid), r.fd,
                r.target.empty() ? "-" : r.target.c_str(), lsof.c_str(),
                r.deleted ? "  (deleted: unlinked file held open)" : "",
                r.agree ? "" : "  <- /proc and lsof disagree");
  }
}

}  // namespace

int fds_main(int argc, char** argv) {
  CLI::App app(
      "The open descriptors of a process tree (the PID and its descendants) from /proc and from "
      "lsof, side by side; (deleted) files are flagged.\n"
      "Exit status: 0 fine; 1 the tree grew since --against; 2 /proc and lsof disagree; 3 error.",
      "streambench fds");
  int pid = 0;
  bool as_json = false;
  bool no_lsof = false;
  std::string save, against;
  app.add_option("--pid", pid, "The process whose tree to list")->required();
  app.add_flag("--json", as_json, "Print JSON instead of a table");
  app.add_option("--save", save, "Also write the listing (JSON) to FILE, to check against later");
  app.add_option("--against", against,
                 "Compare with a listing saved by --save: exit 1 and name each new descriptor "
                 "if the tree holds more than then");
  app.add_flag("--no-lsof", no_lsof, "/proc only (no second opinion, no exit 2)");
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    const int code = app.exit(e);
    return code == 0 ? 0 : 3;
  }
  try {
    const bool with_lsof = !no_lsof;
    const auto view = look(pid, with_lsof);
    const auto listing = to_json(pid, view, with_lsof);
    if (as_json) {
      std::cout << listing.dump(2) << "\n";
    } else {
      print_table(view, with_lsof);
    }
    if (!save.empty()) {
      std::ofstream f(save);
      f << listing.dump(2) << "\n";
      if (!f) throw bench::Error("cannot write " + save);
    }
    int status = 0;
    if (!against.empty()) {
      std::ifstream f(against);
      if (!f) throw bench::Error("cannot read " + against);
      const auto before = json::parse(f);
      std::set<std::tuple<int, int, std::string>> old;
      for (const auto& p : before.at("processes"))
        for (const auto& fd : p.at("fds"))
          old.insert(
              {p.at("pid").get<int>(), fd.at("fd").get<int>(), fd.at("target").get<std::string>()});
      const auto then = before.at("total").get<std::size_t>();
      if (view.rows.size() > then) {
        std::fprintf(stderr,
                     "descriptor leak: the tree of pid %d holds %zu descriptors, %zu before\n", pid,
                     view.rows.size(), then);
        for (const auto& r : view.rows) {
          if (r.target.empty() || old.count({r.pid, r.fd, r.target})) continue;
          std::fprintf(stderr, "  new: pid %d fd %d -> %s%s\n", static_cast<int>(r.pid), r.fd,
                       r.target.c_str(), r.deleted ? " (an unlinked file)" : "");
        }
        status = 1;
      } else {
        std::fprintf(stderr, "no descriptor growth: %zu now, %zu before\n", view.rows.size(), then);
      }
    }
    if (status == 0 && with_lsof && !view.agree) {
      std::fprintf(stderr, "/proc and lsof disagree on the rows marked\n");
      status = 2;
    }
    return status;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "streambench fds: %s\n", e.what());
    return 3;
  }
}

}  // namespace streamcheck::streambench
