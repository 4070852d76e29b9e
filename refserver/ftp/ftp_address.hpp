// Data-connection arguments: PORT and PASV (RFC 959), EPRT and EPSV (RFC 2428), and
// the bounce-attack check on active targets (RFC 2577).
//
// Parsing is strict: the exact syntax of the RFC, nothing trimmed, no sign, no
// spaces, each number within its range and at most its number of digits (so
// "999999999999" is refused before any arithmetic can overflow). The errors are the
// replies the session sends as they are: 501 for syntax, 522 for a network protocol
// we cannot use (RFC 2428 §2 and §3), 504 for a refused target (RFC 2577 §3).
//
// IPv4-mapped IPv6 addresses (::ffff:a.b.c.d) are taken as the IPv4 address they
// carry, everywhere here: a dual-stack listener sees IPv4 peers that way, and
// PORT from such a peer must still match it.
//
// Threading: pure functions.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

#include <boost/asio/ip/address.hpp>
#include <boost/asio/ip/address_v4.hpp>
#include <boost/asio/ip/tcp.hpp>

#include "refserver/ftp/ftp_reply.hpp"

namespace streamcheck::ftp {

// `address` with an IPv4-mapped IPv6 address replaced by its IPv4 address.
boost::asio::ip::address unmapped(const boost::asio::ip::address& address);

// PORT "h1,h2,h3,h4,p1,p2": six decimal numbers 0..255 of one to three digits each,
// separated by single commas. The port (p1 * 256 + p2) must not be 0. 501 otherwise.
ReplyOr<boost::asio::ip::tcp::endpoint> parse_port(std::string_view arg);

// EPRT "<d><proto><d><address><d><port><d>", RFC 2428 §2. The delimiter d is the
// first character, any of ASCII 33..126 except a digit (the protocol and port fields
// are digits, which a digit delimiter would always cut: RFC 2428 says the delimiter
// must not coincide with a character the fields need). proto 1 takes a dotted IPv4
// address, 2 an IPv6 address (no zone "%eth0"); the address must parse as its
// protocol's. port 1..65535. Other protocol numbers: 522 "use (1,2)"; the rest 501.
ReplyOr<boost::asio::ip::tcp::endpoint> parse_eprt(std::string_view arg);

enum class EpsvRequest {
  any,   // "EPSV": the control connection's protocol
  ipv4,  // "EPSV 1"
  ipv6,  // "EPSV 2"
  all,   // "EPSV ALL": from now on the session must refuse PORT, EPRT and PASV (RFC
         // 2428 §4); the reply is 200, and no listener is opened
};

// The EPSV argument: empty, "1", "2" or "ALL" (any case). The passive listener binds
// the control connection's local address, so only that address's protocol can be
// served: a request for the other one, or any other protocol number, is 522
// "Network protocol not supported, use (N)" with N the one we can serve. Anything
// else is 501.
ReplyOr<EpsvRequest> parse_epsv(std::string_view arg,
                                const boost::asio::ip::address& control_local);

// 227 "Entering Passive Mode (h1,h2,h3,h4,p1,p2)." (RFC 959 §4.2.2, with its period).
// PASV can only name an IPv4 address; for an IPv6 control connection the session
// answers EPSV's way instead.
Reply pasv_reply(const boost::asio::ip::address_v4& address, uint16_t port);

// 229 "Entering Extended Passive Mode (|||port|)" (RFC 2428 §3, no period).
Reply epsv_reply(uint16_t port);

// The RFC 2577 check before connecting to a PORT/EPRT target: refused unless the
// target's address is the control connection's peer address and its port is 1024 or
// above. Returns the refusal (522 when the target is of the other protocol than the
// peer, 504 otherwise, naming the reason), or nullopt to go ahead.
std::optional<Reply> check_active_target(const boost::asio::ip::tcp::endpoint& target,
                                         const boost::asio::ip::address& control_peer);

}  // namespace streamcheck::ftp
