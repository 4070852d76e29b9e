// The streaming parser. The helpers (extract_boundary, parse_part_headers,
// sanitize_filename) are in multipart_headers.cpp.
//
// How the search works: part data and preamble are scanned with memchr for '\r', the first
// byte of every delimiter; each CR found is classified by comparing the bytes after it with
// "\r\n--boundary" and the one or two bytes that decide what follows. In data with few CRs
// this runs at memchr speed, and the data is never copied: it is passed to the sink as a
// span of the fed chunk. Only a CR too close to the end of a chunk to be classified is
// copied, with what follows it, into carry_ (at most boundary length + 5 bytes), and
// resolved when the next chunk comes.
#include "refserver/http/multipart.hpp"

#include <algorithm>
#include <cstring>
#include <string>

namespace streamcheck::http {

namespace {

bool is_padding(std::byte b) {
  return b == std::byte{' '} || b == std::byte{'\t'};
}

std::string printable(std::byte b) {
  auto c = static_cast<unsigned char>(b);
  if (c >= 0x21 && c < 0x7f) return std::string("'") + static_cast<char>(c) + "'";
  static constexpr char kHex[] = "0123456789abcdef";
  return std::string("byte 0x") + kHex[c >> 4] + kHex[c & 15];
}

}  // namespace

std::string_view multipart_errc_name(MultipartErrc code) {
  switch (code) {
    case MultipartErrc::ok:
      return "ok";
    case MultipartErrc::bad_content_type:
      return "bad_content_type";
    case MultipartErrc::bad_filename:
      return "bad_filename";
    case MultipartErrc::malformed:
      return "malformed";
    case MultipartErrc::too_large:
      return "too_large";
    case MultipartErrc::incomplete:
      return "incomplete";
    case MultipartErrc::stopped:
      return "stopped";
  }
  return "unknown";
}

std::string MultipartStatus::to_string() const {
  if (is_ok()) return "ok";
  return std::string(multipart_errc_name(code_)) + ": " + message_;
}

MultipartParser::MultipartParser(std::string_view boundary, MultipartSink& sink,
                                 MultipartLimits limits)
    : sink_(sink), limits_(limits) {
  if (boundary.empty() || boundary.size() > kMaxBoundary ||
      boundary.find_first_of("\r\n") != std::string_view::npos) {
    fail(MultipartErrc::bad_content_type,
         "multipart boundary must be 1 to 70 characters without CR or LF");
    return;
  }
  std::memcpy(delimiter_.data(), "\r\n--", 4);
  std::memcpy(delimiter_.data() + 4, boundary.data(), boundary.size());
  delimiter_size_ = 4 + boundary.size();
  // The first delimiter may open the body without a CRLF before it. Starting with a CRLF
  // already carried lets one search serve both cases; that CRLF counts as preamble, which
  // is discarded.
  carry_[0] = std::byte{'\r'};
  carry_[1] = std::byte{'\n'};
  carry_size_ = 2;
  header_.reserve(limits_.header_block_bytes);
}

void MultipartParser::fail(MultipartErrc code, std::string message) {
  error_ = MultipartStatus(code, std::move(message));
  state_ = State::failed;
}

bool MultipartParser::check(MultipartStatus status) {
  if (status) return true;
  error_ = std::move(status);
  state_ = State::failed;
  return false;
}

bool MultipartParser::emit(const std::byte* p, size_t n) {
  if (n == 0 || state_ == State::preamble) return true;  // the preamble is discarded
  return check(sink_.on_part_data(std::span<const std::byte>(p, n)));
}

// What the n bytes at p (p[0] == '\r') are: a delimiter and which kind, not one, or
// undecided until more bytes come.
MultipartParser::Classified MultipartParser::classify(const std::byte* p, size_t n) const {
  const size_t d = delimiter_size_;
  // Most CRs in binary data are not followed by LF: decide those without a call.
  if (n >= 2 && p[1] != std::byte{'\n'}) return {Match::no, 0};
  if (std::memcmp(p, delimiter_.data(), n < d ? n : d) != 0) return {Match::no, 0};
  if (n <= d) return {Match::more, 0};
  std::byte c = p[d];
  // Padding commits us to a delimiter line: it can only end in CRLF (checked later).
  if (is_padding(c)) return {Match::padding, d + 1};
  if (c != std::byte{'-'} && c != std::byte{'\r'}) return {Match::no, 0};  // a longer word
  if (n == d + 1) return {Match::more, 0};
  std::byte c2 = p[d + 1];
  if (c == std::byte{'-'} && c2 == std::byte{'-'}) return {Match::close, d + 2};
  if (c == std::byte{'\r'} && c2 == std::byte{'\n'}) return {Match::part, d + 2};
  return {Match::no, 0};
}

MultipartStatus MultipartParser::feed(std::span<const std::byte> chunk) {
  const std::byte* p = chunk.data();
  const std::byte* end = p + chunk.size();
  while (p < end) {
    switch (state_) {
      case State::preamble:
      case State::body:
        p = scan_data(p, end);
        break;
      case State::delimiter_tail:
        p = scan_delimiter_tail(p, end);
        break;
      case State::headers:
        p = scan_headers(p, end);
        break;
      case State::done:
        p = end;
        break;  // the epilogue is ignored
      case State::failed:
        return error_;
    }
  }
  return error_;
}

MultipartStatus MultipartParser::finish() {
  switch (state_) {
    case State::done:
    case State::failed:
      return error_;
    case State::preamble:
      fail(MultipartErrc::incomplete, "missing closing boundary: no boundary found in the body");
      break;
    case State::body:
      fail(MultipartErrc::incomplete,
           "missing closing boundary: body ended in the data of part " + std::to_string(parts_));
      break;
    case State::delimiter_tail:
    case State::headers:
      fail(MultipartErrc::incomplete,
           "missing closing boundary: body ended in the headers of part " +
               std::to_string(parts_ + 1));
      break;
  }
  return error_;
}

// Preamble or part data: pass everything that cannot be the start of a delimiter to the
// sink, stop at a delimiter.
const std::byte* MultipartParser::scan_data(const std::byte* p, const std::byte* end) {
  // First resolve a partial delimiter carried from the last chunk, topping it up with just
  // the bytes needed to decide.
  if (carry_size_ > 0) {
    const size_t old = carry_size_;
    const size_t take = std::min(static_cast<size_t>(end - p), carry_.size() - old);
    std::memcpy(carry_.data() + old, p, take);
    Classified c = classify(carry_.data(), old + take);
    if (c.match == Match::more) {  // all of the chunk went into the carry
      carry_size_ = old + take;
      return end;
    }
    carry_size_ = 0;
    if (c.match != Match::no) {
      // What was carried is a proper prefix of the delimiter, so it ends in this chunk.
      assert(c.length > old);
      return on_delimiter(c.match, p + (c.length - old));
    }
    // Not a delimiter: all the carried bytes are data. No other delimiter can start among
    // them: the boundary holds no CR, so the only other CR a carry can hold is the byte
    // right after the boundary, and a delimiter starting there would need an LF after it,
    // which would have made the carry itself a delimiter. Bytes of this chunk are scanned
    // from the start below.
    if (!emit(carry_.data(), old)) return end;
  }

  const std::byte* data = p;  // start of the data not yet passed on
  while (true) {
    const void* found = std::memchr(p, '\r', static_cast<size_t>(end - p));
    if (found == nullptr) {
      emit(data, static_cast<size_t>(end - data));
      return end;
    }
    const auto* cr = static_cast<const std::byte*>(found);
    Classified c = classify(cr, static_cast<size_t>(end - cr));
    if (c.match == Match::no) {
      p = cr + 1;
      continue;
    }
    if (!emit(data, static_cast<size_t>(cr - data))) return end;
    if (c.match == Match::more) {
      carry_size_ = static_cast<size_t>(end - cr);  // < delimiter + 2 bytes, or it was decided
      std::memcpy(carry_.data(), cr, carry_size_);
      return end;
    }
    return on_delimiter(c.match, cr + c.length);
  }
}

const std::byte* MultipartParser::on_delimiter(Match match, const std::byte* next) {
  if (state_ == State::body && !check(sink_.on_part_end())) return next;
  switch (match) {
    case Match::close:
      state_ = State::done;
      break;
    case Match::part:
      state_ = State::headers;
      break;
    case Match::padding:
      state_ = State::delimiter_tail;
      padding_ = 1;
      tail_cr_ = false;
      return next;
    case Match::no:
    case Match::more:
      assert(false && "not a delimiter");
      break;
  }
  header_.clear();
  line_length_ = 0;
  return next;
}

// After "--boundary" and at least one space or tab: more padding, then CRLF.
const std::byte* MultipartParser::scan_delimiter_tail(const std::byte* p, const std::byte* end) {
  for (; p < end; ++p) {
    if (tail_cr_) {
      if (*p != std::byte{'\n'}) {
        fail(MultipartErrc::malformed, "delimiter line ends in a bare CR");
        return end;
      }
      state_ = State::headers;
      header_.clear();
      line_length_ = 0;
      return p + 1;
    }
    if (*p == std::byte{'\r'}) {
      tail_cr_ = true;
    } else if (!is_padding(*p)) {
      fail(MultipartErrc::malformed, "delimiter line has " + printable(*p) +
                                         " after the boundary and padding; expected CRLF");
      return end;
    } else if (++padding_ > limits_.header_line_bytes) {
      fail(MultipartErrc::too_large, "transport padding after a boundary over " +
                                         std::to_string(limits_.header_line_bytes) + " bytes");
      return end;
    }
  }
  return end;
}

// A part's header block, up to and including the blank line. Bounded by the limits, so it
// is the one thing gathered across feeds.
const std::byte* MultipartParser::scan_headers(const std::byte* p, const std::byte* end) {
  for (; p < end; ++p) {
    const char c = static_cast<char>(*p);
    if (header_.size() >= limits_.header_block_bytes) {
      fail(MultipartErrc::too_large,
           "part header block over " + std::to_string(limits_.header_block_bytes) + " bytes");
      return end;
    }
    const bool after_cr = !header_.empty() && header_.back() == '\r';
    if (after_cr && c != '\n') {
      fail(MultipartErrc::malformed, "bare CR in part header; lines must end in CRLF");
      return end;
    }
    if (c == '\n') {
      if (!after_cr) {
        fail(MultipartErrc::malformed, "bare LF in part header; lines must end in CRLF");
        return end;
      }
      if (line_length_ == 0) {  // the blank line: the block is complete
        header_.pop_back();     // its CR; the block keeps the CRLF of each header line
        auto parsed = parse_part_headers(header_);
        if (!parsed) {
          fail(MultipartErrc::malformed,
               "part " + std::to_string(parts_ + 1) + ": " + parsed.error().message());
          return end;
        }
        ++parts_;
        state_ = State::body;
        if (!check(sink_.on_part_begin(parsed.value()))) return end;
        return p + 1;
      }
      header_.push_back(c);
      line_length_ = 0;
      continue;
    }
    if (c != '\r' && ++line_length_ > limits_.header_line_bytes) {
      fail(MultipartErrc::too_large,
           "part header line over " + std::to_string(limits_.header_line_bytes) + " bytes");
      return end;
    }
    header_.push_back(c);
  }
  return end;
}

}  // namespace streamcheck::http
