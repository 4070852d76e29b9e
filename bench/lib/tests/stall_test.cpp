// A server that stops moving bytes without closing: the transfer fails with a message
// saying so, after TransferOptions' stall or answer timeout, instead of hanging the
// harness. The servers here are real sockets that misbehave on purpose (the refserver
// has no such mode: its idle timeout closes).
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <functional>
#include <string>
#include <thread>

#include "bench/lib/http_client.hpp"
#include "bench/lib/url.hpp"

namespace streamcheck::bench {
namespace {

using namespace std::chrono_literals;

// Listens on 127.0.0.1, serves one connection with `serve(fd)`, then holds it open
// until destroyed (so only the client's own limits can end the transfer).
class MisbehavingServer {
 public:
  explicit MisbehavingServer(std::function<void(int)> serve) {
    listener_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof addr;
    if (::bind(listener_, reinterpret_cast<sockaddr*>(&addr), len) != 0 ||
        ::listen(listener_, 1) != 0 ||
        ::getsockname(listener_, reinterpret_cast<sockaddr*>(&addr), &len) != 0)
      throw std::runtime_error("cannot listen on 127.0.0.1");
    port_ = ntohs(addr.sin_port);
    thread_ = std::thread([this, serve = std::move(serve)] {
      conn_ = ::accept4(listener_, nullptr, nullptr, SOCK_CLOEXEC);
      if (conn_ < 0) return;
      serve(conn_);
      while (!done_) std::this_thread::sleep_for(10ms);
    });
  }
  ~MisbehavingServer() {
    done_ = true;
    ::shutdown(listener_, SHUT_RDWR);  // wakes accept() if no client came
    thread_.join();
    if (conn_ >= 0) ::close(conn_);
    ::close(listener_);
  }
  Url url() const { return parse_url("http://127.0.0.1:" + std::to_string(port_) + "/"); }

 private:
  int listener_ = -1;
  int conn_ = -1;
  std::uint16_t port_ = 0;
  std::atomic<bool> done_{false};
  std::thread thread_;
};

// Reads until the end of the request's header block; returns what came after it.
std::string read_header_block(int fd) {
  std::string got;
  char buf[4096];
  while (got.find("\r\n\r\n") == std::string::npos) {
    const auto n = ::recv(fd, buf, sizeof buf, 0);
    if (n <= 0) return "";
    got.append(buf, static_cast<std::size_t>(n));
  }
  return got.substr(got.find("\r\n\r\n") + 4);
}

void send_all(int fd, const std::string& text) {
  for (std::size_t off = 0; off < text.size();) {
    const auto n = ::send(fd, text.data() + off, text.size() - off, MSG_NOSIGNAL);
    if (n <= 0) return;
    off += static_cast<std::size_t>(n);
  }
}

double seconds_since(std::chrono::steady_clock::time_point t) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t).count();
}

TEST(Stall, ADownloadThatStopsMidBodyFailsAfterTheStallTimeout) {
  MisbehavingServer server([](int fd) {
    read_header_block(fd);
    send_all(fd, "HTTP/1.1 200 OK\r\nContent-Length: 10000000\r\n\r\n" + std::string(1000, 'x'));
  });
  HttpClient client(server.url());
  TransferOptions o;
  o.stall_timeout = 1s;
  const auto start = std::chrono::steady_clock::now();
  const auto t = client.get("/big", o);
  EXPECT_FALSE(t.completed());
  EXPECT_EQ(t.body_bytes, 1000u);
  EXPECT_EQ(t.curl_error, "stalled: no byte moved for 1 s (--stall-timeout)");
  EXPECT_LT(seconds_since(start), 10);
}

TEST(Stall, AnUploadTheServerStopsReadingFailsAfterTheStallTimeout) {
  MisbehavingServer server([](int fd) { read_header_block(fd); });  // reads no body
  HttpClient client(server.url());
  TransferOptions o;
  o.stall_timeout = 1s;
  const auto t = client.put("/big", Payload{1, 256ull << 20, PayloadKind::random}, false, o);
  EXPECT_FALSE(t.completed());
  EXPECT_LT(t.body_bytes, 256ull << 20);
  EXPECT_EQ(t.curl_error, "stalled: no byte moved for 1 s (--stall-timeout)");
}

TEST(Stall, NoAnswerAfterTheWholeBodyFailsAfterTheAnswerTimeoutNotTheStallOne) {
  constexpr std::uint64_t kBody = 1 << 20;
  MisbehavingServer server([](int fd) {
    std::uint64_t got = read_header_block(fd).size();
    char buf[65536];
    while (got < kBody) {  // the whole body, then silence: a server fsyncing forever
      const auto n = ::recv(fd, buf, sizeof buf, 0);
      if (n <= 0) return;
      got += static_cast<std::uint64_t>(n);
    }
  });
  HttpClient client(server.url());
  TransferOptions o;
  o.stall_timeout = 2s;  // above curl's 1 s wait for a "100 Continue" that never comes
  o.answer_timeout = 4s;
  const auto start = std::chrono::steady_clock::now();
  const auto t = client.put("/file", Payload{2, kBody, PayloadKind::random}, false, o);
  const double took = seconds_since(start);
  EXPECT_FALSE(t.completed());
  EXPECT_EQ(t.curl_error, "no answer 4 s after the whole upload body was sent (--answer-timeout)");
  EXPECT_GE(took, 4.0);
  EXPECT_LT(took, 15.0);
}

}  // namespace
}  // namespace streamcheck::bench
