// streambench --mpi: the ranks of an MPI job as one cohort (cohort.hpp), as IOR and mdtest
// run theirs. Rank 0, the probe rank, runs on the server's host: it probes the server's
// tree and runs no transfer. Ranks 1..N-1, the load ranks, run on any hosts, each its
// share of every batch (the --concurrency total split as evenly as it goes).
//
// Every step is a gather of each rank's outcome to rank 0 and a verdict sent back, each
// wait bounded by the timeout: a rank that fails is named on every rank and the
// benchmark fails everywhere; a rank that does not reach a step in time is named by rank
// 0, the run is broken (every later benchmark fails at once), and the job ends when the
// probe rank has written its results. No time of one host is compared with another's:
// the batch's time is rank 0's, from the verdict that starts the transfers to the last
// rank's report of its end.
#pragma once

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "bench/streambench/cohort.hpp"

namespace streamcheck::streambench {

class MpiCohort final : public Cohort {
 public:
  // MPI_Init, and each rank's host name to rank 0. Throws bench::Error when the job has
  // fewer than 2 ranks (the probe rank and one load rank at least).
  MpiCohort(int* argc, char*** argv, std::chrono::seconds timeout);
  // MPI_Finalize; in a broken run, rank 0 ends the whole job (MPI_Abort) and the others
  // wait for it to (no rank can finalize with one missing). So destroy it last, after
  // the target and the benchmarks' output.
  ~MpiCohort() override;
  MpiCohort(const MpiCohort&) = delete;
  MpiCohort& operator=(const MpiCohort&) = delete;

  int rank() const override { return rank_; }
  int size() const { return size_; }
  // Each rank's host (MPI_Get_processor_name): known on rank 0 only, for the others "".
  const std::vector<std::string>& hosts() const { return hosts_; }

  // Rank 0's `value` on every rank: the target's URLs, the benchmarks to run.
  std::string broadcast(std::string_view step, const std::string& value);

  bool probes() const override { return rank_ == 0; }
  bool transfers() const override { return rank_ != 0; }
  Share share(unsigned n) const override;
  unsigned loaded(unsigned n) const override;
  std::function<void()> at_first_byte(std::function<void()> read_now) override;
  double batch_seconds(double longest) const override;
  std::string merge(Figures& figures, benchmark::State& state) override;
  std::string broken() const override { return broken_; }

 protected:
  std::string agree(std::string_view step, const std::string& failure) override;

 private:
  using Clock = std::chrono::steady_clock;
  // The next step's message tag: every rank runs the same steps in the same order.
  int next_tag();
  // Rank 0: each load rank's message for `tag` (nullopt: not in time), serving first-byte
  // requests meanwhile. Others: sends `mine`.
  std::vector<std::optional<std::string>> gather(std::string_view step, int tag,
                                                 const std::string& mine);
  // Rank 0 sends `verdict` to every rank still there; the others receive it. Either way
  // returns it.
  std::string release(std::string_view step, int tag, const std::string& verdict);
  // Rank 0's verdict on a step: "" or the failures named by rank, or the ranks missing.
  std::string judge(std::string_view step, const std::vector<std::optional<std::string>>& reports);
  // Rank 0: `message` to every rank still there, each send done within the timeout (a rank
  // that takes none in time is lost, and the run broken).
  void send_down(std::string_view step, int tag, const std::string& text);
  // A load rank: the probe rank's message for `tag`; if none comes within
  // probe_rank_patience(), the probe rank is gone and this rank ends the job.
  std::string from_probe_rank(std::string_view step, int tag);
  [[noreturn]] void lost_probe_rank(std::string_view step);
  // How long a load rank waits for the probe rank: past the probe rank's own wait for the
  // slowest rank, so that the probe rank is the one that names a straggler.
  Clock::duration probe_rank_patience() const { return timeout_ * 2 + std::chrono::seconds(10); }
  std::string name_of(int rank) const;
  void serve_first_byte();

  int rank_ = 0;
  int size_ = 0;
  std::chrono::seconds timeout_;
  std::vector<std::string> hosts_;
  std::vector<bool> lost_;  // rank 0: ranks that missed a step
  std::string broken_;
  int tag_ = 0;
  std::function<void()> read_first_byte_;
  std::vector<std::unique_ptr<std::string>> unsent_;  // buffers of sends a lost rank never took
  // Rank 0's clock: when the last verdict went out, the one before it, and when the
  // last rank's report of the latest step came in.
  Clock::time_point released_{}, released_before_{}, last_arrival_{};
};

}  // namespace streamcheck::streambench
