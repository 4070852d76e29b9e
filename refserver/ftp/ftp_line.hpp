// From control-connection bytes to command lines: TelnetFilter removes the Telnet
// protocol from the byte stream (RFC 959 runs the control connection as a Telnet NVT,
// RFC 854), LineAssembler cuts the plain bytes into lines with a length limit.
//
//   socket bytes -> TelnetFilter (in place) -> LineAssembler -> parse_command_line
//
// Both are streaming state machines: bytes may arrive split anywhere (an IAC in one
// read and its command byte in the next), and neither holds more than one line of at
// most max_line bytes, whatever the client sends.
//
// Threading: one instance per session, used by one thread at a time.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>

namespace streamcheck::ftp {

// Removes Telnet commands from the stream (RFC 854):
//   IAC IAC                 -> one literal 0xFF byte
//   IAC WILL|WONT|DO|DONT x -> dropped (3 bytes). Options are not negotiated and not
//                              refused: no FTP client we know of negotiates, and
//                              vsftpd and pyftpdlib ignore them the same way.
//   IAC SB ... IAC SE       -> dropped (subnegotiation)
//   IAC cmd (240..249)      -> dropped (2 bytes): IP, DM, NOP, AYT, ...
//   IAC b, b < 240          -> IAC dropped, b kept.
// The last rule is for ABOR: the client sends IAC IP, then the Synch IAC DM with the
// DM byte as TCP urgent data. Without SO_OOBINLINE the kernel takes the urgent DM byte
// out of the stream, so the server reads IAC IP IAC "ABOR\r\n": dropping the second
// IAC with the 'A' after it would turn ABOR into "BOR". (pyftpdlib works around the
// same thing by matching the last four letters of an unknown verb.) With
// SO_OOBINLINE the server reads IAC IP IAC DM "ABOR\r\n", which the rules above also
// reduce to "ABOR\r\n".
class TelnetFilter {
 public:
  // Filters `buffer` in place and returns the plain bytes, which now start at
  // buffer.data() (a prefix of it). A sequence split across calls is completed by
  // the next call.
  std::string_view filter(std::span<char> buffer);

  // True when a Telnet sequence is incomplete at the end of the last buffer.
  bool in_sequence() const { return state_ != State::data; }

 private:
  enum class State : uint8_t { data, iac, option, subneg, subneg_iac };
  State state_ = State::data;
};

// Cuts plain bytes into lines that end in LF. The LF and one CR before it are not
// part of the line (clients send CRLF; a bare LF is accepted too, as every server
// does). A CR elsewhere stays in the line.
//
// A line longer than max_line bytes (CRLF not counted) is not buffered: its bytes are
// dropped as they come, and feed() reports Event::too_long when its LF arrives, so the
// session answers it once (500), in order with the other replies, and goes on with
// the next line. Memory held: at most max_line + 1 bytes, reserved up front.
class LineAssembler {
 public:
  static constexpr size_t kDefaultMaxLine = 4096;

  explicit LineAssembler(size_t max_line = kDefaultMaxLine);

  enum class Event {
    need_more,  // all of `data` consumed, no line complete yet
    line,       // a line is complete: line() holds it
    too_long,   // an over-long line ended (its bytes are gone)
  };
  struct Step {
    size_t consumed = 0;  // bytes of `data` used, up to and including the LF
    Event event = Event::need_more;
  };

  // Consumes `data` up to and including the first LF, or all of it when it has none.
  // The caller feeds the rest (data.substr(consumed)) after handling the event: one
  // command at a time, so pipelined commands wait their turn in the caller's buffer.
  Step feed(std::string_view data);

  // The line completed by the last feed() that returned Event::line. Valid until the
  // next feed().
  std::string_view line() const { return line_; }

  // True while an unfinished line (normal or over-long) has been started.
  bool partial() const { return !line_done_ && (!buf_.empty() || discarding_); }

  size_t max_line() const { return max_; }

 private:
  size_t max_;
  std::string buf_;          // the line so far; never more than max_ + 1 bytes
  std::string_view line_;    // into buf_
  bool line_done_ = false;   // buf_ holds a complete line, cleared on the next feed
  bool discarding_ = false;  // inside an over-long line
};

}  // namespace streamcheck::ftp
