// refserver: the reference streaming file server. Parses the command line, opens the
// store, starts the front ends, prints the ready line, and stops cleanly on SIGTERM.
#include <algorithm>
#include <cerrno>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <iostream>
#include <thread>

#include <malloc.h>
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>
#include <sys/resource.h>
#include <unistd.h>
#include <CLI/CLI.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/thread_pool.hpp>

#include "refserver/endpoint.hpp"
#include "refserver/ftp/ftp_session.hpp"
#include "refserver/http/http_session.hpp"
#include "refserver/legacy/legacy_store.hpp"
#include "refserver/store/store.hpp"
#include "refserver/users.hpp"

namespace {

using namespace streamcheck;
namespace asio = boost::asio;

struct Options {
  std::filesystem::path root;
  std::string http = "127.0.0.1:0";
  std::string ftp = "127.0.0.1:0";
  std::string pasv_ports;
  std::string anonymous = "off";
  unsigned threads = std::max(1u, std::thread::hardware_concurrency());
  // Threads of the pool where store calls that may block run (writes, commits, appends'
  // copies). Each session has at most one call there at a time, so this is how many
  // sessions can be stuck on a slow disk at once before a session whose writes would be
  // quick waits behind them (with 2, two slow uploads stalled every other upload). Past
  // that the disk is everyone's bottleneck, and more threads would only queue more
  // writers in the kernel. An idle thread costs little more than its stack's address
  // space. 32, as nginx's default thread pool for the same job.
  unsigned io_threads = 32;
  // A connection's one buffer, and so the piece each buffered upload write (--no-splice,
  // TYPE A, multipart POST) carries to the blocking pool. Each trip there costs a few thread
  // switches (about 60 us of CPU on a 2-core VM): with 256 KiB pieces an upload takes about a
  // quarter more CPU per GiB than writing on the network thread did, with 1 MiB a few percent
  // (issue 14, streambench on tmpfs). Memory per connection comes first here (1000 uploads at once
  // hold 1000 buffers); --buffer 1MiB buys the CPU back. Downloads go by sendfile and do not touch
  // it.
  uint64_t buffer = 256 * 1024;
  std::string fsync = "always";
  std::vector<std::string> users;
  size_t max_connections = 2048;
  uint64_t max_upload = 0;
  double header_timeout = 10;
  double idle_timeout = 60;
  std::string log_level = "info";
  std::string legacy;
  // Uploads move socket -> pipe -> file by splice(2) unless this is set (then through the
  // connection's buffer, as before): the two paths side by side in one run.
  bool no_splice = false;
  // The pipe a spliced upload goes through, emptied into the file on the blocking pool
  // when full. Measured (issue 15, streambench 1 GiB on tmpfs, 3 interleaved rounds,
  // medians): PUT 670 MB/s and 1466 ms CPU/GiB with 256 KiB pipes, 941 and 1072 with
  // 1 MiB (STOR 648/1509 -> 1034/990); the buffered path 450/2090 at 256 KiB. The pages
  // are the kernel's, not the process's, and only while a client outruns the disk.
  // 1 MiB is fs.pipe-max-size's default, the most an unprivileged process may ask for.
  uint64_t pipe = 1024 * 1024;
};

std::chrono::milliseconds seconds_to_ms(double s) {
  return std::chrono::milliseconds(static_cast<long long>(s * 1000));
}

// Descriptors a session may hold at once: HTTP its socket, an object or staging file and
// a pipe's two ends; FTP its control socket, a passive listener, the data socket, a file
// and a pipe. Plus the
// process's own (listeners, the store's directories, epoll, the logs).
constexpr rlim_t kFdsPerHttpSession = 4;
constexpr rlim_t kFdsPerFtpSession = 6;
constexpr rlim_t kFdsOfTheProcess = 64;

// The soft limit is often 1024 (kept low for programs that still use select(2)) under a
// far higher hard one; at 1024 a few hundred FTP sessions would already meet EMFILE.
// Asio uses epoll, so the hard limit is ours to take.
void raise_fd_limit(size_t max_connections) {
  rlimit limit{};
  if (::getrlimit(RLIMIT_NOFILE, &limit) != 0) {
    spdlog::warn("getrlimit(RLIMIT_NOFILE): {}", std::strerror(errno));
    return;
  }
  const rlim_t was = limit.rlim_cur;
  if (limit.rlim_cur < limit.rlim_max) {
    limit.rlim_cur = limit.rlim_max;
    if (::setrlimit(RLIMIT_NOFILE, &limit) != 0) {
      spdlog::warn("setrlimit(RLIMIT_NOFILE, {}): {}", limit.rlim_max, std::strerror(errno));
      limit.rlim_cur = was;
    }
  }
  spdlog::info("open files: soft limit {} (was {}), hard limit {}", limit.rlim_cur, was,
               limit.rlim_max);
  const rlim_t need = max_connections * (kFdsPerHttpSession + kFdsPerFtpSession) + kFdsOfTheProcess;
  if (limit.rlim_cur < need)
    spdlog::warn(
        "open files: limit {} is below the {} that --max-connections {} may need (HTTP and FTP "
        "each); connections beyond it fail with EMFILE. Raise the hard limit (ulimit -Hn, "
        "LimitNOFILE=) or lower --max-connections",
        limit.rlim_cur, need, max_connections);
}

// Each connection has a body buffer of its own (--buffer, 256 KiB by default). glibc
// serves a block that large with mmap(2), but once one is freed it raises its mmap
// threshold to that size and takes the next ones from its heap arenas, which keep what
// ended sessions freed: after 64 concurrent uploads the server stayed 12-20 MiB above
// where it started, for good. A fixed threshold keeps every body buffer a mapping of its
// own, unmapped when its session ends.
void return_session_buffers_to_the_system(uint64_t buffer_bytes) {
  constexpr uint64_t kFloor = 64 * 1024;  // below it, page-table work outweighs the gain
  const auto threshold = std::max(kFloor, std::min<uint64_t>(buffer_bytes, 128 * 1024));
  if (::mallopt(M_MMAP_THRESHOLD, static_cast<int>(threshold)) != 1)
    spdlog::warn("mallopt(M_MMAP_THRESHOLD, {}) failed: freed session buffers stay in the heap",
                 threshold);
}

int run(const Options& opt) {
  return_session_buffers_to_the_system(opt.buffer);
  raise_fd_limit(opt.max_connections);
  std::error_code fs_ec;
  std::filesystem::create_directories(opt.root, fs_ec);
  if (fs_ec) {
    spdlog::critical("cannot create --root {}: {}", opt.root.string(), fs_ec.message());
    return 1;
  }
  Users users;
  for (const auto& spec : opt.users) {
    auto account = Users::parse(spec);
    if (!account) {
      spdlog::critical("--user {}: expected NAME:PASSWORD (no spaces, '@' or '/' in NAME)",
                       spec.substr(0, spec.find(':')));
      return 1;
    }
    users.add(*account);
  }
  if (users.empty()) {
    users.add(Users::generate());
    std::fprintf(stderr, "refserver: no --user given; writes need %s:%s\n",
                 users.first().name.c_str(), users.first().password.c_str());
  }

  auto opened = store::Store::open(
      {opt.root, opt.fsync == "never" ? store::FsyncPolicy::never : store::FsyncPolicy::always});
  if (!opened) {
    spdlog::critical("cannot open the store: {}", opened.status().to_string());
    return 1;
  }
  if (auto n = opened.value()->purged_at_open())
    spdlog::info("purged {} staging file(s) left by an earlier run", n);
  std::unique_ptr<store::Store> object_store = std::move(opened).value();
  auto legacy = legacy::LegacyProfile::parse(opt.legacy);
  if (!legacy) {
    spdlog::critical("--legacy {}: known profiles are {}", opt.legacy,
                     legacy::LegacyProfile::kNames);
    return 1;
  }
  if (legacy->any()) {
    const char* tmp = std::getenv("TMPDIR");
    object_store = legacy::wrap_store(std::move(object_store), *legacy, tmp && *tmp ? tmp : "/tmp");
    spdlog::warn("--legacy {}: the seed's defects are ON; for validating harnesses only",
                 legacy->to_string());
  }

  auto http_at = parse_endpoint(opt.http);
  if (!http_at) {
    spdlog::critical("--http {}: expected ADDRESS:PORT, e.g. 127.0.0.1:8080", opt.http);
    return 1;
  }

  auto ftp_at = parse_endpoint(opt.ftp);
  if (!ftp_at) {
    spdlog::critical("--ftp {}: expected ADDRESS:PORT, e.g. 127.0.0.1:2121", opt.ftp);
    return 1;
  }
  ftp::PortRange pasv;
  if (!opt.pasv_ports.empty()) {
    unsigned low = 0, high = 0;
    char dash = 0;
    if (std::sscanf(opt.pasv_ports.c_str(), "%u%c%u", &low, &dash, &high) != 3 || dash != '-' ||
        low < 1024 || high > 65535 || low > high) {
      spdlog::critical("--pasv-ports {}: expected LOW-HIGH within 1024-65535", opt.pasv_ports);
      return 1;
    }
    pasv = {static_cast<uint16_t>(low), static_cast<uint16_t>(high)};
  }

  asio::io_context ioc(static_cast<int>(opt.threads));
  asio::thread_pool blocking(opt.io_threads);
  const size_t pipe_bytes = opt.no_splice ? 0 : opt.pipe;
  // In memory and dropped on restart: a WebDAV client takes its locks again (RFC 4918 §6.6
  // lets a server lose them).
  dav::LockTable locks;
  http::HttpContext http_ctx{*object_store, users, locks, blocking, pipe_bytes, {}};
  http_ctx.limits.buffer_bytes = opt.buffer;
  http_ctx.limits.max_upload = opt.max_upload;
  http_ctx.limits.header_timeout = seconds_to_ms(opt.header_timeout);
  http_ctx.limits.idle_timeout = seconds_to_ms(opt.idle_timeout);

  ftp::FtpContext ftp_ctx{*object_store, users, locks, blocking,
                          pipe_bytes,    {},    pasv,  ftp::AnonymousAccess::off};
  ftp_ctx.limits.buffer_bytes = opt.buffer;
  ftp_ctx.limits.idle_timeout = seconds_to_ms(opt.idle_timeout);
  ftp_ctx.anonymous = opt.anonymous == "write"  ? ftp::AnonymousAccess::write
                      : opt.anonymous == "read" ? ftp::AnonymousAccess::read
                                                : ftp::AnonymousAccess::off;

  std::optional<http::HttpServer> http_server;
  std::optional<ftp::FtpServer> ftp_server;
  try {
    http_server.emplace(ioc, *http_at, http_ctx, opt.max_connections);
  } catch (const boost::system::system_error& e) {
    spdlog::critical("--http {}: {}", opt.http, e.what());
    return 1;
  }
  try {
    ftp_server.emplace(ioc, *ftp_at, ftp_ctx, opt.max_connections);
  } catch (const boost::system::system_error& e) {
    spdlog::critical("--ftp {}: {}", opt.ftp, e.what());
    return 1;
  }
  http_server->start();
  ftp_server->start();

  asio::signal_set signals(ioc, SIGTERM, SIGINT);
  signals.async_wait([&](boost::system::error_code ec, int sig) {
    if (ec) return;
    spdlog::info("signal {}: stopping; uploads in flight are aborted", sig);
    http_server->stop();
    ftp_server->stop();
  });

  const auto& account = users.first();
  auto url = [&](const char* scheme, const asio::ip::tcp::endpoint& ep) {
    std::string host =
        ep.address().is_v6() ? "[" + ep.address().to_string() + "]" : ep.address().to_string();
    return std::string(scheme) + "://" + account.name + ":" + account.password + "@" + host + ":" +
           std::to_string(ep.port()) + "/";
  };
  std::printf("streamcheck-ready pid=%d http=%s ftp=%s\n", static_cast<int>(getpid()),
              url("http", http_server->local_endpoint()).c_str(),
              url("ftp", ftp_server->local_endpoint()).c_str());
  std::fflush(stdout);

  std::vector<std::thread> threads;
  for (unsigned i = 1; i < opt.threads; ++i) threads.emplace_back([&] { ioc.run(); });
  ioc.run();
  for (auto& t : threads) t.join();
  blocking.join();
  spdlog::info("stopped");
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  Options opt;
  CLI::App app{
      "refserver: a reference streaming file server (HTTP/1.1 with a WebDAV subset, and\n"
      "FTP: RFC 959, 2428, 3659).\n"
      "Objects are plain files under --root. Prints one line\n"
      "  streamcheck-ready pid=PID http=http://USER:PASSWORD@HOST:PORT/ "
      "ftp=ftp://USER:PASSWORD@HOST:PORT/\n"
      "on stdout once listening; logs go to stderr. SIGTERM or SIGINT stops it."};
  app.option_defaults()->always_capture_default();
  app.add_option("--root", opt.root, "Directory of the objects (created if missing)")->required();
  app.add_option("--http", opt.http, "HTTP listen address ADDRESS:PORT (port 0: any free port)");
  app.add_option("--ftp", opt.ftp, "FTP listen address ADDRESS:PORT (port 0: any free port)");
  app.add_option("--pasv-ports", opt.pasv_ports,
                 "Passive data ports LOW-HIGH (default: any free port)");
  app.add_option("--anonymous", opt.anonymous,
                 "FTP login as anonymous/ftp: off, read (list and download) or write")
      ->check(CLI::IsMember({"off", "read", "write"}));
  app.add_option("--threads", opt.threads, "Network threads")->check(CLI::Range(1u, 256u));
  app.add_option("--io-threads", opt.io_threads,
                 "Threads for store calls that may block (writes, fsync, rename): how many "
                 "sessions a slow disk can hold at once before others wait")
      ->check(CLI::Range(1u, 1024u));
  app.add_option("--buffer", opt.buffer,
                 "Bytes of the one body buffer each connection has (e.g. 256KiB): an upload "
                 "is written in pieces this big")
      ->transform(CLI::AsSizeValue(false))
      ->check(CLI::Range(uint64_t{4096}, uint64_t{64} << 20));
  app.add_option("--fsync", opt.fsync,
                 "always: fsync each upload and its directory before answering; never: leave "
                 "it to the kernel")
      ->check(CLI::IsMember({"always", "never"}));
  app.add_option("--user", opt.users,
                 "NAME:PASSWORD that may write (repeatable). With none, one is generated and "
                 "printed on stderr");
  app.add_option("--max-connections", opt.max_connections,
                 "Open connections at most, per protocol (HTTP connections; FTP control "
                 "connections, each with its data connection); more get HTTP 503 or FTP 421")
      ->check(CLI::Range(size_t{1}, size_t{100000}));
  app.add_option("--max-upload", opt.max_upload,
                 "Largest upload body in bytes (e.g. 10GiB); 0 = no limit; more gets 413")
      ->transform(CLI::AsSizeValue(false));
  app.add_option("--header-timeout", opt.header_timeout,
                 "Seconds a client has to send a request header block")
      ->check(CLI::PositiveNumber);
  app.add_option("--idle-timeout", opt.idle_timeout,
                 "Seconds a transfer may make no progress before the connection is closed")
      ->check(CLI::PositiveNumber);
  app.add_option("--pipe", opt.pipe,
                 "Bytes of the pipe a spliced upload goes through (e.g. 1MiB; over "
                 "/proc/sys/fs/pipe-max-size needs CAP_SYS_RESOURCE)")
      ->transform(CLI::AsSizeValue(false))
      ->check(CLI::Range(uint64_t{64} << 10, uint64_t{64} << 20));
  app.add_flag("--no-splice", opt.no_splice,
               "Receive uploads through the connection's buffer (recv, then write) instead of "
               "splice(2) from the socket through a pipe into the file");
  app.add_option("--log-level", opt.log_level, "trace, debug, info, warn, error or off")
      ->check(CLI::IsMember({"trace", "debug", "info", "warn", "error", "off"}));
  app.add_option("--legacy", opt.legacy,
                 "FOR VALIDATING HARNESSES ONLY: bring back the seed's defects, a comma list "
                 "of " +
                     std::string(legacy::LegacyProfile::kNames) +
                     " (see refserver/legacy/legacy_store.hpp)");
  CLI11_PARSE(app, argc, argv);

  auto logger = spdlog::stderr_color_mt("refserver");
  spdlog::set_default_logger(logger);
  spdlog::set_level(spdlog::level::from_str(opt.log_level));
  spdlog::set_pattern("%Y-%m-%dT%H:%M:%S.%e %^%l%$ %v");
  std::signal(SIGPIPE, SIG_IGN);  // a vanished peer is an EPIPE to handle, not a death
  try {
    return run(opt);
  } catch (const std::exception& e) {
    spdlog::critical("{}", e.what());
    return 1;
  }
}
