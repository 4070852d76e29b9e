// ChunkedDecoder (RFC 9112 §7.1), driven the way the upload path drives it: framing
// through consume_framing, payload moved by the caller up to payload_left().
//
// Input: a limits byte, the split seed's length and the seed, then the body. Checked:
//   - the same payload, final state, error and count of bytes taken whatever the split
//     (the server peeks whatever the socket has, so any split happens), and the same
//     through decode_in_place, whole or piece by piece;
//   - never more taken than given; in framing, a call takes all it is given unless it
//     stops at payload, the end or an error; the payload is never longer than the body
//     nor than what the size lines announced, and equals it at the end;
//   - a decoded body re-encoded as one chunk decodes to the same payload.
#include <algorithm>
#include <string>
#include <string_view>
#include <vector>

#include "fuzz/fuzz_check.hpp"
#include "refserver/http/chunked_decoder.hpp"

namespace {

using streamcheck::fuzz::printable;
using streamcheck::http::ChunkedDecoder;
using State = ChunkedDecoder::State;

struct Outcome {
  std::string payload;
  State state = State::framing;
  size_t taken = 0;
  std::string error;
  uint64_t announced = 0;
  friend bool operator==(const Outcome&, const Outcome&) = default;
};

Outcome decode(const std::vector<std::string_view>& pieces, ChunkedDecoder::Limits limits) {
  ChunkedDecoder decoder(limits);
  Outcome out;
  for (std::string_view piece : pieces) {
    while (!piece.empty() &&
           (decoder.state() == State::framing || decoder.state() == State::payload)) {
      size_t n = 0;
      if (decoder.state() == State::framing) {
        n = decoder.consume_framing(piece);
        FUZZ_CHECK(n <= piece.size());
        if (decoder.state() == State::framing) FUZZ_CHECK(n == piece.size());
      } else {
        FUZZ_CHECK(decoder.payload_left() > 0);
        n = static_cast<size_t>(std::min<uint64_t>(decoder.payload_left(), piece.size()));
        out.payload += piece.substr(0, n);
        decoder.payload_consumed(n);
      }
      out.taken += n;
      piece.remove_prefix(n);
    }
  }
  out.state = decoder.state();
  out.error = decoder.error();
  out.announced = decoder.payload_announced();
  FUZZ_CHECK((out.state == State::error) == !out.error.empty());
  return out;
}

Outcome decode_in_place(const std::vector<std::string_view>& pieces,
                        ChunkedDecoder::Limits limits) {
  ChunkedDecoder decoder(limits);
  Outcome out;
  for (std::string_view piece : pieces) {
    if (decoder.state() == State::done || decoder.state() == State::error) break;
    std::string buffer(piece);
    const auto decoded = streamcheck::http::decode_in_place(decoder, buffer);
    FUZZ_CHECK(decoded.consumed <= buffer.size() && decoded.payload <= decoded.consumed);
    out.payload.append(buffer.data(), decoded.payload);
    out.taken += decoded.consumed;
  }
  out.state = decoder.state();
  out.error = decoder.error();
  out.announced = decoder.payload_announced();
  return out;
}

std::string hex(size_t n) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  do {
    out.insert(out.begin(), kDigits[n % 16]);
    n /= 16;
  } while (n != 0);
  return out;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  streamcheck::fuzz::FuzzInput input(data, size);
  const uint8_t limits_byte = input.byte();
  ChunkedDecoder::Limits limits;
  // Odd: tiny limits, so small inputs reach the limit checks too.
  if (limits_byte % 2 == 1) {
    limits.line_bytes = 1 + (limits_byte >> 1) % 16;
    limits.trailer_bytes = 1 + (limits_byte >> 1) % 32;
  }
  const std::string_view seed = input.take(input.byte() % 8);
  const std::string_view body = input.rest();

  const Outcome whole = decode({body}, limits);
  FUZZ_CHECK(whole.taken <= body.size());
  FUZZ_CHECK(whole.payload.size() <= whole.taken);
  FUZZ_CHECK(whole.payload.size() <= whole.announced);
  if (whole.state == State::done) FUZZ_CHECK(whole.payload.size() == whole.announced);

  const auto pieces = streamcheck::fuzz::split_by(body, seed);
  const Outcome split = decode(pieces, limits);
  FUZZ_CHECK_MSG(split == whole, printable(body) + ": " + whole.error + " / " + split.error);
  FUZZ_CHECK_MSG(decode_in_place({body}, limits) == whole, printable(body));
  FUZZ_CHECK_MSG(decode_in_place(pieces, limits) == whole, printable(body));

  if (whole.state == State::done) {
    const std::string reencoded =
        (whole.payload.empty() ? "" : hex(whole.payload.size()) + "\r\n" + whole.payload + "\r\n") +
        "0\r\n\r\n";
    const Outcome again = decode({reencoded}, ChunkedDecoder::Limits{});
    FUZZ_CHECK(again.state == State::done);
    FUZZ_CHECK(again.payload == whole.payload);
    FUZZ_CHECK(again.taken == reencoded.size());
  }
  return 0;
}
