// streambench's checks on itself, for the largest size of http-get: is the probe cheap
// (our GET with the probe and without), and is our client not what limits a transfer
// (our GET against the curl tool writing to /dev/null, on the same object).
//
// A single transfer on a shared 2-core machine varies by 2x from one second to the next,
// so one of each proves nothing. The three GETs run in rounds, one of each per round in
// an order that turns from round to round, so all three share whatever the machine is
// doing; the medians are compared. The client's CPU time per GiB is reported beside the
// throughput: it does not depend on how the scheduler placed client and server.
#pragma once

#include <benchmark/benchmark.h>

#include <cstdint>
#include <string>

#include "bench/streambench/runner.hpp"

namespace streamcheck::streambench {

// The goals the checks are held to (printed with the figures; not a test verdict).
inline constexpr double kProbeCostGoalPercent = 5.0;
inline constexpr double kClientVsCurlGoal = 1.0;

// Runs the rounds as the benchmark `name` (TARGET/http/get/SIZE/checks) and records the
// result in run.checks.
void run_checks(benchmark::State& state, Run& run, std::uint64_t size, const std::string& name);

// One line per check on stderr, after the run.
void print_checks(const Run& run);

}  // namespace streamcheck::streambench
