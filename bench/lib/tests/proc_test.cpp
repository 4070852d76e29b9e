#include "bench/lib/proc.hpp"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <thread>

#include "bench/lib/tests/forked_child.hpp"

namespace streamcheck::bench::proc {
namespace {

using testing::ForkedChild;
constexpr std::uint64_t kMiB = 1024 * 1024;

std::string temp_path(const char* name) {
  return (std::filesystem::temp_directory_path() /
          (std::string("sc_bench_") + name + "_" + std::to_string(::getpid())))
      .string();
}

TEST(Proc, ReadsItsOwnProcess) {
  const auto st = read_stat(::getpid());
  ASSERT_TRUE(st);
  EXPECT_EQ(st->pid, ::getpid());
  EXPECT_EQ(st->ppid, ::getppid());
  EXPECT_NE(st->start_ticks, 0u);
  EXPECT_FALSE(st->zombie());
  const auto mem = read_memory(::getpid());
  ASSERT_TRUE(mem);
  EXPECT_GT(mem->rss_kib, 0u);
  EXPECT_GE(mem->hwm_kib, mem->rss_kib);
  ASSERT_TRUE(read_io(::getpid()));
  const auto fds = read_fds(::getpid());
  ASSERT_TRUE(fds);
  EXPECT_GE(fds->size(), 3u);
  EXPECT_EQ(count_fds(::getpid()), fds->size());
}

TEST(Proc, GoneProcessReadsAsNullopt) {
  pid_t pid = 0;
  {
    ForkedChild child([](ForkedChild::Channel&) {});
    pid = child.pid();
    child.reap(std::chrono::seconds(5));
  }
  EXPECT_FALSE(exists(pid));
  EXPECT_FALSE(read_stat(pid));
  EXPECT_FALSE(read_memory(pid));
  EXPECT_FALSE(read_io(pid));
  EXPECT_FALSE(read_fds(pid));
  EXPECT_FALSE(count_fds(pid));
  EXPECT_FALSE(read_cpu_ns(pid));
  EXPECT_EQ(reset_hwm(pid), HwmReset::gone);
}

// The count from one stat() is the directory's count, however many there are (a kernel
// before 6.2 gives none, and the probe reads the directory instead).
TEST(Proc, CountsFdsByStatAsTheDirectoryDoes) {
  ForkedChild child([](ForkedChild::Channel& ch) {
    ch.reply("started");
    ch.wait_command();
    for (int i = 0; i < 500; ++i)
      if (::open("/dev/null", O_RDONLY) < 0) ::_exit(5);
    ch.reply("opened");
    ch.wait_command();
  });
  ASSERT_EQ(child.read_reply(), "started");
  const auto before = count_fds_by_stat(child.pid());
  if (!before) GTEST_SKIP() << "this kernel gives no fd count in /proc/PID/fd's size";
  EXPECT_EQ(before, count_fds(child.pid()));
  ASSERT_EQ(child.ask('o'), "opened");
  EXPECT_EQ(count_fds_by_stat(child.pid()), *before + 500);
  EXPECT_EQ(count_fds_by_stat(child.pid()), count_fds(child.pid()));
  const pid_t pid = child.pid();
  child.reap(std::chrono::seconds(5));
  EXPECT_FALSE(count_fds_by_stat(pid));
}

TEST(Proc, StatCommWithSpacesAndParens) {
  ForkedChild child([](ForkedChild::Channel& ch) {
    ::prctl(PR_SET_NAME, "a) b (c", 0, 0, 0);
    ch.reply("named");
    ch.wait_command();
  });
  ASSERT_EQ(child.read_reply(), "named");
  const auto st = read_stat(child.pid());
  ASSERT_TRUE(st);
  EXPECT_EQ(st->comm, "a) b (c");
  EXPECT_EQ(st->ppid, ::getpid());
  EXPECT_EQ(st->state == 'S' || st->state == 'R', true) << st->state;
}

TEST(Proc, SeesMemoryGrowthAndResetsThePeak) {
  ForkedChild child([](ForkedChild::Channel& ch) {
    ch.reply("started");
    ch.wait_command();
    const std::size_t size = 64 * kMiB;
    void* p = ::mmap(nullptr, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED) ::_exit(5);
    auto* bytes = static_cast<volatile char*>(p);
    for (std::size_t i = 0; i < size; i += 4096) bytes[i] = 1;  // touch every page
    ch.reply("allocated");
    ch.wait_command();
    ::munmap(p, size);
    ch.reply("freed");
    ch.wait_command();
  });
  ASSERT_EQ(child.read_reply(), "started");
  ASSERT_EQ(reset_hwm(child.pid()), HwmReset::done);
  const auto before = read_memory(child.pid());
  ASSERT_TRUE(before);
  EXPECT_LE(before->hwm_kib, before->rss_kib + 64);  // the reset took

  ASSERT_EQ(child.ask('a'), "allocated");
  const auto during = read_memory(child.pid());
  ASSERT_TRUE(during);
  EXPECT_GE(during->rss_kib, before->rss_kib + 60 * 1024);
  EXPECT_GE(during->hwm_kib, before->rss_kib + 60 * 1024);

  ASSERT_EQ(child.ask('f'), "freed");
  const auto after = read_memory(child.pid());
  ASSERT_TRUE(after);
  EXPECT_LT(after->rss_kib, before->rss_kib + 4 * 1024);   // gone from RSS...
  EXPECT_GE(after->hwm_kib, before->rss_kib + 60 * 1024);  // ...but the peak remembers
  ASSERT_EQ(reset_hwm(child.pid()), HwmReset::done);
  const auto reset = read_memory(child.pid());
  ASSERT_TRUE(reset);
  EXPECT_LT(reset->hwm_kib, before->rss_kib + 4 * 1024);  // and the reset forgets
}

TEST(Proc, ReadsPssAndZombiesAndTheGoneHaveNone) {
  const auto own = read_pss(::getpid());
  ASSERT_EQ(own.status, Pss::Status::read) << own.why;
  EXPECT_GT(own.pss_kib, 0u);
  EXPECT_LE(own.pss_kib, own.rss_kib);  // the C library is shared with other processes
  const pid_t pid = ::fork();
  if (pid == 0) ::_exit(0);
  ASSERT_GT(pid, 0);
  for (auto st = read_stat(pid); st && !st->zombie(); st = read_stat(pid))
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  EXPECT_EQ(read_pss(pid).status, Pss::Status::no_memory);  // a zombie: released
  ASSERT_EQ(::waitpid(pid, nullptr, 0), pid);
  EXPECT_EQ(read_pss(pid).status, Pss::Status::no_memory);  // gone
}

// Without permission (another user's process, or one that is not dumpable) PSS is
// unavailable, with the reason, and nothing throws: the probe falls back to VmRSS.
TEST(Proc, PssWithoutPermissionIsUnavailableWithTheReason) {
  ForkedChild target([](ForkedChild::Channel& ch) {
    ::prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
    ch.reply("ready");
    ch.wait_command();
  });
  ASSERT_EQ(target.read_reply(), "ready");
  const auto describe = [](const Pss& pss) {
    return pss.status == Pss::Status::unavailable ? "unavailable: " + pss.why
                                                  : std::string("available");
  };
  std::string seen;
  if (::geteuid() != 0) {
    seen = describe(read_pss(target.pid()));
  } else {  // root may read anything: a reader that is nobody may not
    const pid_t pid = target.pid();
    ForkedChild reader([&](ForkedChild::Channel& ch) {
      if (::setgid(65534) != 0 || ::setuid(65534) != 0) ::_exit(5);
      ch.reply(describe(read_pss(pid)));
    });
    seen = reader.read_reply();
  }
  EXPECT_TRUE(seen.starts_with("unavailable: open(/proc/")) << seen;
  EXPECT_NE(seen.find("smaps_rollup"), std::string::npos) << seen;
}

TEST(Proc, FlagsAnUnlinkedFileHeldOpen) {
  const auto path = temp_path("unlinked");
  ForkedChild child([&](ForkedChild::Channel& ch) {
    const int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_TRUNC, 0600);
    if (fd < 0) ::_exit(5);
    ::unlink(path.c_str());
    ch.reply(std::to_string(fd));
    ch.wait_command();
  });
  const int fd = std::stoi(child.read_reply());
  const auto fds = read_fds(child.pid());
  ASSERT_TRUE(fds);
  const auto it =
      std::find_if(fds->begin(), fds->end(), [&](const FdInfo& f) { return f.fd == fd; });
  ASSERT_NE(it, fds->end());
  EXPECT_TRUE(it->deleted) << it->target;
  EXPECT_EQ(it->target, path + " (deleted)");
  EXPECT_EQ(it->kind, FdKind::file);
  // The channel's pipes are not deleted files.
  EXPECT_EQ(std::count_if(fds->begin(), fds->end(), [](const FdInfo& f) { return f.deleted; }), 1);
  EXPECT_GE(std::count_if(fds->begin(), fds->end(),
                          [](const FdInfo& f) { return f.kind == FdKind::pipe; }),
            2);
}

TEST(Proc, IoCountersGrowWhenTheChildWrites) {
  const auto path = temp_path("io");
  constexpr std::size_t kBytes = 3 * kMiB + 123;
  ForkedChild child([&](ForkedChild::Channel& ch) {
    ch.reply("started");
    ch.wait_command();
    const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    if (fd < 0) ::_exit(5);
    std::string chunk(64 * 1024, 'x');
    for (std::size_t left = kBytes; left > 0;) {
      const auto n = ::write(fd, chunk.data(), std::min(left, chunk.size()));
      if (n <= 0) ::_exit(6);
      left -= static_cast<std::size_t>(n);
    }
    ::close(fd);
    ch.reply("written");
    ch.wait_command();
  });
  ASSERT_EQ(child.read_reply(), "started");
  const auto before = read_io(child.pid());
  ASSERT_TRUE(before);
  ASSERT_EQ(child.ask('w'), "written");
  const auto after = read_io(child.pid());
  ASSERT_TRUE(after);
  const auto delta = *after - *before;
  EXPECT_GE(delta.wchar, kBytes);
  EXPECT_LT(delta.wchar, kBytes + 4096);  // plus the channel's reply
  ::unlink(path.c_str());
}

TEST(Proc, CpuClockKeepsExitedThreadsAndAgreesWithTheTicks) {
  ForkedChild child([](ForkedChild::Channel& ch) {
    ch.reply("started");
    ch.wait_command();
    std::thread([] {
      timespec ts{};
      do ::clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
      while (ts.tv_sec == 0 && ts.tv_nsec < 50'000'000);
    }).join();
    ch.reply("joined");
    ch.wait_command();
  });
  ASSERT_EQ(child.read_reply(), "started");
  const auto before = read_cpu_ns(child.pid());
  ASSERT_TRUE(before) << "this kernel gives no CPU-time clock of another process";
  ASSERT_EQ(child.ask('t'), "joined");
  const auto after = read_cpu_ns(child.pid());
  const auto st = read_stat(child.pid());
  ASSERT_TRUE(after && st);
  EXPECT_GE(*after - *before, 50'000'000u);  // the thread is gone, its time is not
  // Both are the scheduler's runtime; stat truncates utime and stime to ticks each.
  const auto ticks_ns = static_cast<double>(ticks_to_ns(st->cpu_ticks()));
  EXPECT_LE(ticks_ns, static_cast<double>(*after) + 1e6);
  EXPECT_GE(ticks_ns, static_cast<double>(*after) - static_cast<double>(ticks_to_ns(3)));
}

TEST(Proc, CpuTimeDifferencesStayInOneUnit) {
  const std::uint64_t tick = ticks_to_ns(1);
  EXPECT_EQ(tick, 1'000'000'000u / static_cast<std::uint64_t>(clock_ticks_per_second()));
  const CpuTime a{.ticks = 1, .ns = tick + 1'500'000};
  const CpuTime b{.ticks = 1, .ns = tick + 4'000'000};
  const CpuTime c{.ticks = 3};
  EXPECT_EQ(cpu_ns_between(a, b), 2'500'000u);
  EXPECT_EQ(cpu_ns_between(a, c), 2 * tick);  // no clock at one end: ticks at both
  EXPECT_EQ(cpu_ns_between(c, a), 0u);        // saturates
  EXPECT_EQ(a.best_ns(), tick + 1'500'000);
  EXPECT_EQ(c.best_ns(), 3 * tick);
}

TEST(Proc, IoCounterArithmetic) {
  const IoCounters a{10, 20, 30, 40};
  const IoCounters b{1, 2, 3, 50};
  EXPECT_EQ(a + b, (IoCounters{11, 22, 33, 90}));
  EXPECT_EQ(a - b, (IoCounters{9, 18, 27, 0}));  // saturates
}

TEST(Proc, ClassifiesFdTargets) {
  EXPECT_EQ(classify_fd_target("/tmp/x"), FdKind::file);
  EXPECT_EQ(classify_fd_target("socket:[123]"), FdKind::socket);
  EXPECT_EQ(classify_fd_target("pipe:[9]"), FdKind::pipe);
  EXPECT_EQ(classify_fd_target("anon_inode:[eventfd]"), FdKind::anon_inode);
  EXPECT_EQ(classify_fd_target("net:[4026531840]"), FdKind::other);
}

}  // namespace
}  // namespace streamcheck::bench::proc
