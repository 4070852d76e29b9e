// Pre-faulting: make the machine back the memory a run will write into before anything
// is timed.
//
// On a fresh VM the host backs guest memory only when it is first touched: the first write
// into never-used memory runs about 3x slower than into memory used before (dd into
// /dev/shm here: 2 GiB at 380 MB/s the first time, 1.2 GB/s the second). Every server's
// first uploads into a tmpfs root (or into the page cache of a disk root) pay it, and a
// throughput gate then measures the hypervisor. Writing a scratch file of the run's size
// on the root's filesystem and removing it leaves that much memory touched and free, and
// the kernel hands it out again to the uploads that follow.
//
//   const auto where = prefault_location(target.root);
//   const auto r = prefault(where, prefault_bytes(wanted, space_for_prefault(where)), show);
//   // r.bytes written in r.seconds; nothing is left in where.dir
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>

namespace streamcheck::bench {

// Where the scratch file goes, and why there.
struct PrefaultLocation {
  std::filesystem::path dir;
  std::string why;  // "beside the root", "in the root", "in memory, the root being unknown"
};

// For a store root: its parent when that is on the same filesystem and writable (a harness's
// temp folder: the server never sees the file), else the root itself (the file is a dot-file
// that lives only while it is written); with no root known, /dev/shm (the memory is what
// matters, and tmpfs and the page cache draw on the same).
PrefaultLocation prefault_location(const std::optional<std::filesystem::path>& root);

// How much the filesystem of `dir` can take for the scratch file without crowding out the
// run: its free space, and for memory the machine's MemAvailable, each less a margin (an
// eighth, at least 256 MiB). Throws Error when `dir` cannot be examined.
std::uint64_t space_for_prefault(const std::filesystem::path& dir);

// What is pre-faulted: `wanted`, or less when `space` is smaller. Rounded down to MiB.
std::uint64_t prefault_bytes(std::uint64_t wanted, std::uint64_t space);

struct PrefaultResult {
  std::uint64_t bytes = 0;  // written (and removed)
  double seconds = 0;       // writing, removing included
  double bytes_per_second() const { return seconds > 0 ? static_cast<double>(bytes) / seconds : 0; }
};

// Writes `bytes` into a new scratch file in `location.dir`, then removes it; calls
// `progress(done, total)` after every 64 MiB. The file's name starts with
// ".streambench-prefault-" and it is removed also on Ctrl-C (interrupt.hpp) and on
// failure. Throws Error (e.g. "write(/dev/shm/...): No space left on device").
PrefaultResult prefault(const PrefaultLocation& location, std::uint64_t bytes,
                        const std::function<void(std::uint64_t, std::uint64_t)>& progress = {});

}  // namespace streamcheck::bench
