// streambench's slow and stalled clients: --slow-reader and --stalled-reader for
// downloads, --slow-writer for uploads, and --mix, which starts fast and slow transfers
// together in one batch so that one server is judged on both at once (a server that reads
// ahead for its slow clients grows by them; one whose slow clients starve its fast ones
// shows it in the fast group's first bytes).
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "bench/lib/transfer.hpp"
#include "bench/streambench/options.hpp"

namespace streamcheck::streambench {

// What a stalled reader takes before it stalls, or half its body when that is less, so
// that a small object stalls too.
inline constexpr std::uint64_t kStallAfter = 1024 * 1024;

// A rate for --slow-reader or --slow-writer: bytes per second as --sizes writes sizes
// ("10MiB" is 10 MiB/s), above 0. Throws bench::Error naming `flag` and the value.
std::uint64_t parse_rate(std::string_view flag, const std::string& text);

// Seconds for --stalled-reader: a number above 0 and at most an hour, decimals allowed
// ("30", "0.5"). Throws bench::Error naming `flag` and the value.
std::chrono::milliseconds parse_seconds(std::string_view flag, const std::string& text);

// --mix: "fast:N,slow:M" (either order), N and M from 1, N + M at most `max_total`.
// Throws bench::Error saying what is wrong.
Options::Mix parse_mix(const std::string& text, unsigned max_total);

// Whether the transfers of this direction have a slow mode.
bool has_slow_mode(const Options& options, bool upload);

// The slow flags against each other and the ops, once all are parsed: a mix needs a
// slow mode for the direction of at least one op, and is the batch itself (not beside
// --concurrency). Throws bench::Error.
void check_slow_options(const Options& options, bool concurrency_given);

// What a benchmark's name says of its clients, after its /cN: "/mix-f16-s16" in a mix,
// then the slow mode of its direction: "/slow" (slow reader), "/stalled", "/slow-writer".
std::string slow_suffix(const Options& options, bool upload);

// Which transfers of a batch of `n` are slow: in a mix, M of the N + M spread evenly
// through the batch (so that neither group gets the front of the multi handle's queue);
// otherwise all of them when the direction has a slow mode, else none.
std::vector<bool> slow_transfers(const Options& options, bool upload, unsigned n);

// Makes `transfer` (of `bytes`) a slow one of its direction.
void make_slow(const Options& options, bool upload, std::uint64_t bytes,
               bench::TransferOptions& transfer);

}  // namespace streamcheck::streambench
