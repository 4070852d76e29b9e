#include "refserver/http/http_server.hpp"

#include <spdlog/spdlog.h>
#include <boost/asio/post.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/write.hpp>

#include "refserver/http/http_session.hpp"

namespace streamcheck::http {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;

HttpServer::HttpServer(asio::io_context& ioc, const tcp::endpoint& at, HttpContext& context)
    : ioc_(ioc), acceptor_(asio::make_strand(ioc)), context_(context) {
  acceptor_.open(at.protocol());
  acceptor_.set_option(asio::socket_base::reuse_address(true));
  acceptor_.bind(at);
  acceptor_.listen(asio::socket_base::max_listen_connections);
}

void HttpServer::start() {
  asio::dispatch(acceptor_.get_executor(), [this] { do_accept(); });
}

void HttpServer::do_accept() {
  acceptor_.async_accept(asio::make_strand(ioc_),
                         [this](boost::system::error_code ec, tcp::socket socket) {
                           on_accept(ec, std::move(socket));
                         });
}

void HttpServer::on_accept(boost::system::error_code ec, tcp::socket socket) {
  if (ec == asio::error::operation_aborted || !acceptor_.is_open()) return;
  if (ec) {
    // EMFILE and friends: say so and keep accepting; the client sees a reset.
    spdlog::warn("http: accept failed: {}", ec.message());
  } else if (active_->load() >= context_.limits.max_connections) {
    refuse(std::move(socket));
  } else {
    auto session = std::make_shared<HttpSession>(std::move(socket), context_, active_);
    {
      std::lock_guard lock(sessions_mutex_);
      std::erase_if(sessions_, [](const auto& w) { return w.expired(); });
      sessions_.push_back(session);
    }
    session->start();
  }
  do_accept();
}

void HttpServer::refuse(tcp::socket socket) {
  static constexpr std::string_view kBusy =
      "HTTP/1.1 503 Service Unavailable\r\nContent-Type: text/plain\r\nContent-Length: 30\r\n"
      "Connection: close\r\nRetry-After: 1\r\n\r\ntoo many connections, retry.\r\n";
  spdlog::warn("http: refusing a connection: --max-connections {} reached",
               context_.limits.max_connections);
  auto s = std::make_shared<tcp::socket>(std::move(socket));
  asio::async_write(*s, asio::buffer(kBusy.data(), kBusy.size()),
                    [s](boost::system::error_code, size_t) {
                      boost::system::error_code ignored;
                      s->shutdown(tcp::socket::shutdown_both, ignored);
                      s->close(ignored);
                    });
}

void HttpServer::stop() {
  asio::post(acceptor_.get_executor(), [this] {
    boost::system::error_code ignored;
    acceptor_.close(ignored);
  });
  std::lock_guard lock(sessions_mutex_);
  for (auto& weak : sessions_)
    if (auto session = weak.lock()) session->shutdown();
  sessions_.clear();
}

}  // namespace streamcheck::http
