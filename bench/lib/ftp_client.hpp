// FTP transfers on libcurl, for measuring a server: the same Transfer results as the
// HTTP client (transfer.hpp), payloads streamed up and downloads hashed on the fly.
//
// One FtpClient holds one curl easy handle, so consecutive commands reuse the control
// connection (one login), as a real client would. Data connections are passive with
// EPSV (RFC 2428), transfers are binary (TYPE I), and curl changes no directory
// (CURLFTPMETHOD_NOCWD): a path is given whole to each command, relative to the login
// directory ("dir/file"; a leading "/" is dropped). Credentials come from the base
// URL's userinfo (anonymous without one).
//
// Transfer::status is the last FTP reply code; Transfer::headers holds the server's
// reply lines as (code, text). A refused command is a completed()=false Transfer with
// curl's error (CURLE_QUOTE_ERROR, CURLE_REMOTE_FILE_NOT_FOUND, ...) and the reply code.
// Not thread-safe: one client per thread.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "bench/lib/transfer.hpp"
#include "bench/lib/url.hpp"

typedef void CURL;

namespace streamcheck::bench {

namespace detail {
class ConnectionShare;  // curl_exchange.hpp
}

class FtpClient {
 public:
  // Throws Error if `base` is not an ftp:// URL or curl cannot make a handle.
  explicit FtpClient(const Url& base);
  ~FtpClient();
  FtpClient(const FtpClient&) = delete;
  FtpClient& operator=(const FtpClient&) = delete;

  // RETR: the whole file.
  Transfer retr(std::string_view path, const TransferOptions& options = {});
  // REST offset, then RETR: the file from `offset` on.
  Transfer rest_retr(std::string_view path, std::uint64_t offset,
                     const TransferOptions& options = {});
  // STOR: creates or replaces the file. The size is never announced (no ALLO): FTP
  // uploads are of unknown length by nature.
  Transfer stor(std::string_view path, const Payload& payload, const TransferOptions& options = {});
  // APPE: appends to the file (creating it if missing).
  Transfer appe(std::string_view path, const Payload& payload, const TransferOptions& options = {});
  // SIZE: the file's size, or nullopt if the server refused (no such file, say).
  std::optional<std::uint64_t> size(std::string_view path);
  // DELE, MKD, NOOP: one command on the control connection.
  Transfer dele(std::string_view path);
  Transfer mkd(std::string_view path);
  Transfer noop();
  // Any commands, in order, on the control connection (e.g. "SITE X"); stops at the
  // first refused one.
  Transfer command(const std::vector<std::string>& commands);

  // The same transfers, prepared and not yet run (see transfer.hpp).
  PreparedTransfer prepare_retr(std::string_view path, const TransferOptions& options = {});
  PreparedTransfer prepare_rest_retr(std::string_view path, std::uint64_t offset,
                                     const TransferOptions& options = {});
  PreparedTransfer prepare_stor(std::string_view path, const Payload& payload,
                                const TransferOptions& options = {});
  PreparedTransfer prepare_appe(std::string_view path, const Payload& payload,
                                const TransferOptions& options = {});

  // Closes the control connection, so the next command logs in again.
  void forget_connection();

  // The full URL of `path` on this client's server (no credentials in it).
  std::string url_for(std::string_view path) const;

 private:
  PreparedTransfer prepare(std::string_view path, const TransferOptions& options);

  Url base_;
  CURL* curl_ = nullptr;
  void* multi_ = nullptr;  // CURLM*: runs its transfers (see perform() in curl_exchange.cpp)
  // Keeps the control connection whichever multi handle runs the transfer (its own, or a
  // batch's in run_concurrently), so the login is not redone.
  std::unique_ptr<detail::ConnectionShare> connections_;
};

}  // namespace streamcheck::bench
