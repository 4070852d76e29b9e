// Framing of an HTTP session: read a header, dispatch, send a response, keep alive or
// close; bodies through the fixed buffer; the watchdog. Method handlers live in
// http_get.cpp, http_put.cpp, http_post.cpp and http_dav.cpp.
#include "refserver/http/http_session.hpp"
#include "refserver/drop_unsent.hpp"
#include "refserver/off_network.hpp"

#include <spdlog/spdlog.h>
#include <boost/asio/dispatch.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/string.hpp>

#include <algorithm>

namespace streamcheck::http {

namespace asio = boost::asio;
using beast_http::field;
using beast_http::status;

namespace {
constexpr std::string_view kServerName = "streamcheck-refserver/0.1";
constexpr std::string_view kContinue = "HTTP/1.1 100 Continue\r\n\r\n";
// A close that follows an unread request body reads (and drops) what the client is
// still sending for this long, so that it sees our answer rather than a reset.
constexpr std::chrono::milliseconds kLingerTime{2000};
constexpr size_t kSocketReadBytes = 64 * 1024;
}  // namespace

HttpSession::HttpSession(asio::ip::tcp::socket socket, HttpContext& context,
                         std::shared_ptr<std::atomic<size_t>> active)
    : socket_(std::move(socket)),
      ctx_(context),
      active_(std::move(active)),
      watchdog_(socket_.get_executor()) {
  ++*active_;
  // Beast sizes each socket read by the buffer's free capacity (512 bytes at least, 64 KiB
  // at most): without room reserved, a body arrives 512 bytes per recv().
  read_buffer_.reserve(kSocketReadBytes);
}

HttpSession::~HttpSession() {
  --*active_;
}

std::string_view HttpSession::busy_reply() {
  return "HTTP/1.1 503 Service Unavailable\r\nContent-Type: text/plain\r\nContent-Length: 30\r\n"
         "Connection: close\r\nRetry-After: 1\r\n\r\ntoo many connections, retry.\r\n";
}

void HttpSession::start() {
  asio::dispatch(socket_.get_executor(), [self = shared_from_this()] {
    error_code ec;
    // sendfile(2) on this socket must return EAGAIN rather than block a network thread.
    self->socket_.native_non_blocking(true, ec);
    // A body's last piece is mostly smaller than a segment: Nagle would hold it until the
    // client acknowledged the piece before, which a client may delay by 40 ms (seen: about
    // one 16 MiB GET in 300 at 0.3 GB/s instead of 3). Headers go out whole anyway.
    self->socket_.set_option(asio::ip::tcp::no_delay(true), ec);
    self->watchdog_.expires_at(Clock::time_point::max());
    self->do_watchdog();
    self->do_read_header();
  });
}

void HttpSession::shutdown() {
  asio::post(socket_.get_executor(), [self = shared_from_this()] { self->close(); });
}

void HttpSession::arm(std::chrono::milliseconds timeout) {
  deadline_ = Clock::now() + timeout;
  if (deadline_ < watchdog_.expiry()) {
    watchdog_.expires_at(deadline_);  // cancels the pending wait
    do_watchdog();
  }
}

void HttpSession::do_watchdog() {
  watchdog_.async_wait([self = shared_from_this()](error_code ec) {
    if (ec == asio::error::operation_aborted || self->closed_) return;
    if (Clock::now() >= self->deadline_) {
      spdlog::debug("http: closing a connection that timed out");
      drop_unsent_on_close(self->socket_);
      self->close();
      return;
    }
    self->watchdog_.expires_at(self->deadline_);
    self->do_watchdog();
  });
}

void HttpSession::do_read_header() {
  parser_.emplace();
  limit_request_parser(*parser_, ctx_.limits.header_bytes, ctx_.limits.max_upload);
  response_.reset();
  close_after_response_ = false;
  body_consumed_ = false;
  status_code_ = 0;
  body_bytes_ = 0;
  arm(ctx_.limits.header_timeout);
  beast_http::async_read_header(
      socket_, read_buffer_, *parser_,
      [self = shared_from_this()](error_code ec, size_t) { self->on_read_header(ec); });
}

void HttpSession::on_read_header(error_code ec) {
  started_ = Clock::now();
  if (ec == beast_http::error::end_of_stream || ec == asio::error::eof ||
      ec == asio::error::operation_aborted || ec == asio::error::connection_reset ||
      ec == asio::error::bad_descriptor || closed_)
    return close();
  if (ec) {
    auto rejection = rejection_for_parse_error(ec);
    return send_error(rejection.status, rejection.why);
  }
  // The server's own rules on what Beast parsed (request_head.hpp).
  if (auto rejection = check_request_head(request(), ctx_.limits.target_bytes))
    return send_error(rejection->status, rejection->why);
  dispatch();
}

void HttpSession::dispatch() {
  switch (request().method()) {
    case beast_http::verb::get:
      return handle_get(false);
    case beast_http::verb::head:
      return handle_get(true);
    case beast_http::verb::put:
      return handle_put();
    case beast_http::verb::post:
      return handle_post();
    case beast_http::verb::delete_:
      return handle_delete();
    case beast_http::verb::mkcol:
      return handle_mkcol();
    case beast_http::verb::options:
      return handle_options();
    case beast_http::verb::propfind:
      return handle_propfind();
    case beast_http::verb::proppatch:
      return handle_proppatch();
    case beast_http::verb::copy:
      return handle_copy_move(false);
    case beast_http::verb::move:
      return handle_copy_move(true);
    case beast_http::verb::lock:
      return handle_lock();
    case beast_http::verb::unlock:
      return handle_unlock();
    default: {
      auto res = make_response(status::method_not_allowed);
      res.set(field::allow, dav_allow());
      res.body() = "method not supported here\n";
      return send(std::move(res));
    }
  }
}

HttpSession::Response HttpSession::make_response(status s) const {
  Response res{s, 11};
  res.set(field::server, kServerName);
  res.set(field::date, format_http_date(std::time(nullptr)));
  return res;
}

void HttpSession::send_error(status s, std::string_view why) {
  auto res = make_response(s);
  res.set(field::content_type, "text/plain; charset=utf-8");
  res.body() = std::string(why) + "\n";
  if (s == status::unauthorized)
    res.set(field::www_authenticate, "Basic realm=\"streamcheck\", charset=\"UTF-8\"");
  // After a framing error the stream can no longer be trusted.
  if (s == status::bad_request || s == status::request_header_fields_too_large ||
      s == status::uri_too_long || s == status::payload_too_large || s == status::not_implemented)
    close_after_response_ = true;
  send(std::move(res));
}

void HttpSession::send(Response res) {
  bool head = parser_ && parser_->is_header_done() && request().method() == beast_http::verb::head;
  // A request body we did not read would be taken for the next request.
  if (!parser_ || !parser_->is_header_done() || !(parser_->is_done() || body_consumed_) ||
      !request().keep_alive())
    close_after_response_ = true;
  res.keep_alive(!close_after_response_);
  res.prepare_payload();
  if (head) res.body().clear();  // keeps the Content-Length of the GET it mirrors
  status_code_ = res.result_int();
  response_.emplace(std::move(res));
  beast_http::async_write(
      socket_, *response_,
      [self = shared_from_this()](error_code ec, size_t n) { self->on_sent(ec, n); });
}

void HttpSession::on_sent(error_code ec, size_t) {
  if (ec) return close();
  finish_request();
}

void HttpSession::finish_request() {
  log_access();
  if (close_after_response_) {
    error_code ignored;
    socket_.shutdown(asio::ip::tcp::socket::shutdown_send, ignored);
    if (!body_buffer_) body_buffer_.reset(new std::byte[ctx_.limits.buffer_bytes]);
    arm(kLingerTime);
    // Drain until the peer closes or the linger time is up; then close.
    if (!closed_) drain_until_closed();
    return;
  }
  do_read_header();
}

// Each read holds the session by its own handler. (A std::function that held itself, and
// cleared itself when done, destroyed the capture it went on to use: ThreadSanitizer
// found the use after free when the session was already closed at the first call.)
void HttpSession::drain_until_closed() {
  socket_.async_read_some(asio::buffer(body_buffer_.get(), ctx_.limits.buffer_bytes),
                          [self = shared_from_this()](error_code ec, size_t) {
                            if (ec || self->closed_) return self->close();
                            self->drain_until_closed();
                          });
}

void HttpSession::close() {
  if (closed_) return;
  closed_ = true;
  error_code ignored;
  socket_.shutdown(asio::ip::tcp::socket::shutdown_both, ignored);
  socket_.close(ignored);
  watchdog_.cancel();
  // An upload not committed is aborted (its staging file removed) once no piece of it
  // is being written any more.
  dav_stop_.request_stop();
  upload_.reset();
  multipart_.reset();
  splice_.reset();
  on_chunk_ = nullptr;
  object_.reset();
}

void HttpSession::log_access() const {
  if (!parser_ || !parser_->is_header_done()) return;
  auto ms = std::chrono::duration<double, std::milli>(Clock::now() - started_).count();
  spdlog::info("{} {} {} {} {:.1f}ms", std::string_view(request().method_string()),
               std::string_view(request().target()), status_code_, body_bytes_, ms);
}

bool HttpSession::authorized() {
  auto header = request()[field::authorization];
  if (auto creds = parse_basic_auth(header);
      creds && ctx_.users.check(creds->user, creds->password))
    return true;
  send_error(status::unauthorized, header.empty() ? "this method needs a user (HTTP Basic)"
                                                  : "wrong user name or password");
  return false;
}

std::optional<store::ObjectPath> HttpSession::request_path() {
  std::string_view target = request().target();
  // absolute-form (RFC 9112 §3.2.2): drop the scheme and authority.
  if (auto scheme = target.find("://"); scheme != std::string_view::npos && target[0] != '/') {
    auto slash = target.find('/', scheme + 3);
    target = slash == std::string_view::npos ? "/" : target.substr(slash);
  }
  if (target.empty() || target[0] != '/') {
    send_error(status::bad_request, "request target must be an absolute path");
    return std::nullopt;
  }
  auto decoded = decode_target_path(target);
  if (!decoded) {
    send_error(status::bad_request, "bad percent-encoding (or an encoded NUL) in the target");
    return std::nullopt;
  }
  auto path = ctx_.store.parse_path(*decoded);
  if (!path) {
    send_error(status_for(path.status().code()), path.status().message());
    return std::nullopt;
  }
  return std::move(path).value();
}

Preconditions HttpSession::preconditions() const {
  auto get = [&](field f) -> std::optional<std::string_view> {
    auto it = request().find(f);
    if (it == request().end()) return std::nullopt;
    return std::string_view(it->value());
  };
  return {get(field::if_match), get(field::if_none_match), get(field::if_modified_since),
          get(field::if_unmodified_since)};
}

void HttpSession::read_body(ChunkHandler on_chunk, std::function<void()> on_end) {
  on_chunk_ = std::move(on_chunk);
  on_body_end_ = std::move(on_end);
  if (!body_buffer_) body_buffer_.reset(new std::byte[ctx_.limits.buffer_bytes]);
  body_filled_ = 0;
  if (parser_->is_done()) return end_body();
  if (boost::beast::iequals(request()[field::expect], "100-continue"))
    return send_continue_then([this] { do_read_body(); });
  do_read_body();
}

void HttpSession::end_body() {
  on_chunk_ = nullptr;  // its share of the upload: the upload is the handler's from here
  on_body_end_();
}

void HttpSession::send_continue_then(std::function<void()> next) {
  asio::async_write(socket_, asio::buffer(kContinue.data(), kContinue.size()),
                    [self = shared_from_this(), next = std::move(next)](error_code ec, size_t) {
                      if (ec) return self->close();
                      next();
                    });
}

void HttpSession::do_read_body() {
  auto& body = parser_->get().body();
  body.data = body_buffer_.get() + body_filled_;
  body.size = ctx_.limits.buffer_bytes - body_filled_;
  body.more = true;
  arm(ctx_.limits.idle_timeout);
  // read_some, not read: each socket read re-arms the idle timeout, so a slow but
  // steady client is not cut off while the buffer fills.
  beast_http::async_read_some(
      socket_, read_buffer_, *parser_,
      [self = shared_from_this()](error_code ec, size_t) { self->on_read_body(ec); });
}

void HttpSession::on_read_body(error_code ec) {
  if (ec == beast_http::error::need_buffer) ec = {};
  if (closed_) return;
  if (ec == beast_http::error::body_limit) {
    upload_.reset();
    multipart_.reset();
    return send_error(status::payload_too_large, "request body over --max-upload");
  }
  if (ec == beast_http::error::partial_message || ec == asio::error::eof ||
      ec == asio::error::connection_reset || ec == asio::error::operation_aborted ||
      ec == beast_http::error::end_of_stream) {
    spdlog::info("{} {}: client went away mid-body after {} bytes; upload aborted",
                 std::string_view(request().method_string()), std::string_view(request().target()),
                 body_bytes_);
    return close();
  }
  if (ec) {
    upload_.reset();
    multipart_.reset();
    return send_error(status::bad_request, "malformed request body: " + ec.message());
  }
  size_t filled = ctx_.limits.buffer_bytes - parser_->get().body().size;
  body_bytes_ += filled - body_filled_;
  body_filled_ = filled;
  bool done = parser_->is_done();
  // Only a full buffer is written (or the last piece): one trip to the pool per
  // buffer_bytes, whatever size the socket reads come in.
  if (body_filled_ == ctx_.limits.buffer_bytes || (done && body_filled_ > 0)) {
    std::span<const std::byte> piece(body_buffer_.get(), body_filled_);
    body_filled_ = 0;
    return write_body_piece(piece, done);
  }
  if (done) return end_body();
  do_read_body();
}

void HttpSession::write_body_piece(std::span<const std::byte> piece, bool last) {
  // The socket is not read while the piece is written: the buffer is in use, and a slow
  // disk must slow this client only (the kernel's receive buffer, then TCP's window,
  // hold it back). The session (and so body_buffer_) lives until `done` has run.
  auto error = std::make_shared<std::optional<BodyError>>();
  run_blocking([on_chunk = on_chunk_, piece, error] { *error = on_chunk(piece); },
               [this, error, last] {
                 if (*error) {
                   upload_.reset();
                   multipart_.reset();
                   on_chunk_ = nullptr;
                   return send_error((*error)->status, (*error)->why);
                 }
                 if (last) return end_body();
                 do_read_body();
               });
}

void HttpSession::run_blocking(std::function<void()> work, std::function<void()> done) {
  deadline_ = Clock::time_point::max();  // no timeout while the store works
  run_off_network(ctx_.blocking, socket_.get_executor(), std::move(work),
                  [self = shared_from_this(), done = std::move(done)] {
                    if (!self->closed_) done();
                  });
}

}  // namespace streamcheck::http
