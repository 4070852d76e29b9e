// Throughput of the streaming multipart parser, as the refserver drives it: a body fed in
// 256 KiB chunks (the default per-connection buffer) to a sink that discards the data.
//
// The payload is pseudo-random bytes, so about one byte in 256 is a CR the search must
// stop at and classify; some CRLF "--" near misses are planted too. A text variant has a
// CRLF every 64 bytes. Bodies are built once, on first use.
#include <benchmark/benchmark.h>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <random>
#include <span>
#include <string>

#include "refserver/http/multipart.hpp"

namespace {

using streamcheck::http::MultipartParser;
using streamcheck::http::MultipartSink;
using streamcheck::http::MultipartStatus;
using streamcheck::http::PartHeaders;

constexpr size_t kBodyBytes = size_t{256} << 20;
constexpr size_t kChunkBytes = size_t{256} << 10;
const std::string kBoundary = "----WebKitFormBoundary7MA4YWxkTrZu0gW";

class DiscardingSink : public MultipartSink {
 public:
  MultipartStatus on_part_begin(const PartHeaders&) override {
    ++parts;
    return MultipartStatus::ok();
  }
  MultipartStatus on_part_data(std::span<const std::byte> data) override {
    bytes += data.size();
    return MultipartStatus::ok();
  }
  MultipartStatus on_part_end() override { return MultipartStatus::ok(); }

  size_t parts = 0;
  size_t bytes = 0;
};

enum class Fill { random, crlf_text };

// `parts` file parts of equal size making a body of about kBodyBytes: random bytes, or
// text with a CRLF every 64 bytes (each CR followed by LF: the costlier case to classify).
std::string make_body(size_t parts, Fill fill = Fill::random) {
  std::mt19937_64 rng(42);
  const size_t part_bytes = kBodyBytes / parts;
  std::string body;
  body.reserve(kBodyBytes + parts * 256);
  for (size_t i = 0; i < parts; ++i) {
    body += "--" + kBoundary + "\r\nContent-Disposition: form-data; name=\"file\"; filename=\"f" +
            std::to_string(i) + ".bin\"\r\nContent-Type: application/octet-stream\r\n\r\n";
    const size_t start = body.size();
    body.resize(start + part_bytes);
    for (size_t k = start; k + 8 <= body.size(); k += 8) {
      const uint64_t r = rng();
      std::memcpy(&body[k], &r, 8);
    }
    if (fill == Fill::crlf_text) {
      for (size_t k = start; k < body.size(); ++k) {
        body[k] = (k - start) % 64 >= 62
                      ? "\r\n"[(k - start) % 64 - 62]
                      : static_cast<char>('a' + static_cast<unsigned char>(body[k]) % 26);
      }
    }
    // A near miss every 64 KiB: CRLF "--" and half the boundary.
    const std::string miss = "\r\n--" + kBoundary.substr(0, kBoundary.size() / 2);
    for (size_t k = start + 1000; k + miss.size() < body.size(); k += 65536) {
      body.replace(k, miss.size(), miss);
    }
    body += "\r\n";
  }
  body += "--" + kBoundary + "--\r\n";
  return body;
}

void run(benchmark::State& state, const std::string& body, size_t parts) {
  const auto bytes = std::as_bytes(std::span<const char>(body.data(), body.size()));
  for (auto _ : state) {
    DiscardingSink sink;
    MultipartParser parser(kBoundary, sink);
    for (size_t at = 0; at < bytes.size(); at += kChunkBytes) {
      if (!parser.feed(bytes.subspan(at, std::min(kChunkBytes, bytes.size() - at)))) {
        state.SkipWithError("parse failed");
        return;
      }
    }
    if (!parser.finish() || sink.parts != parts) {
      state.SkipWithError("parse did not end cleanly");
      return;
    }
    benchmark::DoNotOptimize(sink.bytes);
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * body.size()));
  state.counters["parts"] = static_cast<double>(parts);
}

// One 256 MiB file part.
void BM_MultipartParse(benchmark::State& state) {
  static const std::string body = make_body(1);
  run(state, body, 1);
}
BENCHMARK(BM_MultipartParse)->Unit(benchmark::kMillisecond);

// 256 parts of 1 MiB.
void BM_MultipartParseManyParts(benchmark::State& state) {
  static const std::string body = make_body(256);
  run(state, body, 256);
}
BENCHMARK(BM_MultipartParseManyParts)->Unit(benchmark::kMillisecond);

// One 256 MiB text part, CRLF every 64 bytes.
void BM_MultipartParseCrlfText(benchmark::State& state) {
  static const std::string body = make_body(1, Fill::crlf_text);
  run(state, body, 1);
}
BENCHMARK(BM_MultipartParseCrlfText)->Unit(benchmark::kMillisecond);

}  // namespace
