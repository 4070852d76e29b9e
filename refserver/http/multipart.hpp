// A streaming multipart/form-data parser (RFC 7578, framing from RFC 2046 section 5.1).
//
// The refserver's POST to a collection streams each file part into the store as the bytes
// arrive, through one fixed buffer per connection. This parser is built for that:
//
//   - It is fed the body chunk by chunk, split anywhere (down to one byte per feed).
//   - It never buffers part data. Data is handed to the sink as spans into the chunk being
//     fed, as soon as it is known not to be the start of a delimiter.
//   - Between feeds it holds only a bounded carry-over: a possible partial delimiter from
//     the end of the last chunk (at most boundary length + 5 bytes, in a fixed array), or
//     the part header block being read (bounded by MultipartLimits). Nothing grows with
//     the payload.
//   - Errors are values (MultipartStatus) naming the problem; nothing throws.
//
// Typical use (the caller owns the sink, e.g. one staging file per file part):
//
//   auto boundary = extract_boundary(request_content_type);
//   if (!boundary) return reply_415(boundary.error().message());
//   MultipartParser parser(boundary.value(), sink);
//   for each chunk read from the socket:
//     if (auto st = parser.feed(chunk); !st) return fail(st);   // 400, or the sink's error
//   if (auto st = parser.finish(); !st) return fail(st);        // e.g. no closing boundary
//
// What is accepted, and why:
//   - Preamble before the first delimiter and epilogue after the closing one are ignored
//     (RFC 2046). The first delimiter may stand at the very start of the body, without the
//     CRLF before it.
//   - A delimiter is CRLF "--" boundary, then either "--" (the close) or optional transport
//     padding (spaces, tabs) and CRLF. "--boundary" followed by anything else (a longer
//     word, a lone CR, "-x") is not a delimiter: those bytes are part data. Once padding
//     has started, the line must end in CRLF, or the body is malformed.
//   - Part header lines must end in CRLF. A bare LF or bare CR in the header block is
//     rejected: every client we know of (curl -F, Python requests, browsers) sends CRLF,
//     and the delimiter itself needs CRLF, so a bare LF means a broken or hostile sender.
//   - Folded header lines (obs-fold, a line starting with SP or HT) are joined with a space.
//   - A part without Content-Disposition is passed to the sink with has_disposition false;
//     the sink decides (the refserver ignores such parts). A form with no parts at all
//     ("--boundary--") is accepted.
//
// Threading: a parser and its sink are used by one thread at a time.
#pragma once

#include <array>
#include <cassert>
#include <cstddef>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <variant>

namespace streamcheck::http {

enum class MultipartErrc {
  ok = 0,
  bad_content_type,  // not multipart/form-data, or no usable boundary parameter (-> 415/400)
  bad_filename,      // sanitize_filename refused the name (-> 400)
  malformed,         // the body breaks the framing or header syntax (-> 400)
  too_large,         // a part header line or header block over its limit (-> 400)
  incomplete,        // the body ended before the closing delimiter (-> 400)
  stopped,           // the sink asked to stop (the caller knows why; e.g. store full -> 507)
};

// Short, stable name of a code ("malformed"), for logs and tests.
std::string_view multipart_errc_name(MultipartErrc code);

// The parser's one error type: ok, or a code and a message naming the problem, e.g.
// "part header line over 1024 bytes".
class [[nodiscard]] MultipartStatus {
 public:
  MultipartStatus() = default;  // ok
  MultipartStatus(MultipartErrc code, std::string message)
      : code_(code), message_(std::move(message)) {}

  static MultipartStatus ok() { return MultipartStatus(); }
  // What a sink returns to end the parse; feed() then returns this status unchanged.
  static MultipartStatus stop(std::string why) {
    return MultipartStatus(MultipartErrc::stopped, std::move(why));
  }

  bool is_ok() const { return code_ == MultipartErrc::ok; }
  explicit operator bool() const { return is_ok(); }
  MultipartErrc code() const { return code_; }
  const std::string& message() const { return message_; }
  // "malformed: bare LF in part header"
  std::string to_string() const;

 private:
  MultipartErrc code_ = MultipartErrc::ok;
  std::string message_;
};

// A value or a failed MultipartStatus. Access value() only when ok().
template <class T>
class [[nodiscard]] MultipartResult {
 public:
  MultipartResult(T value) : v_(std::move(value)) {}  // NOLINT: implicit by design
  MultipartResult(MultipartStatus error) : v_(std::move(error)) {
    assert(!std::get<MultipartStatus>(v_).is_ok() && "a result made from a status is an error");
  }

  bool ok() const { return std::holds_alternative<T>(v_); }
  explicit operator bool() const { return ok(); }
  const T& value() const& { return std::get<T>(v_); }
  T&& value() && { return std::get<T>(std::move(v_)); }
  // MultipartStatus::ok() when a value is held.
  MultipartStatus error() const { return ok() ? MultipartStatus() : std::get<MultipartStatus>(v_); }

 private:
  std::variant<T, MultipartStatus> v_;
};

// The boundary parameter of a request's Content-Type, e.g. "xyz" from
// `multipart/form-data; boundary=xyz` or `Multipart/Form-Data; BOUNDARY="a b"`.
// Fails with bad_content_type when the media type is not multipart/form-data, the
// parameter is missing, empty, over 70 characters, holds characters outside RFC 2046's
// bchars, or ends in a space.
MultipartResult<std::string> extract_boundary(std::string_view content_type);

// What the parser tells the sink about a part, from its header block.
struct PartHeaders {
  bool has_disposition = false;         // a Content-Disposition header was present
  std::string name;                     // its name parameter; "" when absent
  std::optional<std::string> filename;  // set for file parts: the name AS SENT, decoded
                                        // but NOT sanitized (see sanitize_filename).
                                        // Browsers send filename="" when no file was chosen.
  std::string content_type;             // the part's Content-Type; "" when absent (RFC 7578
                                        // then means text/plain)

  bool is_file() const { return filename.has_value(); }
};

// Parses one part header block as it arrives on the wire: lines ending in CRLF, without the
// blank line that ends the block ("" for a part with no headers). Header names are matched
// case-insensitively; headers other than Content-Disposition and Content-Type are ignored.
// Content-Disposition parameters may be tokens or quoted strings; in a quoted string a
// backslash escapes only '"' and '\' and is otherwise kept, so a Windows path such as
// "C:\dir\a.txt" survives for sanitize_filename to strip. filename*=UTF-8''%E2%82%AC.txt
// (RFC 5987; also ISO-8859-1) is decoded and wins over filename.
// Fails with malformed on bare CR/LF, a line without ':', a bad header name, control
// characters, an unterminated quoted string, bad percent-encoding, or a repeated
// Content-Disposition.
MultipartResult<PartHeaders> parse_part_headers(std::string_view block);

// One safe path component made from a sent filename, or bad_filename. Strips any directory
// part, by '/' and by '\' (browsers on Windows have sent "C:\dir\a.txt"); then refuses "",
// ".", "..", ".staging" (the store's hidden staging area), control characters and NUL,
// invalid UTF-8, and names over 255 bytes.
MultipartResult<std::string> sanitize_filename(std::string_view filename);

// Receives the parts. Each call returns ok to go on, or a failed status (usually
// MultipartStatus::stop("why")) to end the parse: the parser then calls nothing more and
// feed() returns that status. Per part the calls are on_part_begin, any number of
// on_part_data (possibly none: an empty part), then on_part_end once the delimiter after
// the part has been seen. When the parse fails or the body ends early, on_part_end is NOT
// called for the open part: the sink must abort what it began (e.g. the staging file).
class MultipartSink {
 public:
  virtual ~MultipartSink() = default;
  virtual MultipartStatus on_part_begin(const PartHeaders& headers) = 0;
  // `data` points into the chunk being fed (or, for a few bytes at a chunk edge, into the
  // parser's carry-over) and is valid only during the call. Never empty.
  virtual MultipartStatus on_part_data(std::span<const std::byte> data) = 0;
  virtual MultipartStatus on_part_end() = 0;
};

struct MultipartLimits {
  size_t header_line_bytes = 1024;       // one part header line, without its CRLF
  size_t header_block_bytes = 8 * 1024;  // one part's header block, CRLFs included
};

class MultipartParser {
 public:
  // The longest boundary RFC 2046 allows.
  static constexpr size_t kMaxBoundary = 70;

  // `boundary` as returned by extract_boundary (without the leading "--"). An invalid
  // boundary (empty, over kMaxBoundary, or holding CR or LF) makes every feed() fail with
  // bad_content_type. `sink` must outlive the parser.
  MultipartParser(std::string_view boundary, MultipartSink& sink, MultipartLimits limits = {});
  MultipartParser(const MultipartParser&) = delete;
  MultipartParser& operator=(const MultipartParser&) = delete;

  // Parses the next bytes of the body and calls the sink as parts begin, carry data and
  // end. Returns ok, the sink's failed status, or a parse error. After an error every later
  // feed() returns the same error. Bytes after the closing delimiter (epilogue) are ignored.
  MultipartStatus feed(std::span<const std::byte> chunk);
  MultipartStatus feed(std::string_view chunk) {
    return feed(std::as_bytes(std::span<const char>(chunk.data(), chunk.size())));
  }

  // Call once at the end of the body. ok when the closing delimiter was seen; otherwise
  // incomplete ("missing closing boundary ..."), or the error that stopped the parse.
  MultipartStatus finish();

  // True once the closing delimiter "--boundary--" has been parsed.
  bool done() const { return state_ == State::done; }
  // Parts whose headers have been parsed (on_part_begin was called for them).
  size_t parts() const { return parts_; }
  // The first error, or ok.
  const MultipartStatus& status() const { return error_; }

 private:
  enum class State { preamble, body, delimiter_tail, headers, done, failed };
  enum class Match { no, more, part, padding, close };
  struct Classified {
    Match match;
    size_t length;  // bytes of the delimiter (CRLF--boundary plus what follows) it takes
  };

  Classified classify(const std::byte* p, size_t n) const;
  const std::byte* scan_data(const std::byte* p, const std::byte* end);
  const std::byte* scan_delimiter_tail(const std::byte* p, const std::byte* end);
  const std::byte* scan_headers(const std::byte* p, const std::byte* end);
  const std::byte* on_delimiter(Match match, const std::byte* next);
  bool emit(const std::byte* p, size_t n);
  bool check(MultipartStatus status);
  void fail(MultipartErrc code, std::string message);

  // "\r\n--" + boundary: the delimiter searched for in preamble and part data.
  std::array<char, 4 + kMaxBoundary> delimiter_{};
  size_t delimiter_size_ = 0;
  MultipartSink& sink_;
  MultipartLimits limits_;
  State state_ = State::preamble;
  MultipartStatus error_;
  size_t parts_ = 0;

  // A possible partial delimiter left at the end of the last chunk, always starting with
  // '\r'; plus room for the two bytes after the boundary that decide what it is.
  std::array<std::byte, 4 + kMaxBoundary + 2> carry_{};
  size_t carry_size_ = 0;

  // After a delimiter followed by padding: padding bytes seen, whether the CR came.
  size_t padding_ = 0;
  bool tail_cr_ = false;

  // The header block of the part being read, raw (CRLFs included); capacity reserved
  // once to limits_.header_block_bytes.
  std::string header_;
  size_t line_length_ = 0;  // bytes of the current header line, without CRLF
};

}  // namespace streamcheck::http
