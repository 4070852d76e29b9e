// FTP replies: every reply code the refserver sends, its standard text, and the one
// formatter that puts a reply on the control connection (RFC 959 §4.2).
//
//   single line:  "227 Entering Passive Mode (127,0,0,1,4,1).\r\n"
//   multi-line:   "211-Features:\r\n MDTM\r\n SIZE\r\n211 End\r\n"
//
// A multi-line reply starts with "CODE-" and ends with "CODE SP"; a client takes the
// first line that starts with the code and a space as the end. So every intermediate
// line is sent indented by one space (unless the caller already began it with one):
// a line of a listing or help text that starts with digits can never end the reply
// early, and RFC 2389 (FEAT) and RFC 3659 (MLST) want exactly that one space anyway.
//
// A reply line can never contain CR or LF (it would end the line and let a path
// inject a forged reply), nor NUL. format() replaces each such byte with '?'. Names
// the store accepts have no control characters, so this only ever fires on hostile
// input echoed back (an unknown verb, say). Bytes >= 0x80 pass unchanged: paths are
// UTF-8 (RFC 2640), and valid UTF-8 never contains the Telnet IAC byte 0xFF.
#pragma once

#include <cassert>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

#include "refserver/store/status.hpp"

namespace streamcheck::ftp {

// The codes the refserver uses, named after their RFC 959 §4.2.2 meaning.
enum class ReplyCode : uint16_t {
  restart_marker = 110,
  service_ready_in = 120,
  data_already_open = 125,  // transfer starting on an open data connection
  file_status_ok = 150,     // about to open the data connection
  ok = 200,
  superfluous = 202,    // e.g. ALLO, ACCT: accepted, nothing to do
  system_status = 211,  // also FEAT
  directory_status = 212,
  file_status = 213,  // SIZE, MDTM
  help = 214,
  system_type = 215,
  service_ready = 220,
  closing_control = 221,
  data_open_no_transfer = 225,
  closing_data = 226,  // transfer complete
  entering_passive = 227,
  entering_extended_passive = 229,  // RFC 2428
  logged_in = 230,
  file_action_ok = 250,
  path_created = 257,  // also PWD
  need_password = 331,
  need_account = 332,
  pending_further_info = 350,  // REST, RNFR
  service_not_available = 421,
  cannot_open_data = 425,
  transfer_aborted = 426,
  file_action_not_taken = 450,
  local_error = 451,
  insufficient_storage = 452,
  syntax_error = 500,  // unknown command, line too long
  syntax_error_args = 501,
  not_implemented = 502,
  bad_sequence = 503,
  not_implemented_for_param = 504,
  protocol_not_supported = 522,  // RFC 2428
  not_logged_in = 530,
  need_account_to_store = 532,
  file_unavailable = 550,
  page_type_unknown = 551,
  storage_exceeded = 552,
  name_not_allowed = 553,
  invalid_rest = 554,  // RFC 3659 §5.5: REST offset unusable for the transfer
};

// 227 for ReplyCode::entering_passive.
constexpr int reply_number(ReplyCode code) {
  return static_cast<int>(code);
}

// The standard text of `code`, e.g. "Requested file action okay, completed." for 250.
std::string_view default_text(ReplyCode code);

// Every ReplyCode, in ascending order (for tests and documentation).
const std::vector<ReplyCode>& all_reply_codes();

// One reply: a code and one or more lines of text (without the code, without CRLF).
struct Reply {
  ReplyCode code = ReplyCode::ok;
  std::vector<std::string> lines;

  // The code with its default text.
  explicit Reply(ReplyCode c) : code(c), lines{std::string(default_text(c))} {}
  // A single-line reply.
  Reply(ReplyCode c, std::string text) : code(c) { lines.push_back(std::move(text)); }
  // A multi-line reply when `all_lines` has two or more lines; the last one goes with
  // the final "CODE SP". An empty vector means the default text.
  static Reply multi(ReplyCode c, std::vector<std::string> all_lines);

  // The wire form, CRLF after every line, sanitized and indented as described above.
  std::string format() const;

  friend bool operator==(const Reply&, const Reply&) = default;
};

// The quoted pathname of a 257 reply (PWD, MKD), RFC 959 Appendix II: the path in
// double quotes with every embedded quote doubled. "/a\"b" -> "\"/a\"\"b\"", so the
// reply reads: 257 "/a""b" created.
std::string quote_path_257(std::string_view path);

// A value, or the error reply the session sends as is (e.g. PORT's 501). For the
// argument parsers of the session's handlers.
template <class T>
class [[nodiscard]] ReplyOr {
 public:
  ReplyOr(T value) : v_(std::move(value)) {}      // NOLINT: implicit by design
  ReplyOr(Reply error) : v_(std::move(error)) {}  // NOLINT: implicit by design

  bool ok() const { return std::holds_alternative<T>(v_); }
  explicit operator bool() const { return ok(); }

  const T& value() const {
    assert(ok());
    return std::get<T>(v_);
  }
  const T& operator*() const { return value(); }
  const T* operator->() const { return &value(); }
  // The error reply; only when !ok().
  const Reply& error() const {
    assert(!ok());
    return std::get<Reply>(v_);
  }

 private:
  std::variant<T, Reply> v_;
};

// The one mapping from a store error to an FTP reply: 550 for what is not there or
// not allowed, 553 for a name the store refuses, 452 when storage is full, 501 for an
// upload with no ALLO before it where a length is required, 451 for a local error.
// The text is the store's message (it names the call and the path).
Reply reply_for(const store::Status& status);

}  // namespace streamcheck::ftp
