// Warm-up transfers (--warmup N): untimed transfers of a benchmark's own op and size,
// against the paths its timed transfers use, before them. The first upload into a fresh
// tmpfs root ran at 185-330 MB/s on every server measured, later ones at 700-1000 MB/s:
// a timed first upload measures the kernel allocating pages (and the server's own first
// allocations), not the server.
#pragma once

#include <string>

#include "bench/streambench/ops.hpp"
#include "bench/streambench/options.hpp"

namespace streamcheck::streambench {

// Each warm-up costs as much as the transfer it precedes: a typo of 1000 would make a run
// of minutes one of hours.
inline constexpr unsigned kMaxWarmup = 100;

// --warmup's value: a whole number from 0 to kMaxWarmup, digits only. Throws bench::Error
// naming the flag and the value.
unsigned parse_warmup(const std::string& text);

// How many warm-ups a benchmark of `op` runs: --warmup when given, else 1 for an op that
// writes an object, an upload or a COPY or MOVE (it allocates what it writes), and 0 for
// a download (it reads an object that its set-up wrote, so the pages it touches exist
// already).
unsigned warmups_for(const Options& options, const OpInfo& op);

}  // namespace streamcheck::streambench
