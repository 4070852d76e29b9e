#include "bench/lib/error.hpp"

#include <cstring>

namespace streamcheck::bench {

std::string errno_message(int err, std::string_view call, std::string_view what) {
  std::string out;
  out.reserve(call.size() + what.size() + 48);
  out.append(call).append("(").append(what).append("): ");
  char buf[256];
  // GNU strerror_r returns the message (possibly a static string, not buf).
  out.append(::strerror_r(err, buf, sizeof buf));
  return out;
}

void throw_errno(int err, std::string_view call, std::string_view what) {
  throw Error(errno_message(err, call, what));
}

}  // namespace streamcheck::bench
