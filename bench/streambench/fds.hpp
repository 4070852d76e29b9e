// `streambench fds`: a process tree's open descriptors from /proc and from lsof, side by
// side, and the fd-leak check CI jobs call (--save before a workload, --against after).
#pragma once

namespace streamcheck::streambench {

// argv[0] is "fds". Exit status: 0 fine; 1 the tree holds more descriptors than the
// --against snapshot (each new one is named); 2 /proc and lsof disagree; 3 usage or
// other errors (no such process, lsof missing, unreadable snapshot).
int fds_main(int argc, char** argv);

}  // namespace streamcheck::streambench
