// What the harness reads from an FTP control connection, as functions of text alone so
// that they are unit-tested and fuzzed without a socket: lines out of the bytes received,
// replies out of the lines (RFC 959 §4.2), and the replies whose text carries data:
// 227's address (PASV, RFC 959 §4.1.2), 229's port (EPSV, RFC 2428 §3) and the facts of
// an MLST entry (RFC 3659 §7).
#pragma once

#include <array>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>

namespace streamcheck::bench {

struct FtpReply {
  int code = 0;      // 0 when no reply came (closed or timed out)
  std::string text;  // all lines, joined with "\n", codes included
};

// Takes one line ending in "\n" off the front of `buffer`, returned without the "\n" and
// a "\r" before it; nullopt (and `buffer` untouched) while no whole line is there.
std::optional<std::string> pop_line(std::string& buffer);

// Joins lines into replies: "123 text" is a reply; "123-text" opens a multi-line one that
// the first line starting with "123 " closes (lines between may be anything).
class FtpReplyAssembler {
 public:
  // The reply that `line` completes, if it does. A line that does not start with a code
  // (three digits, the first 1 to 5) outside a multi-line reply is a reply with code 0
  // (as if none had come) and the line as its text.
  std::optional<FtpReply> add_line(std::string_view line);
  // At the end of the stream: the multi-line reply cut short, if one was open, with the
  // lines it had.
  std::optional<FtpReply> finish();

 private:
  std::optional<FtpReply> open_;
  std::string end_;  // "123 ": the prefix of the line that closes open_
};

// 227 "Entering Passive Mode (h1,h2,h3,h4,p1,p2)": the address, and port p1 * 256 + p2;
// nullopt unless six numbers 0 to 255 follow the "(".
struct PassiveAddress {
  std::array<unsigned, 4> host{};
  unsigned port = 0;
};
std::optional<PassiveAddress> parse_pasv_reply(std::string_view text);

// 229 "Entering Extended Passive Mode (|||port|)": the port, 1 to 65535.
std::optional<unsigned> parse_epsv_reply(std::string_view text);

// The facts of an MLST reply (RFC 3659 §7.2): its entry line is SP facts SP pathname,
// facts being "name=value;" each. Fact names are case-insensitive (§7.1, §7.4), so they
// are kept lower-cased; so is the value of "type", whose tokens are too (§7.5.1).
std::map<std::string, std::string> parse_mlst_facts(std::string_view text);

}  // namespace streamcheck::bench
