// The decoder is a byte-at-a-time state machine. Framing is a few bytes per chunk (the
// payload never passes through here), so a table-free switch is fast enough and keeps every
// rule in one place.
#include "refserver/http/chunked_decoder.hpp"

#include <algorithm>
#include <cstring>
#include <limits>
#include <utility>

namespace streamcheck::http {

namespace {

constexpr std::string_view kBareLf = "bare LF in chunk framing";
constexpr std::string_view kBareCr = "bare CR in chunk framing";

int hex_value(unsigned char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

bool is_bws(unsigned char c) {
  return c == ' ' || c == '\t';
}

}  // namespace

ChunkedDecoder::ChunkedDecoder(Limits limits) : limits_(limits) {}

size_t ChunkedDecoder::consume_framing(std::string_view input) {
  size_t taken = 0;
  while (state_ == State::framing && taken < input.size() &&
         step(static_cast<unsigned char>(input[taken]))) {
    ++taken;
  }
  return taken;
}

void ChunkedDecoder::payload_consumed(uint64_t n) {
  if (n == 0) return;
  if (state_ != State::payload || n > payload_left_) {
    fail("payload_consumed past the end of the chunk's data");
    return;
  }
  payload_left_ -= n;
  if (payload_left_ == 0) state_ = State::framing;  // step_ is already data_cr
}

bool ChunkedDecoder::step(unsigned char c) {
  // The limits are checked before the byte is looked at, so that a line that is too long
  // fails the same way whatever it holds.
  switch (step_) {
    case Step::size_first:
    case Step::size_digits:
    case Step::size_bws:
    case Step::extension:
    case Step::size_lf:
      if (++line_length_ > limits_.line_bytes)
        return fail("chunk-size line over " + std::to_string(limits_.line_bytes) + " bytes");
      break;
    case Step::trailer_line:
    case Step::trailer_field:
    case Step::trailer_lf:
    case Step::trailer_end_lf:
      if (++trailer_length_ > limits_.trailer_bytes)
        return fail("trailer section over " + std::to_string(limits_.trailer_bytes) + " bytes");
      break;
    case Step::data_cr:
    case Step::data_lf:
      break;
  }

  switch (step_) {
    case Step::size_first:
      if (int d = hex_value(c); d >= 0) {
        size_ = static_cast<uint64_t>(d);
        step_ = Step::size_digits;
        return true;
      }
      if (c == '\n') return fail(std::string(kBareLf));
      if (c == '\r' || c == ';') return fail("chunk size is empty");
      return fail("chunk size is not hexadecimal");

    case Step::size_digits:
      if (int d = hex_value(c); d >= 0) {
        if (size_ > std::numeric_limits<uint64_t>::max() >> 4)
          return fail("chunk size over 2^64 - 1");
        size_ = size_ << 4 | static_cast<uint64_t>(d);
        return true;
      }
      if (is_bws(c)) {
        step_ = Step::size_bws;
        return true;
      }
      if (c == ';') {
        step_ = Step::extension;
        return true;
      }
      if (c == '\r') {
        step_ = Step::size_lf;
        return true;
      }
      if (c == '\n') return fail(std::string(kBareLf));
      return fail("chunk size is not hexadecimal");

    case Step::size_bws:
      // BWS belongs to chunk-ext only; "5 \r\n" is not in the grammar, and a size followed
      // by a space and more is what a smuggler would send to make two parsers disagree.
      if (is_bws(c)) return true;
      if (c == ';') {
        step_ = Step::extension;
        return true;
      }
      if (c == '\n') return fail(std::string(kBareLf));
      return fail("whitespace after chunk size not followed by ';'");

    case Step::extension:
      if (c == '\r') {
        step_ = Step::size_lf;
        return true;
      }
      if (c == '\n') return fail(std::string(kBareLf));
      if (c == '\t' || (c >= 0x20 && c != 0x7f)) return true;
      return fail("control character in chunk extension");

    case Step::size_lf:
      if (c != '\n') return fail(std::string(kBareCr));
      return end_size_line();

    case Step::data_cr:
      if (c != '\r') return fail("no CRLF after chunk data");
      step_ = Step::data_lf;
      return true;

    case Step::data_lf:
      if (c != '\n') return fail("no CRLF after chunk data");
      step_ = Step::size_first;
      size_ = 0;
      line_length_ = 0;
      return true;

    case Step::trailer_line:
      if (c == '\r') {
        step_ = Step::trailer_end_lf;
        return true;
      }
      step_ = Step::trailer_field;
      [[fallthrough]];
    case Step::trailer_field:
      if (c == '\r') {
        step_ = Step::trailer_lf;
        return true;
      }
      if (c == '\n') return fail(std::string(kBareLf));
      if (c == '\0') return fail("NUL in trailer section");
      return true;

    case Step::trailer_lf:
      if (c != '\n') return fail(std::string(kBareCr));
      step_ = Step::trailer_line;
      return true;

    case Step::trailer_end_lf:
      if (c != '\n') return fail(std::string(kBareCr));
      state_ = State::done;
      return true;
  }
  return fail("unreachable decoder step");
}

bool ChunkedDecoder::end_size_line() {
  if (size_ == 0) {  // last-chunk: the trailer section follows
    step_ = Step::trailer_line;
    trailer_length_ = 0;
    return true;
  }
  // Only a hostile client announces this much, but a wrapped sum would pass a size check.
  if (announced_ > std::numeric_limits<uint64_t>::max() - size_)
    return fail("chunk sizes sum over 2^64 - 1");
  announced_ += size_;
  payload_left_ = size_;
  state_ = State::payload;
  step_ = Step::data_cr;
  return true;
}

bool ChunkedDecoder::fail(std::string message) {
  if (state_ != State::error) {  // the first error is the one that explains the rest
    state_ = State::error;
    error_ = std::move(message);
  }
  return false;
}

InPlaceDecoded decode_in_place(ChunkedDecoder& decoder, std::span<char> buffer) {
  size_t in = 0;
  size_t out = 0;
  while (in < buffer.size()) {
    if (decoder.state() == ChunkedDecoder::State::framing) {
      in += decoder.consume_framing(std::string_view(buffer.data() + in, buffer.size() - in));
    } else if (decoder.state() == ChunkedDecoder::State::payload) {
      auto n = static_cast<size_t>(
          std::min<uint64_t>(decoder.payload_left(), static_cast<uint64_t>(buffer.size() - in)));
      // Regions overlap once framing has been dropped: memmove, not memcpy.
      if (out != in) std::memmove(buffer.data() + out, buffer.data() + in, n);
      out += n;
      in += n;
      decoder.payload_consumed(n);
    } else {
      break;
    }
  }
  return {in, out};
}

}  // namespace streamcheck::http
