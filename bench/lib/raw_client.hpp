// A raw TCP client for exact protocol tests and hostile input: it sends exactly the
// bytes it is given and reads exactly what comes back, with a timeout on every wait,
// so a test can send what no well-behaved client library would (a lying
// Content-Length, a malformed chunk, a command before login) and see the answer.
//
// Blocking sockets with poll(2) timeouts; one connection per object; the fd is closed
// by the destructor. Failures to connect or send throw Error; a peer that closes is
// not an error: reads report it.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace streamcheck::bench {

using namespace std::chrono_literals;

struct RawHttpResponse {
  int status = 0;
  std::string reason;
  std::vector<std::pair<std::string, std::string>> headers;  // in order, names as sent
  std::string body;  // up to the body limit given to read_http_response
  // Value of the first header with this name (case-insensitive); "" when absent.
  std::string header(std::string_view name) const;
};

class RawConnection {
 public:
  // Connects to host:port (a numeric address). `from` binds the local end to another
  // loopback address first (e.g. "127.0.0.2", to test address checks).
  RawConnection(const std::string& host, std::uint16_t port,
                std::optional<std::string> from = std::nullopt,
                std::chrono::milliseconds timeout = 10s);
  ~RawConnection();
  RawConnection(const RawConnection&) = delete;
  RawConnection& operator=(const RawConnection&) = delete;

  // Sends all of `bytes`; false when the peer has closed or reset the connection.
  bool send(std::string_view bytes);
  // Half-closes: the peer reads end of stream.
  void shutdown_write();
  // Closes with a TCP reset (SO_LINGER 0), as a crashed client would.
  void reset();

  // One line ending in "\n" (returned without "\r\n"), or nullopt on close or timeout.
  std::optional<std::string> read_line(std::chrono::milliseconds timeout = 10s);
  // Parses one HTTP/1.1 response: status line, headers, and a body framed by
  // Content-Length, chunked encoding, or the close. Keeps at most `body_limit` bytes of
  // body (the rest is read and dropped). nullopt on close before a status line or on a
  // timeout. `head` says the request was HEAD (no body follows).
  std::optional<RawHttpResponse> read_http_response(std::chrono::milliseconds timeout = 10s,
                                                    bool head = false, size_t body_limit = 1 << 20);
  // True when the peer closes (end of stream or reset) within `timeout`, dropping any
  // bytes that arrive first.
  bool wait_closed(std::chrono::milliseconds timeout = 10s);

  int fd() const { return fd_; }
  std::uint16_t local_port() const;

 private:
  // Fills buffer_ with more bytes; false on close, error or timeout.
  bool fill(std::chrono::steady_clock::time_point deadline);
  std::optional<std::string> take_line(std::chrono::steady_clock::time_point deadline);
  bool take_bytes(size_t n, std::string* out, size_t limit,
                  std::chrono::steady_clock::time_point deadline);

  int fd_ = -1;
  std::string buffer_;  // received and not yet consumed
  bool eof_ = false;
};

}  // namespace streamcheck::bench
