// streambench's checks on itself, for the largest size of http-get: is the probe cheap
// (our GET with the probe and without), and is our client not what limits a transfer
// (our GET against the curl tool writing to /dev/null, on the same object).
//
// A single 1 GiB GET over loopback on this kind of machine (a 2-core VM) varies by about
// 20% from one transfer to the next, independently of the one before, whoever the client:
// one of each proves nothing. The three GETs run in rounds, one of each per round, each
// after a short rest, the six orders in turn; the medians are compared, and each ratio comes
// with a 95% interval (a bootstrap of the rounds), so that a verdict is given only when
// the rounds can carry it: met, not met, or undecided with the rounds it would take. The
// client's CPU time per GiB is reported beside the throughput: it does not depend on how
// the scheduler placed client and server.
#pragma once

#include <benchmark/benchmark.h>

#include <cstdint>
#include <string>

#include "bench/streambench/runner.hpp"

namespace streamcheck::streambench {

// The goals the checks are held to (printed with the figures; not a test verdict).
inline constexpr double kProbeCostGoalPercent = 5.0;  // |cost| under this
inline constexpr double kClientVsCurlGoal = 1.0;      // at least this
inline constexpr unsigned kMaxCheckRounds = 2000;     // what --check-rounds allows

enum class GoalVerdict { met = 1, undecided = 0, not_met = -1 };
struct Judgement {
  GoalVerdict verdict = GoalVerdict::undecided;
  // When undecided: about how many rounds would narrow the interval enough, were the
  // estimate to stay where it is (0 when it sits on the goal's boundary; more than
  // kMaxCheckRounds when it sits near it).
  unsigned rounds_to_decide = 0;
};
Judgement judge_probe_cost(const CheckResult& r);
Judgement judge_client(const CheckResult& r);

// Runs the rounds as the benchmark `name` (TARGET/http/get/SIZE/checks) and records the
// result in run.checks.
void run_checks(benchmark::State& state, Run& run, std::uint64_t size, const std::string& name);

// One line per check on stderr, after the run.
void print_checks(const Run& run);

}  // namespace streamcheck::streambench
