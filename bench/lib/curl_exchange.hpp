// Internal to the clients: the state of one curl transfer (callbacks, payload sources,
// hashes, timing) shared by HttpClient and FtpClient. Not for use outside bench/lib.
#pragma once

#include <curl/curl.h>

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "bench/lib/pace.hpp"
#include "bench/lib/sha256.hpp"
#include "bench/lib/transfer.hpp"
#include "bench/lib/url.hpp"

namespace streamcheck::bench::detail {

using Clock = std::chrono::steady_clock;

// The bytes of one generated payload on their way up, hashed as they go.
struct Source {
  explicit Source(const Payload& p) : payload(p), stream(p.seed, p.size, p.kind, p.offset) {}
  Payload payload;
  PayloadStream stream;
  Sha256 hash;
  std::uint64_t produced = 0;                                  // bytes handed to curl
  bool ended() const { return produced >= payload.length(); }  // all of them
};

enum class Protocol { http, ftp };

struct Exchange {
  Exchange(CURL* handle, const Url& base, Protocol protocol, const TransferOptions& opts);
  ~Exchange();
  Exchange(const Exchange&) = delete;
  Exchange& operator=(const Exchange&) = delete;

  CURL* curl;
  // When set, the transfer runs on this multi handle (its owner's), polled with a short
  // timeout: see perform() in curl_exchange.cpp.
  CURLM* multi = nullptr;
  // The socket curl opened last for this exchange (the FTP data connection, or a new
  // HTTP connection); CURL_SOCKET_BAD when it reused one.
  curl_socket_t last_socket = CURL_SOCKET_BAD;
  // HTTP: the client's record of the socket its handle opened last, kept across
  // exchanges; the connection a reused exchange runs on (curl does not say which while
  // the transfer runs: CURLINFO_ACTIVESOCKET answers only between transfers).
  curl_socket_t* connection_socket = nullptr;
  Protocol protocol;
  TransferOptions options;  // a copy: a prepared transfer outlives the caller's options
  // The slow or stalled client (TransferOptions' max_bytes_per_second, stall_after,
  // stall_for): when the bytes after the first `moved` may go.
  Pace pace;
  std::vector<std::unique_ptr<Source>> sources;  // upload bodies (one per multipart file)
  Source* body = nullptr;                        // the PUT/STOR body, when there is one
  Sha256 received;
  Transfer result;
  Clock::time_point start;
  std::uint64_t sent = 0;
  bool keep_body = false;
  curl_slist* headers = nullptr;  // owned
  curl_slist* quote = nullptr;    // owned (FTP commands)
  curl_mime* mime = nullptr;      // owned
  std::string url;                // kept alive for curl
  std::string range;
  // A download's body length when known (HTTP Content-Length), and the SO_RCVLOWAT last
  // set on the receiving socket (0: untouched): see wake_less_often().
  std::optional<std::uint64_t> body_length;
  int receive_lowat = 0;
  bool ftp_download = false;  // RETR: the body comes on a data connection

  // An aborted transfer ends with a TCP reset, as a crashed client's would: after a
  // plain close an FTP server in stream mode must take the data so far for a whole file.
  void reset_on_close();

  // The socket this transfer's bytes move on: the one curl opened for it (an FTP data
  // connection, a new HTTP connection), else the kept-alive connection it reuses;
  // CURL_SOCKET_BAD when neither is known.
  curl_socket_t transfer_socket() const;

  // Attaches a payload as the request body (PUT, STOR, APPE).
  void set_body(const Payload& payload);
  // Reads the next upload bytes of `source` into curl's buffer (the read callbacks).
  size_t read_into(Source& source, char* buffer, size_t capacity);

  // Set while this exchange runs in one of our own loops over a multi handle (drive()),
  // which resumes a paused transfer at `resume_at`: a held-back transfer is then paused
  // and the others run on. Under curl_easy_perform, which would wake only about once a
  // second to let a callback resume it, the thread sleeps instead.
  bool can_pause = false;
  std::optional<Clock::time_point> resume_at;  // set while paused by held_back()
  // Before the bytes that follow the first `moved`: holds the transfer back as long as
  // `pace` says. Returns true when it paused it (the callback then returns curl's PAUSE
  // code, and is called again with the same bytes once drive() resumes it); false when
  // the bytes may go now, after a sleep or not.
  bool held_back(std::uint64_t moved);
  // The buffer sizes set on the handle (the receive buffer also caps SO_RCVLOWAT's mark).
  long receive_buffer = 0;
  long upload_buffer = 0;
  // In a batch of `transfers`, shrinks the buffers to the transfer's share of a budget for
  // the whole batch (see curl_exchange.cpp), before the handle runs.
  void share_buffers(std::size_t transfers);

  // Called as download bytes arrive: asks the kernel to wake the client only once a good
  // piece of the receive buffer is waiting, or the rest of the body, or the stream ended.
  void wake_less_often();

  // The stall rules of TransferOptions, from curl's progress callback.
  Clock::time_point last_progress;
  curl_off_t last_down = -1, last_up = -1;
  std::uint64_t header_lines = 0;       // HTTP header or FTP reply lines so far
  std::uint64_t last_header_lines = 0;  // at the last progress
  std::optional<std::uint64_t> lines_at_upload_end;
  std::string stalled;  // why the transfer was ended, when it was
  bool upload_sent() const;
  static int on_progress(void* self, curl_off_t, curl_off_t down, curl_off_t, curl_off_t up);

  static size_t on_read(char* buffer, size_t size, size_t count, void* self);
  static size_t on_write(char* data, size_t size, size_t count, void* self);
  static size_t on_header(char* data, size_t size, size_t count, void* self);
};

// Collects the result once curl has finished with `code` at `end`, and resets the handle's
// options (the connection stays for the next request).
Transfer finish(Exchange& x, CURLcode code, Clock::time_point end);

// Runs the exchange's transfer to its end: on x.multi when set, else curl_easy_perform.
CURLcode perform(Exchange& x);

// How one transfer of a multi handle ended.
struct Ended {
  CURLcode code = CURLE_RECV_ERROR;
  Clock::time_point at;
};
// Runs the transfers of `exchanges`, added to `multi` by the caller, until none is left;
// resumes each paused one at its resume_at. Returns how each handle ended. Throws Error
// when curl's multi interface fails (the handles stay added: the caller removes them).
std::vector<std::pair<CURL*, Ended>> drive(CURLM* multi, const std::vector<Exchange*>& exchanges);

// A client's connections, kept in a share of their own (CURL_LOCK_DATA_CONNECT) rather
// than in whichever multi handle ran the last transfer: a handle added to another multi
// handle (a batch of run_concurrently()) otherwise opens a new connection there and leaves
// its own idle, so a batch of N held 2N connections, and the session opened before the
// measurement was not the one measured. Made with the handle and set on it once
// (curl_easy_reset keeps it); freed after the handle (curl_share_cleanup refuses a share
// in use), which closes the connection.
class ConnectionShare {
 public:
  explicit ConnectionShare(CURL* curl);  // throws Error
  ~ConnectionShare();
  ConnectionShare(const ConnectionShare&) = delete;
  ConnectionShare& operator=(const ConnectionShare&) = delete;

 private:
  CURLSH* share_;
};

}  // namespace streamcheck::bench::detail
