// P1 flat memory under load (p1_load_readers.cpp, p1_load_uploads.cpp): memory per
// connection stays bounded however big the object and however slow the client. A
// server with no backpressure (it reads the object into memory as fast as the disk gives
// it, whatever the socket takes) is flat for one fast client and grows by the whole
// object for each slow one; so these tests read slowly, stop reading, and run many
// uploads at once, some aborted. The figure is the peak memory growth of the server's
// tree over the sessions' whole life (from before they open, so what a session itself
// costs counts too) divided by their number: the VmHWM of a server that is one process,
// the sampled PSS of a tree of several (bench/lib/probe.hpp).
#pragma once

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <thread>

#include "bench/lib/probe.hpp"
#include "conformance/suite.hpp"

namespace streamcheck::conformance::load {

inline constexpr Requirement kPerConnection{
    "P1",
    "Memory per connection stays bounded however big the object and however slow the "
    "client: the server reads no further ahead than the socket takes."};

// The budget per connection. The refserver needs one 256 KiB buffer and a session. A
// server that forks per session is measured by its tree's PSS, so the pages its session
// processes share (the C library, the binary, the parent's copy-on-write pages) count
// once: 0.4-0.6 MiB per connection for vsftpd and pure-ftpd here, 1.0-1.2 MiB for
// proftpd. (Their summed VmRSS counted those once per process: 5-7 MiB per connection,
// which bigger libraries or PAM modules would push past the budget with no defect.) A body held in
// memory is the object's size (16 MiB and more) per connection.
inline constexpr std::uint64_t kBudgetKiB = 8 * 1024;

// Waits, up to `timeout`, while the tree's memory keeps moving in `trend`'s direction:
// until two readings 200 ms apart differ by less than 1 MiB that way.
enum class Trend { falling, rising };
inline void wait_while_memory(Trend trend, bench::Probe& probe, std::chrono::milliseconds timeout) {
  using namespace std::chrono_literals;
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  auto last = probe.rss_now_kib();
  while (std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(200ms);
    const auto now = probe.rss_now_kib();
    const auto moved =
        trend == Trend::falling ? (now < last ? last - now : 0) : (now > last ? now - last : 0);
    last = now;
    if (moved < 1024) return;
  }
}

// A probe over the sessions' whole life, begun before they open, once what earlier
// sessions held has been given back: a server frees it only as it notices they ended,
// and a baseline taken before that is too high by what it still held, the growth
// measured from it too low by what it frees during the test. Its end() must not wait for the tree
// to give descriptors back: stalled sessions still hold theirs, rightly.
inline std::unique_ptr<bench::Probe> session_probe() {
  using namespace std::chrono_literals;
  auto probe =
      std::make_unique<bench::Probe>(suite().target().pid, bench::ProbeOptions{.fd_grace = 0ms});
  wait_while_memory(Trend::falling, *probe, 5s);
  return probe;
}

inline std::uint64_t per_connection(const bench::Measurement& m, int n) {
  return m.peak_growth_kib() / static_cast<std::uint64_t>(n);
}

// "8 connections each reading a 65536 KiB object: peak memory growth 2048 KiB, 256 KiB
// per connection: 0% of the object (VmHWM)", or "(sampled PSS)" for a tree. The negative controls
// (negative_control.cmake) read the percentage: a server that holds the body shows most of the
// object.
inline std::string growth_text(const bench::Measurement& m, int n, std::string_view doing,
                               std::uint64_t object) {
  const auto per_conn = per_connection(m, n);
  const auto object_kib = std::max<std::uint64_t>(1, object / KiB);
  return std::to_string(n) + " connections each " + std::string(doing) + " a " +
         std::to_string(object_kib) + " KiB object: peak memory growth " +
         std::to_string(m.peak_growth_kib()) + " KiB, " + std::to_string(per_conn) +
         " KiB per connection: " + std::to_string(per_conn * 100 / object_kib) +
         "% of the object (" + bench::to_string(m.memory_kind()) + ")";
}

}  // namespace streamcheck::conformance::load
