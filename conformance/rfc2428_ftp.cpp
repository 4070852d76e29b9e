// RFC 2428 FTP extensions for IPv6 and NATs: EPSV and EPRT.
#include "conformance/raw.hpp"

namespace streamcheck::conformance {
namespace {

// Logged in, with the URL's credentials or anonymously, where writes are allowed.
#define SKIP_UNLESS_FTP_LOGIN() SKIP_UNLESS_FTP_WRITES()

TEST(Rfc2428Epsv, EpsvGives229WithAPort) {
  SKIP_UNLESS_FTP_LOGIN();
  auto c = suite().ftp_raw();
  const auto r = c->command("EPSV");
  const auto open = r.text.find("(|||");
  check(r.code == 229 && open != std::string::npos && r.text.find("|)", open) != std::string::npos,
        {"RFC 2428 §3", "EPSV: 229 Entering Extended Passive Mode (|||port|)."}, "229 (|||port|)",
        r.text);
  CHECK_REPLY(c->command("EPSV 1"),
              (Requirement{"RFC 2428 §3", "EPSV 1 (IPv4, the control connection's): 229."}), 229);
}

TEST(Rfc2428Epsv, EpsvUnknownProtocolIs522) {
  SKIP_UNLESS_FTP_LOGIN();
  auto c = suite().ftp_raw();
  CHECK_REPLY(c->command("EPSV 7"),
              (Requirement{"RFC 2428 §3",
                           "EPSV with a network protocol the server does not "
                           "support: 522."}),
              522);
}

TEST(Rfc2428Epsv, EpsvAllRefusesOtherSetups) {
  SKIP_UNLESS_FTP_LOGIN();
  auto c = suite().ftp_raw();
  CHECK_REPLY(c->command("EPSV ALL"), (Requirement{"RFC 2428 §4", "EPSV ALL: 200 (or 229)."}), 200,
              229);
  for (const char* cmd : {"PASV", "PORT 127,0,0,1,200,1", "EPRT |1|127.0.0.1|51234|"}) {
    const auto r = c->command(cmd);
    check(r.code >= 500,
          {"RFC 2428 §4",
           "After EPSV ALL, every data connection setup other than "
           "EPSV is refused."},
          std::string(cmd) + ": a 5xx reply", r.text);
  }
}

TEST(Rfc2428Eprt, MalformedOrUnknownProtocolIsRefused) {
  SKIP_UNLESS_FTP_LOGIN();
  auto c = suite().ftp_raw();
  CHECK_REPLY(c->command("EPRT |9|127.0.0.1|51234|"),
              (Requirement{"RFC 2428 §2", "EPRT with an unsupported protocol: 522."}), 522, 501);
  // The port missing: malformed whatever the delimiter ("EPRT garbage" would not be: its
  // delimiter is "g", naming protocol "arba", and 522 is a fair answer).
  CHECK_REPLY(c->command("EPRT |1|127.0.0.1|"),
              (Requirement{"RFC 2428 §2", "A malformed EPRT argument: 501."}), 501, 500);
}

}  // namespace
}  // namespace streamcheck::conformance
