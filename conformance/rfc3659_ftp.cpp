// RFC 3659 extensions to FTP: SIZE, MDTM, REST STREAM, MLST/MLSD, each checked when FEAT
// (RFC 2389) lists it and skipped with the reason otherwise.
#include <cctype>
#include <regex>
#include <sstream>
#include <string>
#include <vector>

#include "conformance/raw.hpp"

namespace streamcheck::conformance {
namespace {

#define SKIP_UNLESS_FEATURE(f)                                                   \
  do {                                                                           \
    SKIP_UNLESS_FTP_WRITES();                                                    \
    if (!suite().ftp_has_feature(f)) GTEST_SKIP() << "FEAT does not list " << f; \
  } while (0)

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

// RFC 2389 §3.2's grammar of the reply:
//   feat-response   = error-response / no-features / feature-listing
//   no-features     = "211" SP *TCHAR CRLF
//   feature-listing = "211-" *TCHAR CRLF 1*( SP feature CRLF ) "211 End" CRLF
// "each feature line in the feature-listing begins with a single space. That space is not
// optional." The last line's text is taken as any text (RFC 959 §4.2 leaves the text of a
// reply free; servers say "211 End." or "211 End FEAT."). A server without FEAT answers
// 500 or 502: nothing of RFC 2389 to judge then.
TEST(Rfc3659Feat, FeatIs211WithOneFeaturePerLine) {
  SKIP_UNLESS_FTP();
  auto c = suite().ftp_raw(false);
  auto r = c->command("FEAT");
  if (r.code == 530) {
    // RFC 2389 does not say whether FEAT needs a login: ask again once logged in.
    if (!suite().profile().ftp_writes())
      GTEST_SKIP() << "FEAT before login was answered " << r.text
                   << ", and the suite cannot log in (" << suite().why_no_ftp_writes() << ")";
    record("feat_before_login", r.text);
    c = suite().ftp_raw();
    r = c->command("FEAT");
  }
  if (r.code == 500 || r.code == 502)
    GTEST_SKIP() << "FEAT is not implemented (" << r.text
                 << "): the server offers no RFC 2389 feature list";
  if (!check_reply_kind(r, "FEAT", {ReplyKind::completion}, "FEAT: 211 with the features.")) return;
  const auto lines = lines_of(r.text);
  if (lines.size() == 1 && lines[0].starts_with("211 ")) {
    record("feat", "no features: " + lines[0]);
    return;
  }
  constexpr Requirement kListing{"RFC 2389 §3.2",
                                 "FEAT's listing: \"211-\" first, one feature per line each "
                                 "beginning with a single space, \"211 \" last."};
  check(lines.size() >= 3 && lines.front().starts_with("211-") && lines.back().starts_with("211 "),
        kListing, "211-..., at least one feature line, 211 End", "\"" + r.text + "\"");
  for (std::size_t i = 1; i + 1 < lines.size(); ++i) {
    const auto& line = lines[i];
    check(line.size() >= 2 && line[0] == ' ' && line[1] != ' ', kListing,
          "line " + std::to_string(i + 1) + ": SP feature", "\"" + line + "\"");
  }
}

TEST(Rfc3659Size, SizeIsExactInTypeI) {
  SKIP_UNLESS_FEATURE("SIZE");
  SKIP_UNLESS_FTP_KNOWN();
  const auto& k = ftp_known();
  auto c = suite().ftp_raw();
  const auto r = c->command("SIZE " + k.path);
  check(r.text == "213 1000", {"RFC 3659 §4", "SIZE in TYPE I: 213 and the exact octet count."},
        "213 1000", reply_text(r));
  check_reply_among(c->command("SIZE " + k.path + ".missing"), "SIZE", {550},
                    "SIZE of a missing file: 550.");
}

TEST(Rfc3659Mdtm, MdtmIsAUtcTimestamp) {
  SKIP_UNLESS_FEATURE("MDTM");
  SKIP_UNLESS_FTP_KNOWN();
  auto c = suite().ftp_raw();
  const auto r = c->command("MDTM " + ftp_known().path);
  check(std::regex_match(r.text, std::regex(R"(213 \d{14}(\.\d+)?)")),
        {"RFC 3659 §3", "MDTM: 213 YYYYMMDDHHMMSS[.sss] (UTC)."}, "213 YYYYMMDDHHMMSS",
        reply_text(r));
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
  check_reply_kind(c->command("REST 100"), "REST", {ReplyKind::intermediate}, "REST: 350.");
  // A marker that is no number is bad input: BadInput.FtpRestNotANumber judges it.
}

TEST(Rfc3659Mlst, MlstGivesFacts) {
  SKIP_UNLESS_FEATURE("MLST");
  SKIP_UNLESS_FTP_KNOWN();
  auto c = suite().ftp_raw();
  const auto r = c->command("MLST " + ftp_known().path);
  if (!check_reply_kind(r, "MLST", {ReplyKind::completion}, "MLST: 250 and the facts.")) return;
  const auto facts = bench::parse_mlst_facts(r.text);
  const auto fact = [&](const char* name) {
    const auto it = facts.find(name);
    return it == facts.end() ? std::string("(none)") : it->second;
  };
  // Size and type are what FEAT's MLST line offers by default when it marks them (§7.8);
  // a server may leave out a fact it does not offer, so only those it lists are judged.
  std::string offered;
  for (const auto& f : suite().ftp_features())
    if (f.size() > 5 && (f.starts_with("MLST ") || f.starts_with("mlst "))) offered = f.substr(5);
  for (auto& ch : offered) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
  const bool offers_type = offered.empty() || offered.find("type") != std::string::npos;
  const bool offers_size = offered.empty() || offered.find("size") != std::string::npos;
  check((!offers_type || fact("type") == "file") && (!offers_size || fact("size") == "1000"),
        {"RFC 3659 §7.5", "MLST's facts describe the file: type=file, size=1000."},
        "type=file;size=1000; (names in any case)",
        "type=" + fact("type") + ", size=" + fact("size") + " in " + reply_text(r));
}

}  // namespace
}  // namespace streamcheck::conformance
