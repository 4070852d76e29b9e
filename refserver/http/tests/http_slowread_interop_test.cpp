// Interop with a real slow client: slowhttptest (Debian package) in slow-read mode (-X),
// many connections each asking for a 64 MiB object through a receive window of under
// 1 KiB and reading 32 bytes a second. Against the spawned refserver: its memory stays
// within what its fixed per-connection buffers allow, a normal client is served byte-exact
// meanwhile, and the server closes every slow connection once it has made no progress
// for the idle timeout, while slowhttptest still holds it. The same run against
// `--legacy read-ahead` (no backpressure) must break the memory budget, so the check is
// shown to have teeth in the suite itself.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/prctl.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

#include "bench/lib/boost_process.hpp"
#include "bench/lib/command_pipe.hpp"
#include "bench/lib/http_client.hpp"
#include "bench/lib/payload.hpp"
#include "bench/lib/proc.hpp"
#include "bench/lib/tests/eventually.hpp"
#include "refserver/testing/server_resources.hpp"
#include "refserver/testing/spawned_refserver.hpp"

namespace streamcheck {
namespace {

namespace bp = boost::process;
namespace proc = bench::proc;
using Clock = std::chrono::steady_clock;
using bench::testing::eventually;
constexpr uint64_t KiB = 1024;
constexpr uint64_t MiB = 1024 * KiB;

// Short, so the test sees it pass; long enough for slowhttptest to open every connection
// (128 at 200 a second) and for the other client's GET before the first one times out.
constexpr auto kIdleTimeout = std::chrono::seconds(5);
// What a busy 2-core machine may add to the idle timeout before the server's watchdog
// runs and this test's poll sees the descriptors go.
constexpr auto kCloseSlack = std::chrono::seconds(10);

// The memory a slow connection may cost the server, from its fixed buffers: the one body
// buffer (--buffer, passed explicitly below so this and the server agree), the header
// buffer (16 KiB limit) and 16 KiB for the session, its socket and the allocator's
// rounding. A download by sendfile touches none of the body buffer, so the real figure is
// far below; the budget is what the design promises, and 28 times tighter than the
// issue's 8 MiB a connection. Plus 4 MiB once, for what the first burst of sessions
// costs whatever their number (thread stacks touched, allocator arenas).
constexpr uint64_t kBufferKiB = 256;
constexpr uint64_t kPerConnectionKiB = kBufferKiB + 16 + 16;
constexpr uint64_t kFixedKiB = 4 * KiB;
uint64_t budget_kib(size_t connections) {
  return kFixedKiB + connections * kPerConnectionKiB;
}

// slowhttptest's per-second CSV (-g -o): Seconds,Closed,Pending,Connected,Service Available.
// "Service Available" is the connection count while its own probe connection got an
// answer within -p seconds, 0 when it did not.
//
// Its "Connected" cannot tell when the server closed a slow connection: close(2) leaves
// the socket to the kernel (FIN-WAIT-1) with what was queued for sending (seen: 1.6 MiB
// of data a connection, 4 MiB of socket memory, the send buffer's autotuned limit), and
// slowhttptest, reading 32 bytes a second, would see the end of the stream only after
// all of it. So the server's descriptors are the
// criterion, and the CSV says whether slowhttptest had every connection at once.
struct SlowCsv {
  size_t rows = 0;
  size_t max_connected = 0;
  size_t last_connected = 0, last_closed = 0;
  size_t unavailable_rows = 0;
};

SlowCsv read_csv(const std::filesystem::path& path) {
  SlowCsv csv;
  std::ifstream in(path);
  std::string line;
  std::getline(in, line);  // the column names
  while (std::getline(in, line)) {
    std::istringstream fields(line);
    size_t values[5] = {};
    char comma = 0;
    if (!(fields >> values[0] >> comma >> values[1] >> comma >> values[2] >> comma >> values[3] >>
          comma >> values[4]))
      continue;
    ++csv.rows;
    csv.max_connected = std::max(csv.max_connected, values[3]);
    csv.last_connected = values[3];
    csv.last_closed = values[1];
    if (values[4] == 0) ++csv.unavailable_rows;
  }
  return csv;
}

// slowhttptest as a child of this test, its output to `log`. stop() sends SIGINT, on which
// it ends its run and writes its CSV as at the end of its -l duration; SIGKILL if it has
// not ended within a few seconds. The destructor stops it too.
class SlowHttpTest {
 public:
  SlowHttpTest(const std::vector<std::string>& args, const std::filesystem::path& log) {
    const auto exe = bp::search_path("slowhttptest");
    if (exe.empty()) throw std::runtime_error("slowhttptest is not installed (scripts/setup)");
    // clang-format would take `std_in < null, std_out > file` for template brackets.
    // clang-format off
    child_ = bp::child(exe, bp::args(args), bp::std_in < bp::null,
                       (bp::std_out & bp::std_err) > log.string(),
                       bp::extend::on_exec_setup = [](auto&) {
                         bench::reset_signals_in_child();  // SIGINT must reach it
                         ::prctl(PR_SET_PDEATHSIG, SIGKILL);  // a test that dies takes it along
                       });
    // clang-format on
  }
  ~SlowHttpTest() { stop(); }
  SlowHttpTest(const SlowHttpTest&) = delete;
  SlowHttpTest& operator=(const SlowHttpTest&) = delete;

  bool running() { return child_.valid() && child_.running(); }
  // Its exit status (-1 if it had to be killed).
  int stop() {
    if (!child_.valid()) return exit_code_;
    if (child_.running()) {
      ::kill(child_.id(), SIGINT);
      if (!eventually([&] { return !child_.running(); }, std::chrono::seconds(10))) {
        child_.terminate();  // SIGKILL
        exit_code_ = -1;
      }
    }
    child_.wait();
    if (exit_code_ != -1) exit_code_ = child_.exit_code();
    child_ = bp::child();
    return exit_code_;
  }

 private:
  bp::child child_;
  int exit_code_ = 0;
};

// The server's sockets on `port` that it has closed but the kernel still holds in
// FIN-WAIT-1, sending what was queued (from /proc/PID/net/tcp: state 04, tx_queue).
struct Orphans {
  size_t sockets = 0;
  uint64_t queued_bytes = 0;
};

Orphans closing_sockets(pid_t pid, uint16_t port) {
  Orphans out;
  std::ifstream in("/proc/" + std::to_string(pid) + "/net/tcp");
  std::string line;
  std::getline(in, line);  // the column names
  while (std::getline(in, line)) {
    std::istringstream fields(line);
    std::string slot, local, remote, state, queues;
    if (!(fields >> slot >> local >> remote >> state >> queues)) continue;
    const auto local_port = std::stoul(local.substr(local.rfind(':') + 1), nullptr, 16);
    if (state != "04" || local_port != port) continue;
    ++out.sockets;
    out.queued_bytes += std::stoull(queues.substr(0, queues.find(':')), nullptr, 16);
  }
  return out;
}

double seconds_since(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

// What one slow-read run showed. Times are seconds after slowhttptest started; -1: never.
struct SlowReadRun {
  size_t connections = 0;
  uint64_t growth_kib = 0;  // the server's peak RSS (VmHWM) over its RSS before
  size_t fds_before = 0;
  double all_open_s = -1;             // the server held every slow connection at once
  double first_close_s = -1;          // it had closed one of them
  double all_closed_s = -1;           // it had closed all of them
  bool client_still_running = false;  // slowhttptest had not ended by then
  bool other_get_exact = false;       // the other client's GET, run once all were open
  bool held_through_other_get = false;
  Orphans orphans;  // just after the server closed them all
  SlowCsv csv;
  int exit_code = 0;
};

class HttpSlowRead : public ::testing::Test {
 protected:
  // Starts the refserver with `extra_args`, puts the objects, and runs slowhttptest -X
  // with `connections` slow readers of the big one until the server has closed them all
  // (or kIdleTimeout + kCloseSlack have passed), with a curl GET of the other object in
  // between.
  SlowReadRun run(size_t connections, std::vector<std::string> extra_args) {
    extra_args.insert(extra_args.end(), {"--idle-timeout", std::to_string(kIdleTimeout.count()),
                                         "--buffer", std::to_string(kBufferKiB) + "KiB"});
    testing::SpawnedRefserver server(extra_args);
    const pid_t pid = server.pid();
    const bench::Payload big{81, 64 * MiB, bench::PayloadKind::random};
    const bench::Payload other{82, 16 * MiB, bench::PayloadKind::random};
    {
      bench::HttpClient setup(server.http());
      EXPECT_EQ(setup.put("/slow.bin", big).status, 201);
      EXPECT_EQ(setup.put("/other.bin", other).status, 201);
    }
    SlowReadRun r;
    r.connections = connections;
    r.fds_before = testing::idle_fd_count(pid, server.listening_ports());
    const auto before = proc::read_memory(pid);
    EXPECT_EQ(proc::reset_hwm(pid), proc::HwmReset::done);

    const auto dir = server.root().parent_path();
    const auto n = std::to_string(connections);
    // -w/-y: a receive window of 512 to 1024 bytes; -n/-z: 32 bytes read a second; -r:
    // connections opened a second; -l: longer than the server should take, so that the
    // server, not the end of the run, closes them; -p: its probe's patience.
    // One option (and its value) a line:
    // clang-format off
    SlowHttpTest slow({"-X",
                       "-c", n,
                       "-r", "200",
                       "-w", "512", "-y", "1024",
                       "-n", "1", "-z", "32",
                       "-k", "1",
                       "-l", "60",
                       "-p", "5",
                       "-g", "-o", (dir / "slowhttptest").string(),
                       "-u", server.http_base() + "/slow.bin"},
                      dir / "slowhttptest.log");
    // clang-format on
    const auto start = Clock::now();
    auto fds = [&] { return proc::count_fds(pid).value_or(0); };
    const auto limit = kIdleTimeout + kCloseSlack;
    if (eventually([&] { return fds() >= r.fds_before + connections; }, limit)) {
      r.all_open_s = seconds_since(start);
      const auto [rc, sha] = bench::run_and_hash("curl -sS --fail --max-time 60 '" +
                                                 server.http_base() + "/other.bin'");
      r.other_get_exact =
          rc == 0 && sha == bench::payload_sha256(other.seed, other.size, other.kind);
      r.held_through_other_get = fds() >= r.fds_before + connections;
    }
    // A probe connection may be open on top of the slow ones: one more is allowed.
    if (eventually([&] { return fds() < r.fds_before + connections; }, limit))
      r.first_close_s = seconds_since(start);
    if (r.first_close_s >= 0 && eventually([&] { return fds() <= r.fds_before + 1; }, limit)) {
      r.all_closed_s = seconds_since(start);
      r.client_still_running = slow.running();
      r.orphans = closing_sockets(pid, server.http().port);
    }
    const auto after = proc::read_memory(pid);
    if (before && after && after->hwm_kib > before->rss_kib)
      r.growth_kib = after->hwm_kib - before->rss_kib;
    r.exit_code = slow.stop();
    r.csv = read_csv(dir / "slowhttptest.csv");
    // With slowhttptest gone, no descriptor of any connection is left.
    EXPECT_TRUE(testing::rests_with_fd_count(pid, server.listening_ports(), r.fds_before));
    print(r);
    std::ifstream log(dir / "slowhttptest.log");
    slow_log_.assign(std::istreambuf_iterator<char>(log), {});
    return r;
  }

  // The root and slowhttptest's files are gone with the server: its output was kept.
  void TearDown() override {
    if (HasFailure() && !slow_log_.empty())
      std::printf("slowhttptest's output (the end):\n%s\n",
                  slow_log_.substr(slow_log_.size() > 3000 ? slow_log_.size() - 3000 : 0).c_str());
  }

  static void print(const SlowReadRun& r) {
    std::printf(
        "slowhttptest -X, %zu connections: server RSS growth %llu KiB (%.1f KiB a connection, "
        "budget %llu KiB); fds %zu at rest; all open at %.2f s, first closed at %.2f s, all "
        "closed at %.2f s (idle timeout %lld s); %zu closed sockets still in FIN-WAIT-1 with "
        "%.1f MiB queued; slowhttptest's CSV: %zu rows, at most %zu connected, %zu connected "
        "and %zu closed at the end, %zu rows with the service unavailable\n",
        r.connections, static_cast<unsigned long long>(r.growth_kib),
        static_cast<double>(r.growth_kib) / static_cast<double>(r.connections),
        static_cast<unsigned long long>(budget_kib(r.connections)), r.fds_before, r.all_open_s,
        r.first_close_s, r.all_closed_s, static_cast<long long>(kIdleTimeout.count()),
        r.orphans.sockets, static_cast<double>(r.orphans.queued_bytes) / MiB, r.csv.rows,
        r.csv.max_connected, r.csv.last_connected, r.csv.last_closed, r.csv.unavailable_rows);
  }

  std::string slow_log_;
};

TEST_F(HttpSlowRead, SlowReadersKeepTheBudgetOthersAreServedAndTheIdleTimeoutClosesThem) {
  constexpr size_t kConnections = 128;
  const auto r = run(kConnections, {});
  const double idle = static_cast<double>(kIdleTimeout.count());
  const double slack = static_cast<double>(kCloseSlack.count());

  // slowhttptest's own view: all connected at once, and its probe always answered.
  EXPECT_EQ(r.csv.max_connected, kConnections) << "slowhttptest never had them all connected";
  EXPECT_GT(r.csv.rows, 0u) << "no CSV from slowhttptest";
  EXPECT_EQ(r.csv.unavailable_rows, 0u) << "slowhttptest's probe found the service unavailable";
  EXPECT_EQ(r.exit_code, 0) << "slowhttptest did not end cleanly on SIGINT";

  ASSERT_GE(r.all_open_s, 0) << "the server never held the " << kConnections
                             << " slow connections at once";
  EXPECT_TRUE(r.other_get_exact) << "the other client's GET was not byte-exact";
  EXPECT_TRUE(r.held_through_other_get)
      << "the slow connections were no longer all open when the other GET ended";

  EXPECT_LE(r.growth_kib, budget_kib(kConnections))
      << "the slow readers cost more memory than the fixed buffers allow";

  // Closed for no progress, not before the idle timeout, and while the client still
  // held them (its run lasts 60 s).
  ASSERT_GE(r.first_close_s, 0) << "the server closed none of the slow connections";
  EXPECT_GE(r.first_close_s, idle) << "closed before the idle timeout";
  ASSERT_GE(r.all_closed_s, 0) << "the server did not close all slow connections within "
                               << idle + slack << " s";
  EXPECT_LE(r.all_closed_s - r.all_open_s, idle + slack);
  EXPECT_TRUE(r.client_still_running) << "slowhttptest ended before the server closed them";
  // Closed with a reset: nothing left queued in the kernel for readers that stalled.
  EXPECT_EQ(r.orphans.sockets, 0u)
      << "closed slow connections still in FIN-WAIT-1 with "
      << static_cast<double>(r.orphans.queued_bytes) / MiB
      << " MiB queued: the kernel keeps them as long as the client trickles reads";
}

// --legacy read-ahead queues the object in memory as fast as the disk gives it: each slow
// reader costs the server the whole object, the budget is broken many times over. Fewer
// connections than above keep this under 1.1 GiB.
TEST_F(HttpSlowRead, ReadAheadProfileBreaksTheBudget) {
  constexpr size_t kConnections = 16;
  const auto r = run(kConnections, {"--legacy", "read-ahead"});
  ASSERT_GE(r.all_open_s, 0) << "the server never held the " << kConnections
                             << " slow connections at once";
  EXPECT_GT(r.growth_kib, 10 * budget_kib(kConnections))
      << "read-ahead did not break the budget by a wide margin: the memory check has no teeth";
  // A quarter of the 64 MiB object at least, per connection.
  EXPECT_GE(r.growth_kib, kConnections * 16 * KiB);
}

}  // namespace
}  // namespace streamcheck
