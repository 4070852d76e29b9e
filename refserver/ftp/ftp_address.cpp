#include "refserver/ftp/ftp_address.hpp"

#include <array>
#include <string>

#include <boost/system/error_code.hpp>

namespace streamcheck::ftp {
namespace {

using boost::asio::ip::address;
using boost::asio::ip::address_v4;
using boost::asio::ip::tcp;

// `s` as a decimal number of 1..max_digits digits and at most max_value; nothing else
// (no sign, no space, no empty field).
std::optional<uint32_t> parse_decimal(std::string_view s, size_t max_digits, uint32_t max_value) {
  if (s.empty() || s.size() > max_digits) return std::nullopt;
  uint32_t value = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return std::nullopt;
    value = value * 10 + static_cast<uint32_t>(c - '0');  // at most 5 digits: no overflow
  }
  if (value > max_value) return std::nullopt;
  return value;
}

Reply syntax_error(std::string_view command, std::string_view why) {
  return Reply(ReplyCode::syntax_error_args,
               "Syntax error in " + std::string(command) + " argument: " + std::string(why) + ".");
}

Reply protocol_not_supported(std::string_view usable) {
  return Reply(ReplyCode::protocol_not_supported,
               "Network protocol not supported, use (" + std::string(usable) + ")");
}

std::string_view protocol_of(const address& a) {
  return a.is_v4() ? "1" : "2";
}

bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    const char x = a[i] >= 'a' && a[i] <= 'z' ? static_cast<char>(a[i] - 'a' + 'A') : a[i];
    if (x != b[i]) return false;
  }
  return true;
}

}  // namespace

address unmapped(const address& a) {
  if (a.is_v6() && a.to_v6().is_v4_mapped()) {
    return boost::asio::ip::make_address_v4(boost::asio::ip::v4_mapped, a.to_v6());
  }
  return a;
}

ReplyOr<tcp::endpoint> parse_port(std::string_view arg) {
  std::array<uint32_t, 6> n{};
  size_t start = 0;
  for (size_t i = 0; i < n.size(); ++i) {
    const size_t comma = arg.find(',', start);
    const bool last = i + 1 == n.size();
    if (last != (comma == std::string_view::npos)) {
      return syntax_error("PORT", "expected six numbers h1,h2,h3,h4,p1,p2");
    }
    auto v =
        parse_decimal(arg.substr(start, last ? std::string_view::npos : comma - start), 3, 255);
    if (!v) return syntax_error("PORT", "each number must be 0 to 255");
    n[i] = *v;
    start = comma + 1;
  }
  const auto port = static_cast<uint16_t>(n[4] << 8 | n[5]);
  if (port == 0) return syntax_error("PORT", "port 0");
  const address_v4 host(n[0] << 24 | n[1] << 16 | n[2] << 8 | n[3]);
  return tcp::endpoint(host, port);
}

ReplyOr<tcp::endpoint> parse_eprt(std::string_view arg) {
  if (arg.size() < 2) return syntax_error("EPRT", "expected <d>proto<d>address<d>port<d>");
  const char d = arg.front();
  if (d < 33 || d > 126 || (d >= '0' && d <= '9')) {
    return syntax_error("EPRT", "bad delimiter");
  }
  // Fields between the four delimiters; the argument must end with the fourth.
  std::array<std::string_view, 3> field;
  size_t start = 1;
  for (auto& f : field) {
    const size_t end = arg.find(d, start);
    if (end == std::string_view::npos) {
      return syntax_error("EPRT", "expected <d>proto<d>address<d>port<d>");
    }
    f = arg.substr(start, end - start);
    start = end + 1;
  }
  if (start != arg.size()) return syntax_error("EPRT", "text after the last delimiter");

  const auto proto = parse_decimal(field[0], 5, 65535);
  if (!proto) return syntax_error("EPRT", "bad network protocol");
  if (*proto != 1 && *proto != 2) return protocol_not_supported("1,2");

  // Only the characters of the address forms: this also keeps a NUL (the parser below
  // takes a C string and would stop there) and zones ("fe80::1%eth0", an interface of
  // the client, meaningless here) out.
  const std::string_view charset = *proto == 1 ? "0123456789." : "0123456789abcdefABCDEF:.";
  if (field[1].empty() || field[1].find_first_not_of(charset) != std::string_view::npos) {
    return syntax_error("EPRT", *proto == 1 ? "bad IPv4 address" : "bad IPv6 address");
  }
  boost::system::error_code ec;
  address host;
  if (*proto == 1) {
    host = boost::asio::ip::make_address_v4(std::string(field[1]), ec);
  } else {
    host = boost::asio::ip::make_address_v6(std::string(field[1]), ec);
  }
  if (ec) return syntax_error("EPRT", *proto == 1 ? "bad IPv4 address" : "bad IPv6 address");

  const auto port = parse_decimal(field[2], 5, 65535);
  if (!port || *port == 0) return syntax_error("EPRT", "port must be 1 to 65535");
  return tcp::endpoint(unmapped(host), static_cast<uint16_t>(*port));
}

ReplyOr<EpsvRequest> parse_epsv(std::string_view arg, const address& control_local) {
  const address local = unmapped(control_local);
  if (arg.empty()) return EpsvRequest::any;
  if (iequals(arg, "ALL")) return EpsvRequest::all;
  const auto proto = parse_decimal(arg, 5, 65535);
  if (!proto) return syntax_error("EPSV", "expected nothing, a protocol number or ALL");
  if ((*proto == 1 && local.is_v4()) || (*proto == 2 && local.is_v6())) {
    return local.is_v4() ? EpsvRequest::ipv4 : EpsvRequest::ipv6;
  }
  return protocol_not_supported(protocol_of(local));
}

Reply pasv_reply(const address_v4& a, uint16_t port) {
  std::string text = "Entering Passive Mode (";
  for (unsigned char b : a.to_bytes()) text += std::to_string(b) + ",";
  text += std::to_string(port >> 8) + "," + std::to_string(port & 0xff) + ").";
  return Reply(ReplyCode::entering_passive, std::move(text));
}

Reply epsv_reply(uint16_t port) {
  return Reply(ReplyCode::entering_extended_passive,
               "Entering Extended Passive Mode (|||" + std::to_string(port) + "|)");
}

std::optional<Reply> check_active_target(const tcp::endpoint& target, const address& control_peer) {
  const address to = unmapped(target.address());
  const address peer = unmapped(control_peer);
  if (to.is_v4() != peer.is_v4()) return protocol_not_supported(protocol_of(peer));
  if (to != peer) {
    return Reply(ReplyCode::not_implemented_for_param,
                 "Data connection to " + to.to_string() +
                     " refused: only to the control connection's address (RFC 2577).");
  }
  if (target.port() < 1024) {
    return Reply(ReplyCode::not_implemented_for_param, "Data connection to port " +
                                                           std::to_string(target.port()) +
                                                           " refused: privileged port (RFC 2577).");
  }
  return std::nullopt;
}

}  // namespace streamcheck::ftp
