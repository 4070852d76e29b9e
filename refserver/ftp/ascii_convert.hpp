// TYPE A (ASCII) conversion for RETR and STOR, RFC 959 §3.1.1.1: on the wire an end
// of line is CRLF; in the store, as in any Unix file, it is LF.
//
//   ToNetworkAscii   (store -> wire, RETR): every LF becomes CRLF. A CR in the file
//                    is an ordinary character and passes unchanged, even when an LF
//                    follows it: a file holding "a\r\n" goes out as "a\r\r\n".
//   FromNetworkAscii (wire -> store, STOR): every CRLF becomes LF; a CR not followed
//                    by LF stays a CR.
//
// Why a CR before an LF is not spared on the way out (vsftpd spares it): with this
// rule the wire form keeps exactly one inserted CR before each LF, which
// FromNetworkAscii removes, so a file sent by RETR and stored back by STOR in TYPE A
// comes back byte for byte whatever it holds (CRLF files, stray CRs, binary). A
// sender that spared "\r\n" would turn it into "\n" on the round trip (P5).
//
// Both convert from an input span into an output span, as much as fits, and report
// bytes consumed and produced; neither allocates. Bytes may be split anywhere between
// calls: FromNetworkAscii remembers a CR that ended the last input.
//
// Threading: one converter per transfer, used by one thread at a time.
#pragma once

#include <cstddef>
#include <span>

namespace streamcheck::ftp {

struct ConvertResult {
  size_t consumed = 0;  // bytes of `in` used
  size_t produced = 0;  // bytes written at the start of `out`
};

// Store -> wire. Output is up to twice the input. Stateless: an LF is consumed only
// when both its CR and LF fit, so a call makes progress whenever out.size() >= 2, and
// there is nothing to flush at the end of the file.
//
// In one buffer: `out` may overlap `in` when `in` is the back half of `out`'s memory
// (read n bytes into buffer[n, 2n), convert into buffer[0, 2n)): every output byte is
// written only after the input byte at that place has been read.
class ToNetworkAscii {
 public:
  ConvertResult convert(std::span<const std::byte> in, std::span<std::byte> out) const;
};

// Wire -> store. Output is never more than the input plus one byte (a CR held back
// from the previous call).
//
// In one buffer: `out` may overlap `in` when it starts at least one byte before `in`
// (read into buffer[1, n+1), convert into buffer[0, n+1)); with nothing held back it
// may also start at `in`. Every output byte is written only after the input byte at
// that place has been read.
class FromNetworkAscii {
 public:
  ConvertResult convert(std::span<const std::byte> in, std::span<std::byte> out);

  // At the end of the stream: writes the CR held back, if any (then returns 1), into
  // `out`, which must have room for one byte when has_pending_cr().
  size_t finish(std::span<std::byte> out);

  // True when the last input ended in a CR whose fate depends on the next byte.
  bool has_pending_cr() const { return pending_cr_; }

 private:
  bool pending_cr_ = false;
};

}  // namespace streamcheck::ftp
