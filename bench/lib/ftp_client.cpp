#include "bench/lib/ftp_client.hpp"

#include <curl/curl.h>

#include <memory>

#include "bench/lib/curl_exchange.hpp"
#include "bench/lib/error.hpp"

namespace streamcheck::bench {

using detail::Exchange;
using detail::Protocol;

FtpClient::FtpClient(const Url& base) : base_(base) {
  if (base_.scheme != "ftp") throw Error("FtpClient needs an ftp:// URL, not " + base.redacted());
  forget_connection();
}

FtpClient::~FtpClient() {
  curl_multi_cleanup(static_cast<CURLM*>(multi_));
  curl_easy_cleanup(curl_);  // before the share, which then closes the control connection
}

void FtpClient::forget_connection() {
  curl_multi_cleanup(static_cast<CURLM*>(multi_));
  curl_easy_cleanup(curl_);
  connections_.reset();
  curl_ = curl_easy_init();
  multi_ = curl_multi_init();
  if (!curl_ || !multi_) throw Error("curl_easy_init or curl_multi_init failed");
  connections_ = std::make_unique<detail::ConnectionShare>(curl_);
}

std::string FtpClient::url_for(std::string_view path) const {
  while (!path.empty() && path.front() == '/') path.remove_prefix(1);
  return "ftp://" + base_.authority() + "/" + std::string(path);
}

PreparedTransfer FtpClient::prepare(std::string_view path, const TransferOptions& options) {
  auto x = std::make_unique<Exchange>(curl_, base_, Protocol::ftp, options);
  x->multi = static_cast<CURLM*>(multi_);
  x->url = url_for(path);
  curl_easy_setopt(curl_, CURLOPT_URL, x->url.c_str());
  curl_easy_setopt(curl_, CURLOPT_FTP_USE_EPSV, 1L);
  curl_easy_setopt(curl_, CURLOPT_FTP_FILEMETHOD, static_cast<long>(CURLFTPMETHOD_NOCWD));
  curl_easy_setopt(curl_, CURLOPT_TRANSFERTEXT, 0L);
  curl_easy_setopt(curl_, CURLOPT_FTP_RESPONSE_TIMEOUT, 30L);
  return PreparedTransfer(std::move(x));
}

PreparedTransfer FtpClient::prepare_retr(std::string_view path, const TransferOptions& options) {
  auto prepared = prepare(path, options);
  prepared.exchange().ftp_download = true;
  return prepared;
}

PreparedTransfer FtpClient::prepare_rest_retr(std::string_view path, std::uint64_t offset,
                                              const TransferOptions& options) {
  auto prepared = prepare_retr(path, options);
  curl_easy_setopt(curl_, CURLOPT_RESUME_FROM_LARGE, static_cast<curl_off_t>(offset));
  return prepared;
}

PreparedTransfer FtpClient::prepare_stor(std::string_view path, const Payload& payload,
                                         const TransferOptions& options) {
  auto prepared = prepare(path, options);
  prepared.exchange().set_body(payload);
  return prepared;
}

PreparedTransfer FtpClient::prepare_appe(std::string_view path, const Payload& payload,
                                         const TransferOptions& options) {
  auto prepared = prepare_stor(path, payload, options);
  curl_easy_setopt(curl_, CURLOPT_APPEND, 1L);
  return prepared;
}

Transfer FtpClient::retr(std::string_view path, const TransferOptions& options) {
  return run(prepare_retr(path, options));
}

Transfer FtpClient::rest_retr(std::string_view path, std::uint64_t offset,
                              const TransferOptions& options) {
  return run(prepare_rest_retr(path, offset, options));
}

Transfer FtpClient::stor(std::string_view path, const Payload& payload,
                         const TransferOptions& options) {
  return run(prepare_stor(path, payload, options));
}

Transfer FtpClient::appe(std::string_view path, const Payload& payload,
                         const TransferOptions& options) {
  return run(prepare_appe(path, payload, options));
}

std::optional<std::uint64_t> FtpClient::size(std::string_view path) {
  auto prepared = prepare(path, {});
  curl_easy_setopt(curl_, CURLOPT_NOBODY, 1L);
  CURL* handle = curl_;
  auto& x = prepared.exchange();
  x.start = detail::Clock::now();
  const CURLcode code = detail::perform(x);
  curl_off_t length = -1;
  if (code == CURLE_OK) curl_easy_getinfo(handle, CURLINFO_CONTENT_LENGTH_DOWNLOAD_T, &length);
  detail::finish(x, code, detail::Clock::now());
  if (code != CURLE_OK || length < 0) return std::nullopt;
  return static_cast<std::uint64_t>(length);
}

Transfer FtpClient::command(const std::vector<std::string>& commands) {
  auto prepared = prepare("", {});
  auto& x = prepared.exchange();
  for (const auto& c : commands) x.quote = curl_slist_append(x.quote, c.c_str());
  curl_easy_setopt(curl_, CURLOPT_QUOTE, x.quote);
  curl_easy_setopt(curl_, CURLOPT_NOBODY, 1L);
  return run(std::move(prepared));
}

Transfer FtpClient::dele(std::string_view path) {
  while (!path.empty() && path.front() == '/') path.remove_prefix(1);
  return command({"DELE " + std::string(path)});
}

Transfer FtpClient::mkd(std::string_view path) {
  while (!path.empty() && path.front() == '/') path.remove_prefix(1);
  return command({"MKD " + std::string(path)});
}

Transfer FtpClient::noop() {
  return command({"NOOP"});
}

}  // namespace streamcheck::bench
