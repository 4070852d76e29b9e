// HTTP transfers on libcurl, for measuring a server (the Transfer, Payload and option
// types are in transfer.hpp, shared with the FTP client).
//
// One HttpClient holds one curl easy handle, so consecutive requests reuse the
// connection (keep-alive), as a real client would. Buffers are large so the client is
// not the bottleneck. Credentials come from the base URL's userinfo.
//
// Each request is either run at once (get(), put(), ...) or prepared (prepare_get(),
// ...) and run later, alone with run() or beside other clients' requests with
// run_concurrently() (curl multi). Not thread-safe: one client per thread.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "bench/lib/transfer.hpp"
#include "bench/lib/url.hpp"

typedef void CURL;

namespace streamcheck::bench {

namespace detail {
class ConnectionShare;  // curl_exchange.hpp
}

class HttpClient {
 public:
  // Throws Error if curl cannot make a handle.
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

  // The same requests, prepared and not yet run (see transfer.hpp).
  PreparedTransfer prepare_get(std::string_view path, const TransferOptions& options = {});
  PreparedTransfer prepare_get_range(std::string_view path, std::uint64_t first, std::uint64_t last,
                                     const TransferOptions& options = {});
  PreparedTransfer prepare_put(std::string_view path, const Payload& payload, bool chunked = false,
                               const TransferOptions& options = {});
  PreparedTransfer prepare_post_multipart(std::string_view path,
                                          const std::vector<MultipartFile>& files,
                                          bool unknown_size = false,
                                          const TransferOptions& options = {});
  PreparedTransfer prepare_custom(std::string_view method, std::string_view path,
                                  const TransferOptions& options = {});

  // Drops the kept-alive connection, so the next request opens a new one.
  void forget_connection();

  // The full URL of `path` on this client's server (no credentials in it).
  std::string url_for(std::string_view path) const;

 private:
  Url base_;
  CURL* curl_ = nullptr;
  // Keeps the connection whichever multi handle runs the transfer (run_concurrently too).
  std::unique_ptr<detail::ConnectionShare> connections_;
  // The socket this handle opened last: its keep-alive connection, which later
  // exchanges reuse without curl naming it to them (a curl_socket_t).
  int socket_ = -1;
};

}  // namespace streamcheck::bench
