// HTTP transfers on libcurl, for measuring a server: every body is a generated
// payload streamed up, or a download hashed on the fly, never held whole.
//
// One HttpClient holds one curl easy handle, so consecutive requests reuse the
// connection (keep-alive), as a real client would. Buffers are large so the client is
// not the bottleneck. Credentials come from the base URL's userinfo.
//
// Every call returns a Transfer; transport failures (refused, reset, aborted on
// purpose) are reported in it, not thrown: a test decides what they mean.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "bench/lib/payload.hpp"
#include "bench/lib/url.hpp"

typedef void CURL;

namespace streamcheck::bench {

struct Transfer {
  long status = 0;               // HTTP status (0 when no response came)
  int curl_code = 0;             // CURLcode; 0 = the exchange completed
  std::string curl_error;        // curl's message when curl_code != 0
  std::uint64_t body_bytes = 0;  // payload bytes sent (uploads) or body bytes received
  std::string sha256;            // hex SHA-256 of those bytes
  double seconds = 0;            // request start to the end
  double ttfb_seconds = -1;      // request start to the first body byte (downloads)
  std::string response_text;     // the response body of an upload or error (first 64 KiB);
                                 // for downloads only when keep_body is set
  std::vector<std::pair<std::string, std::string>> headers;  // response headers
  std::vector<std::string> part_sha256;  // multipart uploads: SHA-256 of each file sent

  bool completed() const { return curl_code == 0; }
  std::string header(std::string_view name) const;  // case-insensitive; "" when absent
};

struct Payload {
  std::uint64_t seed = 1;
  std::uint64_t size = 0;
  PayloadKind kind = PayloadKind::random;
};

struct TransferOptions {
  // Abort the transfer (from the data callback) once this many body bytes have moved.
  std::optional<std::uint64_t> abort_after;
  // Limit the client's speed (bytes per second), for slow-reader and slow-writer cases.
  std::optional<std::uint64_t> max_bytes_per_second;
  // Called once, inside the write callback, when the first body byte of a download
  // arrives: the client reads nothing more until it returns (e.g. to sample the
  // server's counters at that moment).
  std::function<void()> on_first_byte;
  // Extra request headers, "Name: value".
  std::vector<std::string> headers;
  // Keep up to 64 KiB of a download's body in response_text.
  bool keep_body = false;
};

struct MultipartFile {
  std::string field = "file";
  std::string filename;
  Payload payload;
};

class HttpClient {
 public:
  explicit HttpClient(const Url& base);
  ~HttpClient();
  HttpClient(const HttpClient&) = delete;
  HttpClient& operator=(const HttpClient&) = delete;

  // `path` is appended to the base URL's scheme and authority, as given (encode it).
  Transfer get(std::string_view path, const TransferOptions& options = {});
  // A single byte range [first, last].
  Transfer get_range(std::string_view path, std::uint64_t first, std::uint64_t last,
                     const TransferOptions& options = {});
  Transfer head(std::string_view path, const TransferOptions& options = {});
  // With chunked, no Content-Length is sent (Transfer-Encoding: chunked).
  Transfer put(std::string_view path, const Payload& payload, bool chunked = false,
               const TransferOptions& options = {});
  // multipart/form-data; with unknown_size, the parts' sizes are not given to curl and
  // the request goes chunked.
  Transfer post_multipart(std::string_view path, const std::vector<MultipartFile>& files,
                          bool unknown_size = false, const TransferOptions& options = {});
  Transfer remove(std::string_view path, const TransferOptions& options = {});
  Transfer mkcol(std::string_view path, const TransferOptions& options = {});
  Transfer custom(std::string_view method, std::string_view path,
                  const TransferOptions& options = {});

  // Drops the kept-alive connection, so the next request opens a new one.
  void forget_connection();

 private:
  struct Exchange;
  Transfer perform(Exchange& exchange, const TransferOptions& options);
  std::string url_for(std::string_view path) const;

  Url base_;
  CURL* curl_ = nullptr;
};

}  // namespace streamcheck::bench
