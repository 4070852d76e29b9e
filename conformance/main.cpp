// conformance: passes or fails a file server, property by property (P1-P7, DESIGN.md)
// and RFC section by section (RFC 959, 2428, 3659, 9110, 9112, 4918), from outside.
// GoogleTest drives it: --gtest_filter selects, --gtest_output=xml:FILE writes JUnit XML.
#include <gtest/gtest.h>

#include <CLI/CLI.hpp>

#include <cstdio>
#include <cstring>
#include <set>
#include <string>
#include <vector>

#include "bench/lib/error.hpp"
#include "bench/lib/interrupt.hpp"
#include "bench/lib/size_parse.hpp"
#include "conformance/suite.hpp"
#include "conformance/summary.hpp"

namespace sc = streamcheck::conformance;
namespace bench = streamcheck::bench;

namespace {

// Spawns (or attaches to) the target once for the whole run.
class TargetEnvironment : public ::testing::Environment {
 public:
  void SetUp() override {
    try {
      sc::suite().start();
    } catch (const std::exception& e) {
      FAIL() << "conformance: cannot reach the target: " << e.what();
    }
  }
  void TearDown() override { sc::suite().stop(); }
};

constexpr const char* kFooter = R"(Tests are named after what they check:
  Rfc959*, Rfc2428*, Rfc3659*   FTP (RFC 959 base, EPSV/EPRT, SIZE/MDTM/REST/MLST)
  Rfc9110*, Rfc9112*, Rfc4918*  HTTP semantics, message framing, the WebDAV subset
  P1FlatMemory.*  P2NoCopies.*  P3FirstByte.*  P4FdLeaks.*  P5Coherency.*
  P6AtomicCommit.*  P7UnknownLength.*          the properties of DESIGN.md
  BadInput.*  Security.*                       hostile input over both protocols
Before the tests it prints what the target offers (writes with credentials or anonymous,
Range, ETag, DAV, FEAT): a test of something the target does not offer is skipped with
the reason, never failed under a property. After them, one line per property and RFC:
passed / failed / skipped, or "not tested" with the first skip's reason.

GoogleTest's flags pass through, e.g.
  --gtest_filter=P2*:Rfc9110*   --gtest_list_tests   --gtest_output=xml:FILE (JUnit)
  --gtest_output=json:FILE      --gtest_repeat=N     --gtest_brief=1

Exit status: 0 no test failed and something was tested (and every --require group);
1 a test failed; 2 nothing was tested, or a --require group was not (all its tests
skipped or none selected); 3 usage errors.)";

// The groups --require accepts (summary.hpp: group_of).
const std::set<std::string> kGroups{"P1",      "P2",      "P3",      "P4",       "P5",
                                    "P6",      "P7",      "Rfc959",  "Rfc2428",  "Rfc3659",
                                    "Rfc9110", "Rfc9112", "Rfc4918", "BadInput", "Security"};

}  // namespace

int main(int argc, char** argv) {
  bench::cleanup_on_signals();
  ::testing::InitGoogleTest(&argc, argv);  // takes the --gtest_* flags out

  auto& config = sc::suite().config;
  config.target.root_on = bench::RootOn::tmpfs;
#ifdef REFSERVER_BINARY
  config.target.refserver = REFSERVER_BINARY;
#endif
  std::string sizes;
  std::string root_on = "tmpfs";
  std::vector<std::string> without;
  std::vector<std::string> require;
  CLI::App app(
      "conformance: pass or fail an FTP/HTTP server, property by property and RFC section "
      "by section.\nWith no target flags it spawns the refserver of this build in a temp "
      "root.",
      "conformance");
  app.footer(kFooter);
  bench::add_target_options(app, config.target);
  app.add_option("--root-on", root_on,
                 "Spawned refserver's root: tmpfs (/dev/shm) or disk ($TMPDIR or /var/tmp)")
      ->capture_default_str();
  app.add_option("--sizes", sizes,
                 "Property sizes SMALL,LARGE[,FIRST_BYTE]: P1's slope from SMALL to LARGE, P2 "
                 "and P7 at LARGE, P3 on a FIRST_BYTE object (default 16MiB,64MiB,256MiB)");
  app.add_option("--without", without,
                 "Ops the target does not support, when it cannot say (OPTIONS, FEAT): "
                 "http-post, http-post-chunked, http-put-chunked, ftp-appe, ftp-rest, ...")
      ->delimiter(',');
  app.add_option("--seed", config.seed, "Payload seed")->capture_default_str();
  app.add_option("--slowloris-seconds", config.slowloris_seconds,
                 "A client that never finishes its header block must be cut off within this")
      ->capture_default_str();
  app.add_option("--require", require,
                 "Groups that must be tested, e.g. P1,P2,P6 (also Rfc959, Rfc9110, BadInput, "
                 "Security, ...): exit 2 when every test of one skipped")
      ->delimiter(',')
      ->check(CLI::IsMember(kGroups));
  try {
    app.parse(argc, argv);
    config.target.root_on = bench::parse_root_on(root_on);
    config.without.insert(without.begin(), without.end());
    if (!sizes.empty()) {
      const auto list = bench::parse_size_list(sizes);
      if (list.size() < 2 || list.size() > 3 || list[0] >= list[1])
        throw bench::Error("--sizes wants SMALL,LARGE[,FIRST_BYTE] with SMALL < LARGE");
      config.small = list[0];
      config.large = list[1];
      if (list.size() == 3) config.first_byte = list[2];
    }
  } catch (const CLI::ParseError& e) {
    return app.exit(e) == 0 ? 0 : 3;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "conformance: %s\n", e.what());
    return 3;
  }
  ::testing::AddGlobalTestEnvironment(new TargetEnvironment);
  const int gtest_status = RUN_ALL_TESTS();
  if (GTEST_FLAG_GET(list_tests)) return gtest_status;  // nothing ran, nothing to judge
  const auto summary = sc::summarize(sc::outcomes_of_this_run(),
                                     std::set<std::string>(require.begin(), require.end()));
  std::fputs(summary.text.c_str(), stdout);
  std::fflush(stdout);
  return summary.status == 0 && gtest_status != 0 ? 1 : summary.status;
}
