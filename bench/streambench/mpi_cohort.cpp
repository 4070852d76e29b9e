#include "bench/streambench/mpi_cohort.hpp"

#include <mpi.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <stdexcept>
#include <thread>

#include "bench/lib/error.hpp"

namespace streamcheck::streambench {
namespace {

using namespace std::chrono_literals;

// Step tags cycle below MPI's least guaranteed MPI_TAG_UB (32767); the first-byte
// exchange has its own two.
constexpr int kLastStepTag = 32000;
constexpr int kFirstByteTag = 32001;
constexpr int kFirstByteAckTag = 32002;

// A verdict's first byte.
constexpr char kOk = 'O', kFailed = 'F', kBroken = 'B';

// Polls: a wait of a thousandth of the time waited so far (at least 20 us, at most 5 ms),
// so a step's end is seen within 0.1% of its length, and a long wait (the transfers of a
// batch) costs a thousand wake-ups a second at most.
class Backoff {
 public:
  void wait() const {
    const auto waited = std::chrono::steady_clock::now() - start_;
    std::this_thread::sleep_for(std::clamp<std::chrono::nanoseconds>(waited / 1000, 20us, 5ms));
  }

 private:
  std::chrono::steady_clock::time_point start_ = std::chrono::steady_clock::now();
};

// The message waiting from `source` (or any) with `tag`, when there is one.
std::optional<std::string> try_receive(int source, int tag, int* from = nullptr) {
  int waiting = 0;
  MPI_Status status;
  MPI_Iprobe(source, tag, MPI_COMM_WORLD, &waiting, &status);
  if (!waiting) return std::nullopt;
  int count = 0;
  MPI_Get_count(&status, MPI_BYTE, &count);
  std::string message(static_cast<std::size_t>(count), '\0');
  MPI_Recv(message.data(), count, MPI_BYTE, status.MPI_SOURCE, tag, MPI_COMM_WORLD,
           MPI_STATUS_IGNORE);
  if (from) *from = status.MPI_SOURCE;
  return message;
}

std::string to_bytes(const std::vector<std::uint64_t>& words) {
  std::string out(words.size() * sizeof(std::uint64_t), '\0');
  std::memcpy(out.data(), words.data(), out.size());
  return out;
}

std::vector<std::uint64_t> to_words(const std::string& bytes) {
  if (bytes.size() % sizeof(std::uint64_t) != 0)
    throw std::invalid_argument("figures of " + std::to_string(bytes.size()) + " bytes");
  std::vector<std::uint64_t> out(bytes.size() / sizeof(std::uint64_t));
  std::memcpy(out.data(), bytes.data(), bytes.size());
  return out;
}

double us(std::uint64_t ns) {
  return static_cast<double>(ns) / 1e3;
}

}  // namespace

MpiCohort::MpiCohort(int* argc, char*** argv, std::chrono::seconds timeout) : timeout_(timeout) {
  int provided = 0;
  MPI_Init_thread(argc, argv, MPI_THREAD_FUNNELED, &provided);
  MPI_Comm_rank(MPI_COMM_WORLD, &rank_);
  MPI_Comm_size(MPI_COMM_WORLD, &size_);
  if (size_ < 2) {
    MPI_Finalize();
    throw bench::Error(
        "--mpi needs 2 ranks or more: rank 0 probes the server, the others load "
        "it (mpirun -np 5 streambench --mpi ...); without MPI, leave --mpi out");
  }
  lost_.assign(static_cast<std::size_t>(size_), false);
  char host[MPI_MAX_PROCESSOR_NAME] = {};
  int length = 0;
  MPI_Get_processor_name(host, &length);
  const int tag = next_tag();
  const auto reports = gather("start", tag, std::string(host, static_cast<std::size_t>(length)));
  // Each rank's report is its host: no failure, only whether it came.
  std::vector<std::optional<std::string>> failures(reports.size());
  if (rank_ == 0) {
    hosts_.assign(static_cast<std::size_t>(size_), "");
    for (int r = 0; r < size_; ++r) {
      hosts_[r] = reports[r].value_or("?");
      if (reports[r]) failures[r] = "";
    }
  }
  release("start", tag, rank_ == 0 ? judge("start", failures) : "");
}

MpiCohort::~MpiCohort() {
  if (broken_.empty()) {
    MPI_Finalize();
    return;
  }
  std::fflush(nullptr);
  if (rank_ == 0) MPI_Abort(MPI_COMM_WORLD, 1);
  // Rank 0 ends the job once its results are written; should it not, this rank goes.
  std::this_thread::sleep_for(probe_rank_patience() + 20s);
  std::_Exit(1);
}

int MpiCohort::next_tag() {
  tag_ = tag_ % kLastStepTag + 1;
  return tag_;
}

std::string MpiCohort::name_of(int rank) const {
  const std::string host = rank < static_cast<int>(hosts_.size()) ? hosts_[rank] : "";
  const std::string who = rank == 0 ? "the probe rank (0)" : "rank " + std::to_string(rank);
  return host.empty() ? who : who + " on " + host;
}

void MpiCohort::serve_first_byte() {
  int from = 0;
  if (!try_receive(MPI_ANY_SOURCE, kFirstByteTag, &from)) return;
  if (read_first_byte_) read_first_byte_();
  MPI_Send(nullptr, 0, MPI_BYTE, from, kFirstByteAckTag, MPI_COMM_WORLD);
}

std::vector<std::optional<std::string>> MpiCohort::gather(std::string_view step, int tag,
                                                          const std::string& mine) {
  std::vector<std::optional<std::string>> out(static_cast<std::size_t>(size_));
  if (rank_ != 0) {
    MPI_Request request;
    MPI_Isend(mine.data(), static_cast<int>(mine.size()), MPI_BYTE, 0, tag, MPI_COMM_WORLD,
              &request);
    const auto deadline = Clock::now() + probe_rank_patience();
    Backoff backoff;
    for (int done = 0;;) {
      MPI_Test(&request, &done, MPI_STATUS_IGNORE);
      if (done) return out;
      if (Clock::now() > deadline) lost_probe_rank(step);
      backoff.wait();
    }
  }
  out[0] = mine;
  int missing = 0;
  for (int r = 1; r < size_; ++r) missing += lost_[r] ? 0 : 1;
  const auto deadline = Clock::now() + timeout_;
  Backoff backoff;
  while (missing > 0) {
    serve_first_byte();
    int from = 0;
    if (auto message = try_receive(MPI_ANY_SOURCE, tag, &from)) {
      last_arrival_ = Clock::now();
      out[from] = std::move(*message);
      --missing;
      continue;
    }
    if (Clock::now() > deadline) break;
    backoff.wait();
  }
  return out;
}

std::string MpiCohort::judge(std::string_view step,
                             const std::vector<std::optional<std::string>>& reports) {
  std::string failures, missing;
  for (int r = 0; r < size_; ++r) {
    if (lost_[r]) continue;
    if (!reports[r]) {
      lost_[r] = true;
      missing += (missing.empty() ? "" : ", ") + name_of(r);
    } else if (!reports[r]->empty()) {
      failures += (failures.empty() ? "" : "; ") + name_of(r) + ": " + *reports[r];
    }
  }
  if (!missing.empty()) {
    broken_ = missing + " did not reach step \"" + std::string(step) + "\" within " +
              std::to_string(timeout_.count()) + " s (--mpi-timeout): the run ends here";
    return broken_;
  }
  return failures;
}

void MpiCohort::send_down(std::string_view step, int tag, const std::string& text) {
  // Its own buffer, kept should a send never complete.
  auto message = std::make_unique<std::string>(text);
  std::vector<MPI_Request> requests;
  std::vector<int> to;
  for (int r = 1; r < size_; ++r) {
    if (lost_[r]) continue;
    requests.emplace_back();
    to.push_back(r);
    MPI_Isend(message->data(), static_cast<int>(message->size()), MPI_BYTE, r, tag, MPI_COMM_WORLD,
              &requests.back());
  }
  const auto deadline = Clock::now() + timeout_;
  Backoff backoff;
  std::vector<int> done(requests.size(), 0);
  for (;;) {
    bool all = true;
    for (std::size_t i = 0; i < requests.size(); ++i) {
      if (!done[i]) MPI_Test(&requests[i], &done[i], MPI_STATUS_IGNORE);
      all = all && done[i];
    }
    if (all) return;
    if (Clock::now() > deadline) break;
    backoff.wait();
  }
  std::string missing;
  for (std::size_t i = 0; i < requests.size(); ++i) {
    if (done[i]) continue;
    lost_[to[i]] = true;
    missing += (missing.empty() ? "" : ", ") + name_of(to[i]);
  }
  unsent_.push_back(std::move(message));  // still posted: the job ends before it goes
  if (broken_.empty())
    broken_ = missing + " took no word at step \"" + std::string(step) + "\" within " +
              std::to_string(timeout_.count()) + " s (--mpi-timeout): the run ends here";
}

std::string MpiCohort::release(std::string_view step, int tag, const std::string& verdict) {
  if (rank_ == 0) {
    const char kind = !broken_.empty() ? kBroken : verdict.empty() ? kOk : kFailed;
    send_down(step, tag, kind + verdict);
    released_before_ = released_;
    released_ = Clock::now();
    return verdict;
  }
  const auto message = from_probe_rank(step, tag);
  if (message.empty()) return "the probe rank (0) sent an empty verdict";
  const auto theirs = message.substr(1);
  if (message[0] == kBroken) broken_ = theirs;
  return theirs;
}

std::string MpiCohort::from_probe_rank(std::string_view step, int tag) {
  const auto deadline = Clock::now() + probe_rank_patience();
  Backoff backoff;
  while (Clock::now() <= deadline) {
    if (auto message = try_receive(0, tag)) return *message;
    backoff.wait();
  }
  lost_probe_rank(step);
}

void MpiCohort::lost_probe_rank(std::string_view step) {
  std::fprintf(
      stderr,
      "streambench: rank %d: no word from the probe rank (0) at step \"%.*s\" "
      "for %lld s: ending the run\n",
      rank_, static_cast<int>(step.size()), step.data(),
      static_cast<long long>(
          std::chrono::duration_cast<std::chrono::seconds>(probe_rank_patience()).count()));
  MPI_Abort(MPI_COMM_WORLD, 1);
  std::_Exit(1);  // not reached: MPI_Abort ends the job
}

std::string MpiCohort::agree(std::string_view step, const std::string& failure) {
  if (!broken_.empty()) return broken_;
  const int tag = next_tag();
  const auto reports = gather(step, tag, failure);
  return release(step, tag, rank_ == 0 ? judge(step, reports) : "");
}

std::string MpiCohort::broadcast(std::string_view step, const std::string& value) {
  const auto verdict = agree(step, "");
  if (!verdict.empty()) throw bench::Error(verdict);
  const int tag = next_tag();
  if (rank_ == 0) {
    send_down(step, tag, value);
    if (!broken_.empty()) throw bench::Error(broken_);
    return value;
  }
  return from_probe_rank(step, tag);
}

Cohort::Share MpiCohort::share(unsigned n) const {
  if (rank_ == 0) return {};
  const auto ranks = static_cast<unsigned>(size_ - 1), r = static_cast<unsigned>(rank_ - 1);
  const unsigned base = n / ranks, extra = n % ranks;
  return {r * base + std::min(r, extra), base + (r < extra ? 1 : 0)};
}

unsigned MpiCohort::loaded(unsigned n) const {
  return std::min(n, static_cast<unsigned>(size_ - 1));
}

std::function<void()> MpiCohort::at_first_byte(std::function<void()> read_now) {
  if (rank_ == 0) {
    read_first_byte_ = std::move(read_now);
    return nullptr;
  }
  if (!read_now) return nullptr;
  return [this] {
    MPI_Send(nullptr, 0, MPI_BYTE, 0, kFirstByteTag, MPI_COMM_WORLD);
    // Held here until the probe rank has read the server's counters; not past the
    // timeout (the transfer goes on, and the batch's steps find what went wrong).
    const auto deadline = Clock::now() + timeout_;
    Backoff backoff;
    while (!try_receive(0, kFirstByteAckTag) && Clock::now() <= deadline) backoff.wait();
  };
}

double MpiCohort::batch_seconds(double longest) const {
  if (rank_ != 0) return longest;
  return std::chrono::duration<double>(last_arrival_ - released_before_).count();
}

std::string MpiCohort::merge(Figures& figures, benchmark::State& state) {
  if (!broken_.empty()) return broken_;
  const int tag = next_tag();
  const auto reports = gather("merge", tag, rank_ == 0 ? "" : to_bytes(figures.transfer_words()));
  if (rank_ != 0) return release("merge", tag, "");
  std::vector<std::optional<std::string>> failures(reports.size(), std::string());
  for (int r = 1; r < size_; ++r) {
    if (!reports[r]) {
      failures[r].reset();
      continue;
    }
    try {
      const auto theirs = Figures::from_transfer_words(to_words(*reports[r]));
      const std::string row = "rank" + std::to_string(r) + "_";
      const auto& ttfb = theirs.ttfb_ns();
      state.counters[row + "transfers"] = static_cast<double>(ttfb.count());
      state.counters[row + "bytes"] = static_cast<double>(theirs.bytes());
      state.counters[row + "ttfb_p50_us"] = us(ttfb.percentile(50));
      state.counters[row + "ttfb_p99_us"] = us(ttfb.percentile(99));
      state.counters[row + "seconds"] = theirs.seconds();
      figures.merge_transfers(theirs);
    } catch (const std::exception& e) {
      failures[r] = std::string("its figures do not read: ") + e.what();
    }
  }
  state.counters["transfers"] = static_cast<double>(figures.ttfb_ns().count());
  state.counters["bytes"] = static_cast<double>(figures.bytes());
  return release("merge", tag, judge("merge", failures));
}

}  // namespace streamcheck::streambench
