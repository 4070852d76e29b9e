#include "bench/streambench/context.hpp"

#include <sys/statfs.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <benchmark/benchmark.h>
#include <linux/magic.h>

#include <algorithm>
#include <cstdio>
#include <string>

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

void prefault(Run& run) {
  const auto& opt = run.options;
  if (!opt.prefault) {
    benchmark::AddCustomContext("prefault", "off (--no-prefault)");
    return;
  }
  // Twice the largest upload of a batch (old and new version side by side), and the
  // download objects, which stay for the whole run.
  const auto largest = *std::max_element(opt.sizes.begin(), opt.sizes.end());
  std::uint64_t wanted =
      2 * largest * *std::max_element(opt.concurrency.begin(), opt.concurrency.end());
  for (const auto& id : opt.ops)
    if (const auto* op = find_op(id); !op->upload || op->server_side) {  // COPY's source too
      for (const auto size : opt.sizes) wanted += size;
      break;
    }
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
