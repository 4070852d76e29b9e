// The operations streambench measures, one function per operation: set up what it
// needs (untimed), prepare its transfer on a client, and say what must come back.
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "bench/lib/ftp_client.hpp"
#include "bench/lib/http_client.hpp"
#include "bench/lib/probe.hpp"
#include "bench/lib/target.hpp"
#include "bench/streambench/options.hpp"

namespace streamcheck::streambench {

enum class Proto { http, ftp };

struct OpInfo {
  std::string_view id;  // as --ops spells it: "http-get"
  Proto proto;
  std::string_view name;  // in benchmark names: "get"
  // It makes an object that is read back and removed after (uploads, and the server-side
  // ops below, whose figures are an upload's: copies from wchar).
  bool upload;
  std::string_view help;
  // The bytes move within the server (WebDAV COPY, MOVE): no body goes either way, so
  // there is nothing to slow down, and its first byte is the answer.
  bool server_side = false;
};

inline constexpr std::array<OpInfo, 12> kOps = {{
    {"http-get", Proto::http, "get", false, "GET of the whole object"},
    {"http-range", Proto::http, "range", false, "GET of the middle half (Range, 206)"},
    {"http-put", Proto::http, "put", true, "PUT with Content-Length"},
    {"http-put-chunked", Proto::http, "put-chunked", true, "PUT chunked, no length"},
    {"http-post", Proto::http, "post", true, "POST multipart/form-data, part size known"},
    {"http-post-chunked", Proto::http, "post-chunked", true, "POST multipart, chunked"},
    {"ftp-retr", Proto::ftp, "retr", false, "RETR of the whole file"},
    {"ftp-stor", Proto::ftp, "stor", true, "STOR (no size announced)"},
    {"ftp-appe", Proto::ftp, "appe", true, "APPE of SIZE bytes onto a 1 MiB file"},
    {"ftp-rest", Proto::ftp, "rest", false, "REST SIZE/2 then RETR of the second half"},
    {"http-copy", Proto::http, "copy", true,
     "WebDAV COPY of the object to a name not there yet (Overwrite: T)", true},
    {"http-move", Proto::http, "move", true,
     "WebDAV MOVE of the object to a name not there yet; moved back after, untimed", true},
}};

// The op with this id; nullptr when unknown.
const OpInfo* find_op(std::string_view id);

using Client = std::variant<std::unique_ptr<bench::HttpClient>, std::unique_ptr<bench::FtpClient>>;

// One client of the op's protocol on the target.
Client make_client(const bench::Target& target, Proto proto);
// A cheap request that opens (or keeps) the session: HEAD / or NOOP.
void touch(Client& client);

// Why the target cannot run `op` at all, or "" when it may: a server that answers 405
// or 501 to a COPY or MOVE of a small object of its own (made and removed here). Any
// other answer is the benchmark's to judge. Only the server-side ops ask the server.
std::string unsupported(const OpInfo& op, const bench::Target& target, const Options& options);

// What one transfer of an op is.
struct Plan {
  std::string path;               // the object it moves (COPY, MOVE: the source)
  bench::Payload body;            // uploads: what goes up
  std::uint64_t bytes = 0;        // payload bytes it moves
  bench::Payload expect;          // what a GET/RETR of `verify_path` must give back...
  std::uint64_t expect_from = 0;  // ...from this offset of `expect` on
  std::string verify_path;        // uploads: the object to read back; empty for downloads
                                  // (COPY, MOVE: the destination)
};

// Makes the objects the op needs and returns the plan of transfer number `index` of a
// batch (uploads go to one object per index). `seed` varies between uploads so a stale
// object cannot pass for a new one. Throws bench::Error when the set-up fails.
Plan set_up(const OpInfo& op, Client& client, std::uint64_t size, const Options& options,
            unsigned index, std::uint64_t seed);

// The payload bytes one transfer of `op` on an object of `size` moves (a Plan's `bytes`):
// the object's, or the part a ranged read asks for.
std::uint64_t transfer_bytes(const OpInfo& op, std::uint64_t size);

// The transfer of `plan` on `client`, not yet run.
bench::PreparedTransfer prepare(const OpInfo& op, Client& client, const Plan& plan,
                                const bench::TransferOptions& options);

// Whether `transfer` came back as one of the plan should: completed, a success status,
// and for a download the whole length. Returns "" when so, else what it got. The bytes
// themselves are verify()'s.
std::string check_answer(const OpInfo& op, const Plan& plan, const bench::Transfer& transfer);

// Reads the plan's object back (the verify path for uploads) and checks it. Returns ""
// when it is whole, else where and how it differs ("bytes differ from offset 1234",
// "got 100 bytes, want 200", "GET answered 404"). After a COPY or MOVE it first asks
// HEAD whether the destination has the object's size and whether the source is still
// whole (COPY) or gone (MOVE); the read-back then hashes the destination as a stream.
std::string verify(const OpInfo& op, Client& client, const Plan& plan,
                   const bench::Transfer& transfer);

// The measured part of the checks' transfers (checks.hpp), in the order DESIGN.md asks:
// the probe's begin(), the transfers (at once when there are several), a cheap request
// on each session so the server settles before the client would close it, the probe's
// end(). The caller opens the sessions before (touch), so opening them is not measured.
// The benchmarks' rows take the same steps through their cohort (runner.cpp).
struct Measured {
  std::vector<bench::Transfer> transfers;    // in the batch's order
  std::optional<bench::Measurement> probed;  // when there was a probe
  double transfer_cpu_seconds = 0;           // this thread's CPU time in the transfers
  double probe_cpu_seconds = 0;              // this thread's, in begin() and end()
};
Measured measure(std::vector<Client>& clients, std::vector<bench::PreparedTransfer> batch,
                 bench::Probe* probe);

// Removes what an upload made (untimed, after verify()): a run leaves no GiBs of its
// uploads on the server. A MOVE's object is moved back to its source instead (a rename,
// where a new source would cost a PUT of its size), or removed when that fails. Returns
// "" when done (or nothing to do), else why not.
std::string remove_upload(const OpInfo& op, Client& client, const Plan& plan);

// SHA-256 of payload `p` from `from` to its end.
std::string expected_sha256(const bench::Payload& p, std::uint64_t from);

}  // namespace streamcheck::streambench
