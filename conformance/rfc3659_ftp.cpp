// RFC 3659 extensions to FTP: SIZE, MDTM, REST STREAM, MLST/MLSD, each checked when FEAT
// (RFC 2389) lists it and skipped with the reason otherwise.
#include <regex>

#include "conformance/raw.hpp"

namespace streamcheck::conformance {
namespace {

#define SKIP_UNLESS_FEATURE(f)                                                   \
  do {                                                                           \
    SKIP_UNLESS_FTP_WRITES();                                                    \
    if (!suite().ftp_has_feature(f)) GTEST_SKIP() << "FEAT does not list " << f; \
  } while (0)

TEST(Rfc3659Feat, FeatIs211WithOneFeaturePerLine) {
  SKIP_UNLESS_FTP();
  auto c = suite().ftp_raw(false);
  const auto r = c->command("FEAT");
  check(r.code == 211 || r.code == 502 || r.code == 500,
        {"RFC 2389 §3.2", "FEAT: 211 with the features, one per line (or 5xx without FEAT)."},
        "211", r.text);
}

TEST(Rfc3659Size, SizeIsExactInTypeI) {
  SKIP_UNLESS_FEATURE("SIZE");
  SKIP_UNLESS_FTP_KNOWN();
  const auto& k = ftp_known();
  auto c = suite().ftp_raw();
  const auto r = c->command("SIZE " + k.path);
  check(r.text == "213 1000", {"RFC 3659 §4", "SIZE in TYPE I: 213 and the exact octet count."},
        "213 1000", r.text);
  CHECK_REPLY(c->command("SIZE " + k.path + ".missing"),
              (Requirement{"RFC 3659 §4.2", "SIZE of a missing file: 550."}), 550);
}

TEST(Rfc3659Mdtm, MdtmIsAUtcTimestamp) {
  SKIP_UNLESS_FEATURE("MDTM");
  SKIP_UNLESS_FTP_KNOWN();
  auto c = suite().ftp_raw();
  const auto r = c->command("MDTM " + ftp_known().path);
  check(std::regex_match(r.text, std::regex(R"(213 \d{14}(\.\d+)?)")),
        {"RFC 3659 §3", "MDTM: 213 YYYYMMDDHHMMSS[.sss] (UTC)."}, "213 YYYYMMDDHHMMSS", r.text);
}

TEST(Rfc3659Rest, RestStreamThenRetrSendsTheRest) {
  SKIP_UNLESS_FEATURE("REST STREAM");
  SKIP_UNLESS_APPLIES(Op::ftp_rest);  // --without ftp-rest
  SKIP_UNLESS_FTP_KNOWN();
  const auto& k = ftp_known();
  bench::FtpClient f(*suite().target().ftp);
  const auto t = f.rest_retr(k.path, 900, {.keep_body = true});
  check(t.completed() && t.response_text == k.content.substr(900),
        {"RFC 3659 §5", "REST n then RETR sends the file from byte n on."}, "the last 100 bytes",
        t.completed() ? std::to_string(t.body_bytes) + " bytes" +
                            (t.response_text == k.content.substr(900) ? "" : " (not those)")
                      : t.curl_error);
  auto c = suite().ftp_raw();
  CHECK_REPLY(c->command("REST 100"), (Requirement{"RFC 3659 §5.3", "REST: 350."}), 350);
  // A marker that is no number is bad input: BadInput.FtpRestNotANumber judges it.
}

TEST(Rfc3659Mlst, MlstGivesFacts) {
  SKIP_UNLESS_FEATURE("MLST");
  SKIP_UNLESS_FTP_KNOWN();
  auto c = suite().ftp_raw();
  const auto r = c->command("MLST " + ftp_known().path);
  const bool facts = r.text.find("size=1000;") != std::string::npos &&
                     r.text.find("type=file;") != std::string::npos;
  check(r.code == 250 && facts, {"RFC 3659 §7", "MLST: 250 and the facts (type, size, ...)."},
        "250 with type=file;size=1000;", r.text);
}

}  // namespace
}  // namespace streamcheck::conformance
