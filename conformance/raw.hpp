// Raw exchanges for the RFC and hostile-input tests: one request on a fresh connection,
// one FTP command on a fresh session, and the checks every such case ends with.
#pragma once

#include <initializer_list>
#include <optional>
#include <string>

#include "bench/lib/raw_client.hpp"
#include "conformance/suite.hpp"

namespace streamcheck::conformance {

// Sends `request` on a fresh connection; the response, or nullopt when none came.
std::optional<bench::RawHttpResponse> http_exchange(const std::string& request, bool head = false);

// "status 400", or "no response (closed or timed out)".
std::string status_text(const std::optional<bench::RawHttpResponse>& r);
bool status_in(const std::optional<bench::RawHttpResponse>& r, std::initializer_list<int> codes);
std::string codes_text(std::initializer_list<int> codes);  // "400 or 505"

// A known object for read-only tests: 1000 random bytes at http_dir("rfc")/known.bin
// (HTTP) or ftp_dir("rfc")/known.bin (FTP). Made once. Returns its path and content.
struct Known {
  std::string path;
  std::string content;
};
const Known& http_known();
const Known& ftp_known();

// "Host: x\r\n" + credentials, for requests that write.
std::string write_headers();

}  // namespace streamcheck::conformance

namespace streamcheck::conformance {
// check() that `response`'s status is one of the codes.
#define CHECK_STATUS(response, requirement, ...)                               \
  [&](const std::optional<::streamcheck::bench::RawHttpResponse>& r_) {        \
    return ::streamcheck::conformance::check(                                  \
        ::streamcheck::conformance::status_in(r_, {__VA_ARGS__}), requirement, \
        "status " + ::streamcheck::conformance::codes_text({__VA_ARGS__}),     \
        ::streamcheck::conformance::status_text(r_));                          \
  }(response)
// check() that an FTP reply's code is one of the codes.
#define CHECK_REPLY(reply, requirement, ...)                                                \
  [&](const ::streamcheck::bench::FtpReply& r_) {                                           \
    bool ok_ = false;                                                                       \
    for (int c_ : {__VA_ARGS__}) ok_ = ok_ || r_.code == c_;                                \
    return ::streamcheck::conformance::check(                                               \
        ok_, requirement, "reply " + ::streamcheck::conformance::codes_text({__VA_ARGS__}), \
        r_.code ? "\"" + r_.text + "\"" : std::string("no reply (closed or timed out)"));   \
  }(reply)
}  // namespace streamcheck::conformance
