#include "bench/lib/curl_exchange.hpp"

#include <sys/socket.h>

#include <poll.h>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <thread>

#include "bench/lib/error.hpp"

namespace streamcheck::bench {
namespace {

constexpr size_t kKeepBytes = 64 * 1024;
// Buffers large enough that the client is not what limits a loopback transfer (few
// calls per MiB) and small enough to stay in a core's L2 cache: on a 2-core VM, 256 KiB
// beat 1 MiB (2.7 vs 2.4 GB/s of GET on loopback, against 2.7 for the curl tool).
constexpr long kReceiveBuffer = 256 * 1024;
constexpr long kUploadBuffer = 2 * 1024 * 1024;
// What the transfers of one batch may hold in buffers together: every handle has its own.
// At 1 000 transfers at once the full sizes made the harness 1.1 GB for 1 MiB PUTs (each
// payload fills its handle's 2 MiB upload buffer) and 300 MB for GETs. An upload's share
// of 32 MiB (32 KiB each at N = 1 000, curl's least is 16 KiB) cost nothing measurable:
// the same PUT throughput and client CPU time. A smaller receive buffer costs the client
// CPU: curl 7.88 polls every handle of a multi handle on each pass and reads at most a
// buffer per wake-up, so at N = 1 000 GETs of 1 MiB took 20% more client CPU with 16 KiB
// buffers and moved up to 40% slower, 15% slower with 64 KiB; 128 KiB lost nothing. So
// uploads keep the full size up to 16 transfers, downloads up to 512, then their share.
constexpr long kBatchUploadBudget = 16 * kUploadBuffer;
constexpr long kLeastUploadBuffer = 16 * 1024;  // the smallest curl takes
constexpr long kBatchReceiveBudget = 512 * kReceiveBuffer;
constexpr long kLeastReceiveBuffer = 128 * 1024;
// The end of an HTTP body is read as it comes (see wake_less_often()).
constexpr std::uint64_t kTailWithoutMark = 256 * 1024;

bool iequals(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) ==
                  std::tolower(static_cast<unsigned char>(y));
         });
}

double since(detail::Clock::time_point start) {
  return std::chrono::duration<double>(detail::Clock::now() - start).count();
}

}  // namespace

std::string Transfer::header(std::string_view name) const {
  for (const auto& [k, v] : headers)
    if (iequals(k, name)) return v;
  return "";
}

namespace {
// Written once at start-up, before any thread transfers; read-only after.
StallLimits g_stall_limits;
}  // namespace

void set_default_stall_limits(StallLimits limits) {
  g_stall_limits = limits;
}
StallLimits default_stall_limits() {
  return g_stall_limits;
}

namespace detail {

Exchange::Exchange(CURL* handle, const Url& base, Protocol proto, const TransferOptions& opts)
    : curl(handle),
      protocol(proto),
      options(opts),
      pace(opts.max_bytes_per_second, opts.stall_after, opts.stall_for),
      keep_body(opts.keep_body) {
  curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, &Exchange::on_write);
  curl_easy_setopt(curl, CURLOPT_WRITEDATA, this);
  curl_easy_setopt(curl, CURLOPT_HEADERFUNCTION, &Exchange::on_header);
  curl_easy_setopt(curl, CURLOPT_HEADERDATA, this);
  receive_buffer = kReceiveBuffer;
  upload_buffer = kUploadBuffer;
  curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(curl, CURLOPT_SOCKOPTDATA, this);
  curl_easy_setopt(
      curl, CURLOPT_SOCKOPTFUNCTION, +[](void* self, curl_socket_t fd, curlsocktype) -> int {
        auto* x = static_cast<Exchange*>(self);
        x->last_socket = fd;
        if (x->connection_socket) *x->connection_socket = fd;
        return CURL_SOCKOPT_OK;
      });
  curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT_MS, 10000L);
  if (options.stall_timeout.count() > 0 || options.answer_timeout.count() > 0) {
    curl_easy_setopt(curl, CURLOPT_XFERINFOFUNCTION, &Exchange::on_progress);
    curl_easy_setopt(curl, CURLOPT_XFERINFODATA, this);
    curl_easy_setopt(curl, CURLOPT_NOPROGRESS, 0L);
  }
  if (base.has_userinfo) {
    curl_easy_setopt(curl, CURLOPT_USERNAME, base.user.c_str());
    curl_easy_setopt(curl, CURLOPT_PASSWORD, base.password.c_str());
    if (protocol == Protocol::http) curl_easy_setopt(curl, CURLOPT_HTTPAUTH, CURLAUTH_BASIC);
  }
  if (pace.has_rate()) {
    // A slow client reads (or writes) in small pieces and waits between them: see Pace.
    // curl's own speed limits let a short transfer go through in a burst (7.88), so they
    // are not used.
    const long piece = std::clamp<long>(static_cast<long>(*options.max_bytes_per_second / 64),
                                        kLeastUploadBuffer, kReceiveBuffer);
    receive_buffer = upload_buffer = piece;
  }
  curl_easy_setopt(curl, CURLOPT_BUFFERSIZE, receive_buffer);
  curl_easy_setopt(curl, CURLOPT_UPLOAD_BUFFERSIZE, upload_buffer);
  if (protocol == Protocol::http) {
    for (const auto& h : options.headers) headers = curl_slist_append(headers, h.c_str());
    curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers);
  }
}

Exchange::~Exchange() {
  curl_slist_free_all(headers);
  curl_slist_free_all(quote);
  curl_mime_free(mime);
}

void Exchange::set_body(const Payload& payload) {
  sources.push_back(std::make_unique<Source>(payload));
  body = sources.back().get();
  keep_body = true;
  curl_easy_setopt(curl, CURLOPT_UPLOAD, 1L);
  curl_easy_setopt(curl, CURLOPT_READFUNCTION, &Exchange::on_read);
  curl_easy_setopt(curl, CURLOPT_READDATA, this);
}

void Exchange::share_buffers(std::size_t transfers) {
  if (transfers <= 1) return;
  const auto n = static_cast<long>(transfers);
  receive_buffer = std::min(receive_buffer, std::max(kLeastReceiveBuffer, kBatchReceiveBudget / n));
  upload_buffer = std::min(upload_buffer, std::max(kLeastUploadBuffer, kBatchUploadBudget / n));
  curl_easy_setopt(curl, CURLOPT_BUFFERSIZE, receive_buffer);
  curl_easy_setopt(curl, CURLOPT_UPLOAD_BUFFERSIZE, upload_buffer);
}

bool Exchange::held_back(std::uint64_t moved) {
  if (!pace.limits()) return false;
  const auto until = pace.hold(moved, start, Clock::now());
  if (!until) return false;
  if (can_pause) {
    resume_at = until;
    return true;
  }
  std::this_thread::sleep_until(*until);
  last_progress = Clock::now();  // the stall rule counts from the end of the client's wait
  return false;
}

// Without it, curl polls and reads whatever has arrived, often a few KiB: one wake-up of
// the client per wake-up of the server, and on a 2-core machine the scheduler then tends
// to put both on one core. Waiting for more moved a 1 GiB loopback GET from 2.5-3.3 to
// 3.5-5.5 GB/s, past the curl tool's 3.2. A stream of unknown length (chunked HTTP) keeps
// the default: its end would never reach the mark. An FTP data connection ends with the
// server's close, which wakes the client whatever the mark; the control connection keeps
// the default: its replies are short.
//
// The mark is an eighth of the receive buffer the kernel has grown so far (at most the
// client's buffer). A mark near the buffer's size stalls: setting it then grows the buffer
// and clamps the window to the mark, so the queued data fills the window, the receiver
// advertises zero before the mark is reached, and nothing wakes the client until the
// sender's persist timer fires (seen: 16 MiB GETs of 300 ms instead of 8, a few in a
// hundred). At an eighth, the kernel changes neither, and the window stays far above it.
//
// The last 256 KiB of an HTTP body are read as they come. A server that leaves Nagle on
// holds a body's last, short segment until the client acknowledges the one before, and
// the kernel delays that ACK while unread data waits below the mark: 40 ms at the end of
// 1 GET in 20. A client reading as data comes acknowledges at once, as other clients do.
// With both rules: no stall in 800 GETs and Range GETs of 16 and 64 MiB.
void Exchange::wake_less_often() {
  if (pace.has_rate()) return;  // a slow reader reads small pieces on purpose
  const curl_socket_t fd = transfer_socket();
  if (fd == CURL_SOCKET_BAD) return;
  if (protocol == Protocol::ftp && !ftp_download) {
    // Only on a download's data connection (the socket opened last): curl also hands a
    // size query's answer to the write callback, read from the control connection.
    return;
  }
  if (protocol == Protocol::http && !body_length) return;
  // Never above what curl reads at once: past it, data left below the mark after a read
  // would wait for more to come, and a shut window sends no more.
  const auto cap = static_cast<std::uint64_t>(receive_buffer);
  std::uint64_t mark = cap;
  if (receive_lowat != static_cast<int>(cap)) {  // at the cap, no need to ask again
    int buffer = 0;
    socklen_t length = sizeof buffer;
    if (::getsockopt(fd, SOL_SOCKET, SO_RCVBUF, &buffer, &length) != 0) return;
    mark = std::clamp<std::uint64_t>(static_cast<std::uint64_t>(buffer) / 8, 1, cap);
  }
  if (body_length) {
    const auto left = *body_length - std::min(*body_length, result.body_bytes);
    if (left < mark + kTailWithoutMark) mark = 1;
  }
  const int value = static_cast<int>(mark);
  if (value == receive_lowat) return;
  if (::setsockopt(fd, SOL_SOCKET, SO_RCVLOWAT, &value, sizeof value) == 0) receive_lowat = value;
}

curl_socket_t Exchange::transfer_socket() const {
  if (last_socket != CURL_SOCKET_BAD || !connection_socket) return last_socket;
  return *connection_socket;
}

void Exchange::reset_on_close() {
  curl_socket_t fd = transfer_socket();
  if (fd == CURL_SOCKET_BAD) curl_easy_getinfo(curl, CURLINFO_ACTIVESOCKET, &fd);
  if (fd == CURL_SOCKET_BAD) return;
  linger hard{1, 0};
  ::setsockopt(fd, SOL_SOCKET, SO_LINGER, &hard, sizeof hard);
}

bool Exchange::upload_sent() const {
  return !sources.empty() &&
         std::all_of(sources.begin(), sources.end(), [](const auto& s) { return s->ended(); });
}

int Exchange::on_progress(void* self, curl_off_t, curl_off_t down, curl_off_t, curl_off_t up) {
  auto* x = static_cast<Exchange*>(self);
  const auto now = Clock::now();
  if (x->resume_at) {  // held back on purpose: the client's wait, not the server's stall
    x->last_progress = now;
    return 0;
  }
  if (!x->lines_at_upload_end && x->upload_sent()) x->lines_at_upload_end = x->header_lines;
  if (x->last_down < 0 || down != x->last_down || up != x->last_up ||
      x->header_lines != x->last_header_lines) {
    x->last_down = down;
    x->last_up = up;
    x->last_header_lines = x->header_lines;
    x->last_progress = now;
    return 0;
  }
  // After the body: waiting for the answer (the 2xx, FTP's 226), which may follow an fsync.
  const bool answer = x->lines_at_upload_end && x->header_lines == *x->lines_at_upload_end;
  const auto limit = answer ? x->options.answer_timeout : x->options.stall_timeout;
  if (limit.count() <= 0 || now - x->last_progress < limit) return 0;
  x->stalled = answer ? "no answer " + std::to_string(limit.count()) +
                            " s after the whole upload body was sent (--answer-timeout)"
                      : "stalled: no byte moved for " + std::to_string(limit.count()) +
                            " s (--stall-timeout)";
  x->reset_on_close();
  return 1;  // CURLE_ABORTED_BY_CALLBACK
}

size_t Exchange::on_read(char* buffer, size_t size, size_t count, void* self) {
  auto* x = static_cast<Exchange*>(self);
  return x->read_into(*x->body, buffer, size * count);
}

size_t Exchange::read_into(Source& source, char* buffer, size_t capacity) {
  if (result.first_send_seconds < 0) result.first_send_seconds = since(start);
  if (options.abort_after) {
    if (sent >= *options.abort_after) {
      result.aborted = true;
      reset_on_close();
      return CURL_READFUNC_ABORT;
    }
    capacity = static_cast<size_t>(std::min<std::uint64_t>(capacity, *options.abort_after - sent));
  }
  if (held_back(sent)) return CURL_READFUNC_PAUSE;  // nothing taken: it resumes where it was
  std::span<std::byte> out(reinterpret_cast<std::byte*>(buffer), capacity);
  size_t n = source.stream.fill(out);
  source.produced += n;
  if (options.hash) source.hash.update(out.first(n));
  sent += n;
  return n;
}

size_t Exchange::on_write(char* data, size_t size, size_t count, void* self) {
  auto* x = static_cast<Exchange*>(self);
  size_t n = size * count;
  auto& r = x->result;
  if (r.ttfb_seconds < 0 && n > 0) {
    r.ttfb_seconds = since(x->start);
    if (x->protocol == Protocol::http && x->result.header("Transfer-Encoding").empty()) {
      std::uint64_t length = 0;
      const auto text = x->result.header("Content-Length");
      if (std::from_chars(text.data(), text.data() + text.size(), length).ec == std::errc())
        x->body_length = length;
    }
    if (x->options.on_first_byte) x->options.on_first_byte();
  }
  if (x->options.abort_after) {  // never take in more than asked for
    n = static_cast<size_t>(std::min<std::uint64_t>(
        n, *x->options.abort_after - std::min(*x->options.abort_after, r.body_bytes)));
  }
  // Paused, curl keeps the piece and hands it over again on resuming: nothing of it is
  // counted or hashed until then.
  if (x->held_back(r.body_bytes)) return CURL_WRITEFUNC_PAUSE;
  std::span<const std::byte> piece(reinterpret_cast<const std::byte*>(data), n);
  if (x->options.hash) x->received.update(piece);
  if (x->options.on_data) x->options.on_data(piece);
  r.body_bytes += n;
  x->wake_less_often();
  if (x->keep_body && r.response_text.size() < kKeepBytes)
    r.response_text.append(data, std::min(n, kKeepBytes - r.response_text.size()));
  if (x->options.abort_after && r.body_bytes >= *x->options.abort_after) {
    r.aborted = true;
    x->reset_on_close();
    return 0;  // CURLE_WRITE_ERROR: the transfer ends here
  }
  return size * count;
}

size_t Exchange::on_header(char* data, size_t size, size_t count, void* self) {
  auto* x = static_cast<Exchange*>(self);
  ++x->header_lines;
  std::string_view line(data, size * count);
  while (!line.empty() && (line.back() == '\n' || line.back() == '\r')) line.remove_suffix(1);
  if (x->protocol == Protocol::ftp) {
    // A reply line: "213 1234", or a line of a multi-line reply.
    auto code = line.substr(0, std::min<size_t>(3, line.size()));
    auto text = line.size() > 4 ? line.substr(4) : std::string_view();
    x->result.headers.emplace_back(std::string(code), std::string(text));
  } else if (line.starts_with("HTTP/")) {
    x->result.headers.clear();  // a new response (after a 100 Continue, say)
  } else if (auto colon = line.find(':'); colon != std::string_view::npos) {
    auto value = line.substr(colon + 1);
    while (!value.empty() && value.front() == ' ') value.remove_prefix(1);
    x->result.headers.emplace_back(std::string(line.substr(0, colon)), std::string(value));
  }
  return size * count;
}

Transfer finish(Exchange& x, CURLcode code, Clock::time_point end) {
  x.result.seconds = std::chrono::duration<double>(end - x.start).count();
  x.result.curl_code = code;
  if (code != CURLE_OK) x.result.curl_error = curl_easy_strerror(code);
  if (!x.stalled.empty()) x.result.curl_error = x.stalled;
  curl_easy_getinfo(x.curl, CURLINFO_RESPONSE_CODE, &x.result.status);
  const bool hash = x.options.hash;
  if (x.body) {
    x.result.body_bytes = x.sent;
    if (hash) x.result.sha256 = x.body->hash.final_hex();
  } else if (!x.sources.empty()) {
    if (hash)
      for (auto& s : x.sources) x.result.part_sha256.push_back(s->hash.final_hex());
    x.result.body_bytes = x.sent;
  } else if (hash) {
    x.result.sha256 = x.received.final_hex();
  }
  curl_easy_reset(x.curl);  // options do not leak into the next request; the connection stays
  return std::move(x.result);
}

ConnectionShare::ConnectionShare(CURL* curl) : share_(curl_share_init()) {
  if (!share_ || curl_share_setopt(share_, CURLSHOPT_SHARE, CURL_LOCK_DATA_CONNECT) != CURLSHE_OK ||
      curl_easy_setopt(curl, CURLOPT_SHARE, share_) != CURLE_OK) {
    curl_share_cleanup(share_);
    throw Error("curl: cannot keep a client's connections in a share");
  }
}

ConnectionShare::~ConnectionShare() {
  curl_share_cleanup(share_);
}

}  // namespace detail

PreparedTransfer::PreparedTransfer(std::unique_ptr<detail::Exchange> exchange)
    : exchange_(std::move(exchange)) {}
PreparedTransfer::~PreparedTransfer() = default;
PreparedTransfer::PreparedTransfer(PreparedTransfer&&) noexcept = default;
PreparedTransfer& PreparedTransfer::operator=(PreparedTransfer&&) noexcept = default;

}  // namespace streamcheck::bench
