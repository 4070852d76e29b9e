// The accept loop every front end shares: listen, give each connection a Session on its
// own strand, refuse connections over the limit with the protocol's "busy" answer, and
// close every session on stop().
//
// A Session type provides:
//   Session(tcp::socket, Context&, std::shared_ptr<std::atomic<size_t>> active)
//     (it increments *active for its lifetime),
//   void start(), void shutdown() (from any thread),
//   static std::string_view busy_reply() (sent to a refused connection before closing),
//   static constexpr const char* kProtocol ("http", "ftp": for log lines).
#pragma once

#include <atomic>
#include <chrono>
#include <memory>
#include <mutex>
#include <string_view>
#include <vector>

#include <spdlog/spdlog.h>
#include <boost/asio/dispatch.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/write.hpp>

namespace streamcheck {

template <class Session, class Context>
class Listener {
 public:
  using tcp = boost::asio::ip::tcp;

  // Binds and listens at once (so the port is known); accepts after start(). Throws
  // boost::system::system_error when the address cannot be bound.
  Listener(boost::asio::io_context& ioc, const tcp::endpoint& at, Context& context,
           size_t max_connections)
      : ioc_(ioc),
        acceptor_(boost::asio::make_strand(ioc)),
        retry_(acceptor_.get_executor()),
        context_(context),
        max_connections_(max_connections) {
    acceptor_.open(at.protocol());
    acceptor_.set_option(boost::asio::socket_base::reuse_address(true));
    acceptor_.bind(at);
    acceptor_.listen(boost::asio::socket_base::max_listen_connections);
  }
  Listener(const Listener&) = delete;
  Listener& operator=(const Listener&) = delete;

  tcp::endpoint local_endpoint() const { return acceptor_.local_endpoint(); }

  void start() {
    boost::asio::dispatch(acceptor_.get_executor(), [this] { do_accept(); });
  }

  // Stops accepting and closes every open connection; each session aborts what it has
  // in flight. Safe from any thread, once.
  void stop() {
    boost::asio::post(acceptor_.get_executor(), [this] {
      boost::system::error_code ignored;
      acceptor_.close(ignored);
      retry_.cancel();
    });
    std::lock_guard lock(sessions_mutex_);
    for (auto& weak : sessions_)
      if (auto session = weak.lock()) session->shutdown();
    sessions_.clear();
  }

 private:
  void do_accept() {
    acceptor_.async_accept(boost::asio::make_strand(ioc_),
                           [this](boost::system::error_code ec, tcp::socket socket) {
                             on_accept(ec, std::move(socket));
                           });
  }

  void on_accept(boost::system::error_code ec, tcp::socket socket) {
    if (ec == boost::asio::error::operation_aborted || !acceptor_.is_open()) return;
    if (ec) {
      // EMFILE and the like leave the connection in the backlog, so an accept at once
      // would fail at once, in a loop that takes a core and floods the log: wait for
      // sessions to end and free descriptors, and say so once per run of failures.
      if (failed_accepts_++ == 0)
        spdlog::warn("{}: accept failed with {} connections open: {}; retrying every {} ms",
                     Session::kProtocol, active_->load(), ec.message(), kRetry.count());
      retry_.expires_after(kRetry);
      retry_.async_wait([this](boost::system::error_code wait_ec) {
        if (!wait_ec) do_accept();
      });
      return;
    }
    if (failed_accepts_ > 0) {
      spdlog::info("{}: accepting again after {} failed accepts", Session::kProtocol,
                   failed_accepts_);
      failed_accepts_ = 0;
    }
    if (active_->load() >= max_connections_) {
      refuse(std::move(socket));
    } else {
      auto session = std::make_shared<Session>(std::move(socket), context_, active_);
      {
        std::lock_guard lock(sessions_mutex_);
        std::erase_if(sessions_, [](const auto& w) { return w.expired(); });
        sessions_.push_back(session);
      }
      session->start();
    }
    do_accept();
  }

  void refuse(tcp::socket socket) {
    spdlog::warn("{}: refusing a connection: {} connections open (--max-connections)",
                 Session::kProtocol, max_connections_);
    auto s = std::make_shared<tcp::socket>(std::move(socket));
    auto reply = Session::busy_reply();
    boost::asio::async_write(*s, boost::asio::buffer(reply.data(), reply.size()),
                             [s](boost::system::error_code, size_t) {
                               boost::system::error_code ignored;
                               s->shutdown(tcp::socket::shutdown_both, ignored);
                               s->close(ignored);
                             });
  }

  static constexpr std::chrono::milliseconds kRetry{100};

  boost::asio::io_context& ioc_;
  tcp::acceptor acceptor_;
  boost::asio::steady_timer retry_;  // after a failed accept; on the acceptor's strand
  size_t failed_accepts_ = 0;        // in a row
  Context& context_;
  size_t max_connections_;
  std::shared_ptr<std::atomic<size_t>> active_ = std::make_shared<std::atomic<size_t>>(0);
  std::mutex sessions_mutex_;
  std::vector<std::weak_ptr<Session>> sessions_;
};

}  // namespace streamcheck
