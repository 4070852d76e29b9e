#include "refserver/ftp/ftp_data.hpp"

#include <random>

#include <spdlog/spdlog.h>
#include <boost/asio/post.hpp>
#include <boost/asio/write.hpp>

#include "refserver/drop_unsent.hpp"
#include "refserver/ftp/ftp_address.hpp"
#include "refserver/off_network.hpp"
#include "refserver/sendfile_pump.hpp"

namespace streamcheck::ftp {

namespace asio = boost::asio;

DataChannel::DataChannel(asio::any_io_executor strand)
    : strand_(strand), socket_(strand), open_timer_(strand) {}

DataChannel::~DataChannel() = default;

std::shared_ptr<DataChannel> DataChannel::listen(asio::any_io_executor strand,
                                                 const asio::ip::address& local,
                                                 const PortRange& ports,
                                                 const asio::ip::address& peer) {
  auto channel = std::make_shared<DataChannel>(strand);
  channel->peer_ = unmapped(peer);
  channel->local_ = local;
  auto& acceptor = channel->acceptor_.emplace(strand);
  acceptor.open(local.is_v6() ? Tcp::v6() : Tcp::v4());
  if (ports.low == 0) {
    acceptor.bind({local, 0});
  } else {
    // Start at a random port of the range so concurrent sessions rarely collide.
    unsigned span = ports.high - ports.low + 1u;
    unsigned start = std::random_device{}() % span;
    error_code ec;
    for (unsigned i = 0; i < span; ++i) {
      auto port = static_cast<uint16_t>(ports.low + (start + i) % span);
      acceptor.bind({local, port}, ec);
      if (!ec) break;
    }
    if (ec) throw boost::system::system_error(ec, "no free passive port in range");
  }
  acceptor.listen(1);
  return channel;
}

std::shared_ptr<DataChannel> DataChannel::connect_to(asio::any_io_executor strand,
                                                     const Tcp::endpoint& target,
                                                     const asio::ip::address& local) {
  auto channel = std::make_shared<DataChannel>(strand);
  channel->target_ = target;
  channel->local_ = local;
  return channel;
}

uint16_t DataChannel::port() const {
  error_code ec;
  return acceptor_ ? acceptor_->local_endpoint(ec).port() : 0;
}

void DataChannel::open(std::function<void()> then) {
  bytes_ = 0;
  open_timer_.expires_after(params_.timeout);
  open_timer_.async_wait([self = shared_from_this()](error_code ec) {
    if (ec || !self->busy() || self->socket_.is_open()) return;
    self->finish({TransferEnd::Kind::no_connection, "no data connection within the timeout"});
  });
  auto handler = [self = shared_from_this(), then = std::move(then)](error_code ec) mutable {
    self->on_accepted(ec, std::move(then));
  };
  if (acceptor_) {
    acceptor_->async_accept(socket_, std::move(handler));
  } else {
    error_code ec;
    socket_.open(target_->protocol(), ec);
    if (!ec) socket_.bind({local_, 0}, ec);
    if (ec) return finish({TransferEnd::Kind::no_connection, "data socket: " + ec.message()});
    socket_.async_connect(*target_, std::move(handler));
  }
}

void DataChannel::on_accepted(error_code ec, std::function<void()> then) {
  if (!busy()) return;
  open_timer_.cancel();
  if (ec) return finish({TransferEnd::Kind::no_connection, "data connection: " + ec.message()});
  if (acceptor_) {
    error_code gone, ignored;
    auto from = socket_.remote_endpoint(gone).address();
    acceptor_->close(ignored);
    // Reset by the client while it waited to be accepted: a transfer that ended, not a
    // connection from elsewhere (it has no address left to judge by).
    if (gone)
      return finish({TransferEnd::Kind::aborted, "data connection reset before it was accepted"});
    if (unmapped(from) != peer_)  // RFC 2577: no data connection stealing
      return finish({TransferEnd::Kind::no_connection,
                     "data connection from " + from.to_string() +
                         " refused: only the control connection's address may connect"});
  }
  error_code ignored;
  socket_.native_non_blocking(true, ignored);
  socket_.set_option(Tcp::no_delay(true), ignored);
  then();
}

void DataChannel::finish(TransferEnd end) {
  if (!busy() || pending_) return;
  error_code ignored;
  open_timer_.cancel();
  if (acceptor_) acceptor_->close(ignored);
  socket_.shutdown(Tcp::socket::shutdown_both, ignored);
  socket_.close(ignored);
  if (writing_) {
    // The pool is still writing from the buffer into the upload: both stay as they are
    // until it returns (on_written comes back here).
    pending_ = std::move(end);
    return;
  }
  object_.reset();
  pipe_.reset();  // closed once no write holds it; an aborted upload's bytes go with it
  text_.clear();
  end.bytes = bytes_;
  if (end.kind == TransferEnd::Kind::complete && upload_ && received_)
    received_(std::move(upload_));
  upload_.reset();  // anything not handed on is aborted: its staging file goes
  received_ = nullptr;
  auto done = std::move(params_.done);
  params_ = {};
  done(std::move(end));
}

void DataChannel::abort(std::string why) {
  finish({TransferEnd::Kind::aborted, std::move(why)});
}

void DataChannel::abort_stalled(std::string why) {
  drop_unsent_on_close(socket_);
  abort(std::move(why));
}

void DataChannel::send_file(std::unique_ptr<store::Object> object, uint64_t offset, bool ascii,
                            Params p) {
  params_ = std::move(p);
  object_ = std::move(object);
  offset_ = static_cast<off_t>(offset);
  remaining_ = object_->size() - offset;
  ascii_ = ascii;
  open([this] { ascii_ || object_->fd() < 0 ? do_send_buffered() : do_sendfile(); });
}

void DataChannel::do_sendfile() {
  if (!busy()) return;
  auto state = sendfile_some(socket_.native_handle(), object_->fd(), offset_, remaining_,
                             [this](uint64_t n) {
                               bytes_ += n;
                               params_.on_progress();
                             });
  switch (state) {
    case SendfileState::yield:
      asio::post(strand_, [self = shared_from_this()] { self->do_sendfile(); });
      return;
    case SendfileState::would_block:
      socket_.async_wait(Tcp::socket::wait_write, [self = shared_from_this()](error_code ec) {
        if (!self->busy()) return;
        if (ec)
          return self->finish({TransferEnd::Kind::aborted, "data connection: " + ec.message()});
        self->do_sendfile();
      });
      return;
    case SendfileState::failed:
      return finish({TransferEnd::Kind::aborted,
                     "data connection closed by the client, or the object ended early"});
    case SendfileState::done:
      return finish({TransferEnd::Kind::complete, ""});
  }
}

void DataChannel::do_send_buffered() {
  if (!busy()) return;
  if (remaining_ == 0) return finish({TransferEnd::Kind::complete, ""});
  // ASCII reads into the back half and converts into the whole buffer: LF -> CRLF at
  // most doubles.
  auto half = params_.buffer.size() / 2;
  auto in = ascii_ ? params_.buffer.subspan(half, std::min<uint64_t>(half, remaining_))
                   : params_.buffer.first(std::min<uint64_t>(params_.buffer.size(), remaining_));
  auto n = object_->read_at(static_cast<uint64_t>(offset_), in);
  if (!n || *n == 0) return finish({TransferEnd::Kind::store_error, "read failed", n.status()});
  offset_ += static_cast<off_t>(*n);
  remaining_ -= *n;
  auto out = ascii_ ? to_ascii_.convert(in.first(*n), params_.buffer).produced : *n;
  asio::async_write(
      socket_, asio::buffer(params_.buffer.data(), out),
      [self = shared_from_this()](error_code ec, size_t written) {
        if (!self->busy()) return;
        if (ec)
          return self->finish({TransferEnd::Kind::aborted, "data connection: " + ec.message()});
        self->bytes_ += written;
        self->params_.on_progress();
        self->do_send_buffered();
      });
}

void DataChannel::send_text(std::string text, Params p) {
  params_ = std::move(p);
  text_ = std::move(text);
  open([this] { do_send_text(); });
}

void DataChannel::do_send_text() {
  asio::async_write(
      socket_, asio::buffer(text_), [self = shared_from_this()](error_code ec, size_t written) {
        if (!self->busy()) return;
        self->bytes_ += written;
        if (ec)
          return self->finish({TransferEnd::Kind::aborted, "data connection: " + ec.message()});
        self->finish({TransferEnd::Kind::complete, ""});
      });
}

void DataChannel::receive(std::unique_ptr<store::Upload> upload, bool ascii, Params p,
                          asio::thread_pool& pool, size_t pipe_bytes,
                          std::function<void(std::unique_ptr<store::Upload>)> received) {
  params_ = std::move(p);
  upload_ = std::move(upload);
  received_ = std::move(received);
  pool_ = &pool;
  filled_ = 0;
  ascii_ = ascii;
  from_ascii_ = FromNetworkAscii();
  pipe_.reset();
  if (pipe_bytes > 0 && !ascii && upload_->takes_pipe()) {
    std::string why;
    pipe_ = make_splice_pipe(pipe_bytes, why);
    if (!pipe_) spdlog::debug("ftp: upload through the buffer: {}", why);
  } else if (pipe_bytes > 0) {
    spdlog::debug("ftp: upload through the buffer: {}",
                  ascii ? "TYPE A converts every byte" : "the store looks at every byte");
  }
  open([this] { pipe_ ? do_splice_receive() : do_receive(); });
}

void DataChannel::do_receive() {
  // ASCII converts in place: read at [filled+1, ...), convert into [filled, ...)
  // (CRLF -> LF; the byte of slack is for a CR held back from the read before).
  auto into = params_.buffer.subspan(filled_ + (ascii_ ? 1 : 0));
  socket_.async_read_some(
      asio::buffer(into.data(), into.size()),
      [self = shared_from_this()](error_code ec, size_t n) { self->on_received(ec, n); });
}

void DataChannel::on_received(error_code ec, size_t n) {
  if (!busy()) return;
  if (n > 0) {
    bytes_ += n;
    params_.on_progress();
    filled_ += ascii_ ? from_ascii_
                            .convert(params_.buffer.subspan(filled_ + 1, n),
                                     params_.buffer.subspan(filled_))
                            .produced
                      : n;
  }
  const bool eof = ec == asio::error::eof;
  if (ec && !eof) return finish({TransferEnd::Kind::aborted, "data connection: " + ec.message()});
  // A CR held back at the end of the stream has room: every read starts with at least
  // two bytes free after `filled_` (see `full`).
  if (eof && ascii_ && from_ascii_.has_pending_cr())
    filled_ += from_ascii_.finish(params_.buffer.subspan(filled_));
  // Only a full buffer goes to the store (or what is left at the end): one trip to the
  // pool per buffer, whatever size the socket's reads come in. In ASCII the buffer is
  // full one byte early, so that the next read still has its byte of slack.
  const size_t full = params_.buffer.size() - (ascii_ ? 1 : 0);
  if (filled_ >= full || (eof && filled_ > 0)) return do_write(eof);
  if (eof) return finish({TransferEnd::Kind::complete, ""});
  do_receive();
}

void DataChannel::do_write(bool last) {
  writing_ = true;
  auto piece = params_.buffer.first(filled_);
  filled_ = 0;
  // The upload and the buffer outlive the write: finish() holds the end of the
  // transfer (and so the buffer's session) back until on_written.
  auto status = std::make_shared<store::Status>();
  run_off_network(
      *pool_, strand_, [upload = upload_.get(), piece, status] { *status = upload->write(piece); },
      [self = shared_from_this(), status, last] { self->on_written(std::move(*status), last); });
}

void DataChannel::on_written(store::Status status, bool last) {
  writing_ = false;
  if (pending_) {
    auto end = std::move(*pending_);
    pending_.reset();
    return finish(std::move(end));
  }
  if (!busy()) return;
  if (!status) return finish({TransferEnd::Kind::store_error, status.message(), status});
  if (last) return finish({TransferEnd::Kind::complete, ""});
  pipe_ ? do_splice_receive() : do_receive();
}

}  // namespace streamcheck::ftp
