// parse_basic_auth (RFC 7617): the Authorization header every write goes through.
//
// Input: the bytes, read both as a header value and as the credentials "user:password"
// (the user up to the first ':', or all of it and no password). Checked:
//   - accepted credentials have a user without ':' (RFC 7617 §2: the first colon ends the
//     user-id) and are no longer than the base64 text could decode to;
//   - written back as "Basic " + base64(user ":" password) they parse to the same;
//   - the scheme is case-insensitive (RFC 9110 §11.1): the header with its scheme in
//     another case gets the same credentials or the same refusal;
//   - any credentials whose base64 fits the server's 4096-byte bound come back unchanged
//     from their header, with or without padding needed.
#include <cctype>
#include <optional>
#include <string>
#include <string_view>

#include "fuzz/fuzz_check.hpp"
#include "refserver/http/http_util.hpp"

namespace {

using streamcheck::fuzz::printable;
using streamcheck::http::BasicCredentials;
using streamcheck::http::parse_basic_auth;

// Written here, not with the server's library, so that a shared mistake cannot hide.
std::string base64(std::string_view in) {
  static constexpr char kAlphabet[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  for (size_t i = 0; i < in.size(); i += 3) {
    uint32_t v = static_cast<uint32_t>(static_cast<unsigned char>(in[i])) << 16;
    if (i + 1 < in.size()) v |= static_cast<uint32_t>(static_cast<unsigned char>(in[i + 1])) << 8;
    if (i + 2 < in.size()) v |= static_cast<unsigned char>(in[i + 2]);
    out += kAlphabet[(v >> 18) & 63];
    out += kAlphabet[(v >> 12) & 63];
    out += i + 1 < in.size() ? kAlphabet[(v >> 6) & 63] : '=';
    out += i + 2 < in.size() ? kAlphabet[v & 63] : '=';
  }
  return out;
}

bool same(const std::optional<BasicCredentials>& a, const std::optional<BasicCredentials>& b) {
  if (a.has_value() != b.has_value()) return false;
  return !a || (a->user == b->user && a->password == b->password);
}

// The header with the case of every letter before its first space flipped.
std::string flip_scheme_case(std::string_view header) {
  std::string out(header);
  const size_t start = out.find_first_not_of(" \t");
  for (size_t i = start; i < out.size() && out[i] != ' '; ++i) {
    const auto c = static_cast<unsigned char>(out[i]);
    out[i] = static_cast<char>(std::islower(c) ? std::toupper(c) : std::tolower(c));
  }
  return out;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view bytes(reinterpret_cast<const char*>(data), size);

  const auto parsed = parse_basic_auth(bytes);
  FUZZ_CHECK_MSG(same(parse_basic_auth(flip_scheme_case(bytes)), parsed), printable(bytes));
  if (parsed) {
    FUZZ_CHECK_MSG(parsed->user.find(':') == std::string::npos, printable(bytes));
    FUZZ_CHECK(parsed->user.size() + 1 + parsed->password.size() <= bytes.size() * 3 / 4);
    const std::string again = "Basic " + base64(parsed->user + ":" + parsed->password);
    FUZZ_CHECK_MSG(same(parse_basic_auth(again), parsed), printable(bytes) + " -> " + again);
  }

  const size_t colon = bytes.find(':');
  const BasicCredentials sent{
      std::string(bytes.substr(0, colon)),
      colon == std::string_view::npos ? "" : std::string(bytes.substr(colon + 1))};
  const std::string encoded = base64(sent.user + ":" + sent.password);
  if (encoded.size() <= 4096) {
    const std::string header = "Basic " + encoded;
    FUZZ_CHECK_MSG(same(parse_basic_auth(header), sent), printable(bytes) + " -> " + header);
  }
  return 0;
}
