#include "refserver/ftp/ftp_data.hpp"

#include <random>

#include <boost/asio/post.hpp>
#include <boost/asio/write.hpp>

#include "refserver/drop_unsent.hpp"
#include "refserver/ftp/ftp_address.hpp"
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
  if (!busy()) return;
  error_code ignored;
  open_timer_.cancel();
  if (acceptor_) acceptor_->close(ignored);
  socket_.shutdown(Tcp::socket::shutdown_both, ignored);
  socket_.close(ignored);
  object_.reset();
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
                          std::function<void(std::unique_ptr<store::Upload>)> received) {
  params_ = std::move(p);
  upload_ = std::move(upload);
  received_ = std::move(received);
  ascii_ = ascii;
  from_ascii_ = FromNetworkAscii();
  open([this] { do_receive(); });
}

void DataChannel::do_receive() {
  // ASCII converts in place: read at [1, n+1), convert into [0, ...) (CRLF -> LF).
  auto into = ascii_ ? params_.buffer.subspan(1) : params_.buffer;
  socket_.async_read_some(
      asio::buffer(into.data(), into.size()),
      [self = shared_from_this()](error_code ec, size_t n) { self->on_received(ec, n); });
}

void DataChannel::on_received(error_code ec, size_t n) {
  if (!busy()) return;
  std::span<const std::byte> chunk;
  if (n > 0) {
    bytes_ += n;
    params_.on_progress();
    if (ascii_) {
      auto converted = from_ascii_.convert(params_.buffer.subspan(1, n), params_.buffer);
      chunk = params_.buffer.first(converted.produced);
    } else {
      chunk = params_.buffer.first(n);
    }
  }
  if (ec == asio::error::eof && ascii_ && from_ascii_.has_pending_cr())
    chunk = params_.buffer.first(from_ascii_.finish(params_.buffer));
  if (!chunk.empty()) {
    if (auto st = upload_->write(chunk); !st)
      return finish({TransferEnd::Kind::store_error, st.message(), st});
  }
  if (ec == asio::error::eof) return finish({TransferEnd::Kind::complete, ""});
  if (ec) return finish({TransferEnd::Kind::aborted, "data connection: " + ec.message()});
  do_receive();
}

}  // namespace streamcheck::ftp
