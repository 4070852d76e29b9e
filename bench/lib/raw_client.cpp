#include "bench/lib/raw_client.hpp"
#include "bench/lib/ftp_reply.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "bench/lib/error.hpp"

namespace streamcheck::bench {
namespace {

using Clock = std::chrono::steady_clock;

sockaddr_in make_address(const std::string& host, std::uint16_t port) {
  sockaddr_in sa{};
  sa.sin_family = AF_INET;
  sa.sin_port = htons(port);
  if (inet_pton(AF_INET, host.c_str(), &sa.sin_addr) != 1)
    throw Error("raw client: \"" + host + "\" is not a numeric IPv4 address");
  return sa;
}

bool iequals(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) ==
                  std::tolower(static_cast<unsigned char>(y));
         });
}

int remaining_ms(Clock::time_point deadline) {
  auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
  return static_cast<int>(std::max<long long>(0, left.count()));
}

}  // namespace

std::string RawHttpResponse::header(std::string_view name) const {
  for (const auto& [k, v] : headers)
    if (iequals(k, name)) return v;
  return "";
}

RawConnection::RawConnection(const std::string& host, std::uint16_t port,
                             std::optional<std::string> from, std::chrono::milliseconds timeout) {
  fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd_ < 0) throw_errno(errno, "socket", host);
  if (from) {
    auto local = make_address(*from, 0);
    if (::bind(fd_, reinterpret_cast<sockaddr*>(&local), sizeof local) != 0) {
      int err = errno;
      ::close(fd_);
      throw_errno(err, "bind", *from);
    }
  }
  auto sa = make_address(host, port);
  // A blocking connect on loopback answers at once (accept or refuse); the timeout
  // matters only for the reads that follow.
  (void)timeout;
  if (::connect(fd_, reinterpret_cast<sockaddr*>(&sa), sizeof sa) != 0) {
    int err = errno;
    ::close(fd_);
    throw_errno(err, "connect", host + ":" + std::to_string(port));
  }
  int one = 1;
  ::setsockopt(fd_, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
}

RawConnection::~RawConnection() {
  if (fd_ >= 0) ::close(fd_);
}

bool RawConnection::send(std::string_view bytes) {
  while (!bytes.empty()) {
    ssize_t n = ::send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    bytes.remove_prefix(static_cast<size_t>(n));
  }
  return true;
}

void RawConnection::shutdown_write() {
  ::shutdown(fd_, SHUT_WR);
}

void RawConnection::reset() {
  linger l{1, 0};
  ::setsockopt(fd_, SOL_SOCKET, SO_LINGER, &l, sizeof l);
  ::close(fd_);
  fd_ = -1;
}

std::uint16_t RawConnection::local_port() const {
  sockaddr_in sa{};
  socklen_t len = sizeof sa;
  ::getsockname(fd_, reinterpret_cast<sockaddr*>(&sa), &len);
  return ntohs(sa.sin_port);
}

bool RawConnection::fill(Clock::time_point deadline) {
  if (eof_ || fd_ < 0) return false;
  pollfd p{fd_, POLLIN, 0};
  int r = ::poll(&p, 1, remaining_ms(deadline));
  if (r <= 0) return false;
  char chunk[65536];
  ssize_t n = ::recv(fd_, chunk, sizeof chunk, 0);
  if (n <= 0) {
    eof_ = true;
    return false;
  }
  buffer_.append(chunk, static_cast<size_t>(n));
  return true;
}

std::optional<std::string> RawConnection::take_line(Clock::time_point deadline) {
  for (;;) {
    if (auto line = pop_line(buffer_)) return line;  // ftp_reply.hpp
    if (!fill(deadline)) return std::nullopt;
  }
}

bool RawConnection::take_bytes(size_t n, std::string* out, size_t limit,
                               Clock::time_point deadline) {
  while (n > 0) {
    if (buffer_.empty() && !fill(deadline)) return false;
    size_t take = std::min(n, buffer_.size());
    if (out && out->size() < limit) out->append(buffer_, 0, std::min(take, limit - out->size()));
    buffer_.erase(0, take);
    n -= take;
  }
  return true;
}

std::optional<std::string> RawConnection::read_line(std::chrono::milliseconds timeout) {
  return take_line(Clock::now() + timeout);
}

std::optional<RawHttpResponse> RawConnection::read_http_response(std::chrono::milliseconds timeout,
                                                                 bool head, size_t body_limit) {
  auto deadline = Clock::now() + timeout;
  RawHttpResponse res;
  for (;;) {  // 1xx interim responses are skipped
    auto status_line = take_line(deadline);
    if (!status_line) return std::nullopt;
    // "HTTP/1.1 200 OK"
    if (status_line->size() < 12 || status_line->compare(0, 5, "HTTP/") != 0)
      throw Error("raw client: not an HTTP status line: \"" + status_line->substr(0, 80) + "\"");
    res.status = std::atoi(status_line->c_str() + 9);
    res.reason = status_line->size() > 13 ? status_line->substr(13) : "";
    res.headers.clear();
    for (;;) {
      auto line = take_line(deadline);
      if (!line) return std::nullopt;
      if (line->empty()) break;
      auto colon = line->find(':');
      if (colon == std::string::npos) continue;
      std::string value = line->substr(colon + 1);
      value.erase(0, value.find_first_not_of(" \t"));
      res.headers.emplace_back(line->substr(0, colon), value);
    }
    if (res.status >= 200) break;
  }
  if (head || res.status == 204 || res.status == 304) return res;
  if (iequals(res.header("Transfer-Encoding"), "chunked")) {
    for (;;) {
      auto size_line = take_line(deadline);
      if (!size_line) return std::nullopt;
      size_t size = std::stoul(*size_line, nullptr, 16);
      if (size == 0) {
        while (auto trailer = take_line(deadline))
          if (trailer->empty()) break;
        return res;
      }
      if (!take_bytes(size, &res.body, body_limit, deadline)) return std::nullopt;
      take_line(deadline);  // the CRLF after the chunk
    }
  }
  if (auto cl = res.header("Content-Length"); !cl.empty()) {
    if (!take_bytes(std::stoull(cl), &res.body, body_limit, deadline)) return std::nullopt;
    return res;
  }
  while (fill(deadline)) {
  }
  take_bytes(buffer_.size(), &res.body, body_limit, deadline);
  return res;
}

bool RawConnection::wait_closed(std::chrono::milliseconds timeout) {
  auto deadline = Clock::now() + timeout;
  while (!eof_) {
    if (!fill(deadline) && !eof_) return false;
    buffer_.clear();
  }
  return true;
}

}  // namespace streamcheck::bench
