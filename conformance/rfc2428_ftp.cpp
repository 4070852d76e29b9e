// RFC 2428 FTP extensions for IPv6 and NATs: EPSV and EPRT.
#include <regex>

#include "conformance/raw.hpp"

namespace streamcheck::conformance {
namespace {

TEST(Rfc2428Epsv, EpsvGives229WithAPort) {
  SKIP_UNLESS_FTP_LOGIN();
  auto c = suite().ftp_raw();
  const auto r = c->command("EPSV");
  const auto open = r.text.find("(|||");
  check(r.code == 229 && open != std::string::npos && r.text.find("|)", open) != std::string::npos,
        {"RFC 2428 §3", "EPSV: 229 Entering Extended Passive Mode (|||port|)."}, "229 (|||port|)",
        reply_text(r));
  check_reply_among(c->command("EPSV 1"), "EPSV", {229},
                    "EPSV 1 (IPv4, the control connection's): 229.");
}

TEST(Rfc2428Epsv, EpsvUnknownProtocolIs522) {
  SKIP_UNLESS_FTP_LOGIN();
  auto c = suite().ftp_raw();
  // As for EPRT (below): refusing is the MUST, 522 the code RFC 2428 made for it.
  const auto r = c->command("EPSV 7");
  if (check_reply_kind(r, "EPSV", {ReplyKind::error},
                       "EPSV with a network protocol the server does not support is refused."))
    check_reply_among(r, "EPSV", {522},
                      "EPSV with a network protocol the server does not support: 522.",
                      Level::should);
}

TEST(Rfc2428Epsv, EpsvAllRefusesOtherSetups) {
  SKIP_UNLESS_FTP_LOGIN();
  auto c = suite().ftp_raw();
  // §4 names no reply for EPSV ALL itself: it must be accepted (a 2yz), and 200 ("Command
  // okay", §4.2) is the one that means that (pyftpdlib sends 220, "Service ready").
  const auto all = c->command("EPSV ALL");
  if (!check(all.code / 100 == 2,
             {"RFC 2428 §4", "EPSV ALL is accepted: a positive completion reply."}, "a 2yz reply",
             reply_text(all)))
    return;
  check_reply_among(all, "EPSV", {200, 229}, "EPSV ALL: 200 (Command okay).", Level::should);
  // §4: the server MUST reject them, with no code named: any negative reply (4yz, 5yz;
  // RFC 959 §4.2) rejects, 503 "Bad sequence of commands" as well as 5yz ones listed for
  // the command itself.
  for (const char* cmd : {"PASV", "PORT 127,0,0,1,200,1", "EPRT |1|127.0.0.1|51234|"}) {
    const auto r = c->command(cmd);
    check(
        r.code >= 400 && r.code < 600,
        {"RFC 2428 §4", "After EPSV ALL, every data connection setup other than EPSV is refused."},
        std::string(cmd) + ": a 4yz or 5yz reply", reply_text(r));
  }
}

TEST(Rfc2428Eprt, MalformedOrUnknownProtocolIsRefused) {
  SKIP_UNLESS_FTP_LOGIN();
  auto c = suite().ftp_raw();
  // §2: 500 and 501 "are sufficient to handle most errors"; 522 is the code added for a
  // network protocol the server does not support, with no MUST on the code. Refusing is
  // the MUST; which error, the SHOULD (vsftpd: "500 Bad EPRT protocol."). A 522's text
  // MUST end with the protocols the server does support: "... (1,2)".
  const auto unknown = c->command("EPRT |9|127.0.0.1|51234|");
  if (check_reply_kind(unknown, "EPRT", {ReplyKind::error},
                       "EPRT with an unsupported network protocol is refused.") &&
      check_reply_among(unknown, "EPRT", {522},
                        "EPRT with an unsupported network protocol: 522 (the code for it).",
                        Level::should))
    check(std::regex_search(unknown.text, std::regex(R"(\(\d+(,\d+)*\)\s*$)")),
          {"RFC 2428 §2", "A 522 names the network protocols the server supports: (prot1,...)."},
          "522 <text> (1,2)", reply_text(unknown));
  // The port missing: malformed whatever the delimiter ("EPRT garbage" would not be: its
  // delimiter is "g", naming protocol "arba", and 522 is a fair answer).
  check_reply_among(c->command("EPRT |1|127.0.0.1|"), "EPRT", {501, 500},
                    "A malformed EPRT argument: 501 (or 500).");
}

}  // namespace
}  // namespace streamcheck::conformance
