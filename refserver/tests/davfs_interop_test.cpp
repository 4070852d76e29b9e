// davfs2, the WebDAV file system, mounts the server and a 64 MiB file is copied in and
// out through it with cp: in, unmounted (davfs2 uploads a file it holds in its cache when
// it is closed, at the latest at unmount), the server's copy read back over HTTP; then
// mounted again with an empty cache and copied out, so that the bytes come from the
// server and not from davfs2's cache. Both byte-exact. davfs2 takes LOCKs as it writes
// (use_locks 1, its default), so this needs class 2 too.
//
// It needs root (mount.davfs runs its daemon as the user davfs2 only when root starts
// it) and /dev/fuse, and skips without them. The mount point, cache and secrets file are
// in the test's scratch directory, named by a configuration file given with -o conf=
// (nothing of /etc/davfs2 is read but the system file's defaults), and the mount is
// always taken down, even when the test fails: a lazy unmount if the plain one fails.
#include <gtest/gtest.h>
#include <pwd.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <future>
#include <sstream>
#include <string>

#include "bench/lib/command_pipe.hpp"
#include "refserver/testing/client_run.hpp"
#include "refserver/testing/interop_server.hpp"

namespace streamcheck {
namespace {

using namespace std::chrono_literals;
constexpr uint64_t MiB = 1024 * 1024;

bool mounted(const std::filesystem::path& point) {
  std::ifstream mounts("/proc/self/mounts");
  for (std::string device, where, rest; mounts >> device >> where && std::getline(mounts, rest);)
    if (where == point.string()) return true;
  return false;
}

// The mount.davfs daemon serving `point` that is our child: the harness's launcher makes
// this process a child subreaper, so the daemon, orphaned by mount.davfs's fork, is
// re-parented to us. 0 when there is none.
pid_t davfs_daemon_of(const std::filesystem::path& point) {
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator("/proc", ec)) {
    const std::string pid = entry.path().filename().string();
    if (pid.find_first_not_of("0123456789") != std::string::npos) continue;
    std::ifstream cmdline(entry.path() / "cmdline");
    std::string args((std::istreambuf_iterator<char>(cmdline)), std::istreambuf_iterator<char>());
    if (args.find("mount.davfs") == std::string::npos ||
        args.find(point.string()) == std::string::npos)
      continue;
    std::ifstream stat(entry.path() / "stat");
    std::string stat_line;
    std::getline(stat, stat_line);
    std::istringstream after_comm(stat_line.substr(stat_line.rfind(')') + 1));
    std::string state;
    pid_t parent = 0;
    after_comm >> state >> parent;
    if (parent == ::getpid()) return static_cast<pid_t>(std::stoi(pid));
  }
  return 0;
}

// One davfs2 mount of `url` on DIR/mnt with the cache DIR/CACHE; unmounted when it goes.
class DavfsMount {
 public:
  DavfsMount(const testing::ScratchDir& dir, const std::string& url, const std::string& cache)
      : point_(dir / "mnt"), log_(dir / "davfs.log") {
    std::filesystem::create_directories(point_);
    // mount.davfs checks that its cache belongs to root, and its daemon (user davfs2)
    // must be able to write there.
    const auto cache_dir = dir / cache;
    std::filesystem::create_directory(cache_dir);
    if (const passwd* davfs = ::getpwnam("davfs2"))
      if (::chown(cache_dir.c_str(), 0, davfs->pw_gid) != 0 || ::chmod(cache_dir.c_str(), 0775))
        throw std::runtime_error("cannot hand " + cache_dir.string() + " to davfs2");
    const auto conf = dir / (cache + ".conf");
    std::ofstream(conf) << "secrets " << (dir / "secrets").string() << "\n"
                        << "cache_dir " << cache_dir.string() << "\n";
    status_ = testing::run_logged("mount.davfs " + testing::shell_quote(url) + " " +
                                      testing::shell_quote(point_.string()) + " -o " +
                                      testing::shell_quote("conf=" + conf.string()),
                                  log_, 60s);
  }
  ~DavfsMount() { unmount(); }
  DavfsMount(const DavfsMount&) = delete;
  DavfsMount& operator=(const DavfsMount&) = delete;

  bool ok() const { return status_ == 0 && mounted(point_); }
  const std::filesystem::path& point() const { return point_; }
  std::string log_tail() const { return testing::tail_of(log_, 20); }

  // umount.davfs waits for the daemon to upload what it still holds and exit; 0 when it
  // did. The daemon is our child (davfs_daemon_of): umount.davfs waits until its pid is
  // gone, so we reap it meanwhile, or it would wait on our zombie for good.
  int unmount() {
    if (!mounted(point_)) return 0;
    const pid_t daemon = davfs_daemon_of(point_);
    auto umount = std::async(std::launch::async, [&] {
      return testing::run_logged("umount " + testing::shell_quote(point_.string()), log_, 120s);
    });
    while (umount.wait_for(50ms) != std::future_status::ready)
      if (daemon > 0) ::waitpid(daemon, nullptr, WNOHANG);
    const int status = umount.get();
    if (mounted(point_))  // never leave a mount behind, whatever it still holds
      testing::run_logged("umount -l " + testing::shell_quote(point_.string()), log_, 30s);
    return status;
  }

 private:
  std::filesystem::path point_;
  std::filesystem::path log_;
  int status_ = -1;
};

TEST(DavfsInterop, CopyInAndOutThroughTheMount) {
  if (::geteuid() != 0) GTEST_SKIP() << "mount.davfs needs root here";
  if (::access("/dev/fuse", R_OK | W_OK) != 0) GTEST_SKIP() << "no usable /dev/fuse";
  ASSERT_TRUE(std::filesystem::exists("/usr/sbin/mount.davfs"))
      << "mount.davfs is missing: install the Debian package davfs2 (scripts/setup does)";
  ASSERT_NE(::getpwnam("davfs2"), nullptr) << "no user davfs2 (the davfs2 package makes it)";

  testing::ScratchDir dir("davfs");  // first: it goes after the mounts
  // The daemon runs as davfs2 and must reach its cache inside.
  ASSERT_EQ(::chmod(dir.path().c_str(), 0755), 0);
  testing::InteropServer server;
  ASSERT_TRUE(server.http()) << server.name() << " offers no HTTP";
  const bench::Url& http = *server.http();
  const std::string url = testing::InteropServer::without_userinfo(http);
  {
    std::ofstream(dir / "secrets") << url << " " << http.user << " " << http.password << "\n";
    ASSERT_EQ(::chmod((dir / "secrets").c_str(), 0600), 0);  // davfs2 refuses others
  }
  const bench::Payload p{401, 64 * MiB, bench::PayloadKind::random};
  const std::string expected = bench::payload_sha256(p.seed, p.size, p.kind);
  testing::write_payload_file(dir / "in.bin", p);

  {
    DavfsMount mount(dir, url, "cache-in");
    ASSERT_TRUE(mount.ok()) << "mount.davfs " << url << " failed:\n" << mount.log_tail();
    ASSERT_EQ(testing::run_logged("cp " + testing::shell_quote((dir / "in.bin").string()) + " " +
                                      testing::shell_quote((mount.point() / "davfs.bin").string()),
                                  dir / "cp.log", 300s),
              0)
        << testing::tail_of(dir / "cp.log", 10);
    ASSERT_EQ(mount.unmount(), 0) << "umount (the upload) failed:\n" << mount.log_tail();
  }
  const auto [get_status, get_sha] =
      bench::run_and_hash("curl -sS --fail " + testing::shell_quote(url + "davfs.bin"));
  EXPECT_EQ(get_status, 0);
  EXPECT_EQ(get_sha, expected) << "the server's copy after the upload through davfs2";

  DavfsMount mount(dir, url, "cache-out");
  ASSERT_TRUE(mount.ok()) << "mount.davfs " << url << " failed:\n" << mount.log_tail();
  ASSERT_EQ(
      testing::run_logged("cp " + testing::shell_quote((mount.point() / "davfs.bin").string()) +
                              " " + testing::shell_quote((dir / "out.bin").string()),
                          dir / "cp.log", 300s),
      0)
      << testing::tail_of(dir / "cp.log", 10);
  EXPECT_EQ(testing::file_sha256(dir / "out.bin"), expected) << "the copy out through davfs2";
  EXPECT_EQ(mount.unmount(), 0) << mount.log_tail();
}

}  // namespace
}  // namespace streamcheck
