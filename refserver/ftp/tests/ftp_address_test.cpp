// Data-connection arguments: PORT (RFC 959 §4.1.2), EPRT and EPSV (RFC 2428), the
// 227/229 replies, and the RFC 2577 bounce check, with hostile inputs.
#include "refserver/ftp/ftp_address.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace streamcheck::ftp {
namespace {

using boost::asio::ip::make_address;
using boost::asio::ip::make_address_v4;
using boost::asio::ip::tcp;

using namespace std::string_literals;

tcp::endpoint ep(const char* address, uint16_t port) {
  return tcp::endpoint(make_address(address), port);
}

TEST(Rfc959Port, ParsesSixNumbers) {
  const auto r = parse_port("127,0,0,1,4,1");
  ASSERT_TRUE(r.ok()) << r.error().format();
  EXPECT_EQ(*r, ep("127.0.0.1", 1025));
  EXPECT_EQ(*parse_port("10,1,2,3,255,255"), ep("10.1.2.3", 65535));
  EXPECT_EQ(*parse_port("010,0,0,001,0,1"), ep("10.0.0.1", 1));  // decimal, never octal
}

TEST(Rfc959Port, EveryPortSurvivesPasvFormAndBack) {
  for (uint32_t port = 1; port <= 65535; port += 97) {
    const std::string arg =
        "127,0,0,1," + std::to_string(port >> 8) + "," + std::to_string(port & 0xff);
    const auto r = parse_port(arg);
    ASSERT_TRUE(r.ok()) << arg;
    EXPECT_EQ(r->port(), port);
  }
}

TEST(Rfc959Port, RejectsHostileValues) {
  // clang-format off
  const std::vector<std::string> hostile = {
      "127,0,0,1,4,256"s, "1,2,3,4,5"s, "1,2,3,4,5,6,7"s, "a,b,c,d,e,f"s, " 127,0,0,1,4,1"s,
      "127,0,0,1,4,1 "s, "127,0,0,1,-4,1"s, "127,0,0,1,+4,1"s, "999999999999,0,0,1,1,1"s,
      "4294967297,0,0,1,4,1"s, "256,0,0,1,4,1"s, "0127,0,0,1,4,1"s, ""s, ","s, ",,,,,"s,
      "127,0,0,1,4,"s, "127,,0,0,1,4,1"s, "127.0.0.1,4,1"s, "127,0,0,1,4,1,"s,
      "127, 0,0,1,4,1"s, "127,0,0,1,0,0"s, "127,0,0,1,4,1\0"s, "0x7f,0,0,1,4,1"s,
  };
  // clang-format on
  for (const std::string& arg : hostile) {
    const auto r = parse_port(arg);
    ASSERT_FALSE(r.ok()) << "accepted \"" << arg << "\" as " << r.value();
    EXPECT_EQ(r.error().code, ReplyCode::syntax_error_args) << arg;
  }
}

TEST(Rfc2428Eprt, ParsesIpv4AndIpv6) {
  EXPECT_EQ(*parse_eprt("|1|132.235.1.2|6275|"), ep("132.235.1.2", 6275));
  EXPECT_EQ(*parse_eprt("|2|1080::8:800:200C:417A|5282|"), ep("1080::8:800:200C:417A", 5282));
  EXPECT_EQ(*parse_eprt("|2|::1|65535|"), ep("::1", 65535));
}

TEST(Rfc2428Eprt, AnyDelimiterThatIsNoDigit) {
  EXPECT_EQ(*parse_eprt("!1!127.0.0.1!2000!"), ep("127.0.0.1", 2000));
  EXPECT_EQ(*parse_eprt("~2~::1~2000~"), ep("::1", 2000));
  EXPECT_EQ(*parse_eprt("a1a127.0.0.1a2000a"), ep("127.0.0.1", 2000));
}

TEST(Rfc2428Eprt, MappedAddressIsTakenAsIpv4) {
  const auto r = parse_eprt("|2|::ffff:127.0.0.1|2000|");
  ASSERT_TRUE(r.ok());
  EXPECT_TRUE(r->address().is_v4());
  EXPECT_EQ(*r, ep("127.0.0.1", 2000));
}

TEST(Rfc2428Eprt, RejectsBadProtocol) {
  for (const char* arg : {"|3|x|1|", "|0|127.0.0.1|2000|", "|65535|127.0.0.1|2000|"}) {
    const auto r = parse_eprt(arg);
    ASSERT_FALSE(r.ok()) << arg;
    EXPECT_EQ(r.error().format(), "522 Network protocol not supported, use (1,2)\r\n") << arg;
  }
  for (const char* arg : {"|x|127.0.0.1|2000|", "|-1|127.0.0.1|2000|", "||127.0.0.1|2000|",
                          "|999999|127.0.0.1|2000|"}) {
    const auto r = parse_eprt(arg);
    ASSERT_FALSE(r.ok()) << arg;
    EXPECT_EQ(r.error().code, ReplyCode::syntax_error_args) << arg;
  }
}

TEST(Rfc2428Eprt, RejectsHostileValues) {
  // clang-format off
  const std::vector<std::string> hostile = {
      "|1|127.0.0.1|0|"s, "||||"s, "|1|::1|21|"s, "|2|::1|70000|"s, "|2|127.0.0.1|2000|"s,
      "|1|127.0.0.1|2000"s, "|1|127.0.0.1|2000||"s, "|1|127.0.0.1|2000|x"s, ""s, "|"s, "||"s,
      "91912.0.0.1920009"s,  // delimiter '9': would read as 12.0.0.1:2000
      "5157.0.0.152000"s, " 1 127.0.0.1 2000 "s,
      "\x7f" "1\x7f" "127.0.0.1\x7f" "2000\x7f"s, "\x80" "1\x80" "127.0.0.1\x80" "2000\x80"s,
      "|1|127.0.0.1|+2000|"s, "|1|127.0.0.1|-1|"s, "|1|127.0.0.1| 2000|"s, "|1| 127.0.0.1|2000|"s,
      "|1|127.1|2000|"s, "|1|0x7f.0.0.1|2000|"s, "|1|127.0.0.01|2000|"s, "|1|127.0.0.256|2000|"s,
      "|2|fe80::1%lo|2000|"s, "|1|127.0.0.1|99999999999999999999|"s, "|1|127.0.0.1|65536|"s,
      "|1||2000|"s, "|1|127.0.0.1\0|2000|"s, "|1|1.2.3.4|5|6|"s, "|2|::1\0|2000|"s,
  };
  // clang-format on
  for (const std::string& arg : hostile) {
    const auto r = parse_eprt(arg);
    ASSERT_FALSE(r.ok()) << "accepted \"" << arg << "\" as " << r.value();
    EXPECT_EQ(r.error().code, ReplyCode::syntax_error_args) << arg;
  }
}

TEST(Rfc2428Epsv, AcceptsEmptyProtocolAndAll) {
  const auto v4 = make_address("127.0.0.1");
  const auto v6 = make_address("::1");
  EXPECT_EQ(*parse_epsv("", v4), EpsvRequest::any);
  EXPECT_EQ(*parse_epsv("1", v4), EpsvRequest::ipv4);
  EXPECT_EQ(*parse_epsv("2", v6), EpsvRequest::ipv6);
  EXPECT_EQ(*parse_epsv("1", make_address("::ffff:127.0.0.1")), EpsvRequest::ipv4);
  for (const char* all : {"ALL", "all", "All", "aLL"}) {
    EXPECT_EQ(*parse_epsv(all, v4), EpsvRequest::all) << all;
  }
}

TEST(Rfc2428Epsv, OtherProtocolIs522NamingTheOneWeServe) {
  const auto v4 = make_address("127.0.0.1");
  const auto v6 = make_address("::1");
  EXPECT_EQ(parse_epsv("2", v4).error().format(),
            "522 Network protocol not supported, use (1)\r\n");
  EXPECT_EQ(parse_epsv("1", v6).error().format(),
            "522 Network protocol not supported, use (2)\r\n");
  EXPECT_EQ(parse_epsv("3", v4).error().code, ReplyCode::protocol_not_supported);
  EXPECT_EQ(parse_epsv("0", v4).error().code, ReplyCode::protocol_not_supported);
}

TEST(Rfc2428Epsv, GarbageIs501) {
  const auto v4 = make_address("127.0.0.1");
  for (const char* arg : {"x", " 1", "1 ", "ALLX", "AL", "-1", "+1", "999999", "|||1|"}) {
    const auto r = parse_epsv(arg, v4);
    ASSERT_FALSE(r.ok()) << arg;
    EXPECT_EQ(r.error().code, ReplyCode::syntax_error_args) << arg;
  }
}

TEST(Rfc959Pasv, ReplyNamesHostAndPortBytes) {
  EXPECT_EQ(pasv_reply(make_address_v4("127.0.0.1"), 1025).format(),
            "227 Entering Passive Mode (127,0,0,1,4,1).\r\n");
  EXPECT_EQ(pasv_reply(make_address_v4("10.200.3.4"), 65535).format(),
            "227 Entering Passive Mode (10,200,3,4,255,255).\r\n");
}

TEST(Rfc2428Epsv, ReplyNamesOnlyThePort) {
  EXPECT_EQ(epsv_reply(6446).format(), "229 Entering Extended Passive Mode (|||6446|)\r\n");
}

TEST(Rfc2577Bounce, AllowsThePeerOnAnUnprivilegedPort) {
  EXPECT_EQ(check_active_target(ep("127.0.0.1", 1024), make_address("127.0.0.1")), std::nullopt);
  EXPECT_EQ(check_active_target(ep("::1", 40000), make_address("::1")), std::nullopt);
}

TEST(Rfc2577Bounce, RefusesThirdPartyAddress) {
  const auto r = check_active_target(ep("10.0.0.7", 2000), make_address("127.0.0.1"));
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->format(),
            "504 Data connection to 10.0.0.7 refused: only to the control connection's address "
            "(RFC 2577).\r\n");
  EXPECT_TRUE(check_active_target(ep("::2", 2000), make_address("::1")).has_value());
}

TEST(Rfc2577Bounce, RefusesPrivilegedPort) {
  const auto r = check_active_target(ep("127.0.0.1", 25), make_address("127.0.0.1"));
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->format(), "504 Data connection to port 25 refused: privileged port (RFC 2577).\r\n");
  EXPECT_TRUE(check_active_target(ep("127.0.0.1", 1023), make_address("127.0.0.1")).has_value());
}

TEST(Rfc2577Bounce, MappedPeerMatchesItsIpv4Address) {
  EXPECT_EQ(check_active_target(ep("127.0.0.1", 2000), make_address("::ffff:127.0.0.1")),
            std::nullopt);
  EXPECT_EQ(check_active_target(ep("::ffff:127.0.0.1", 2000), make_address("127.0.0.1")),
            std::nullopt);
}

TEST(Rfc2577Bounce, OtherProtocolThanThePeerIs522) {
  const auto r = check_active_target(ep("::1", 2000), make_address("127.0.0.1"));
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->format(), "522 Network protocol not supported, use (1)\r\n");
}

}  // namespace
}  // namespace streamcheck::ftp
