// The data-connection arguments: PORT, EPRT and EPSV (RFC 959, 2428).
//
// Input: one selector byte (which of the three, and for EPSV the control connection's
// protocol), then the argument. Checked:
//   - refusals are the replies the RFCs allow: 501 for syntax, 522 for another protocol;
//   - an accepted PORT or EPRT names a non-zero port (EPRT protocol 1 an IPv4 address),
//     and its canonical rendering (what pasv_reply and an EPRT-sending client write)
//     parses to the same endpoint; PORT's argument is never longer than its 23-byte
//     maximum, and the 227 text pasv_reply makes for a PORT's endpoint carries the same
//     six numbers;
//   - an accepted EPSV argument is "", "ALL" or the number of the control connection's
//     protocol, and re-rendering it gives the same request.
#include <string>
#include <string_view>

#include "fuzz/fuzz_check.hpp"
#include "refserver/ftp/ftp_address.hpp"

namespace {

namespace ip = boost::asio::ip;
using streamcheck::ftp::ReplyCode;
using streamcheck::fuzz::printable;

std::string port_argument(const ip::tcp::endpoint& endpoint) {
  std::string text;
  for (unsigned char b : endpoint.address().to_v4().to_bytes()) text += std::to_string(b) + ",";
  return text + std::to_string(endpoint.port() >> 8) + "," + std::to_string(endpoint.port() & 0xff);
}

void check_port(std::string_view arg) {
  const auto parsed = streamcheck::ftp::parse_port(arg);
  if (!parsed) {
    FUZZ_CHECK(parsed.error().code == ReplyCode::syntax_error_args);
    return;
  }
  FUZZ_CHECK(arg.size() <= 23);
  FUZZ_CHECK(parsed->address().is_v4());
  FUZZ_CHECK(parsed->port() != 0);
  const std::string canonical = port_argument(*parsed);
  const auto again = streamcheck::ftp::parse_port(canonical);
  FUZZ_CHECK_MSG(again && *again == *parsed, printable(arg) + " -> " + canonical);

  const auto reply = streamcheck::ftp::pasv_reply(parsed->address().to_v4(), parsed->port());
  FUZZ_CHECK(reply.lines.size() == 1);
  FUZZ_CHECK(reply.lines[0].find("(" + canonical + ")") != std::string::npos);
}

void check_eprt(std::string_view arg) {
  const auto parsed = streamcheck::ftp::parse_eprt(arg);
  if (!parsed) {
    const ReplyCode code = parsed.error().code;
    FUZZ_CHECK(code == ReplyCode::syntax_error_args || code == ReplyCode::protocol_not_supported);
    return;
  }
  FUZZ_CHECK(parsed->port() != 0);
  const ip::address& address = parsed->address();
  // The protocol field may have leading zeros ("02"). Protocol 2 may still name an IPv4
  // peer, as an IPv4-mapped address (taken unmapped).
  std::string_view proto = arg.substr(1, arg.find(arg.front(), 1) - 1);
  while (proto.size() > 1 && proto.front() == '0') proto.remove_prefix(1);
  FUZZ_CHECK_MSG(proto == "1" || proto == "2", printable(arg));
  if (proto == "1") FUZZ_CHECK_MSG(address.is_v4(), printable(arg));
  if (address.is_v6()) FUZZ_CHECK(address.to_v6().scope_id() == 0);
  const std::string canonical = std::string(address.is_v4() ? "|1|" : "|2|") + address.to_string() +
                                "|" + std::to_string(parsed->port()) + "|";
  const auto again = streamcheck::ftp::parse_eprt(canonical);
  FUZZ_CHECK_MSG(again && *again == *parsed, printable(arg) + " -> " + canonical);
}

void check_epsv(std::string_view arg, const ip::address& control_local) {
  using streamcheck::ftp::EpsvRequest;
  const auto parsed = streamcheck::ftp::parse_epsv(arg, control_local);
  if (!parsed) {
    const ReplyCode code = parsed.error().code;
    FUZZ_CHECK(code == ReplyCode::syntax_error_args || code == ReplyCode::protocol_not_supported);
    return;
  }
  std::string canonical;
  switch (*parsed) {
    case EpsvRequest::any:
      FUZZ_CHECK(arg.empty());
      break;
    case EpsvRequest::all:
      canonical = "ALL";
      break;
    case EpsvRequest::ipv4:
      FUZZ_CHECK(streamcheck::ftp::unmapped(control_local).is_v4());
      canonical = "1";
      break;
    case EpsvRequest::ipv6:
      FUZZ_CHECK(streamcheck::ftp::unmapped(control_local).is_v6());
      canonical = "2";
      break;
  }
  const auto again = streamcheck::ftp::parse_epsv(canonical, control_local);
  FUZZ_CHECK_MSG(again && *again == *parsed, printable(arg));
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  streamcheck::fuzz::FuzzInput input(data, size);
  const uint8_t selector = input.byte();
  const std::string_view arg = input.rest();
  switch (selector % 3) {
    case 0:
      check_port(arg);
      break;
    case 1:
      check_eprt(arg);
      break;
    default: {
      // Each of the three ways the control connection's local address can look.
      static const ip::address locals[] = {ip::make_address("127.0.0.1"), ip::make_address("::1"),
                                           ip::make_address("::ffff:127.0.0.1")};
      check_epsv(arg, locals[(selector / 3) % 3]);
    }
  }
  return 0;
}
