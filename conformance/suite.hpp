// The conformance suite's shared state and helpers: the one target of the run (spawned
// once per process by a global test environment), what it can do (detected with OPTIONS
// and FEAT, or declared with --without), the operations the property tests run on it,
// and how a failure is told: the requirement, the expected and the actual value.
#pragma once

#include <gtest/gtest.h>

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "bench/lib/ftp_client.hpp"
#include "bench/lib/ftp_control.hpp"
#include "bench/lib/http_client.hpp"
#include "bench/lib/probe.hpp"
#include "bench/lib/raw_client.hpp"
#include "bench/lib/size_parse.hpp"
#include "bench/lib/target.hpp"
#include "bench/lib/target_options.hpp"
#include "conformance/profile.hpp"

namespace streamcheck::conformance {

constexpr std::uint64_t KiB = 1024;
constexpr std::uint64_t MiB = 1024 * 1024;

struct Config {
  bench::TargetOptions target;
  std::uint64_t small = 16 * MiB;        // P1 slope: the smaller size
  std::uint64_t large = 64 * MiB;        // P1 slope: the larger size; P2 and P7 size
  std::uint64_t first_byte = 256 * MiB;  // P3's object
  std::uint64_t seed = 1;
  std::set<std::string> without;  // ops declared unsupported ("http-post", ...)
  double slowloris_seconds = 30;  // a stalled header block must be cut off within this
  bool large_tests = false;       // --large: the Large.* tests, an object past 2^32 bytes
};

// The operations the property tests run, as streambench names them.
enum class Op {
  http_get,
  http_range,
  http_put,
  http_put_chunked,
  http_post,
  http_post_chunked,
  ftp_retr,
  ftp_rest,
  ftp_stor,
  ftp_appe
};
std::string_view op_id(Op op);  // "http-get", ...
bool is_upload(Op op);
bool is_http(Op op);

// How strongly the source demands it (RFC 2119): a MUST (and every property of DESIGN.md)
// fails the test; a SHOULD or MAY not met is a warning, counted in the run's summary.
enum class Level { must, should, may };

// A requirement: who demands it and what, in one sentence (DESIGN.md or the RFC).
struct Requirement {
  std::string_view source;  // "P2", "RFC 9110 §14.2"
  std::string_view text;
  Level level = Level::must;
};

// When !ok, a MUST adds a failure reading
//   [P2] The server writes each uploaded byte once: no temp-file spool.
//     expected: copies <= 1.10
//     actual:   copies = 2.00 (wchar grew 134217728 B for a 67108864 B payload)
// and a SHOULD or MAY prints the same as a WARNING and records it as the test property
// "warning.N" (summary.hpp counts them); the test goes on either way. Returns ok.
bool check(bool ok, const Requirement& r, const std::string& expected, const std::string& actual);

// "67108864 B (64MiB)"
std::string bytes(std::uint64_t n);
std::string fixed(double v, int digits = 2);
// A figure of the running test, in the XML and JSON reports.
inline void record(const std::string& key, const std::string& value) {
  ::testing::Test::RecordProperty(key, value);
}

// The login the suite uses when the FTP URL has none: anonymous FTP (RFC 1635).
inline constexpr const char* kAnonymousUser = "anonymous";
inline constexpr const char* kAnonymousPassword = "conformance@";
// USER anonymous, then PASS when the server asks for it (331): the last reply, 230 when
// logged in.
bench::FtpReply login_anonymously(bench::FtpControl& c);

class Suite {
 public:
  static Suite& get();

  Config config;
  bench::Target& target() { return *target_; }
  void start();  // makes the target (called by the environment's SetUp)
  void stop();
  // What the target offers (profile.hpp), found out by start().
  const Profile& profile() const { return profile_; }
  // Why the suite cannot upload over HTTP / FTP ("" when it can): no credentials in the
  // URL and no anonymous writes.
  std::string why_no_http_writes() const { return profile_.why_no_http_writes(); }
  std::string why_no_ftp_writes() const { return profile_.why_no_ftp_writes(); }
  // Why the suite cannot log in over FTP ("" when it can): with the URL's credentials, or
  // else anonymously (tried once, on first use). A read-only anonymous server still has
  // its commands tested.
  std::string why_no_ftp_login();

  // Why `op` does not apply to the target, or "" when it does.
  std::string why_not(Op op);
  // Why a test of `op` cannot run, or "": why_not(op), and for an op that reads (or
  // appends to) an object the suite makes itself, why not the upload that makes it
  // (PUT over HTTP, STOR over FTP): `--without http-put` must skip an HTTP GET test
  // whose object would be PUT, not fail it.
  std::string why_not_runnable(Op op);
  // The Allow header of OPTIONS / ("" when it could not be read).
  const std::string& http_allow();
  bool http_allows(std::string_view method);
  // FEAT lines.
  const std::set<std::string>& ftp_features();
  bool ftp_has_feature(std::string_view feature);  // "SIZE", "REST STREAM", "EPSV", ...

  // The directory every test writes under ("conformance-<pid>/"), made on first use on
  // each protocol; `sub` makes a subdirectory of it.
  std::string http_dir(const std::string& sub = "");  // "/conformance-123/sub/"
  std::string ftp_dir(const std::string& sub = "");   // "conformance-123/sub/"
  // A fresh seed for each upload, so a stale object can never pass for a new one.
  std::uint64_t next_seed();

  // Raw connections and logged-in raw FTP control connections.
  std::unique_ptr<bench::RawConnection> http_raw();
  std::unique_ptr<bench::FtpControl> ftp_raw(bool login = true);
  // "Authorization: Basic ...\r\n", or "" without credentials.
  std::string http_auth_header();

  // The server's tree: fd count and descriptors on unlinked files, settled (read every
  // 20 ms: the same for 100 ms, or `at_most` reached, up to `timeout`).
  struct Fds {
    std::size_t count = 0;
    std::vector<std::string> deleted;  // "pid 12 fd 7 -> /tmp/x (deleted)"
  };
  Fds settled_fds(std::optional<std::size_t> at_most = std::nullopt,
                  std::chrono::milliseconds timeout = std::chrono::seconds(5));
  // One short, complete exchange on a new connection (FTP: greeting and QUIT; HTTP: HEAD /
  // with Connection: close), made before an fd count is taken. A server may release what
  // it kept of its last session only when it accepts the next one (proftpd's master holds
  // the ended session's pipe until then): one session's remains, not a leak, and the same
  // before and after once both counts follow such an exchange.
  void one_more_connection(bool http);

 private:
  std::unique_ptr<bench::Target> target_;
  Profile profile_;
  bool http_dir_made_ = false;
  bool ftp_dir_made_ = false;
  std::set<std::string> subdirs_;
  std::uint64_t uploads_ = 0;
  std::optional<std::string> why_no_ftp_login_;
};

inline Suite& suite() {
  return Suite::get();
}

// GTEST_SKIP() with the reason when the op does not apply.
#define SKIP_UNLESS_APPLIES(op)                                                       \
  do {                                                                                \
    if (auto why_ = ::streamcheck::conformance::suite().why_not(op); !why_.empty()) { \
      GTEST_SKIP() << why_;                                                           \
    }                                                                                 \
  } while (0)
// GTEST_SKIP() with the reason when a test of the op cannot run (why_not_runnable).
#define SKIP_UNLESS_RUNNABLE(op)                                                               \
  do {                                                                                         \
    if (auto why_ = ::streamcheck::conformance::suite().why_not_runnable(op); !why_.empty()) { \
      GTEST_SKIP() << why_;                                                                    \
    }                                                                                          \
  } while (0)
#define SKIP_UNLESS_HTTP()                                        \
  do {                                                            \
    if (!::streamcheck::conformance::suite().target().has_http()) \
      GTEST_SKIP() << "target has no HTTP URL";                   \
  } while (0)
#define SKIP_UNLESS_FTP()                                        \
  do {                                                           \
    if (!::streamcheck::conformance::suite().target().has_ftp()) \
      GTEST_SKIP() << "target has no FTP URL";                   \
  } while (0)

// GTEST_SKIP() unless the suite can log in over FTP (why_no_ftp_login).
#define SKIP_UNLESS_FTP_LOGIN()                                                              \
  do {                                                                                       \
    SKIP_UNLESS_FTP();                                                                       \
    if (auto why_ = ::streamcheck::conformance::suite().why_no_ftp_login(); !why_.empty()) { \
      GTEST_SKIP() << why_;                                                                  \
    }                                                                                        \
  } while (0)

// GTEST_SKIP() unless the suite can upload over the protocol (credentials in the URL, or
// anonymous writes the target takes).
#define SKIP_UNLESS_HTTP_WRITES()                                                              \
  do {                                                                                         \
    SKIP_UNLESS_HTTP();                                                                        \
    if (auto why_ = ::streamcheck::conformance::suite().why_no_http_writes(); !why_.empty()) { \
      GTEST_SKIP() << why_;                                                                    \
    }                                                                                          \
  } while (0)
#define SKIP_UNLESS_FTP_WRITES()                                                              \
  do {                                                                                        \
    SKIP_UNLESS_FTP();                                                                        \
    if (auto why_ = ::streamcheck::conformance::suite().why_no_ftp_writes(); !why_.empty()) { \
      GTEST_SKIP() << why_;                                                                   \
    }                                                                                         \
  } while (0)

}  // namespace streamcheck::conformance
