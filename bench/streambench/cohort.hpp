// The processes that run a benchmark's batches together. Alone (the default), this one
// process probes the server and runs every transfer. Under MPI (mpi_cohort.hpp) rank 0
// probes and runs none, and the other ranks, on any hosts, run their share of each batch;
// the runner's steps are the same either way:
//
//   if (auto why = cohort.step("set-up", [&] { ...; return ""; }); !why.empty()) fail(why);
//
// A step runs its work here and then waits for every other process's part of it, so a
// failure anywhere fails the benchmark on all of them alike, named by where it happened.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "bench/streambench/figures.hpp"

namespace streamcheck::streambench {

class Cohort {
 public:
  virtual ~Cohort() = default;

  // This process's number: its MPI rank; 0 alone.
  virtual int rank() const = 0;
  // Whether this process reads the server's process tree (it runs on the server's host).
  virtual bool probes() const = 0;
  // Whether this process runs transfers.
  virtual bool transfers() const = 0;

  // This process's transfers of a batch of `n`: indices [first, first + count).
  struct Share {
    unsigned first = 0;
    unsigned count = 0;
  };
  virtual Share share(unsigned n) const = 0;
  // How many processes have transfers in a batch of `n`.
  virtual unsigned loaded(unsigned n) const = 0;

  // Runs `work` (its return value, or what it throws, is this process's failure, "" for
  // none), then waits for the others' part of `step`. Returns "" when every process's part
  // went well, else the failures, each named by its process, the same on every process.
  std::string step(std::string_view step, const std::function<std::string()>& work);

  // Downloads one at a time (P3): `read_now` runs on the probing process when the
  // transferring one has its first byte, the transfer held there meanwhile. Returns what
  // the transfer calls at its first byte (nothing on a process that runs no transfer).
  virtual std::function<void()> at_first_byte(std::function<void()> read_now) = 0;

  // The batch's time, for the benchmark's row: alone, the longest transfer's; under MPI,
  // the probe rank's time from the step that started the transfers to the last rank's end.
  // Call after the step that ends the transfers; `longest` is this process's longest.
  virtual double batch_seconds(double longest) const = 0;

  // After a benchmark's last batch: the probe rank's `figures` get every rank's transfers,
  // and `per_rank` counters are set on `state` (nothing alone). Returns like step().
  virtual std::string merge(Figures& figures, benchmark::State& state) = 0;

  // Why no more benchmark can run (a rank was lost), or "".
  virtual std::string broken() const { return ""; }

 protected:
  virtual std::string agree(std::string_view step, const std::string& failure) = 0;
};

// One process, as without MPI.
class Alone final : public Cohort {
 public:
  int rank() const override { return 0; }
  bool probes() const override { return true; }
  bool transfers() const override { return true; }
  Share share(unsigned n) const override { return {0, n}; }
  unsigned loaded(unsigned n) const override { return n > 0 ? 1 : 0; }
  std::function<void()> at_first_byte(std::function<void()> read_now) override { return read_now; }
  double batch_seconds(double longest) const override { return longest; }
  std::string merge(Figures&, benchmark::State&) override { return ""; }

 protected:
  std::string agree(std::string_view, const std::string& failure) override { return failure; }
};

}  // namespace streamcheck::streambench
