// Deterministic payloads: bytes made from a seed as a stream, never held whole and never
// written to disk first, so the harness's own memory stays flat and any size is cheap.
//
// A payload is named by (seed, kind, size). For a given (seed, kind) there is one endless
// byte sequence and a payload of `size` bytes is its first `size` bytes, so:
//   - a smaller payload is a prefix of a larger one with the same seed and kind (an
//     aborted upload's partial file can be checked against the head of the payload);
//   - each byte depends only on (seed, kind, offset), so a stream can start anywhere
//     (PayloadStream's `offset`), e.g. to check a Range GET or an FTP REST resume;
//   - the bytes do not depend on how the stream is read (fill() with any buffer sizes).
//
// Kinds:
//   random       uniformly random bytes (counter-based splitmix64, ~several GB/s).
//   adversarial  a mix of what breaks parsers and text-mode transfers: CRLF runs,
//                "\r\n--" followed by multipart-boundary lookalikes and whole part
//                headers, NUL runs, 0xFF runs (also Telnet IAC sequences, which an FTP
//                control parser might eat), very long lines (64 KiB blocks with no line
//                end, which can run into each other), very short lines, bare CR and bare
//                LF, "0\r\n\r\n" (a chunked-body terminator), status-line lookalikes,
//                random binary. The stream starts with a fixed "gauntlet" of these, so
//                even a payload of a few dozen bytes holds "\r\n--", NUL and 0xFF. It is
//                built in 64 KiB blocks, each from its own seed (seed, block index).
//
// Not thread-safe: one stream per thread.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace streamcheck::bench {

enum class PayloadKind { random, adversarial };

// "random" / "adversarial".
std::string_view to_string(PayloadKind kind);
// Inverse of to_string. Throws Error naming the known kinds.
PayloadKind parse_payload_kind(std::string_view text);

class PayloadStream {
 public:
  // The bytes [offset, size) of payload (seed, kind). Throws Error if offset > size.
  PayloadStream(std::uint64_t seed, std::uint64_t size, PayloadKind kind, std::uint64_t offset = 0);

  // Writes the next bytes into `out` (all of it, unless fewer remain) and returns how
  // many were written: 0 only at the end (or for an empty `out`).
  std::size_t fill(std::span<std::byte> out);

  // Moves to absolute `offset` (0..size). Throws Error past the end.
  void seek(std::uint64_t offset);

  std::uint64_t seed() const { return seed_; }
  PayloadKind kind() const { return kind_; }
  std::uint64_t size() const { return size_; }
  std::uint64_t position() const { return pos_; }
  std::uint64_t remaining() const { return size_ - pos_; }
  bool done() const { return pos_ == size_; }

  // The adversarial kind's block size (a detail made public for tests).
  static constexpr std::size_t kBlockSize = 64 * 1024;

 private:
  void fill_random(std::byte* out, std::size_t n);
  void fill_adversarial(std::byte* out, std::size_t n);

  std::uint64_t seed_;
  std::uint64_t size_;
  PayloadKind kind_;
  std::uint64_t pos_ = 0;
  std::uint64_t key_;                       // seed scrambled with the kind
  std::vector<std::byte> block_;            // adversarial: the current block
  std::uint64_t block_index_ = UINT64_MAX;  // which block block_ holds
};

// SHA-256 (hex) of payload (seed, kind) bytes [0, size), streamed through a fixed buffer.
std::string payload_sha256(std::uint64_t seed, std::uint64_t size, PayloadKind kind);

// A short stable description for logs and benchmark labels: "random:seed=7".
std::string describe_payload(std::uint64_t seed, PayloadKind kind);

}  // namespace streamcheck::bench
