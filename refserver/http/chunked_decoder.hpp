// A streaming decoder for the framing of an HTTP/1.1 chunked body (RFC 9112 §7.1), for the
// zero-copy upload path.
//
// The server splices chunk payload straight from the socket into the staging file, so it
// must never read payload bytes into memory. It only peeks (recv MSG_PEEK), lets the decoder
// take the framing at the front of what it peeked, consumes exactly that from the socket, and
// splices up to payload_left() bytes when the decoder is in state payload:
//
//   ChunkedDecoder decoder;
//   for (;;) {
//     if (decoder.state() == State::framing) {
//       peeked = recv(fd, buf, sizeof buf, MSG_PEEK);
//       recv(fd, buf, decoder.consume_framing({buf, peeked}), 0);  // takes exactly those
//     } else if (decoder.state() == State::payload) {
//       n = splice(fd, ..., pipe, ..., decoder.payload_left(), ...);  // then on to the file
//       decoder.payload_consumed(n);
//     } else break;  // done: commit; error: 400 with decoder.error()
//   }
//
// Peeked bytes are never fed twice: when the input ends mid-line the decoder takes all of it
// and keeps what it needs of it as state (the size so far, where in the line it is, how long
// the line and the trailer section are so far), never the bytes themselves. So it holds no
// buffer, and its memory does not grow with what it is fed.
//
// What is accepted, and why:
//   - chunk-size is 1*HEXDIG, either case, leading zeros allowed; a size that does not fit
//     in uint64_t is an error, as is an empty size (";ext" or CRLF where a size is due).
//   - Extensions are skipped, not parsed: after the size, optional spaces/tabs, then ';' and
//     any bytes but CR, LF and control characters (HTAB is allowed) up to the CRLF. Anything
//     else after the size, even whitespace not followed by ';', is an error.
//   - CRLF is required everywhere: a bare LF or a bare CR is an error. Parsers that
//     disagree on line ends are how requests are smuggled past a proxy, and Beast, which
//     this replaces, was strict too.
//   - Trailer fields are not interpreted (nothing in them is used); they are only counted
//     against Limits::trailer_bytes and checked for NUL, bare CR and bare LF.
//
// Errors are a state plus a message naming the problem; nothing throws.
// Threading: one thread at a time.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>

namespace streamcheck::http {

class ChunkedDecoder {
 public:
  // Bound what a client can make the server read without moving any payload.
  struct Limits {
    size_t line_bytes = 4096;      // one chunk-size line, extensions and CRLF included
    size_t trailer_bytes = 16384;  // the whole trailer section, its final CRLF included
  };

  // Two constructors rather than `Limits limits = {}`: a default argument cannot use the
  // default member initializers of a class nested in one still being defined (GCC, Clang).
  ChunkedDecoder() : ChunkedDecoder(Limits{}) {}
  explicit ChunkedDecoder(Limits limits);

  enum class State {
    framing,  // wants framing bytes: call consume_framing
    payload,  // payload_left() bytes of chunk data come next: move them, payload_consumed
    done,     // the body has ended (last chunk and trailer section taken)
    error,    // the body is malformed or over a limit; see error()
  };

  // Consumes framing bytes from the front of `input`; returns how many it took. Stops at
  // the first payload byte (state() == payload), after the final CRLF of the trailer
  // section (done: bytes after that are not taken — they belong to the next request),
  // at an error (state() == error; the offending byte is not taken), or when `input` runs
  // out (all of it taken). In state payload, done or error it takes nothing and returns 0.
  size_t consume_framing(std::string_view input);

  State state() const { return state_; }

  // In state payload: bytes left in the current chunk's data (> 0). 0 in other states.
  uint64_t payload_left() const { return state_ == State::payload ? payload_left_ : 0; }

  // The caller moved n <= payload_left() payload bytes; when none are left the decoder
  // is back in `framing`, expecting the CRLF that ends the chunk's data. n == 0 is a no-op;
  // n over payload_left() is a caller bug and puts the decoder in state error.
  void payload_consumed(uint64_t n);

  // Sum of all chunk sizes announced so far, counted once a chunk-size line is complete
  // and before any of its data moves (for a --max-upload check before the bytes move).
  uint64_t payload_announced() const { return announced_; }

  // In state error: what was wrong, naming the problem, e.g. "chunk size is not
  // hexadecimal", "chunk size over 2^64 - 1", "chunk-size line over 4096 bytes", "no CRLF
  // after chunk data", "bare LF in chunk framing", "trailer section over 16384 bytes".
  // Empty in other states.
  const std::string& error() const { return error_; }

 private:
  // Where in the framing the next byte falls; only meaningful in State::framing.
  enum class Step {
    size_first,      // the first hex digit of a chunk-size
    size_digits,     // more hex digits, or what follows the size
    size_bws,        // whitespace after the size: only more of it or ';' may follow
    extension,       // inside the extensions, up to CR
    size_lf,         // the LF after the size line's CR
    data_cr,         // the CR after a chunk's data
    data_lf,         // the LF after a chunk's data
    trailer_line,    // the start of a trailer field line, or the CR of the final empty line
    trailer_field,   // inside a trailer field line, up to CR
    trailer_lf,      // the LF after a trailer field line's CR
    trailer_end_lf,  // the LF of the final empty line
  };

  // Takes byte c; false when it is an error (then state_ is error).
  bool step(unsigned char c);
  bool end_size_line();
  bool fail(std::string message);

  Limits limits_;
  State state_ = State::framing;
  Step step_ = Step::size_first;
  uint64_t size_ = 0;          // the chunk-size read so far
  size_t line_length_ = 0;     // bytes of the current chunk-size line so far
  size_t trailer_length_ = 0;  // bytes of the trailer section so far
  uint64_t payload_left_ = 0;
  uint64_t announced_ = 0;
  std::string error_;
};

// For body bytes that are already in memory (read along with the request header): decodes
// them in place, moving payload bytes to the front of `buffer` and dropping the framing.
// Stops at the end of the body, at an error, or at the end of `buffer`; the decoder then
// carries on with consume_framing/payload_consumed on the bytes that follow on the socket.
struct InPlaceDecoded {
  size_t consumed;  // bytes of `buffer` that were body (framing or payload); bytes after them
                    // follow the body (a pipelined request) and are left where they were
  size_t payload;   // payload bytes now at buffer[0, payload)
};
InPlaceDecoded decode_in_place(ChunkedDecoder& decoder, std::span<char> buffer);

}  // namespace streamcheck::http
