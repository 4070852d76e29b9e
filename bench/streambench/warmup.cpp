#include "bench/streambench/warmup.hpp"

#include <charconv>

#include "bench/lib/error.hpp"

namespace streamcheck::streambench {

unsigned parse_warmup(const std::string& text) {
  unsigned n = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), n);
  // from_chars takes no sign or space, so "+1", " 1" and "-1" fail here too.
  if (text.empty() || ec != std::errc() || end != text.data() + text.size() || n > kMaxWarmup)
    throw bench::Error("--warmup: \"" + text + "\" is not a number from 0 to " +
                       std::to_string(kMaxWarmup) + " (untimed transfers before the timed ones)");
  return n;
}

unsigned warmups_for(const Options& options, const OpInfo& op) {
  if (options.warmup) return *options.warmup;
  return op.upload ? 1 : 0;
}

}  // namespace streamcheck::streambench
