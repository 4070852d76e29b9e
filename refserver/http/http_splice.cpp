// A PUT body by splice(2): socket -> pipe on the strand, pipe -> staging file on the
// blocking pool, a pipeful at a time (refserver/splice_pump.hpp). The payload never
// enters user space. Beast's parser has read the header; from there this reads the body
// itself: a Content-Length body is spliced whole; a chunked one has its framing read
// (peeked, then consumed to the byte) by a ChunkedDecoder and only the chunk data
// spliced. Bytes that came in with the header are written from the read buffer first.
// Limits, timeouts, the atomic commit and aborts are the buffered path's.
#include <sys/socket.h>

#include <cstring>

#include <spdlog/spdlog.h>
#include <boost/asio/socket_base.hpp>
#include <boost/beast/core/string.hpp>

#include "refserver/http/http_session.hpp"

namespace streamcheck::http {

namespace asio = boost::asio;
using beast_http::field;
using beast_http::status;

namespace {
// Framing is peeked this much at a time: a chunk-size line is short, and what is
// peeked past it is payload, left in the socket for splice.
constexpr size_t kFramingPeekBytes = 256;
}  // namespace

std::shared_ptr<SplicePipe> HttpSession::receive_pipe(const store::Upload& upload) {
  if (ctx_.splice_pipe_bytes == 0) return nullptr;
  std::string why = "the store looks at every byte";
  if (upload.takes_pipe()) {
    // The session's pipe serves its next upload too, unless one that failed left bytes in
    // it: a body that ended early closes the connection, so that is rare.
    if (!pipe_ || !pipe_->empty()) pipe_ = make_splice_pipe(ctx_.splice_pipe_bytes, why);
    if (pipe_) {
      pipe_->held = 0;
      return pipe_;
    }
  }
  spdlog::debug("{} {}: body through the buffer: {}", std::string_view(request().method_string()),
                std::string_view(request().target()), why);
  return nullptr;
}

void HttpSession::splice_body(std::shared_ptr<SplicePipe> pipe, std::function<void()> on_end) {
  on_body_end_ = std::move(on_end);
  auto& body = splice_.emplace();
  body.pipe = std::move(pipe);
  body.chunked = request().chunked();
  if (!body.chunked) body.length_left = parser_->content_length().value_or(0);
  if (!write_leftover()) return;  // it goes on once the leftover is written
  if (boost::beast::iequals(request()[field::expect], "100-continue"))
    return send_continue_then([this] { do_splice(); });
  do_splice();
}

bool HttpSession::write_leftover() {
  auto& body = *splice_;
  auto data = read_buffer_.data();
  std::span<char> buffered(static_cast<char*>(data.data()), data.size());
  size_t consumed = 0, payload = 0;
  if (body.chunked) {
    auto decoded = decode_in_place(body.decoder, buffered);
    consumed = decoded.consumed;
    payload = decoded.payload;
  } else {
    consumed = payload = static_cast<size_t>(std::min<uint64_t>(body.length_left, buffered.size()));
    body.length_left -= payload;
  }
  if (consumed == 0) return true;
  body_bytes_ += payload;
  if (payload == 0) {
    read_buffer_.consume(consumed);
    return true;
  }
  // The read buffer is not touched until the write has returned: the socket is not read
  // meanwhile, and the next header is read only after the body.
  std::span<const std::byte> piece(reinterpret_cast<const std::byte*>(buffered.data()), payload);
  auto error = std::make_shared<std::optional<BodyError>>();
  run_blocking(
      [upload = upload_, piece, error] {
        if (auto st = upload->write(piece); !st)
          *error = BodyError{status_for(st.code()), st.message()};
      },
      [this, error, consumed] {
        read_buffer_.consume(consumed);
        if (*error) return fail_splice(std::move(**error));
        do_splice();
      });
  return false;
}

void HttpSession::do_splice() {
  if (closed_) return;
  auto& body = *splice_;
  arm(ctx_.limits.idle_timeout);
  const int fd = socket_.native_handle();
  for (;;) {
    if (body.chunked && body.decoder.state() == ChunkedDecoder::State::framing) {
      char framing[kFramingPeekBytes];
      const ssize_t n = ::recv(fd, framing, sizeof framing, MSG_PEEK);
      if (n == 0) return client_went_away();
      if (n < 0) {
        if (errno == EINTR) continue;
        if (errno == EAGAIN) return wait_or_flush();
        return client_went_away();
      }
      const size_t taken = body.decoder.consume_framing({framing, static_cast<size_t>(n)});
      // The framing bytes are in the socket: this takes exactly them.
      if (taken > 0 && ::recv(fd, framing, taken, 0) != static_cast<ssize_t>(taken))
        return client_went_away();
      if (ctx_.limits.max_upload && body.decoder.payload_announced() > ctx_.limits.max_upload)
        return fail_splice({status::payload_too_large, "request body over --max-upload"});
      continue;
    }
    if (body.chunked && body.decoder.state() == ChunkedDecoder::State::error)
      return fail_splice({status::bad_request, "malformed chunked body: " + body.decoder.error()});
    if (body.chunked && body.decoder.state() == ChunkedDecoder::State::done) break;
    uint64_t wanted = body.chunked ? body.decoder.payload_left() : body.length_left;
    if (wanted == 0) break;  // a Content-Length body, all of it in the pipe or written
    const uint64_t asked = wanted;
    int error = 0;
    const auto state = splice_some(fd, *body.pipe, wanted, error);
    if (const uint64_t moved = asked - wanted; moved > 0) {
      body_bytes_ += moved;
      arm(ctx_.limits.idle_timeout);
      if (body.chunked) {
        body.decoder.payload_consumed(moved);
      } else {
        body.length_left = wanted;
      }
    }
    switch (state) {
      case SpliceState::done:
        continue;  // the next chunk's framing, or the end
      case SpliceState::pipe_full:
        return flush_pipe(false);
      case SpliceState::would_block:
        return wait_or_flush();
      case SpliceState::eof:
      case SpliceState::failed:
        return client_went_away();
    }
  }
  body_consumed_ = true;  // the next request starts right after the body
  if (body.pipe->held > 0) return flush_pipe(true);
  end_splice_body();
}

void HttpSession::wait_or_flush() {
  if (splice_->pipe->worth_emptying()) return flush_pipe(false);
  // A one-byte peek rather than async_wait: Asio tries a read at once and then on every
  // readiness, where a bare wait on an edge-triggered epoll could miss the last bytes of
  // a body if they came in before it was queued.
  socket_.async_receive(asio::buffer(&peeked_, 1), asio::socket_base::message_peek,
                        [self = shared_from_this()](error_code ec, size_t) {
                          if (self->closed_) return;
                          if (ec) return self->client_went_away();
                          self->do_splice();
                        });
}

void HttpSession::flush_pipe(bool last) {
  const size_t bytes = std::exchange(splice_->pipe->held, 0);
  auto error = std::make_shared<std::optional<BodyError>>();
  run_blocking(
      [upload = upload_, pipe = splice_->pipe, bytes, error] {
        if (auto st = upload->write_from_pipe(pipe->read_end(), bytes); !st)
          *error = BodyError{status_for(st.code()), st.message()};
      },
      [this, error, last] {
        if (*error) return fail_splice(std::move(**error));
        if (last) return end_splice_body();
        do_splice();
      });
}

void HttpSession::end_splice_body() {
  splice_.reset();  // the pipe is empty: back to the pool
  on_body_end_();
}

void HttpSession::fail_splice(BodyError error) {
  upload_.reset();
  splice_.reset();
  send_error(error.status, error.why);
}

void HttpSession::client_went_away() {
  spdlog::info("{} {}: client went away mid-body after {} bytes; upload aborted",
               std::string_view(request().method_string()), std::string_view(request().target()),
               body_bytes_);
  close();
}

}  // namespace streamcheck::http
