#include "bench/streambench/figures.hpp"

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstdio>
#include <stdexcept>

namespace streamcheck::streambench {
namespace {

constexpr double kGiB = 1024.0 * 1024.0 * 1024.0;

std::uint64_t to_ns(double seconds) {
  return static_cast<std::uint64_t>(std::llround(std::max(0.0, seconds) * 1e9));
}

double us(std::uint64_t ns) {
  return static_cast<double>(ns) / 1e3;
}

}  // namespace

std::uint64_t first_byte_ns(const bench::Transfer& t, FirstByte first) {
  return to_ns(first == FirstByte::received ? t.ttfb_seconds
               : first == FirstByte::sent   ? t.first_send_seconds
                                            : t.seconds);
}

void Figures::Group::record(const bench::Transfer& t, std::uint64_t b, FirstByte first) {
  ttfb_ns.record(first_byte_ns(t, first));
  if (t.seconds > 0)
    transfer_bytes_per_second.record(
        static_cast<std::uint64_t>(static_cast<double>(b) / t.seconds));
  bytes += b;
}

void Figures::Group::set_counters(benchmark::State& state, const std::string& prefix) const {
  if (ttfb_ns.empty()) return;
  auto& c = state.counters;
  c[prefix + "ttfb_p50_us"] = us(ttfb_ns.percentile(50));
  c[prefix + "ttfb_p99_us"] = us(ttfb_ns.percentile(99));
  c[prefix + "ttfb_max_us"] = us(ttfb_ns.max());
  c[prefix + "transfer_mbps_p50"] =
      static_cast<double>(transfer_bytes_per_second.percentile(50)) / 1e6;
  c[prefix + "transfer_mbps_min"] = static_cast<double>(transfer_bytes_per_second.min()) / 1e6;
  c[prefix + "aggregate_mbps"] = seconds > 0 ? static_cast<double>(bytes) / seconds / 1e6 : 0;
}

void Figures::add_batch(const std::vector<bench::Transfer>& transfers,
                        const std::vector<std::uint64_t>& bytes, FirstByte first,
                        const std::vector<bool>& slow) {
  if (!slow.empty() && !mix_) mix_.emplace();
  std::array<double, 2> last_end{};
  double batch_end = 0;
  for (std::size_t i = 0; i < transfers.size(); ++i) {
    const auto& t = transfers[i];
    all_.record(t, bytes[i], first);
    batch_end = std::max(batch_end, t.seconds);
    if (slow.empty()) continue;
    const std::size_t group = slow[i] ? 1 : 0;
    (*mix_)[group].record(t, bytes[i], first);
    last_end[group] = std::max(last_end[group], t.seconds);
  }
  if (mix_)
    for (std::size_t g = 0; g < 2; ++g) (*mix_)[g].seconds += last_end[g];
  all_.seconds += batch_end;
  ++batches_;
}

std::vector<std::uint64_t> Figures::transfer_words() const {
  const auto ttfb = all_.ttfb_ns.to_words();
  const auto rate = all_.transfer_bytes_per_second.to_words();
  std::vector<std::uint64_t> out = {static_cast<std::uint64_t>(batches_), all_.bytes,
                                    std::bit_cast<std::uint64_t>(all_.seconds), ttfb.size()};
  out.insert(out.end(), ttfb.begin(), ttfb.end());
  out.insert(out.end(), rate.begin(), rate.end());
  return out;
}

Figures Figures::from_transfer_words(const std::vector<std::uint64_t>& words) {
  if (words.size() < 4 || words[3] > words.size() - 4)
    throw std::invalid_argument("figures: " + std::to_string(words.size()) +
                                " words, too few for their histograms");
  Figures f;
  f.batches_ = static_cast<int>(words[0]);
  f.all_.bytes = words[1];
  f.all_.seconds = std::bit_cast<double>(words[2]);
  const auto split = words.begin() + 4 + static_cast<std::ptrdiff_t>(words[3]);
  f.all_.ttfb_ns = bench::LatencyHistogram::from_words({words.begin() + 4, split});
  f.all_.transfer_bytes_per_second = bench::LatencyHistogram::from_words({split, words.end()});
  return f;
}

void Figures::merge_transfers(const Figures& other) {
  all_.ttfb_ns.merge(other.all_.ttfb_ns);
  all_.transfer_bytes_per_second.merge(other.all_.transfer_bytes_per_second);
  all_.bytes += other.all_.bytes;
  all_.seconds += other.all_.seconds;
  batches_ = std::max(batches_, other.batches_);
}

void Figures::add_probe(const ProbedBatch& b) {
  const auto& m = b.measurement;
  transfers_ = b.transfers;
  if (b.read_at_first_byte)
    probe_.first_byte_read_kib += static_cast<double>(*b.read_at_first_byte) / 1024;
  const auto growth = m.peak_growth_kib();
  probe_.rss_peak_kib += static_cast<double>(growth);
  // The peak itself, less the memory of the same kind before the sessions were opened.
  const auto peak = m.memory_before_kib() + growth;
  const auto before = m.memory_kind() == bench::MemoryKind::pss ? b.pss_before_sessions_kib
                                                                : b.rss_before_sessions_kib;
  probe_.rss_per_conn_kib += static_cast<double>(peak - std::min(peak, before)) / b.transfers;
  const auto moved = b.upload ? m.io.wchar : m.io.rchar;
  const auto bytes = static_cast<double>(std::max<std::uint64_t>(1, b.bytes));
  probe_.copies += static_cast<double>(moved) / bytes;
  probe_.fd_delta += static_cast<double>(b.fd_delta);
  probe_.fd_peak += static_cast<double>(m.fds_peak);
  probe_.deleted_open += static_cast<double>(m.deleted_open());
  probe_.cpu_ms_per_gib += m.cpu_ms / (bytes / kGiB);
  probe_.samples += static_cast<double>(m.samples);
}

void Figures::set_counters(benchmark::State& state, bool probed) const {
  if (batches_ == 0) return;
  state.SetBytesProcessed(static_cast<std::int64_t>(all_.bytes));
  auto& c = state.counters;
  const auto& ttfb = all_.ttfb_ns;
  const auto& rate = all_.transfer_bytes_per_second;
  c["ttfb_us"] = ttfb.mean() / 1e3;
  c["ttfb_p50_us"] = us(ttfb.percentile(50));
  c["ttfb_p90_us"] = us(ttfb.percentile(90));
  c["ttfb_p99_us"] = us(ttfb.percentile(99));
  c["ttfb_max_us"] = us(ttfb.max());
  c["transfer_mbps_p50"] = static_cast<double>(rate.percentile(50)) / 1e6;
  c["transfer_mbps_min"] = static_cast<double>(rate.min()) / 1e6;
  c["sha256_ok"] = 1;
  c["harness_rss_kib"] = static_cast<double>(bench::own_peak_rss_kib());
  if (mix_) {
    (*mix_)[0].set_counters(state, "fast_");
    (*mix_)[1].set_counters(state, "slow_");
  }
  if (!probed) return;
  const double k = batches_;
  if (transfers_ == 1) c["first_byte_read_kib"] = probe_.first_byte_read_kib / k;
  c["rss_peak_kib"] = probe_.rss_peak_kib / k;
  c["rss_per_conn_kib"] = probe_.rss_per_conn_kib / k;
  c["copies"] = probe_.copies / k;
  c["fd_delta"] = probe_.fd_delta / k;
  c["fd_peak"] = probe_.fd_peak / k;
  c["deleted_open"] = probe_.deleted_open / k;
  c["cpu_ms_per_gib"] = probe_.cpu_ms_per_gib / k;
  c["probe_samples"] = probe_.samples / k;
}

void print_repeated(const std::map<std::string, Repeated>& by_benchmark) {
  for (const auto& [name, r] : by_benchmark) {
    if (r.repetitions < 2 || r.ttfb_ns.empty()) continue;
    const auto& h = r.ttfb_ns;
    std::fprintf(stderr,
                 "streambench: %s: first byte over its %d repetitions (%llu transfers, "
                 "merged): p50 %.0f us, p90 %.0f us, p99 %.0f us, max %.0f us\n",
                 name.c_str(), r.repetitions, static_cast<unsigned long long>(h.count()),
                 us(h.percentile(50)), us(h.percentile(90)), us(h.percentile(99)), us(h.max()));
  }
}

}  // namespace streamcheck::streambench
