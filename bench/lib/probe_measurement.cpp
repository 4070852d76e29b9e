// Probe, the parts that need no probe: the figures of a Measurement (which memory
// figure it is, its growth) and the cheap one-off readers of probe.hpp.
#include "bench/lib/probe.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <charconv>
#include <cstdio>

namespace streamcheck::bench {
namespace {

std::uint64_t saturating_sub(std::uint64_t a, std::uint64_t b) {
  return a > b ? a - b : 0;
}

}  // namespace

std::optional<std::uint64_t> read_statm_rss_kib(pid_t pid) {
  char path[64];
  std::snprintf(path, sizeof path, "/proc/%d/statm", static_cast<int>(pid));
  const int fd = ::open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return std::nullopt;
  char buf[256];
  const auto n = ::read(fd, buf, sizeof buf - 1);
  ::close(fd);
  if (n <= 0) return std::nullopt;
  // "size resident shared text lib data dt", in pages.
  const char* p = buf;
  const char* end = buf + n;
  while (p < end && *p != ' ') ++p;
  ++p;
  std::uint64_t pages = 0;
  if (p >= end || std::from_chars(p, end, pages).ec != std::errc()) return std::nullopt;
  static const auto page_kib = static_cast<std::uint64_t>(::sysconf(_SC_PAGESIZE)) / 1024;
  return pages * page_kib;
}

std::uint64_t own_peak_rss_kib() {
  const auto m = proc::read_memory(::getpid());
  return m ? m->hwm_kib : 0;
}

const char* to_string(MemoryKind kind) {
  switch (kind) {
    case MemoryKind::vm_hwm:
      return "VmHWM";
    case MemoryKind::pss:
      return "sampled PSS";
    case MemoryKind::vm_rss:
      break;
  }
  return "sampled VmRSS";
}

MemoryKind Measurement::memory_kind() const {
  if (hwm_exact && hwm_after_kib) return MemoryKind::vm_hwm;
  if (pss_before_kib && pss_sampled_peak_kib) return MemoryKind::pss;
  return MemoryKind::vm_rss;
}

std::uint64_t Measurement::memory_before_kib() const {
  return memory_kind() == MemoryKind::pss ? *pss_before_kib : rss_before_kib;
}

std::uint64_t Measurement::peak_growth_kib() const {
  switch (memory_kind()) {
    case MemoryKind::vm_hwm:
      return saturating_sub(*hwm_after_kib, rss_before_kib);
    case MemoryKind::pss:
      return saturating_sub(*pss_sampled_peak_kib, *pss_before_kib);
    case MemoryKind::vm_rss:
      break;
  }
  return saturating_sub(std::max(rss_sampled_peak_kib, rss_after_kib), rss_before_kib);
}

}  // namespace streamcheck::bench
