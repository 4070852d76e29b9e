// conformance: passes or fails a file server, property by property (P1-P7, DESIGN.md)
// and RFC section by section (RFC 959, 2428, 3659, 9110, 9112, 4918), from outside.
// GoogleTest drives it: --gtest_filter selects, --gtest_output=xml:FILE writes JUnit XML.
#include <gtest/gtest.h>

#include <CLI/CLI.hpp>

#include <cstdio>
#include <cstring>
#include <fstream>
#include <set>
#include <sstream>
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

// Spawns (or attaches to) the target once for the whole run, and judges the run once
// every test is done: in TearDown, so that the verdict goes into the JUnit/JSON report
// (GoogleTest writes it after the environments are torn down) as attributes of the
// <testsuites> element.
class TargetEnvironment : public ::testing::Environment {
 public:
  explicit TargetEnvironment(sc::Rules rules) : rules_(std::move(rules)) {}
  void SetUp() override {
    try {
      sc::suite().start();
    } catch (const std::exception& e) {
      FAIL() << "conformance: cannot reach the target: " << e.what();
    }
  }
  void TearDown() override {
    sc::suite().stop();
    summary_ = sc::summarize(sc::outcomes_of_this_run(), rules_);
    for (const auto& [key, value] : summary_.attributes)
      ::testing::Test::RecordProperty(key, value);
  }
  const sc::Summary& summary() const { return summary_; }

 private:
  sc::Rules rules_;
  sc::Summary summary_;
};

std::string read_file(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw bench::Error("cannot read " + path);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

constexpr const char* kFooter = R"(Tests are named after what they check:
  Rfc959*, Rfc2428*, Rfc3659*   FTP (RFC 959 base, EPSV/EPRT, SIZE/MDTM/REST/MLST)
  Rfc9110*, Rfc9112*, Rfc4918*  HTTP semantics, message framing, the WebDAV subset
  P1FlatMemory.*  P2NoCopies.*  P3FirstByte.*  P4FdLeaks.*  P5Coherency.*
  P6AtomicCommit.*  P7UnknownLength.*          the properties of DESIGN.md
  BadInput.*  Security.*                       hostile input over both protocols
  Large.*     sizes and offsets past 2^31 and 2^32 (issue 17): only with --large
Before the tests it prints what the target offers (writes with credentials or anonymous,
Range, ETag, DAV, FEAT): a test of something the target does not offer is skipped with
the reason, never failed under a property. After them, one line per property and RFC:
passed / failed / skipped, or "not tested" with the first skip's reason.

GoogleTest's flags pass through, e.g.
  --gtest_filter=P2*:Rfc9110*   --gtest_list_tests   --gtest_output=xml:FILE (JUnit)
  --gtest_output=json:FILE      --gtest_repeat=N     --gtest_brief=1

--expect-skips FILE holds a run to the skips it expects, one per line:
  P5Coherency.FtpTypeA   FEAT does not list    (the test, then words of its reason)
a skip not listed, a listed test that ran, or a skip for another reason fails the run.

Exit status: 0 no test failed and something was tested (and every --require group, no
more skips than --max-skips, exactly the --expect-skips); 1 a test failed, or the skips
differ from --expect-skips; 2 nothing was tested, a --require group was not (all its
tests skipped or none selected), or more skips than --max-skips; 3 usage errors.)";

// The groups --require accepts (summary.hpp: group_of).
const std::set<std::string> kGroups{
    "P1",      "P2",      "P3",      "P4",      "P5",      "P6",       "P7",       "Rfc959",
    "Rfc2428", "Rfc3659", "Rfc9110", "Rfc9112", "Rfc4918", "BadInput", "Security", "Large"};

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
  int max_skips = -1;
  std::string expect_skips;
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
                 "and P7 at LARGE, P3 on a FIRST_BYTE object, P1's slow readers on LARGE and "
                 "FIRST_BYTE objects and its stalled ones on LARGE (default "
                 "16MiB,64MiB,256MiB)");
  app.add_option("--without", without,
                 "Ops the target does not support, when it cannot say (OPTIONS, FEAT): "
                 "http-post, http-post-chunked, http-put-chunked, ftp-appe, ftp-rest, ...")
      ->delimiter(',');
  auto* root_on_option = app.get_option("--root-on");
  app.add_flag("--large", config.large_tests,
               "Run the Large.* tests on an object of 2^32 + 4097 bytes (issue 17); the "
               "spawned refserver's root goes on disk unless --root-on says otherwise. "
               "Pair with --require Large, so that a run where they all skipped is not green");
  app.add_option("--seed", config.seed, "Payload seed")->capture_default_str();
  app.add_option("--slowloris-seconds", config.slowloris_seconds,
                 "A client that never finishes its header block must be cut off within this")
      ->capture_default_str();
  app.add_option("--require", require,
                 "Groups that must be tested, e.g. P1,P2,P6 (also Rfc959, Rfc9110, BadInput, "
                 "Security, ...): exit 2 when every test of one skipped")
      ->delimiter(',')
      ->check(CLI::IsMember(kGroups));
  app.add_option("--max-skips", max_skips, "Exit 2 when more tests than this skipped")
      ->check(CLI::NonNegativeNumber);
  app.add_option("--expect-skips", expect_skips,
                 "File of the skips this run expects (see below): any other skip fails it")
      ->check(CLI::ExistingFile);
  sc::Rules rules;
  try {
    app.parse(argc, argv);
    config.target.root_on = bench::parse_root_on(root_on);
    // Two 4 GiB objects and a chunked third would want 12 GiB of RAM on tmpfs.
    if (config.large_tests && root_on_option->count() == 0)
      config.target.root_on = bench::RootOn::disk;
    config.without.insert(without.begin(), without.end());
    if (!sizes.empty()) {
      const auto list = bench::parse_size_list(sizes);
      if (list.size() < 2 || list.size() > 3 || list[0] >= list[1])
        throw bench::Error("--sizes wants SMALL,LARGE[,FIRST_BYTE] with SMALL < LARGE");
      config.small = list[0];
      config.large = list[1];
      if (list.size() == 3) config.first_byte = list[2];
    }
    rules.required.insert(require.begin(), require.end());
    if (max_skips >= 0) rules.max_skips = max_skips;
    if (!expect_skips.empty()) {
      try {
        rules.expected_skips = sc::parse_expected_skips(read_file(expect_skips));
      } catch (const std::invalid_argument& e) {
        throw bench::Error("--expect-skips " + expect_skips + ": " + e.what());
      }
    }
  } catch (const CLI::ParseError& e) {
    return app.exit(e) == 0 ? 0 : 3;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "conformance: %s\n", e.what());
    return 3;
  }
  auto* environment = new TargetEnvironment(std::move(rules));  // GoogleTest owns it
  ::testing::AddGlobalTestEnvironment(environment);
  const int gtest_status = RUN_ALL_TESTS();
  if (GTEST_FLAG_GET(list_tests)) return gtest_status;  // nothing ran, nothing to judge
  const auto& summary = environment->summary();
  std::fputs(summary.text.c_str(), stdout);
  std::fflush(stdout);
  return summary.status == 0 && gtest_status != 0 ? 1 : summary.status;
}
