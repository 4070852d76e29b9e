#include "bench/lib/adversarial.hpp"

#include <algorithm>
#include <array>
#include <cstring>
#include <string_view>

#include "bench/lib/prng.hpp"

namespace streamcheck::bench::detail {
namespace {

using namespace std::string_view_literals;

// Printable, no line ends; has '-' and ' ' so dashes and words show up in long lines.
constexpr std::string_view kPrintable =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789- "sv;
static_assert(kPrintable.size() == 64);

// The start of every adversarial stream: one of each hazard, so short payloads have them.
constexpr std::string_view kGauntlet =
    "\r\n--streamcheck-boundary\r\n"
    "Content-Disposition: form-data; name=\"file\"; filename=\"x.bin\"\r\n\r\n"
    "\0\0\0\xff\xff\xff\xff\xf4\xff\xf2"
    "\r\n--\r\n\r\r\n\n\n\r"
    "0\r\n\r\n"
    "--streamcheck-boundary--\r\n"sv;

constexpr std::array<std::string_view, 12> kLookalikes = {
    "0\r\n\r\n"sv,      // chunked body terminator
    "\r\n0\r\n\r\n"sv,  //
    "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n"sv,
    "226 Transfer complete.\r\n"sv,  // FTP reply
    "\xff\xf4\xff\xf2"sv,            // Telnet IAC IP, IAC DM
    "\xff\xff"sv,                    // escaped IAC
    "\r\n.\r\n"sv,                   //
    "\x1a"sv,                        // Ctrl-Z (DOS end of file)
    "\xef\xbb\xbf"sv,                // UTF-8 BOM
    "\r\n\r\n"sv,                    // end of a header block
    "--\r\n"sv,                      //
    "Content-Type: text/plain\r\n\r\n"sv,
};

constexpr std::array<std::string_view, 5> kBoundaryStems = {
    "----WebKitFormBoundary"sv,
    "------------------------"sv,
    "boundary"sv,
    "streamcheck-boundary"sv,
    ""sv,
};

class Writer {
 public:
  Writer(std::span<std::byte> out, prng::Xoshiro256ss& rng) : out_(out), rng_(rng) {}

  bool full() const { return pos_ == out_.size(); }

  void put(std::string_view s) {
    const auto n = std::min(s.size(), out_.size() - pos_);
    std::memcpy(out_.data() + pos_, s.data(), n);
    pos_ += n;
  }
  void put_repeated(char c, std::size_t count) {
    const auto n = std::min(count, out_.size() - pos_);
    std::memset(out_.data() + pos_, c, n);
    pos_ += n;
  }
  void put_random_bytes(std::size_t count) {
    const auto n = std::min(count, out_.size() - pos_);
    for (std::size_t i = 0; i < n; i += 8) {
      const auto v = prng::to_little_endian(rng_.next());
      std::memcpy(out_.data() + pos_ + i, &v, std::min<std::size_t>(8, n - i));
    }
    pos_ += n;
  }
  void put_printable(std::size_t count) {
    const auto n = std::min(count, out_.size() - pos_);
    for (std::size_t i = 0; i < n; i += 8) {
      auto v = rng_.next();
      for (std::size_t j = 0; j < 8 && i + j < n; ++j, v >>= 8) {
        out_[pos_ + i + j] = static_cast<std::byte>(kPrintable[v & 63]);
      }
    }
    pos_ += n;
  }

 private:
  std::span<std::byte> out_;
  prng::Xoshiro256ss& rng_;
  std::size_t pos_ = 0;
};

void put_boundary_token(Writer& w, prng::Xoshiro256ss& rng) {
  w.put(kBoundaryStems[rng.below(kBoundaryStems.size())]);
  w.put_printable(rng.between(0, 40));
}

// One hazard, chosen at random.
void put_piece(Writer& w, prng::Xoshiro256ss& rng) {
  switch (rng.below(11)) {
    case 0:  // CRLF run
      for (auto n = rng.between(1, 64); n > 0; --n) w.put("\r\n");
      break;
    case 1:  // a boundary delimiter line, sometimes the closing one
      w.put("\r\n--");
      put_boundary_token(w, rng);
      if (rng.below(4) == 0) w.put("--");
      w.put(rng.below(3) == 0 ? "\r\n"sv : rng.below(2) == 0 ? "\n"sv : ""sv);
      break;
    case 2:  // a whole multipart part header
      w.put("--");
      put_boundary_token(w, rng);
      w.put(
          "\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.bin\"\r\n"
          "Content-Type: application/octet-stream\r\n\r\n");
      break;
    case 3:
      w.put_repeated('\0', rng.between(1, 512));
      break;
    case 4:
      w.put_repeated('\xff', rng.between(1, 512));
      break;
    case 5:  // very short lines
      for (auto n = rng.between(1, 64); n > 0; --n) {
        w.put_printable(rng.below(4));
        w.put(rng.below(2) == 0 ? "\n"sv : "\r\n"sv);
      }
      break;
    case 6:  // bare CR and LF scattered in text, and LF CR
      for (auto n = rng.between(1, 64); n > 0; --n) {
        w.put_printable(rng.below(3));
        static constexpr std::array<std::string_view, 3> kEnds = {"\r"sv, "\n"sv, "\n\r"sv};
        w.put(kEnds[rng.below(kEnds.size())]);
      }
      break;
    case 7:
      w.put_random_bytes(rng.between(1, 4096));
      break;
    case 8:  // an ordinary text line
      w.put_printable(rng.between(1, 200));
      w.put("\r\n");
      break;
    case 9:  // a long line
      w.put_printable(rng.between(4096, 32768));
      break;
    default:
      w.put(kLookalikes[rng.below(kLookalikes.size())]);
      break;
  }
}

}  // namespace

void make_adversarial_block(std::uint64_t key, std::uint64_t index, std::span<std::byte> block) {
  prng::Xoshiro256ss rng(prng::mix64(key ^ (index * prng::kGolden)));
  Writer w(block, rng);
  if (index == 0) w.put(kGauntlet);
  // One block in 16 is a single line with no line end at all; consecutive ones make
  // lines longer than a block.
  if (index != 0 && rng.below(16) == 0) {
    w.put_printable(block.size());
    return;
  }
  while (!w.full()) put_piece(w, rng);
}

}  // namespace streamcheck::bench::detail
