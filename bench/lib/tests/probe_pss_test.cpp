// The probe's memory figure for a tree of processes: the sampled PSS (probe.hpp), so a
// forking server's shared pages count once, while what each process holds of its own
// still counts whole. The tree is sharing_tree.hpp's: a parent that wrote 64 MiB before
// it forks 4 children that map all of it. Bounds are in bytes, so they hold on a busy
// machine; what the processes map beside the 64 MiB is a few MiB.
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <thread>

#include "bench/lib/probe.hpp"
#include "bench/lib/tests/eventually.hpp"
#include "bench/lib/tests/forked_child.hpp"
#include "bench/lib/tests/sharing_tree.hpp"

namespace streamcheck::bench {
namespace {

using testing::eventually;
using testing::ForkedChild;
using testing::kChildren;
using testing::kOwnKiB;
using testing::kSharedKiB;
using testing::kSharingHidden;

// What the tree maps beside what a test makes it write: stacks, the channel, the test
// binary's and the C library's pages (4 MiB per process is far above what they take).
constexpr std::uint64_t kSlackKiB = (1 + kChildren) * 4 * 1024;

// The parent alone (and its 64 MiB) at begin(); the children fork during the
// measurement, as a server's sessions open: summed VmRSS grows by the 64 MiB once per
// child, the tree's PSS by what the children add of their own, a few hundred KiB.
TEST(ProbePss, SessionsForkedFromAParentAddOnlyTheirOwnMemory) {
  if (kSharingHidden) GTEST_SKIP() << kSharingHidden;
  ForkedChild server(testing::sharing_tree);
  ASSERT_EQ(server.read_reply(), "ready");
  // No grace for descriptors: the children's are theirs, not a leak to wait out.
  Probe probe(server.pid(), {.fd_grace = std::chrono::milliseconds(0)});
  probe.begin();
  ASSERT_EQ(server.ask('f'), "forked");
  const auto m = probe.end();
  EXPECT_EQ(m.processes_after, 1u + kChildren);
  ASSERT_STREQ(to_string(m.memory_kind()), "sampled PSS") << m.memory_note;
  EXPECT_LT(m.peak_growth_kib(), kSlackKiB);
  EXPECT_EQ(m.memory_before_kib(), *m.pss_before_kib);
  // The whole tree: the 64 MiB once, where summed VmRSS has it once per process.
  EXPECT_GE(*m.pss_after_kib, kSharedKiB - 1024);
  EXPECT_LT(*m.pss_after_kib, kSharedKiB + kSlackKiB);
  EXPECT_GE(m.rss_after_kib, (1 + kChildren) * (kSharedKiB - 1024));
  EXPECT_GE(m.rss_after_kib - m.rss_before_kib, kChildren * (kSharedKiB - 1024));
  // Without PSS the figure is that summed VmRSS, and says why.
  Probe by_rss(server.pid(), {.pss = false});
  by_rss.begin();
  const auto r = by_rss.end();
  EXPECT_STREQ(to_string(r.memory_kind()), "sampled VmRSS");
  EXPECT_FALSE(r.memory_note.empty());
  EXPECT_EQ(r.memory_before_kib(), r.rss_before_kib);
  EXPECT_GE(r.memory_before_kib(), (1 + kChildren) * (kSharedKiB - 1024));
}

// PSS cannot hide a body held in memory: what each child writes of its own counts
// whole, and so does an inherited page a child writes over (its copy; summed VmRSS does
// not see that one at all, the copy replaces the shared page in the child's tables).
TEST(ProbePss, WhatEachSessionWritesCountsInFull) {
  if (kSharingHidden) GTEST_SKIP() << kSharingHidden;
  ForkedChild server(testing::sharing_tree);
  ASSERT_EQ(server.read_reply(), "ready");
  ASSERT_EQ(server.ask('f'), "forked");
  Probe probe(server.pid());
  const auto growth = [&](char command, const char* reply) {
    probe.begin();
    EXPECT_EQ(server.ask(command), reply);
    const auto m = probe.end();
    EXPECT_STREQ(to_string(m.memory_kind()), "sampled PSS") << m.memory_note;
    return m;
  };
  const auto own = growth('p', "private");
  EXPECT_GE(own.peak_growth_kib(), kChildren * (kOwnKiB - 512));
  EXPECT_LT(own.peak_growth_kib(), kChildren * kOwnKiB + kSlackKiB);
  const auto copied = growth('c', "copied");
  EXPECT_GE(copied.peak_growth_kib(), kChildren * (kOwnKiB - 512));
  EXPECT_LT(copied.peak_growth_kib(), kChildren * kOwnKiB + kSlackKiB);
  EXPECT_LT(copied.rss_after_kib, copied.rss_before_kib + 4 * 1024);
}

// Memory the children hold a while and give back before end() is seen by the sampler's
// PSS sweeps. When the sampler thread runs is the scheduler's choice: each try holds
// the memory longer, until a sweep has seen it.
TEST(ProbePss, SamplerSeesATreesPeakGoneByTheEnd) {
  ForkedChild server(testing::sharing_tree);
  ASSERT_EQ(server.read_reply(), "ready");
  ASSERT_EQ(server.ask('f'), "forked");
  Probe probe(server.pid(), {.sample_interval = std::chrono::milliseconds(2)});
  Measurement m;
  auto hold = std::chrono::milliseconds(40);
  EXPECT_TRUE(eventually(
      [&] {
        probe.begin();
        EXPECT_EQ(server.ask('p'), "private");
        std::this_thread::sleep_for(hold);
        EXPECT_EQ(server.ask('u'), "unmapped");
        m = probe.end();
        hold = std::min(2 * hold, std::chrono::milliseconds(2000));
        return m.peak_growth_kib() >= kChildren * (kOwnKiB - 512);
      },
      testing::kEventuallyTimeout, std::chrono::milliseconds(0)))
      << "PSS sweeps " << m.pss_sweeps << ", peak growth " << m.peak_growth_kib() << " KiB";
  EXPECT_STREQ(to_string(m.memory_kind()), "sampled PSS");
  EXPECT_GT(m.pss_sweeps, 0u);
  EXPECT_LT(*m.pss_after_kib, *m.pss_before_kib + kSlackKiB);  // given back
}

// A one-process tree keeps its exact VmHWM figure, and the sampler reads no PSS for it.
TEST(ProbePss, OneProcessIsMeasuredByItsHwmWithNoPssSweep) {
  ForkedChild server(testing::sharing_tree);
  ASSERT_EQ(server.read_reply(), "ready");
  Probe probe(server.pid(), {.sample_interval = std::chrono::milliseconds(2)});
  probe.begin();
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  const auto m = probe.end();
  ASSERT_TRUE(m.hwm_exact);
  EXPECT_STREQ(to_string(m.memory_kind()), "VmHWM");
  EXPECT_EQ(m.memory_before_kib(), m.rss_before_kib);
  EXPECT_EQ(m.pss_sweeps, 0u);
  EXPECT_LT(m.peak_growth_kib(), 1024u);
}

// The probe's memory_now_kib() reads the kind a measurement was in, for comparing with
// its memory_before_kib().
TEST(ProbePss, MemoryNowInEachKind) {
  if (kSharingHidden) GTEST_SKIP() << kSharingHidden;
  ForkedChild server(testing::sharing_tree);
  ASSERT_EQ(server.read_reply(), "ready");
  ASSERT_EQ(server.ask('f'), "forked");
  Probe probe(server.pid(), {.sampler = false});
  const auto pss = probe.memory_now_kib(MemoryKind::pss);
  const auto rss = probe.memory_now_kib(MemoryKind::vm_rss);
  EXPECT_GE(pss, kSharedKiB - 1024);
  EXPECT_LT(pss, kSharedKiB + kSlackKiB);
  EXPECT_GE(rss, (1 + kChildren) * (kSharedKiB - 1024));
  // An HWM figure's baseline is VmRSS (the tree is idle: a page or two apart at most).
  const auto hwm_kind = static_cast<double>(probe.memory_now_kib(MemoryKind::vm_hwm));
  EXPECT_NEAR(hwm_kind, static_cast<double>(probe.rss_now_kib()), 256);
}

}  // namespace
}  // namespace streamcheck::bench
