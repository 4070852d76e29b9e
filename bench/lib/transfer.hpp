// What a transfer is and what it gives back, shared by the HTTP and FTP clients
// (http_client.hpp, ftp_client.hpp), and how prepared transfers are run: one at a time
// (curl easy interface) or several at once (curl multi interface).
//
// Every body is a generated payload streamed up, or a download hashed on the fly, never
// held whole. Transport failures (refused, reset, aborted on purpose) are reported in
// the Transfer, not thrown: a test decides what they mean.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "bench/lib/payload.hpp"

namespace streamcheck::bench {

struct Transfer {
  long status = 0;                 // HTTP status, or the last FTP reply code (0: none came)
  int curl_code = 0;               // CURLcode; 0 = the exchange completed
  std::string curl_error;          // curl's message when curl_code != 0
  std::uint64_t body_bytes = 0;    // payload bytes sent (uploads) or body bytes received
  std::string sha256;              // hex SHA-256 of those bytes
  double seconds = 0;              // request start to the end
  double ttfb_seconds = -1;        // request start to the first body byte (downloads)
  double first_send_seconds = -1;  // request start to the first body byte sent (uploads)
  std::string response_text;       // the response body of an upload or error (first 64 KiB);
                                   // for downloads only when keep_body is set
  // HTTP: response headers (name, value). FTP: the server's reply lines (code, text).
  std::vector<std::pair<std::string, std::string>> headers;
  std::vector<std::string> part_sha256;  // multipart uploads: SHA-256 of each file sent
  bool aborted = false;                  // ended on purpose by abort_after

  bool completed() const { return curl_code == 0; }
  std::string header(std::string_view name) const;  // case-insensitive; "" when absent
};

// Bytes [offset, size) of payload (seed, kind): `size` is where the stream ends, so a
// payload with an offset is the tail of the payload (seed, size, kind), e.g. what an
// append or a resumed upload sends after the head.
struct Payload {
  std::uint64_t seed = 1;
  std::uint64_t size = 0;
  PayloadKind kind = PayloadKind::random;
  std::uint64_t offset = 0;

  std::uint64_t length() const { return size - offset; }
};

// The stall limits every TransferOptions starts with (see there). A tool sets them once,
// at start-up and before any transfer, from --stall-timeout and --answer-timeout.
struct StallLimits {
  std::chrono::seconds stall{60};
  std::chrono::seconds answer{600};
};
void set_default_stall_limits(StallLimits limits);
StallLimits default_stall_limits();

struct TransferOptions {
  // Abort the transfer (from the data callback) once this many body bytes have moved.
  std::optional<std::uint64_t> abort_after;
  // Limit the client's speed (bytes per second), for slow-reader and slow-writer cases:
  // the client moves small pieces and waits between them. In run_concurrently() the
  // transfer is paused while it waits, and the others go on; alone (run()) it sleeps.
  std::optional<std::uint64_t> max_bytes_per_second;
  // A stalled reader: a download takes its first `stall_after` body bytes (a piece more
  // at most: curl hands them over in pieces of up to the receive buffer), then nothing
  // for `stall_for` (its receive window shuts, the server's send blocks), then the rest.
  // Downloads only; no stall when either is unset or zero. The stall, like a slow client's
  // waits, is the client's own: it never counts towards stall_timeout below.
  std::optional<std::uint64_t> stall_after;
  std::chrono::milliseconds stall_for{0};
  // Called once, inside the write callback, when the first body byte of a download
  // arrives: the client reads nothing more until it returns (e.g. to sample the
  // server's counters at that moment).
  std::function<void()> on_first_byte;
  // Called with every piece of a download's body, in order (e.g. to find where it first
  // differs from what was expected). Runs inside the write callback.
  std::function<void(std::span<const std::byte>)> on_data;
  // Extra request headers, "Name: value" (HTTP only).
  std::vector<std::string> headers;
  // Keep up to 64 KiB of a download's body in response_text.
  bool keep_body = false;
  // Hash the body on the fly (Transfer::sha256, part_sha256). SHA-256 runs at about
  // 1.8 GB/s with SHA-NI, slower than loopback: a timed transfer turns it off so the
  // client is not the bottleneck, and checks the bytes in a second, untimed, read.
  bool hash = true;
  // A server may stop moving bytes and never close: the transfer then fails, and
  // curl_error says so, once no byte has moved for `stall_timeout`, or once no answer
  // has come `answer_timeout` after the whole upload body was sent (room for a server
  // that fsyncs a big file before answering). Zero: no limit. The time a slow or stalled
  // client holds back on purpose is not counted: a stall of 90 s with a stall_timeout of
  // 60 s is the client's, not the server's.
  std::chrono::seconds stall_timeout = default_stall_limits().stall;
  std::chrono::seconds answer_timeout = default_stall_limits().answer;
};

struct MultipartFile {
  std::string field = "file";
  std::string filename;
  Payload payload;
};

namespace detail {
struct Exchange;  // in curl_exchange.hpp
}

// One request set up on a client's connection, not yet run. Made by a client's
// prepare_*() calls; run with run() or run_concurrently(). Move-only. It uses its
// client's curl handle: the client must outlive it, and a client has at most one
// prepared transfer at a time (run it before preparing the next).
class PreparedTransfer {
 public:
  explicit PreparedTransfer(std::unique_ptr<detail::Exchange> exchange);
  ~PreparedTransfer();
  PreparedTransfer(PreparedTransfer&&) noexcept;
  PreparedTransfer& operator=(PreparedTransfer&&) noexcept;

  detail::Exchange& exchange() { return *exchange_; }

 private:
  std::unique_ptr<detail::Exchange> exchange_;
};

// Runs one transfer to its end (curl_easy_perform) and returns its result.
Transfer run(PreparedTransfer transfer);

// Runs the transfers at once through one curl multi handle, on this thread, and returns
// their results in the same order. Each must come from a different client (throws Error
// otherwise, before anything runs) and runs on its client's connection: the one kept
// alive from its last request, else a new one. Their start times are the same instant,
// the batch's, so each Transfer's seconds and ttfb_seconds count from when it was meant to
// start, and a transfer that waited behind the others counts its wait (no coordinated
// omission).
std::vector<Transfer> run_concurrently(std::vector<PreparedTransfer> transfers);

}  // namespace streamcheck::bench
