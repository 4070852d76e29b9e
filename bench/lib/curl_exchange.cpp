#include "bench/lib/curl_exchange.hpp"

#include <sys/socket.h>

#include <poll.h>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <map>
#include <thread>

#include "bench/lib/error.hpp"

namespace streamcheck::bench {
namespace {

// curl 7.88's FTP client can sit in its own 1 s poll between the EPSV reply and the data
// connect (seen here on every server, often), because no socket or timer wakes it. FTP
// transfers and concurrent batches drive a multi handle themselves with this short poll,
// which bounds that wait: at 5 ms a REST+RETR of 16 MiB still lost 5 ms of its 6 to it.
// A wake-up a millisecond costs nothing measurable while a transfer waits.
constexpr int kPollMs = 1;
constexpr size_t kKeepBytes = 64 * 1024;
// Buffers large enough that the client is not what limits a loopback transfer (few
// calls per MiB) and small enough to stay in a core's L2 cache: on a 2-core VM, 256 KiB
// beat 1 MiB (2.7 vs 2.4 GB/s of GET on loopback, against 2.7 for the curl tool).
constexpr long kReceiveBuffer = 256 * 1024;
constexpr long kUploadBuffer = 2 * 1024 * 1024;
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
    : curl(handle), protocol(proto), options(opts), keep_body(opts.keep_body) {
  curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, &Exchange::on_write);
  curl_easy_setopt(curl, CURLOPT_WRITEDATA, this);
  curl_easy_setopt(curl, CURLOPT_HEADERFUNCTION, &Exchange::on_header);
  curl_easy_setopt(curl, CURLOPT_HEADERDATA, this);
  curl_easy_setopt(curl, CURLOPT_BUFFERSIZE, kReceiveBuffer);
  curl_easy_setopt(curl, CURLOPT_UPLOAD_BUFFERSIZE, kUploadBuffer);
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
  if (options.max_bytes_per_second) {
    // A slow client reads (or writes) in small pieces and waits between them: see
    // throttle(). curl's own speed limits let a short transfer go through in a burst
    // (7.88), so they are not used.
    const long piece = std::clamp<long>(static_cast<long>(*options.max_bytes_per_second / 64),
                                        16 * 1024, kReceiveBuffer);
    curl_easy_setopt(curl, CURLOPT_BUFFERSIZE, piece);
    curl_easy_setopt(curl, CURLOPT_UPLOAD_BUFFERSIZE, piece);
  }
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

void Exchange::throttle(std::uint64_t moved) const {
  if (!options.max_bytes_per_second || *options.max_bytes_per_second == 0) return;
  const auto due =
      start + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(
                  static_cast<double>(moved) / static_cast<double>(*options.max_bytes_per_second)));
  if (due > Clock::now()) std::this_thread::sleep_until(due);
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
  if (options.max_bytes_per_second) return;  // a slow reader reads small pieces on purpose
  const curl_socket_t fd = transfer_socket();
  if (fd == CURL_SOCKET_BAD) return;
  if (protocol == Protocol::ftp && !ftp_download) {
    // Only on a download's data connection (the socket opened last): curl also hands a
    // size query's answer to the write callback, read from the control connection.
    return;
  }
  if (protocol == Protocol::http && !body_length) return;
  std::uint64_t mark = kReceiveBuffer;
  if (receive_lowat != static_cast<int>(kReceiveBuffer)) {  // at the cap, no need to ask again
    int buffer = 0;
    socklen_t length = sizeof buffer;
    if (::getsockopt(fd, SOL_SOCKET, SO_RCVBUF, &buffer, &length) != 0) return;
    mark = std::clamp<std::uint64_t>(static_cast<std::uint64_t>(buffer) / 8, 1, kReceiveBuffer);
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
  throttle(sent);
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
  x->throttle(r.body_bytes);
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

CURLcode perform(Exchange& x) {
  if (!x.multi) return curl_easy_perform(x.curl);
  // The owner's multi, polled briefly (kPollMs); the control connection (and its login)
  // stays in the owner's share between transfers.
  if (CURLMcode mc = curl_multi_add_handle(x.multi, x.curl); mc != CURLM_OK)
    throw Error(std::string("curl_multi_add_handle: ") + curl_multi_strerror(mc));
  CURLcode result = CURLE_RECV_ERROR;
  int running = 1;
  while (running > 0) {
    CURLMcode mc = curl_multi_perform(x.multi, &running);
    if (mc == CURLM_OK && running > 0) mc = curl_multi_poll(x.multi, nullptr, 0, kPollMs, nullptr);
    if (mc != CURLM_OK) {
      curl_multi_remove_handle(x.multi, x.curl);
      throw Error(std::string("curl multi: ") + curl_multi_strerror(mc));
    }
  }
  int left = 0;
  while (CURLMsg* msg = curl_multi_info_read(x.multi, &left))
    if (msg->msg == CURLMSG_DONE && msg->easy_handle == x.curl) result = msg->data.result;
  curl_multi_remove_handle(x.multi, x.curl);
  return result;
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

Transfer run(PreparedTransfer transfer) {
  auto& x = transfer.exchange();
  x.start = detail::Clock::now();
  const CURLcode code = detail::perform(x);
  return detail::finish(x, code, detail::Clock::now());
}

std::vector<Transfer> run_concurrently(std::vector<PreparedTransfer> transfers) {
  for (size_t i = 0; i < transfers.size(); ++i)
    for (size_t j = 0; j < i; ++j)
      if (transfers[i].exchange().curl == transfers[j].exchange().curl)
        throw Error("run_concurrently: two transfers on the same client (use one client each)");
  CURLM* multi = curl_multi_init();
  if (!multi) throw Error("curl_multi_init failed");
  std::map<CURL*, std::pair<CURLcode, detail::Clock::time_point>> done;
  const auto start = detail::Clock::now();
  for (auto& t : transfers) {
    t.exchange().start = start;
    curl_multi_add_handle(multi, t.exchange().curl);
  }
  int running = static_cast<int>(transfers.size());
  while (running > 0) {
    CURLMcode mc = curl_multi_perform(multi, &running);
    if (mc == CURLM_OK && running > 0) mc = curl_multi_poll(multi, nullptr, 0, kPollMs, nullptr);
    if (mc != CURLM_OK) {
      curl_multi_cleanup(multi);
      throw Error(std::string("curl multi: ") + curl_multi_strerror(mc));
    }
    int left = 0;
    while (CURLMsg* msg = curl_multi_info_read(multi, &left)) {
      if (msg->msg == CURLMSG_DONE)
        done[msg->easy_handle] = {msg->data.result, detail::Clock::now()};
    }
  }
  std::vector<Transfer> results;
  for (auto& t : transfers) {
    auto& x = t.exchange();
    curl_multi_remove_handle(multi, x.curl);
    auto it = done.find(x.curl);
    if (it == done.end()) {
      results.push_back(detail::finish(x, CURLE_RECV_ERROR, detail::Clock::now()));
    } else {
      results.push_back(detail::finish(x, it->second.first, it->second.second));
    }
  }
  curl_multi_cleanup(multi);
  return results;
}

}  // namespace streamcheck::bench
