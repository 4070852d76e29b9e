// The operations the property tests run (HTTP GET, Range GET, PUT, chunked PUT, POST
// multipart, FTP RETR, REST+RETR, STOR, APPE), each on its own client: set up what it
// needs, prepare the transfer, read the result back and compare it byte for byte.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "bench/lib/ftp_client.hpp"
#include "bench/lib/http_client.hpp"
#include "bench/lib/probe.hpp"
#include "bench/lib/transfer.hpp"
#include "conformance/suite.hpp"

namespace streamcheck::conformance {

// What one transfer of an op moves.
struct Plan {
  std::string path;               // the object it moves (HTTP: "/a/b", FTP: "a/b")
  bench::Payload body;            // uploads: what goes up
  bench::Payload expect;          // what a read of `path` must give back...
  std::uint64_t expect_from = 0;  // ...from this offset on (downloads: Range, REST)
  std::uint64_t bytes = 0;        // payload bytes the transfer moves
};

class OpRunner {
 public:
  // Throws bench::Error when the target lacks the op's protocol.
  explicit OpRunner(Op op);

  // Makes what the op needs for `size` bytes: the object to download (once per size
  // and protocol), the collection to post into, the head of an append.
  Plan plan(std::uint64_t size, bench::PayloadKind kind = bench::PayloadKind::random);
  bench::PreparedTransfer prepare(const Plan& plan, const bench::TransferOptions& options);
  bench::Transfer run(const Plan& plan, const bench::TransferOptions& options = {});
  // A cheap request on the same session (HEAD / or NOOP): opens it before a
  // measurement and settles the server after one.
  void touch();
  // "" when the object reads back exact (a download: what `transfer` got), else what
  // differs: "HTTP PUT answered 500", "got 100 bytes, want 200", "SHA-256 differs".
  std::string verify(const Plan& plan, const bench::Transfer& transfer);

  Op op() const { return op_; }
  bench::HttpClient* http() { return http_.get(); }
  bench::FtpClient* ftp() { return ftp_.get(); }

 private:
  Op op_;
  std::unique_ptr<bench::HttpClient> http_;
  std::unique_ptr<bench::FtpClient> ftp_;
  unsigned uploads_ = 0;
};

// One measured run of an op: the probe over the transfer, the server's reads at the
// client's first byte (downloads), and the bytes checked afterwards (untimed).
struct Measured {
  Plan plan;
  bench::Transfer transfer;
  bench::Measurement m;
  std::optional<bench::proc::IoCounters> at_first_byte;
  std::string verify_error;  // "" when exact (or not verified)
};

struct MeasureOptions {
  bool verify = true;
  // Downloads: stop reading right after the first byte (P3 needs nothing more).
  bool stop_at_first_byte = false;
  bench::PayloadKind kind = bench::PayloadKind::random;
};
Measured measure(Op op, std::uint64_t size, const MeasureOptions& options = {});

// SHA-256 of payload `p` from `from` to its end.
std::string sha256_of(const bench::Payload& p, std::uint64_t from = 0);

}  // namespace streamcheck::conformance
