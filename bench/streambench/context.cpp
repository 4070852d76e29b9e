#include "bench/streambench/context.hpp"

#include <sys/statfs.h>
#include <sys/statvfs.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <benchmark/benchmark.h>
#include <linux/magic.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <limits>
#include <string>

#include "bench/lib/error.hpp"
#include "bench/lib/http_client.hpp"
#include "bench/lib/machine.hpp"
#include "bench/lib/prefault.hpp"
#include "bench/lib/raw_client.hpp"
#include "bench/streambench/ops.hpp"
#include "bench/streambench/slow_clients.hpp"

namespace streamcheck::streambench {
namespace {

constexpr double kGiB = 1024.0 * 1024.0 * 1024.0;

std::string fs_type(const std::string& path) {
  struct statfs st {};
  if (::statfs(path.c_str(), &st) != 0) return "unknown";
  switch (static_cast<unsigned long>(st.f_type)) {
    case TMPFS_MAGIC:
      return "tmpfs";
    case EXT4_SUPER_MAGIC:
      return "ext4";
    case XFS_SUPER_MAGIC:
      return "xfs";
    case BTRFS_SUPER_MAGIC:
      return "btrfs";
    case OVERLAYFS_SUPER_MAGIC:
      return "overlayfs";
    default:
      break;
  }
  char hex[32];
  std::snprintf(hex, sizeof hex, "0x%lx", static_cast<unsigned long>(st.f_type));
  return hex;
}

std::string server_version(const bench::Target& t) {
  std::string out;
  try {
    if (t.http) {
      bench::HttpClient c(*t.http);
      const auto head = c.head("/");
      if (!head.header("Server").empty()) out = "http: " + head.header("Server");
    }
    if (t.ftp) {
      bench::RawConnection conn(t.ftp->host, t.ftp->port);
      if (auto line = conn.read_line(std::chrono::seconds(5)))
        out += (out.empty() ? "" : "; ") + std::string("ftp: ") + *line;
    }
  } catch (const std::exception& e) {
    out += (out.empty() ? "" : "; ") + std::string("unknown (") + e.what() + ")";
  }
  return out.empty() ? "unknown" : out;
}

// "16 MiB", "3.4 GiB": for people, where format_size() spells sizes for flags and names.
std::string human_size(std::uint64_t bytes) {
  char buf[32];
  if (bytes >= (1ull << 30))
    std::snprintf(buf, sizeof buf, "%.1f GiB", static_cast<double>(bytes) / kGiB);
  else
    std::snprintf(buf, sizeof buf, "%.0f MiB", static_cast<double>(bytes) / (1 << 20));
  return buf;
}

// Free space for an unprivileged writer, less the pre-fault's margin (an eighth, at least
// 256 MiB: prefault.hpp), so a run that fits still leaves the disk usable.
std::uint64_t free_on_disk(const std::filesystem::path& dir) {
  struct statvfs st {};
  if (::statvfs(dir.c_str(), &st) != 0) bench::throw_errno(errno, "statvfs", dir.string());
  const auto avail = static_cast<std::uint64_t>(st.f_bavail) * st.f_frsize;
  const auto margin = std::max<std::uint64_t>(256ull << 20, avail / 8);
  return avail > margin ? avail - margin : 0;
}

}  // namespace

void add_context(Run& run) {
  const auto& t = *run.target;
  benchmark::AddCustomContext("target", t.name);
  benchmark::AddCustomContext("target_command", t.description);
  benchmark::AddCustomContext("server_version", server_version(t));
  utsname u{};
  if (::uname(&u) == 0)
    benchmark::AddCustomContext("kernel", std::string(u.sysname) + " " + u.release);
  for (const auto& [key, value] : bench::this_machine().fields())
    benchmark::AddCustomContext(key, value);
  benchmark::AddCustomContext("root", t.root ? t.root->string() : "unknown");
  benchmark::AddCustomContext("root_fs", t.root ? fs_type(t.root->string()) : "unknown");
  benchmark::AddCustomContext("payload",
                              bench::describe_payload(run.options.seed, run.options.payload));
  std::string concurrency;
  for (const unsigned n : run.options.concurrency)
    concurrency += (concurrency.empty() ? "" : ",") + std::to_string(n);
  benchmark::AddCustomContext("concurrency", concurrency);
  benchmark::AddCustomContext("min_bytes", std::to_string(run.options.min_bytes));
  const auto& o = run.options;
  if (o.slow_reader)
    benchmark::AddCustomContext("slow_reader_bytes_per_second", std::to_string(*o.slow_reader));
  if (o.slow_writer)
    benchmark::AddCustomContext("slow_writer_bytes_per_second", std::to_string(*o.slow_writer));
  if (o.stalled_reader) {
    char seconds[32];
    std::snprintf(seconds, sizeof seconds, "%g",
                  static_cast<double>(o.stalled_reader->count()) / 1e3);
    benchmark::AddCustomContext("stalled_reader_seconds", seconds);
    benchmark::AddCustomContext("stalled_reader_after_bytes",
                                std::to_string(kStallAfter) + " (half the body when less)");
  }
  benchmark::AddCustomContext(
      "warmup", (o.warmup ? std::to_string(*o.warmup) + " per benchmark (--warmup)"
                          : std::string("1 per upload benchmark, 0 per download (default)")) +
                    ", untimed, one at a time before each repetition's first batch");
  if (o.mix)
    benchmark::AddCustomContext(
        "mix", "fast:" + std::to_string(o.mix->fast) + ",slow:" + std::to_string(o.mix->slow));
  benchmark::AddCustomContext(
      "probe",
      run.options.probe
          ? "tree of pid " + std::to_string(t.pid) +
                ", VmHWM reset for one process, summed PSS sampled for several (VmRSS where "
                "PSS is unreadable); copies from rchar "
                "(downloads) / wchar (uploads)"
          : "off");
}

std::uint64_t run_footprint(const Options& opt) {
  // Saturating: --sizes takes up to 2^64-1 bytes, and a wrapped sum would pass check_room.
  constexpr auto kMax = std::numeric_limits<std::uint64_t>::max();
  const auto add = [](std::uint64_t a, std::uint64_t b) { return a > kMax - b ? kMax : a + b; };
  const auto largest = *std::max_element(opt.sizes.begin(), opt.sizes.end());
  const std::uint64_t batch = *std::max_element(opt.concurrency.begin(), opt.concurrency.end());
  std::uint64_t bytes = largest > kMax / 2 / batch ? kMax : 2 * largest * batch;
  for (const auto& id : opt.ops)
    if (const auto* op = find_op(id); !op->upload || op->server_side) {  // COPY's source too
      for (const auto size : opt.sizes) bytes = add(bytes, size);
      break;
    }
  return bytes;
}

void check_room(const Options& opt, const bench::Target& target) {
  if (!opt.prefault || !target.root) return;
  const auto where = bench::prefault_location(target.root);
  const auto fs = fs_type(where.dir.string());
  const bool in_memory = fs == "tmpfs";
  // On tmpfs this is already bounded by MemAvailable; on disk the page cache gives way,
  // so only the disk's free space counts.
  const auto room = in_memory ? bench::space_for_prefault(where.dir) : free_on_disk(where.dir);
  const auto wanted = run_footprint(opt);
  if (wanted <= room) return;
  std::string why = "the run needs " + human_size(wanted) +
                    " on the root's filesystem (twice the largest upload, plus the download "
                    "objects), the size of its pre-fault, but " +
                    where.dir.string() + " (" + fs + ") has room for " + human_size(room);
  if (in_memory)
    why += " of free memory: use --root-on disk (or smaller --sizes)";
  else
    why += " of free disk: free some, set TMPDIR to a larger disk, or use smaller --sizes";
  throw bench::Error(why);
}

void prefault(Run& run) {
  const auto& opt = run.options;
  if (!opt.prefault) {
    benchmark::AddCustomContext("prefault", "off (--no-prefault)");
    return;
  }
  const auto wanted = run_footprint(opt);
  std::string said;
  try {
    const auto where = bench::prefault_location(run.target->root);
    const auto bytes = bench::prefault_bytes(wanted, bench::space_for_prefault(where.dir));
    const auto fs = fs_type(where.dir.string());
    std::fprintf(stderr,
                 "streambench: pre-faulting %s %s (%s, %s), so that uploads land in memory the "
                 "machine has already backed (--no-prefault skips it)\n",
                 human_size(bytes).c_str(), where.why.c_str(), where.dir.c_str(), fs.c_str());
    const bool show = opt.progress && ::isatty(STDERR_FILENO);
    const auto r = bench::prefault(where, bytes, [&](std::uint64_t done, std::uint64_t total) {
      if (show)
        std::fprintf(stderr, "\r\033[K  pre-fault: %s of %s", human_size(done).c_str(),
                     human_size(total).c_str());
    });
    char figures[128];
    std::snprintf(figures, sizeof figures, " in %.1f s (%.0f MB/s)", r.seconds,
                  r.bytes_per_second() / 1e6);
    said = human_size(r.bytes) + " written and removed " + where.why + " (" + where.dir.string() +
           ", " + fs + ")" + figures;
    if (bytes < wanted) said += "; " + human_size(wanted) + " wanted, more than it had room for";
    said +=
        "; again before each upload batch, twice its bytes, untimed (less the transfer "
        "a warm-up has just made: none at concurrency 1)";
    run.prefault_at = where;
  } catch (const std::exception& e) {
    said = std::string("failed: ") + e.what();  // the run goes on: slower first uploads, said
  }
  std::fprintf(stderr, "%sstreambench: pre-fault: %s\n", line_start(), said.c_str());
  benchmark::AddCustomContext("prefault", said);
}

}  // namespace streamcheck::streambench
