// Raw exchanges for the RFC and hostile-input tests: one request on a fresh connection,
// one FTP command on a fresh session, and the checks every such case ends with.
#pragma once

#include <initializer_list>
#include <optional>
#include <string>

#include "bench/lib/raw_client.hpp"
#include "conformance/ftp_replies.hpp"
#include "conformance/http_replies.hpp"
#include "conformance/suite.hpp"

namespace streamcheck::conformance {

// Sends `request` on a fresh connection; the response, or nullopt when none came.
std::optional<bench::RawHttpResponse> http_exchange(const std::string& request, bool head = false);

// "status 400", or "no response (closed or timed out)".
std::string status_text(const std::optional<bench::RawHttpResponse>& r);
bool status_in(const std::optional<bench::RawHttpResponse>& r, std::initializer_list<int> codes);
std::string codes_text(std::initializer_list<int> codes);  // "400 or 505"

// Whether `r`'s status is one RFC 9110 / RFC 4918 allow for `outcome` of `method`
// (http_replies.hpp).
bool outcome_is(const std::optional<bench::RawHttpResponse>& r, std::string_view method,
                HttpOutcome outcome);
// check() of the same, the requirement citing the table's RFC sections: a test judges
// "the DELETE was done" by every status the RFCs give for it, not by one server's. A pair
// the table does not have is the test's own error, and fails it as such.
bool check_outcome(const std::optional<bench::RawHttpResponse>& r, std::string_view method,
                   HttpOutcome outcome, std::string_view text, Level level = Level::must);

// "\"226 Transfer complete.\"", or "no reply (closed or timed out)".
std::string reply_text(const bench::FtpReply& r);
// check() that an FTP reply to `verb` is one the RFCs list for it (ftp_replies.hpp) of one
// of `kinds`: "RETR ends well" accepts 226 and 250. The requirement cites the listing RFC.
bool check_reply_kind(const bench::FtpReply& r, std::string_view verb,
                      std::initializer_list<ReplyKind> kinds, std::string_view text,
                      Level level = Level::must);
// check() that the reply is one of `codes`, for a test that needs one meaning among the
// replies listed for `verb` (550: no such file). A code not listed for the verb is the
// test's own error, and fails it as such.
bool check_reply_among(const bench::FtpReply& r, std::string_view verb,
                       std::initializer_list<int> codes, std::string_view text,
                       Level level = Level::must);

// A passive data connection: EPSV (RFC 2428), else PASV (RFC 959), connected to the
// control connection's host. `conn` is null when neither worked; `how` says what each
// answered.
struct DataConnection {
  std::unique_ptr<bench::RawConnection> conn;
  std::string how;
};
DataConnection open_data(bench::FtpControl& control);

// A known object for read-only tests: 1000 random bytes at http_dir("rfc")/known.bin
// (HTTP) or ftp_dir("rfc")/known.bin (FTP). Made once. Returns its path and content.
// Shared by many tests, so no test may write to it, not even one that expects the
// server to refuse the write: a server that wrongly accepts must fail that test only,
// not every later test that compares against the object. Such a test makes its own
// object with http_object() / ftp_object().
struct Known {
  std::string path;
  std::string content;
};
const Known& http_known();
const Known& ftp_known();
// A fresh object of 1000 random bytes at http_dir(SUB)/NAME (ftp_dir(SUB)/NAME), made
// (or replaced) on every call. Throws bench::Error when the upload fails.
Known http_object(const std::string& name, const std::string& sub = "rfc");
Known ftp_object(const std::string& name, const std::string& sub = "rfc");

// A name no earlier call in this process returned: "STEM-N" + SUFFIX. For tests whose
// verdict needs a path that does not exist yet (a create is 201), so that they still hold
// when run again in one process (--gtest_repeat) against the same server.
std::string fresh_name(const std::string& stem, const std::string& suffix = "");

// Skips a test that reads the known object when the upload that makes it does not
// apply (--without http-put, no credentials, OPTIONS without PUT): a skip with the
// reason, not an exception from http_known().
#define SKIP_UNLESS_HTTP_KNOWN()                                                                   \
  do {                                                                                             \
    SKIP_UNLESS_HTTP();                                                                            \
    if (auto why_ =                                                                                \
            ::streamcheck::conformance::suite().why_not(::streamcheck::conformance::Op::http_put); \
        !why_.empty())                                                                             \
      GTEST_SKIP() << "the test reads an object it makes with PUT, which does not apply: "         \
                   << why_;                                                                        \
  } while (0)
#define SKIP_UNLESS_FTP_KNOWN()                                                                    \
  do {                                                                                             \
    SKIP_UNLESS_FTP();                                                                             \
    if (auto why_ =                                                                                \
            ::streamcheck::conformance::suite().why_not(::streamcheck::conformance::Op::ftp_stor); \
        !why_.empty())                                                                             \
      GTEST_SKIP() << "the test reads a file it makes with STOR, which does not apply: " << why_;  \
  } while (0)

// ABOR as RFC 959 §4.1.3 asks a user-FTP to send it: the Telnet IP (interrupt
// process), then the Telnet Synch, then "ABOR\r\n". The Synch (RFC 854 "The TELNET
// Synch") is IAC DM sent with the TCP urgent flag, DM being the last (or only) octet of
// urgent data. Sent as IAC IP IAC in band and DM alone with MSG_OOB, as lftp does
// (Ftp::SendUrgentCmd: "only DM byte is to be sent in urgent mode"). A server reads
// IAC IP IAC DM ABOR with SO_OOBINLINE (vsftpd) and IAC IP IAC ABOR without it (the
// kernel takes the urgent DM out of the stream); both reduce to ABOR. The BSD ftp
// client's order (IAC IP IAC with MSG_OOB, so the IAC is urgent, then DM in band, a
// workaround for 4.3BSD's urgent mark) leaves a bare DM before "ABOR" for a server
// without SO_OOBINLINE: the refserver answers it 500 '?ABOR'. Python's ftplib sends
// "ABOR\r\n" itself as urgent data, without IP or Synch.
// False when the connection is closed.
bool send_abor(bench::FtpControl& control);

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
