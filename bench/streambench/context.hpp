// What a run says about itself before its benchmarks: Google Benchmark's context (the
// target, the machine, the options that shape the figures) and the pre-fault.
#pragma once

#include <cstdint>

#include "bench/streambench/runner.hpp"

namespace streamcheck::streambench {

// Google Benchmark context: target, server version, the machine (bench/lib/machine.hpp),
// root filesystem, ...
void add_context(Run& run);

// Before the first timed transfer: writes and removes a scratch file on the root's
// filesystem (bench/lib/prefault.hpp) as big as the run will write at once, so no upload
// is timed while the machine backs new memory; says so on stderr and in the context
// ("prefault"); and sets run.prefault_at, so that each upload benchmark does it again,
// for its own size, just before it is timed (but for the transfer a warm-up has just
// made: runner.cpp). Unless options.prefault is off. A failure is said and the run goes
// on. The warm-ups do not replace this first one: it backs the whole run's memory at
// once, the download objects' set-up included, at the speed of a local write.
void prefault(Run& run);

// What the run holds on the root's filesystem at once, and so what prefault() wants to
// write: twice the largest upload of a batch (old and new version side by side) and the
// download objects, which stay for the whole run.
std::uint64_t run_footprint(const Options& options);

// Before the target is used: throws Error when the root's filesystem has no room for
// run_footprint() (less the pre-fault's margin): on tmpfs, where free memory bounds it
// too, naming --root-on disk (8 GiB would want 24 GiB of RAM); on disk, its free space.
// Nothing to check with --no-prefault, or when the root is unknown (an attached server).
void check_room(const Options& options, const bench::Target& target);

}  // namespace streamcheck::streambench
