#include "refserver/ftp/ascii_convert.hpp"

#include <algorithm>
#include <cstring>

namespace streamcheck::ftp {
namespace {

constexpr std::byte kCr{'\r'};
constexpr std::byte kLf{'\n'};

// Index of the first `b` in in[from, end), or in.size().
size_t find(std::span<const std::byte> in, size_t from, std::byte b) {
  const void* hit = std::memchr(in.data() + from, std::to_integer<int>(b), in.size() - from);
  return hit == nullptr ? in.size()
                        : static_cast<size_t>(static_cast<const std::byte*>(hit) - in.data());
}

// Copies a run of plain bytes. memmove: in the one-buffer uses the two ranges may
// overlap, with the output never ahead of the input.
void copy_run(const std::byte* from, std::byte* to, size_t n) {
  if (n > 0) std::memmove(to, from, n);
}

}  // namespace

ConvertResult ToNetworkAscii::convert(std::span<const std::byte> in,
                                      std::span<std::byte> out) const {
  size_t i = 0;
  size_t o = 0;
  while (i < in.size()) {
    const size_t lf = find(in, i, kLf);
    const size_t run = std::min(lf - i, out.size() - o);
    copy_run(in.data() + i, out.data() + o, run);
    i += run;
    o += run;
    if (i != lf || i == in.size() || out.size() - o < 2) break;  // out full, or done
    out[o++] = kCr;
    out[o++] = kLf;
    ++i;
  }
  return ConvertResult{i, o};
}

ConvertResult FromNetworkAscii::convert(std::span<const std::byte> in, std::span<std::byte> out) {
  size_t i = 0;
  size_t o = 0;
  if (pending_cr_ && !in.empty() && o < out.size()) {
    pending_cr_ = false;
    if (in[0] == kLf) {
      out[o++] = kLf;  // the CR ending the last input and this LF were one CRLF
      ++i;
    } else {
      out[o++] = kCr;  // a lone CR; in[0] is handled below
    }
  }
  if (pending_cr_) return ConvertResult{0, 0};  // no input, or no room

  while (i < in.size()) {
    const size_t cr = find(in, i, kCr);
    const size_t run = std::min(cr - i, out.size() - o);
    copy_run(in.data() + i, out.data() + o, run);
    i += run;
    o += run;
    if (i != cr || i == in.size() || o == out.size()) break;  // out full, or done
    if (i + 1 == in.size()) {
      pending_cr_ = true;  // the next input decides: CRLF or a lone CR
      ++i;
      break;
    }
    out[o++] = in[i + 1] == kLf ? kLf : kCr;
    i += in[i + 1] == kLf ? 2 : 1;
  }
  return ConvertResult{i, o};
}

size_t FromNetworkAscii::finish(std::span<std::byte> out) {
  if (!pending_cr_ || out.empty()) return 0;
  pending_cr_ = false;
  out[0] = kCr;
  return 1;
}

}  // namespace streamcheck::ftp
