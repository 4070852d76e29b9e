// Test helper: runs a program to its end and collects its exit status and output.
#pragma once

#include <string>
#include <vector>

#include "bench/lib/boost_process.hpp"

namespace streamcheck::streambench::testing {

struct Ran {
  int status = -1;
  std::string out;
  std::string err;
};

inline Ran run_command(const std::string& exe, const std::vector<std::string>& args) {
  namespace bp = boost::process;
  bp::ipstream out, err;
  bp::child child(exe, bp::args(args), bp::std_out > out, bp::std_err > err, bp::std_in < bp::null);
  Ran r;
  // Drain stderr on a second reader would be neater; streambench's stderr is small.
  std::string line;
  while (std::getline(out, line)) r.out += line + "\n";
  while (std::getline(err, line)) r.err += line + "\n";
  child.wait();
  r.status = child.exit_code();
  return r;
}

}  // namespace streamcheck::streambench::testing
