#include "refserver/ftp/ftp_line.hpp"

namespace streamcheck::ftp {
namespace {

// Telnet command bytes (RFC 854).
constexpr unsigned char kIac = 255;
constexpr unsigned char kSb = 250;    // subnegotiation begin
constexpr unsigned char kSe = 240;    // subnegotiation end
constexpr unsigned char kWill = 251;  // WILL, WONT, DO, DONT: 251..254, one option byte follows
constexpr unsigned char kDont = 254;
constexpr unsigned char kFirstCommand = 240;  // SE; every command byte is 240..255

}  // namespace

std::string_view TelnetFilter::filter(std::span<char> buffer) {
  size_t out = 0;  // never ahead of the read position: output is never longer than input
  for (char c : buffer) {
    const auto b = static_cast<unsigned char>(c);
    switch (state_) {
      case State::data:
        if (b == kIac) {
          state_ = State::iac;
        } else {
          buffer[out++] = c;
        }
        break;
      case State::iac:
        if (b == kIac) {
          buffer[out++] = c;  // escaped 0xFF
          state_ = State::data;
        } else if (b >= kWill && b <= kDont) {
          state_ = State::option;
        } else if (b == kSb) {
          state_ = State::subneg;
        } else if (b >= kFirstCommand) {
          state_ = State::data;  // IP, DM, NOP, AYT, ...: two bytes, dropped
        } else {
          buffer[out++] = c;  // not a command: the urgent DM was taken out of band
          state_ = State::data;
        }
        break;
      case State::option:
        state_ = State::data;
        break;
      case State::subneg:
        if (b == kIac) state_ = State::subneg_iac;
        break;
      case State::subneg_iac:
        state_ = b == kSe ? State::data : State::subneg;
        break;
    }
  }
  return std::string_view(buffer.data(), out);
}

LineAssembler::LineAssembler(size_t max_line) : max_(max_line) {
  buf_.reserve(max_ + 1);
}

LineAssembler::Step LineAssembler::feed(std::string_view data) {
  if (line_done_) {
    buf_.clear();
    line_ = {};
    line_done_ = false;
  }
  const size_t lf = data.find('\n');
  if (lf == std::string_view::npos) {
    // Keep up to max_ + 1 bytes: the one extra may be the CR of a CRLF still to come.
    if (!discarding_ && buf_.size() + data.size() > max_ + 1) {
      discarding_ = true;
      buf_.clear();
    }
    if (!discarding_) buf_.append(data);
    return Step{data.size(), Event::need_more};
  }

  const Step done{lf + 1, Event::line};
  if (discarding_ || buf_.size() + lf > max_ + 1) {
    discarding_ = false;
    buf_.clear();
    return Step{done.consumed, Event::too_long};
  }
  buf_.append(data.substr(0, lf));
  if (!buf_.empty() && buf_.back() == '\r') buf_.pop_back();
  if (buf_.size() > max_) {
    buf_.clear();
    return Step{done.consumed, Event::too_long};
  }
  line_ = buf_;
  line_done_ = true;
  return done;
}

}  // namespace streamcheck::ftp
