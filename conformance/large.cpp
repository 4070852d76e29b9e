#include "conformance/large.hpp"

#include <cctype>
#include <cstdio>
#include <optional>
#include <span>
#include <vector>

#include "bench/lib/error.hpp"
#include "bench/lib/ftp_client.hpp"
#include "bench/lib/http_client.hpp"
#include "conformance/ops.hpp"

namespace streamcheck::conformance {
namespace {

struct Made {
  std::optional<LargeObject> object;
  std::string error;  // the failed upload, when it failed
};

const LargeObject& made_or_throw(Made& made, bool http) {
  if (made.object) return *made.object;
  if (!made.error.empty()) throw bench::Error(made.error);
  LargeObject o;
  o.payload = bench::Payload{suite().next_seed(), kLargeSize};
  o.path = (http ? suite().http_dir("large") : suite().ftp_dir("large")) + "obj.bin";
  auto [t, m] = probed([&] {
    if (http) return bench::HttpClient(*suite().target().http).put(o.path, o.payload);
    return bench::FtpClient(*suite().target().ftp).stor(o.path, o.payload);
  });
  o.upload = m;
  std::fprintf(stderr, "conformance: %s %s: %s in %.1f s\n", http ? "PUT" : "STOR", o.path.c_str(),
               bytes(t.body_bytes).c_str(), t.seconds);
  if (!t.completed() || (http && t.status >= 300)) {
    made.error = std::string(http ? "PUT " : "STOR ") + o.path + " of " + bytes(kLargeSize) +
                 ": status " + std::to_string(t.status) +
                 (t.curl_error.empty() ? "" : " (" + t.curl_error + ")") + " after " +
                 bytes(t.body_bytes);
    throw bench::Error(made.error);
  }
  o.sha256 = sha256_of(o.payload);
  made.object = std::move(o);
  return *made.object;
}

}  // namespace

const LargeObject& http_large() {
  static Made made;
  return made_or_throw(made, true);
}

const LargeObject& ftp_large() {
  static Made made;
  return made_or_throw(made, false);
}

void check_flat_and_once(const bench::Measurement& m, bool upload, const std::string& what) {
  const auto growth = m.peak_growth_kib();
  const auto moved = upload ? m.io.wchar : m.io.rchar;
  const double copies = static_cast<double>(moved) / static_cast<double>(kLargeSize);
  std::string key;  // "HTTP chunked PUT" -> "http_chunked_put"
  for (const char ch : what) key += ch == ' ' ? '_' : static_cast<char>(std::tolower(ch));
  record(key + "_rss_peak_kib", std::to_string(growth));
  record(key + "_copies", fixed(copies));
  check(growth <= kLargeFlatKiB,
        {"P1",
         "Memory stays flat however big the object: an object past 2^32 bytes moves "
         "through a fixed buffer."},
        "peak memory growth of the server tree <= " + std::to_string(kLargeFlatKiB) + " KiB",
        what + " of " + std::to_string(kLargeSize) + " bytes: peak memory growth " +
            std::to_string(growth) + " KiB (" + bench::to_string(m.memory_kind()) + ")");
  check(copies <= 1.1,
        {"P2", upload ? "An upload past 2^32 bytes is written to the store once."
                      : "A download past 2^32 bytes is read from the store once."},
        std::string("copies (") + (upload ? "Δwchar" : "Δrchar") + " / size) <= 1.10",
        what + ": copies = " + fixed(copies) + " (" + (upload ? "wchar" : "rchar") + " grew " +
            std::to_string(moved) + " B)");
}

std::string payload_bytes(const bench::Payload& p, std::uint64_t from, std::size_t n) {
  bench::PayloadStream s(p.seed, p.size, p.kind, from);
  std::string out(n, '\0');
  const auto got = s.fill(std::as_writable_bytes(std::span(out.data(), out.size())));
  out.resize(got);
  return out;
}

std::string compare_window(const bench::Payload& p, std::uint64_t from, const std::string& got) {
  const auto want = payload_bytes(p, from, got.size() + 1);  // one more: a short read shows
  const std::string head = std::to_string(got.size()) + " bytes from " + std::to_string(from);
  for (std::size_t i = 0; i < got.size(); ++i) {
    if (i >= want.size())
      return head + ": " + std::to_string(got.size() - want.size()) +
             " bytes past the payload's end";
    if (got[i] != want[i]) {
      char detail[64];
      std::snprintf(detail, sizeof detail, " (0x%02x, want 0x%02x)",
                    static_cast<unsigned char>(got[i]), static_cast<unsigned char>(want[i]));
      return head + ": first differs at " + std::to_string(from + i) + detail;
    }
  }
  return "";
}

}  // namespace streamcheck::conformance
