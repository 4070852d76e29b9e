// One FTP data connection and the transfer on it, in the shape of the HTTP session:
// it owns its socket, runs on the control session's strand (so ABOR and STAT see a
// consistent state without locks), and reports the end of a transfer once, through
// the callback it was given. Nothing grows with the payload: bytes move through the
// control session's one fixed buffer, or by sendfile(2) from the object's fd.
//
// Uploads: the buffer is filled from the socket (or, by splice, a pipe; see receive()),
// then written to the store on the blocking pool (a write may block as long as the disk likes, and
// must not hold a network thread); the socket is read again once the write has returned. A transfer
// that ends while a write is running (ABOR, a lost connection) closes its socket at
// once but reports its end only when the write has returned: the buffer and the
// upload are then free, and the upload aborted, before anyone hears of the end.
//
// Passive (PASV/EPSV): listen() opens a listener; a connection from any address other
// than the control connection's peer is refused and the transfer fails (RFC 2577).
// Active (PORT/EPRT): connect_to() connects from the control connection's local
// address to a target the session has already checked.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/thread_pool.hpp>

#include "refserver/ftp/ascii_convert.hpp"
#include "refserver/ftp/ftp_context.hpp"
#include "refserver/splice_pump.hpp"
#include "refserver/store/store.hpp"

namespace streamcheck::ftp {

using error_code = boost::system::error_code;

// How a transfer ended, for the session's final reply.
struct TransferEnd {
  enum class Kind {
    complete,       // all bytes moved; for uploads: a clean end of the data stream
    no_connection,  // the data connection could not be had (425)
    aborted,        // ABOR, a reset data connection, a timeout (426)
    store_error,    // the store refused a write (status says why)
  };
  Kind kind = Kind::complete;
  std::string why;
  store::Status status;
  uint64_t bytes = 0;  // bytes moved on the data connection
};

class DataChannel : public std::enable_shared_from_this<DataChannel> {
 public:
  using Tcp = boost::asio::ip::tcp;
  using Done = std::function<void(TransferEnd)>;

  // Opens a passive listener on `local` (port 0 or a port of `ports`), accepting only
  // connections from `peer`. Throws boost::system::system_error when no port is free.
  static std::shared_ptr<DataChannel> listen(boost::asio::any_io_executor strand,
                                             const boost::asio::ip::address& local,
                                             const PortRange& ports,
                                             const boost::asio::ip::address& peer);
  // A channel that will connect to `target` from `local` when a transfer starts.
  static std::shared_ptr<DataChannel> connect_to(boost::asio::any_io_executor strand,
                                                 const Tcp::endpoint& target,
                                                 const boost::asio::ip::address& local);

  explicit DataChannel(boost::asio::any_io_executor strand);
  ~DataChannel();
  DataChannel(const DataChannel&) = delete;
  DataChannel& operator=(const DataChannel&) = delete;

  // The passive listener's port (0 for an active channel).
  uint16_t port() const;

  // Every transfer: opens the data connection (accept or connect, within `timeout`),
  // moves the bytes, closes the connection, then calls `done` once. `on_progress` is
  // called as bytes move (the session's idle watchdog).
  struct Params {
    std::span<std::byte> buffer;
    std::chrono::milliseconds timeout;
    std::function<void()> on_progress;
    Done done;
  };
  // RETR: the object from `offset`; by sendfile in binary, converted in ASCII, through
  // the buffer when the object has no fd.
  void send_file(std::unique_ptr<store::Object> object, uint64_t offset, bool ascii, Params p);
  // STOR/APPE/STOU: into `upload` until the client closes the data connection, each
  // write on `pool`. The upload is handed back through `received` (on complete only)
  // for the session to commit; on any other end it is aborted here. In binary, with
  // `pipe_bytes` > 0 and an upload that takes a pipe, the bytes go socket -> pipe -> file
  // by splice(2) and never through the buffer (refserver/splice_pump.hpp).
  void receive(std::unique_ptr<store::Upload> upload, bool ascii, Params p,
               boost::asio::thread_pool& pool, size_t pipe_bytes,
               std::function<void(std::unique_ptr<store::Upload>)> received);
  // LIST/NLST/MLSD: a listing already formatted.
  void send_text(std::string text, Params p);

  // ABOR or the end of the session: stops what is in flight; `done` gets `aborted`,
  // at once, or when a store write still running has returned.
  void abort(std::string why);
  // The idle timeout: as abort(), and what is queued for a peer that stopped reading is
  // dropped with a reset rather than left to the kernel (refserver/drop_unsent.hpp).
  void abort_stalled(std::string why);
  bool busy() const { return static_cast<bool>(params_.done); }
  uint64_t bytes_moved() const { return bytes_; }

 private:
  void open(std::function<void()> then);
  void on_accepted(error_code ec, std::function<void()> then);
  void finish(TransferEnd end);
  void do_sendfile();
  void do_send_buffered();  // TYPE A, or an object with no fd (--legacy read-ahead)
  void do_send_text();
  void do_receive();
  void on_received(error_code ec, size_t n);
  void do_write(bool last);
  void on_written(store::Status status, bool last);
  // The splice path (ftp_data_splice.cpp).
  void do_splice_receive();
  void wait_readable();
  void flush_pipe(bool last);

  boost::asio::any_io_executor strand_;
  std::optional<Tcp::acceptor> acceptor_;
  boost::asio::ip::address peer_;        // passive: the only address allowed to connect
  std::optional<Tcp::endpoint> target_;  // active: where to connect
  boost::asio::ip::address local_;
  Tcp::socket socket_;
  boost::asio::steady_timer open_timer_;

  Params params_;
  uint64_t bytes_ = 0;
  // send_file
  std::unique_ptr<store::Object> object_;
  off_t offset_ = 0;
  uint64_t remaining_ = 0;
  bool ascii_ = false;
  ToNetworkAscii to_ascii_;
  // receive
  std::unique_ptr<store::Upload> upload_;
  boost::asio::thread_pool* pool_ = nullptr;
  size_t filled_ = 0;                   // bytes of the buffer waiting for the store
  bool writing_ = false;                // a write of the buffer is running on pool_
  std::optional<TransferEnd> pending_;  // an end that waits for that write
  FromNetworkAscii from_ascii_;
  std::shared_ptr<SplicePipe> pipe_;  // the splice path's; null on the buffered one
  std::byte peeked_{};                // where wait_readable's one-byte peek lands
  std::function<void(std::unique_ptr<store::Upload>)> received_;
  // send_text / ascii send: bytes of the buffer (or text_) waiting to be written
  std::string text_;
  size_t text_offset_ = 0;
};

}  // namespace streamcheck::ftp
