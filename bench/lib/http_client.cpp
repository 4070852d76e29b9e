#include "bench/lib/http_client.hpp"

#include <curl/curl.h>

#include <memory>

#include "bench/lib/curl_exchange.hpp"
#include "bench/lib/error.hpp"

namespace streamcheck::bench {

using detail::Exchange;
using detail::Protocol;

HttpClient::HttpClient(const Url& base) : base_(base) {
  forget_connection();
}

HttpClient::~HttpClient() {
  curl_easy_cleanup(curl_);  // before the share it uses
}

void HttpClient::forget_connection() {
  curl_easy_cleanup(curl_);
  connections_.reset();
  curl_ = curl_easy_init();
  if (!curl_) throw Error("curl_easy_init failed");
  connections_ = std::make_unique<detail::ConnectionShare>(curl_);
}

std::string HttpClient::url_for(std::string_view path) const {
  std::string p(path);
  if (p.empty() || p.front() != '/') p.insert(p.begin(), '/');
  return base_.scheme + "://" + base_.authority() + p;
}

namespace {

std::unique_ptr<Exchange> exchange_for(CURL* curl, int* connection_socket, const Url& base,
                                       std::string url, const TransferOptions& options) {
  auto x = std::make_unique<Exchange>(curl, base, Protocol::http, options);
  x->connection_socket = connection_socket;
  x->url = std::move(url);
  curl_easy_setopt(curl, CURLOPT_URL, x->url.c_str());
  return x;
}

}  // namespace

PreparedTransfer HttpClient::prepare_get(std::string_view path, const TransferOptions& options) {
  return PreparedTransfer(exchange_for(curl_, &socket_, base_, url_for(path), options));
}

PreparedTransfer HttpClient::prepare_get_range(std::string_view path, std::uint64_t first,
                                               std::uint64_t last, const TransferOptions& options) {
  auto x = exchange_for(curl_, &socket_, base_, url_for(path), options);
  x->range = std::to_string(first) + "-" + std::to_string(last);
  curl_easy_setopt(curl_, CURLOPT_RANGE, x->range.c_str());
  return PreparedTransfer(std::move(x));
}

PreparedTransfer HttpClient::prepare_put(std::string_view path, const Payload& payload,
                                         bool chunked, const TransferOptions& options) {
  auto x = exchange_for(curl_, &socket_, base_, url_for(path), options);
  x->set_body(payload);
  if (!chunked)
    curl_easy_setopt(curl_, CURLOPT_INFILESIZE_LARGE, static_cast<curl_off_t>(payload.length()));
  return PreparedTransfer(std::move(x));
}

PreparedTransfer HttpClient::prepare_post_multipart(std::string_view path,
                                                    const std::vector<MultipartFile>& files,
                                                    bool unknown_size,
                                                    const TransferOptions& options) {
  auto x = exchange_for(curl_, &socket_, base_, url_for(path), options);
  x->mime = curl_mime_init(curl_);
  for (const auto& f : files) {
    x->sources.push_back(std::make_unique<detail::Source>(f.payload));
    curl_mimepart* part = curl_mime_addpart(x->mime);
    curl_mime_name(part, f.field.c_str());
    curl_mime_filename(part, f.filename.c_str());
    curl_mime_type(part, "application/octet-stream");
    // Each part reads its own source through the exchange (which counts what is sent);
    // curl frees the argument with the mime structure.
    struct PartArg {
      Exchange* exchange;
      detail::Source* source;
    };
    auto* arg = new PartArg{x.get(), x->sources.back().get()};
    auto read = [](char* buffer, size_t size, size_t count, void* a) -> size_t {
      auto* p = static_cast<PartArg*>(a);
      return p->exchange->read_into(*p->source, buffer, size * count);
    };
    auto free_arg = [](void* a) { delete static_cast<PartArg*>(a); };
    curl_mime_data_cb(part, unknown_size ? -1 : static_cast<curl_off_t>(f.payload.length()), read,
                      nullptr, free_arg, arg);
  }
  curl_easy_setopt(curl_, CURLOPT_MIMEPOST, x->mime);
  x->keep_body = true;
  return PreparedTransfer(std::move(x));
}

PreparedTransfer HttpClient::prepare_custom(std::string_view method, std::string_view path,
                                            const TransferOptions& options) {
  auto x = exchange_for(curl_, &socket_, base_, url_for(path), options);
  x->keep_body = true;
  x->range = std::string(method);  // kept alive for curl
  curl_easy_setopt(curl_, CURLOPT_CUSTOMREQUEST, x->range.c_str());
  if (method == "HEAD") curl_easy_setopt(curl_, CURLOPT_NOBODY, 1L);
  return PreparedTransfer(std::move(x));
}

Transfer HttpClient::get(std::string_view path, const TransferOptions& options) {
  return run(prepare_get(path, options));
}

Transfer HttpClient::get_range(std::string_view path, std::uint64_t first, std::uint64_t last,
                               const TransferOptions& options) {
  return run(prepare_get_range(path, first, last, options));
}

Transfer HttpClient::head(std::string_view path, const TransferOptions& options) {
  auto prepared = prepare_get(path, options);
  curl_easy_setopt(curl_, CURLOPT_NOBODY, 1L);
  return run(std::move(prepared));
}

Transfer HttpClient::put(std::string_view path, const Payload& payload, bool chunked,
                         const TransferOptions& options) {
  return run(prepare_put(path, payload, chunked, options));
}

Transfer HttpClient::post_multipart(std::string_view path, const std::vector<MultipartFile>& files,
                                    bool unknown_size, const TransferOptions& options) {
  return run(prepare_post_multipart(path, files, unknown_size, options));
}

Transfer HttpClient::remove(std::string_view path, const TransferOptions& options) {
  return custom("DELETE", path, options);
}

Transfer HttpClient::mkcol(std::string_view path, const TransferOptions& options) {
  return custom("MKCOL", path, options);
}

Transfer HttpClient::custom(std::string_view method, std::string_view path,
                            const TransferOptions& options) {
  return run(prepare_custom(method, path, options));
}

}  // namespace streamcheck::bench
