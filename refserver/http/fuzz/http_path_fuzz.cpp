// decode_target_path and encode_path (http_util.hpp): a request target's path as the
// refserver reads it (percent-decoded, then ObjectPath::parse, as request_path() does),
// and the escaping its listings and Location headers write paths with.
//
// Input: the bytes, read both as a request target and as a raw path. Checked:
//   - a decoded target has no NUL, is no longer than the target up to its query or
//     fragment, and decodes the same with its escapes' hex digits in either case
//     (RFC 3986 §2.1);
//   - encode_path then decode_target_path gives back the decoded path; an encoding is
//     only unreserved characters, '/' and "%XX", at most three bytes per byte;
//   - a decoded path the store accepts stays beneath the root (no "." or ".." or empty
//     component, no control byte), and its encoded absolute form, sent as a target, comes
//     back as the same object path (a listing's link leads where it says);
//   - any raw path without NUL survives encode then decode unchanged.
#include <algorithm>
#include <cctype>
#include <string>
#include <string_view>

#include "fuzz/fuzz_check.hpp"
#include "refserver/http/http_util.hpp"
#include "refserver/store/object_path.hpp"

namespace {

using streamcheck::fuzz::printable;
using streamcheck::http::decode_target_path;
using streamcheck::http::encode_path;
using streamcheck::store::ObjectPath;

bool is_hex(char c) {
  return std::isxdigit(static_cast<unsigned char>(c)) != 0;
}

// The target with each escape's hex digits in the other case.
std::string flip_escape_case(std::string_view target) {
  std::string out(target);
  for (size_t i = 0; i + 2 < out.size(); ++i) {
    if (out[i] != '%' || !is_hex(out[i + 1]) || !is_hex(out[i + 2])) continue;
    for (size_t j = i + 1; j <= i + 2; ++j) {
      const auto c = static_cast<unsigned char>(out[j]);
      out[j] = static_cast<char>(std::islower(c) ? std::toupper(c) : std::tolower(c));
    }
    i += 2;
  }
  return out;
}

void check_encoding(std::string_view path, const std::string& encoded) {
  FUZZ_CHECK(encoded.size() <= 3 * path.size());
  for (size_t i = 0; i < encoded.size(); ++i) {
    const auto c = static_cast<unsigned char>(encoded[i]);
    if (c == '%') {
      FUZZ_CHECK_MSG(i + 2 < encoded.size() && is_hex(encoded[i + 1]) && is_hex(encoded[i + 2]),
                     printable(encoded));
      i += 2;
      continue;
    }
    FUZZ_CHECK_MSG(std::isalnum(c) || c == '-' || c == '.' || c == '_' || c == '~' || c == '/',
                   printable(encoded));
  }
  const auto back = decode_target_path(encoded);
  FUZZ_CHECK_MSG(back && *back == path, printable(path) + " -> " + printable(encoded));
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view bytes(reinterpret_cast<const char*>(data), size);

  if (bytes.find('\0') == std::string_view::npos) check_encoding(bytes, encode_path(bytes));

  const auto decoded = decode_target_path(bytes);
  FUZZ_CHECK_MSG(decode_target_path(flip_escape_case(bytes)) == decoded, printable(bytes));
  if (!decoded) return 0;
  FUZZ_CHECK_MSG(decoded->find('\0') == std::string::npos, printable(bytes));
  FUZZ_CHECK(decoded->size() <= bytes.substr(0, bytes.find_first_of("?#")).size());
  check_encoding(*decoded, encode_path(*decoded));

  const auto path = ObjectPath::parse(*decoded);
  if (!path) return 0;
  const std::string& rel = path->relative();
  FUZZ_CHECK_MSG(rel.empty() || (rel.front() != '/' && rel.back() != '/'), printable(bytes));
  for (size_t start = 0; start <= rel.size() && !rel.empty();) {
    const size_t slash = std::min(rel.find('/', start), rel.size());
    const std::string_view component = std::string_view(rel).substr(start, slash - start);
    FUZZ_CHECK_MSG(!component.empty() && component != "." && component != "..", printable(bytes));
    start = slash + 1;
  }
  for (unsigned char c : rel) FUZZ_CHECK_MSG(c >= 0x20 && c != 0x7f, printable(bytes));
  const std::string link = encode_path(path->absolute());
  const auto followed = decode_target_path(link);
  FUZZ_CHECK_MSG(followed.has_value(), printable(link));
  const auto again = ObjectPath::parse(*followed);
  FUZZ_CHECK_MSG(again && *again == *path, printable(bytes) + " -> " + printable(link));
  return 0;
}
