// parse_range (RFC 9110 §14.2): one "bytes=" range against a representation's size.
//
// Input: the size (8 bytes, big-endian), then the Range header. Checked:
//   - a satisfiable range lies inside the representation: first <= last < size;
//   - rendered back as "bytes=first-last" it parses to the same range (what a client
//     resuming from the Content-Range would send);
//   - the unit is case-insensitive: the upper-cased header gets the same verdict;
//   - several ranges (a comma) are always ignored, never half-served;
//   - an empty representation has no satisfiable range.
#include <cctype>
#include <string>
#include <string_view>

#include "fuzz/fuzz_check.hpp"
#include "refserver/http/http_util.hpp"

namespace {

using streamcheck::fuzz::printable;
using streamcheck::http::RangeRequest;
using streamcheck::http::RangeVerdict;

bool same(const RangeRequest& a, const RangeRequest& b) {
  if (a.verdict != b.verdict) return false;
  if (a.verdict != RangeVerdict::satisfiable) return true;
  return a.range.first == b.range.first && a.range.last == b.range.last;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  streamcheck::fuzz::FuzzInput input(data, size);
  const uint64_t object_size = input.u64();
  const std::string_view header = input.rest();

  const RangeRequest request = streamcheck::http::parse_range(header, object_size);
  const std::string detail = printable(header) + " size " + std::to_string(object_size);
  if (header.find(',') != std::string_view::npos) {
    FUZZ_CHECK_MSG(request.verdict == RangeVerdict::ignore, detail);
  }
  if (request.verdict == RangeVerdict::satisfiable) {
    FUZZ_CHECK_MSG(object_size > 0, detail);
    FUZZ_CHECK_MSG(request.range.first <= request.range.last, detail);
    FUZZ_CHECK_MSG(request.range.last < object_size, detail);
    FUZZ_CHECK(request.range.length() <= object_size);
    const std::string rendered =
        "bytes=" + std::to_string(request.range.first) + "-" + std::to_string(request.range.last);
    FUZZ_CHECK_MSG(same(streamcheck::http::parse_range(rendered, object_size), request),
                   detail + " -> " + rendered);
  }

  std::string upper(header);
  for (char& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  FUZZ_CHECK_MSG(same(streamcheck::http::parse_range(upper, object_size), request), detail);
  return 0;
}
