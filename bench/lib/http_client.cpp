#include "bench/lib/http_client.hpp"

#include <curl/curl.h>

#include <algorithm>
#include <chrono>
#include <memory>

#include "bench/lib/error.hpp"
#include "bench/lib/sha256.hpp"

namespace streamcheck::bench {
namespace {

using Clock = std::chrono::steady_clock;
constexpr size_t kKeepBytes = 64 * 1024;
// libcurl's largest receive buffer is 10 MiB and upload buffer 2 MiB (7.88); big
// buffers keep the client from being what limits a loopback transfer.
constexpr long kReceiveBuffer = 1024 * 1024;
constexpr long kUploadBuffer = 2 * 1024 * 1024;

bool iequals(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) ==
                  std::tolower(static_cast<unsigned char>(y));
         });
}

// The bytes of one generated payload on their way up, hashed as they go.
struct Source {
  explicit Source(const Payload& p) : payload(p), stream(p.seed, p.size, p.kind) {}
  Payload payload;
  PayloadStream stream;
  Sha256 hash;
};

}  // namespace

std::string Transfer::header(std::string_view name) const {
  for (const auto& [k, v] : headers)
    if (iequals(k, name)) return v;
  return "";
}

struct HttpClient::Exchange {
  std::vector<std::unique_ptr<Source>> sources;  // upload bodies (one per multipart file)
  Source* body = nullptr;                        // the PUT body, when there is one
  Sha256 received;
  Transfer result;
  const TransferOptions* options = nullptr;
  Clock::time_point start;
  std::uint64_t sent = 0;
  bool aborted = false;
  bool keep_body = false;

  bool should_abort() const {
    return options->abort_after && result.body_bytes + sent >= *options->abort_after;
  }

  static size_t on_read(char* buffer, size_t size, size_t count, void* self) {
    auto* x = static_cast<Exchange*>(self);
    return x->read_into(*x->body, buffer, size * count);
  }

  size_t read_into(Source& source, char* buffer, size_t capacity) {
    if (options->abort_after) {
      if (sent >= *options->abort_after) {
        aborted = true;
        return CURL_READFUNC_ABORT;
      }
      capacity =
          static_cast<size_t>(std::min<std::uint64_t>(capacity, *options->abort_after - sent));
    }
    std::span<std::byte> out(reinterpret_cast<std::byte*>(buffer), capacity);
    size_t n = source.stream.fill(out);
    source.hash.update(out.first(n));
    sent += n;
    return n;
  }

  static size_t on_write(char* data, size_t size, size_t count, void* self) {
    auto* x = static_cast<Exchange*>(self);
    size_t n = size * count;
    auto& r = x->result;
    if (r.ttfb_seconds < 0 && n > 0) {
      r.ttfb_seconds = std::chrono::duration<double>(Clock::now() - x->start).count();
      if (x->options->on_first_byte) x->options->on_first_byte();
    }
    x->received.update(std::string_view(data, n));
    r.body_bytes += n;
    if (x->keep_body && r.response_text.size() < kKeepBytes)
      r.response_text.append(data, std::min(n, kKeepBytes - r.response_text.size()));
    if (x->options->abort_after && r.body_bytes >= *x->options->abort_after) {
      x->aborted = true;
      return 0;  // CURLE_WRITE_ERROR: the transfer ends here
    }
    return n;
  }

  static size_t on_header(char* data, size_t size, size_t count, void* self) {
    auto* x = static_cast<Exchange*>(self);
    std::string_view line(data, size * count);
    while (!line.empty() && (line.back() == '\n' || line.back() == '\r')) line.remove_suffix(1);
    if (line.starts_with("HTTP/")) {
      x->result.headers.clear();  // a new response (after a 100 Continue, say)
    } else if (auto colon = line.find(':'); colon != std::string_view::npos) {
      auto value = line.substr(colon + 1);
      while (!value.empty() && value.front() == ' ') value.remove_prefix(1);
      x->result.headers.emplace_back(std::string(line.substr(0, colon)), std::string(value));
    }
    return size * count;
  }
};

HttpClient::HttpClient(const Url& base) : base_(base), curl_(curl_easy_init()) {
  if (!curl_) throw Error("curl_easy_init failed");
}

HttpClient::~HttpClient() {
  curl_easy_cleanup(curl_);
}

void HttpClient::forget_connection() {
  curl_easy_cleanup(curl_);
  curl_ = curl_easy_init();
  if (!curl_) throw Error("curl_easy_init failed");
}

std::string HttpClient::url_for(std::string_view path) const {
  std::string p(path);
  if (p.empty() || p.front() != '/') p.insert(p.begin(), '/');
  return base_.scheme + "://" + base_.authority() + p;
}

Transfer HttpClient::perform(Exchange& x, const TransferOptions& options) {
  x.options = &options;
  x.keep_body = x.keep_body || options.keep_body;
  curl_slist* headers = nullptr;
  for (const auto& h : options.headers) headers = curl_slist_append(headers, h.c_str());
  curl_easy_setopt(curl_, CURLOPT_HTTPHEADER, headers);
  curl_easy_setopt(curl_, CURLOPT_WRITEFUNCTION, &Exchange::on_write);
  curl_easy_setopt(curl_, CURLOPT_WRITEDATA, &x);
  curl_easy_setopt(curl_, CURLOPT_HEADERFUNCTION, &Exchange::on_header);
  curl_easy_setopt(curl_, CURLOPT_HEADERDATA, &x);
  curl_easy_setopt(curl_, CURLOPT_BUFFERSIZE, kReceiveBuffer);
  curl_easy_setopt(curl_, CURLOPT_UPLOAD_BUFFERSIZE, kUploadBuffer);
  curl_easy_setopt(curl_, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(curl_, CURLOPT_CONNECTTIMEOUT_MS, 10000L);
  if (base_.has_userinfo) {
    curl_easy_setopt(curl_, CURLOPT_USERNAME, base_.user.c_str());
    curl_easy_setopt(curl_, CURLOPT_PASSWORD, base_.password.c_str());
    curl_easy_setopt(curl_, CURLOPT_HTTPAUTH, CURLAUTH_BASIC);
  }
  if (options.max_bytes_per_second) {
    auto limit = static_cast<curl_off_t>(*options.max_bytes_per_second);
    curl_easy_setopt(curl_, CURLOPT_MAX_RECV_SPEED_LARGE, limit);
    curl_easy_setopt(curl_, CURLOPT_MAX_SEND_SPEED_LARGE, limit);
  }
  x.start = Clock::now();
  CURLcode code = curl_easy_perform(curl_);
  x.result.seconds = std::chrono::duration<double>(Clock::now() - x.start).count();
  x.result.curl_code = code;
  if (code != CURLE_OK) x.result.curl_error = curl_easy_strerror(code);
  curl_easy_getinfo(curl_, CURLINFO_RESPONSE_CODE, &x.result.status);
  if (x.body) {
    x.result.body_bytes = x.sent;
    x.result.sha256 = x.body->hash.final_hex();
  } else if (x.sources.empty()) {
    x.result.sha256 = x.received.final_hex();
  }
  curl_slist_free_all(headers);
  curl_easy_reset(curl_);  // options do not leak into the next request; the connection stays
  return std::move(x.result);
}

Transfer HttpClient::get(std::string_view path, const TransferOptions& options) {
  Exchange x;
  auto url = url_for(path);
  curl_easy_setopt(curl_, CURLOPT_URL, url.c_str());
  return perform(x, options);
}

Transfer HttpClient::get_range(std::string_view path, std::uint64_t first, std::uint64_t last,
                               const TransferOptions& options) {
  Exchange x;
  auto url = url_for(path);
  auto range = std::to_string(first) + "-" + std::to_string(last);
  curl_easy_setopt(curl_, CURLOPT_URL, url.c_str());
  curl_easy_setopt(curl_, CURLOPT_RANGE, range.c_str());
  return perform(x, options);
}

Transfer HttpClient::head(std::string_view path, const TransferOptions& options) {
  Exchange x;
  auto url = url_for(path);
  curl_easy_setopt(curl_, CURLOPT_URL, url.c_str());
  curl_easy_setopt(curl_, CURLOPT_NOBODY, 1L);
  return perform(x, options);
}

Transfer HttpClient::put(std::string_view path, const Payload& payload, bool chunked,
                         const TransferOptions& options) {
  Exchange x;
  x.sources.push_back(std::make_unique<Source>(payload));
  x.body = x.sources.back().get();
  x.keep_body = true;
  auto url = url_for(path);
  curl_easy_setopt(curl_, CURLOPT_URL, url.c_str());
  curl_easy_setopt(curl_, CURLOPT_UPLOAD, 1L);
  curl_easy_setopt(curl_, CURLOPT_READFUNCTION, &Exchange::on_read);
  curl_easy_setopt(curl_, CURLOPT_READDATA, &x);
  if (!chunked)
    curl_easy_setopt(curl_, CURLOPT_INFILESIZE_LARGE, static_cast<curl_off_t>(payload.size));
  auto result = perform(x, options);
  return result;
}

Transfer HttpClient::post_multipart(std::string_view path, const std::vector<MultipartFile>& files,
                                    bool unknown_size, const TransferOptions& options) {
  Exchange x;
  curl_mime* mime = curl_mime_init(curl_);
  struct PartArg {
    Exchange* exchange;
    Source* source;
  };
  std::vector<std::unique_ptr<PartArg>> args;
  for (const auto& f : files) {
    x.sources.push_back(std::make_unique<Source>(f.payload));
    args.push_back(std::make_unique<PartArg>(PartArg{&x, x.sources.back().get()}));
    curl_mimepart* part = curl_mime_addpart(mime);
    curl_mime_name(part, f.field.c_str());
    curl_mime_filename(part, f.filename.c_str());
    curl_mime_type(part, "application/octet-stream");
    auto read = [](char* buffer, size_t size, size_t count, void* arg) -> size_t {
      auto* a = static_cast<PartArg*>(arg);
      return a->exchange->read_into(*a->source, buffer, size * count);
    };
    curl_mime_data_cb(part, unknown_size ? -1 : static_cast<curl_off_t>(f.payload.size), read,
                      nullptr, nullptr, args.back().get());
  }
  auto url = url_for(path);
  curl_easy_setopt(curl_, CURLOPT_URL, url.c_str());
  curl_easy_setopt(curl_, CURLOPT_MIMEPOST, mime);
  x.keep_body = true;
  auto result = perform(x, options);
  for (auto& s : x.sources) result.part_sha256.push_back(s->hash.final_hex());
  result.body_bytes = x.sent;
  curl_mime_free(mime);
  return result;
}

Transfer HttpClient::remove(std::string_view path, const TransferOptions& options) {
  return custom("DELETE", path, options);
}

Transfer HttpClient::mkcol(std::string_view path, const TransferOptions& options) {
  return custom("MKCOL", path, options);
}

Transfer HttpClient::custom(std::string_view method, std::string_view path,
                            const TransferOptions& options) {
  Exchange x;
  x.keep_body = true;
  auto url = url_for(path);
  std::string verb(method);
  curl_easy_setopt(curl_, CURLOPT_URL, url.c_str());
  curl_easy_setopt(curl_, CURLOPT_CUSTOMREQUEST, verb.c_str());
  if (method == "HEAD") curl_easy_setopt(curl_, CURLOPT_NOBODY, 1L);
  return perform(x, options);
}

}  // namespace streamcheck::bench
