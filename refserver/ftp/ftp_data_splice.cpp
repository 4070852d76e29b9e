// STOR/APPE/STOU by splice(2): the data connection's bytes go into the pipe on the
// strand and from the pipe into the upload on the blocking pool, one pipeful at a time
// (refserver/splice_pump.hpp). The transfer's end, ABOR and the idle timeout work as on
// the buffered path: a write in flight holds the end back until it has returned.
#include <cstring>

#include <boost/asio/socket_base.hpp>

#include "refserver/ftp/ftp_data.hpp"
#include "refserver/off_network.hpp"

namespace streamcheck::ftp {

namespace asio = boost::asio;

void DataChannel::do_splice_receive() {
  if (!busy()) return;
  uint64_t wanted = UINT64_MAX;  // until the client closes the data connection
  int error = 0;
  const auto state = splice_some(socket_.native_handle(), *pipe_, wanted, error);
  if (const uint64_t moved = UINT64_MAX - wanted; moved > 0) {
    bytes_ += moved;
    params_.on_progress();
  }
  switch (state) {
    case SpliceState::pipe_full:
      return flush_pipe(false);
    case SpliceState::would_block:
      if (pipe_->worth_emptying()) return flush_pipe(false);
      return wait_readable();
    case SpliceState::eof:
      if (pipe_->held > 0) return flush_pipe(true);
      return finish({TransferEnd::Kind::complete, ""});
    case SpliceState::failed:
      return finish(
          {TransferEnd::Kind::aborted, std::string("data connection: ") + std::strerror(error)});
    case SpliceState::done:  // never: `wanted` does not run out
      return flush_pipe(false);
  }
}

void DataChannel::wait_readable() {
  // A one-byte peek rather than async_wait: Asio tries a read at once and then on every
  // readiness, where a bare wait on an edge-triggered epoll could miss the last bytes
  // of a stream if they came in before it was queued.
  socket_.async_receive(
      asio::buffer(&peeked_, 1), asio::socket_base::message_peek,
      [self = shared_from_this()](error_code ec, size_t) {
        if (!self->busy()) return;
        if (ec && ec != asio::error::eof)
          return self->finish({TransferEnd::Kind::aborted, "data connection: " + ec.message()});
        self->do_splice_receive();  // at eof, splice says so too
      });
}

void DataChannel::flush_pipe(bool last) {
  writing_ = true;
  const size_t bytes = std::exchange(pipe_->held, 0);
  auto status = std::make_shared<store::Status>();
  // finish() holds the end back until on_written, so the upload outlives the write; the
  // pipe is held here too, for a transfer that ends meanwhile drops its own.
  run_off_network(
      *pool_, strand_,
      [upload = upload_.get(), pipe = pipe_, bytes, status] {
        *status = upload->write_from_pipe(pipe->read_end(), bytes);
      },
      [self = shared_from_this(), status, last] { self->on_written(std::move(*status), last); });
}

}  // namespace streamcheck::ftp
