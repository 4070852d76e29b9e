// The HTTP/1.1 front end: a listener that accepts connections and gives each one an
// HttpSession (http_session.hpp). Everything a session needs from outside is in
// HttpContext, shared by all sessions and outliving them.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <mutex>
#include <vector>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/thread_pool.hpp>

#include "refserver/store/store.hpp"
#include "refserver/users.hpp"

namespace streamcheck::http {

struct HttpLimits {
  size_t buffer_bytes = 256 * 1024;  // the one body buffer per connection
  uint64_t max_upload = 0;           // bytes; 0 = no limit
  size_t max_connections = 256;
  size_t header_bytes = 16 * 1024;                   // request line + fields -> 431 beyond
  size_t target_bytes = 8 * 1024;                    // request target -> 414 beyond
  size_t max_parts = 64;                             // file parts in one multipart POST
  std::chrono::milliseconds header_timeout{10'000};  // to receive a whole header block
  std::chrono::milliseconds idle_timeout{60'000};    // without progress on a body
};

struct HttpContext {
  store::Store& store;
  const Users& users;
  // Calls the store marks MAY BLOCK LONG (commit: fsync, rename) run here, never on
  // the network threads.
  boost::asio::thread_pool& blocking;
  HttpLimits limits;
};

class HttpSession;

class HttpServer {
 public:
  // Binds and listens at once (so the port is known); accepts after start().
  HttpServer(boost::asio::io_context& ioc, const boost::asio::ip::tcp::endpoint& at,
             HttpContext& context);
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  boost::asio::ip::tcp::endpoint local_endpoint() const { return acceptor_.local_endpoint(); }
  void start();
  // Stops accepting and closes every open connection; uploads in flight are aborted
  // (their staging files removed). Safe to call from any thread, once.
  void stop();

 private:
  void do_accept();
  void on_accept(boost::system::error_code ec, boost::asio::ip::tcp::socket socket);
  void refuse(boost::asio::ip::tcp::socket socket);

  boost::asio::io_context& ioc_;
  boost::asio::ip::tcp::acceptor acceptor_;
  HttpContext& context_;
  std::shared_ptr<std::atomic<size_t>> active_ = std::make_shared<std::atomic<size_t>>(0);
  std::mutex sessions_mutex_;
  std::vector<std::weak_ptr<HttpSession>> sessions_;
};

}  // namespace streamcheck::http
