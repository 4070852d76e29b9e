#include "bench/streambench/slow_clients.hpp"

#include <charconv>
#include <cmath>
#include <sstream>

#include "bench/lib/error.hpp"
#include "bench/lib/size_parse.hpp"
#include "bench/streambench/ops.hpp"

namespace streamcheck::streambench {
namespace {

using bench::Error;

constexpr double kMaxStallSeconds = 3600;

// A whole number from 1, digits only ("+4", " 4" and "4x" are not).
std::optional<unsigned> count(std::string_view text) {
  unsigned n = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), n);
  if (text.empty() || ec != std::errc() || end != text.data() + text.size() || n == 0)
    return std::nullopt;
  return n;
}

}  // namespace

std::uint64_t parse_rate(std::string_view flag, const std::string& text) {
  std::uint64_t rate = 0;
  try {
    rate = bench::parse_size(text);
  } catch (const std::exception& e) {
    throw Error(std::string(flag) + ": " + e.what() + " (a rate in bytes per second, e.g. 2MiB)");
  }
  if (rate == 0)
    throw Error(std::string(flag) + ": \"" + text +
                "\" is no rate: a client that moves 0 bytes per second never finishes (for one "
                "that stops for a while, see --stalled-reader)");
  return rate;
}

std::chrono::milliseconds parse_seconds(std::string_view flag, const std::string& text) {
  double seconds = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), seconds);
  if (text.empty() || ec != std::errc() || end != text.data() + text.size() ||
      !std::isfinite(seconds) || seconds <= 0 || seconds > kMaxStallSeconds) {
    throw Error(std::string(flag) + ": \"" + text + "\" is not a number of seconds above 0 and " +
                "at most " + std::to_string(static_cast<int>(kMaxStallSeconds)));
  }
  // At least a millisecond: 0.0001 s is above 0, and must not become no stall at all.
  return std::max(std::chrono::milliseconds(1),
                  std::chrono::milliseconds(std::llround(seconds * 1000)));
}

Options::Mix parse_mix(const std::string& text, unsigned max_total) {
  const auto bad = [&](const std::string& why) {
    return Error("--mix: \"" + text + "\": " + why +
                 " (write fast:N,slow:M, e.g. fast:16,slow:16)");
  };
  std::optional<unsigned> fast, slow;
  std::stringstream items(text + ",");  // so that a trailing comma leaves an empty item
  int seen = 0;
  for (std::string item; std::getline(items, item, ',');) {
    ++seen;
    const auto colon = item.find(':');
    const std::string key = item.substr(0, colon);
    auto& slot = key == "fast" ? fast : slow;
    if (colon == std::string::npos || (key != "fast" && key != "slow"))
      throw bad("\"" + item + "\" is not fast:N or slow:M");
    if (slot) throw bad(key + " is given twice");
    slot = count(std::string_view(item).substr(colon + 1));
    if (!slot) throw bad("\"" + item + "\" needs a whole number from 1 after the colon");
  }
  if (seen != 2 || !fast || !slow) throw bad("give both groups, once each");
  if (*fast + *slow > max_total)
    throw bad("N + M is " + std::to_string(*fast + *slow) + ", above " + std::to_string(max_total));
  return {*fast, *slow};
}

bool has_slow_mode(const Options& o, bool upload) {
  return upload ? o.slow_writer.has_value() : o.slow_reader || o.stalled_reader;
}

void check_slow_options(const Options& o, bool concurrency_given) {
  if (!o.mix) return;
  if (concurrency_given)
    throw Error(
        "--mix and --concurrency: give one (--mix fast:N,slow:M is the batch: N + M transfers "
        "at once, named .../cN+M/mix-fN-sM; to sweep, run once per mix)");
  if (!has_slow_mode(o, false) && !has_slow_mode(o, true))
    throw Error(
        "--mix needs a slow mode for its slow group: --slow-reader RATE or --stalled-reader "
        "SECONDS for downloads, --slow-writer RATE for uploads");
  for (const auto& id : o.ops)
    if (const auto* op = find_op(id); op && has_slow_mode(o, op->upload)) return;
  throw Error(std::string("--mix: none of the ops has a slow mode for its direction (") +
              (has_slow_mode(o, true) ? "--slow-writer is for uploads"
                                      : "--slow-reader and --stalled-reader are for downloads") +
              ")");
}

std::string slow_suffix(const Options& o, bool upload) {
  std::string out;
  if (o.mix) out += "/mix-f" + std::to_string(o.mix->fast) + "-s" + std::to_string(o.mix->slow);
  if (upload) {
    if (o.slow_writer) out += "/slow-writer";
  } else {
    if (o.slow_reader) out += "/slow";  // the name it had before the other slow modes
    if (o.stalled_reader) out += "/stalled";
  }
  return out;
}

std::vector<bool> slow_transfers(const Options& o, bool upload, unsigned n) {
  if (!has_slow_mode(o, upload)) return std::vector<bool>(n, false);
  if (!o.mix) return std::vector<bool>(n, true);
  std::vector<bool> out(n);
  const std::uint64_t slow = o.mix->slow;
  for (unsigned i = 0; i < n; ++i) out[i] = (i + 1) * slow / n > i * slow / n;
  return out;
}

void make_slow(const Options& o, bool upload, std::uint64_t bytes, bench::TransferOptions& t) {
  if (upload) {
    t.max_bytes_per_second = o.slow_writer;
    return;
  }
  t.max_bytes_per_second = o.slow_reader;
  if (o.stalled_reader) {
    t.stall_after = std::min(kStallAfter, bytes / 2);
    t.stall_for = *o.stalled_reader;
  }
}

}  // namespace streamcheck::streambench
