// The FTP reply reader's text functions (ftp_reply.hpp), on replies as servers send them.
#include "bench/lib/ftp_reply.hpp"

#include <gtest/gtest.h>

#include <vector>

namespace streamcheck::bench {
namespace {

std::vector<FtpReply> replies_of(std::string bytes) {
  std::vector<FtpReply> out;
  FtpReplyAssembler assembler;
  while (auto line = pop_line(bytes))
    if (auto reply = assembler.add_line(*line)) out.push_back(*reply);
  if (auto rest = assembler.finish()) out.push_back(*rest);
  return out;
}

TEST(FtpReply, PopLineTakesWholeLinesOnly) {
  std::string buffer = "220 a\r\n221 b\npartial";
  EXPECT_EQ(pop_line(buffer), "220 a");
  EXPECT_EQ(pop_line(buffer), "221 b");
  EXPECT_EQ(pop_line(buffer), std::nullopt);
  EXPECT_EQ(buffer, "partial");
}

TEST(FtpReply, MultiLineRepliesRunToTheirCodeAndSpace) {
  const auto r = replies_of(
      "211-Features:\r\n MDTM\r\n211-not yet\r\n 211 nor this\r\n211 End\r\n"
      "200 ok\r\n");
  ASSERT_EQ(r.size(), 2u);
  EXPECT_EQ(r[0].code, 211);
  EXPECT_EQ(r[0].text, "211-Features:\n MDTM\n211-not yet\n 211 nor this\n211 End");
  EXPECT_EQ(r[1].code, 200);
  EXPECT_EQ(r[1].text, "200 ok");
}

TEST(FtpReply, AReplyCutShortIsKept) {
  const auto r = replies_of("150-opening\r\nmore\r\n");
  ASSERT_EQ(r.size(), 1u);
  EXPECT_EQ(r[0].code, 150);
  EXPECT_EQ(r[0].text, "150-opening\nmore");
}

// RFC 959 §4.2: a code is three digits, the first 1 to 5; a line without one is no reply.
TEST(FtpReply, ALineWithoutACodeIsNoReply) {
  const auto r = replies_of("-12 x\r\n1a3 y\r\n099 z\r\n600 w\r\nab\r\n");
  ASSERT_EQ(r.size(), 5u);
  for (const auto& reply : r) EXPECT_EQ(reply.code, 0) << reply.text;
  EXPECT_EQ(r[0].text, "-12 x");
}

TEST(FtpReply, PassiveAddresses) {
  const auto pasv = parse_pasv_reply("227 Entering Passive Mode (127,0,0,1,200,10).");
  ASSERT_TRUE(pasv);
  EXPECT_EQ(pasv->host, (std::array<unsigned, 4>{127, 0, 0, 1}));
  EXPECT_EQ(pasv->port, 200u * 256 + 10);
  EXPECT_FALSE(parse_pasv_reply("227 Entering Passive Mode 127,0,0,1,200,10"));
  EXPECT_FALSE(parse_pasv_reply("227 (127,0,0,1,200)"));
  EXPECT_EQ(parse_epsv_reply("229 Entering Extended Passive Mode (|||6446|)"), 6446u);
  EXPECT_FALSE(parse_epsv_reply("229 Entering Extended Passive Mode"));
}

TEST(FtpReply, PortsOutOfRangeAreRefused) {
  EXPECT_FALSE(parse_pasv_reply("227 (127,0,0,1,300,10)"));  // was port 76810, wrapped
  EXPECT_FALSE(parse_pasv_reply("227 (127,0,0,1,-1,10)"));
  EXPECT_FALSE(parse_pasv_reply("227 (127,0,0,1,1,0010)"));
  EXPECT_EQ(parse_pasv_reply("227 ( 127, 0, 0, 1, 4, 1)")->port, 1025u);
  EXPECT_FALSE(parse_epsv_reply("229 (|||70000|)"));  // was port 4464
  EXPECT_FALSE(parse_epsv_reply("229 (|||0|)"));
  EXPECT_FALSE(parse_epsv_reply("229 (|||x|)"));  // was port 0
  EXPECT_FALSE(parse_epsv_reply("229 (|||21"));
}

TEST(FtpReply, MlstFactsAreCaseInsensitive) {
  const auto facts =
      parse_mlst_facts("250-Listing /a\n Type=FILE;Size=1000;Modify=20261207203000; /a\n250 End");
  EXPECT_EQ(facts.at("type"), "file");
  EXPECT_EQ(facts.at("size"), "1000");
  EXPECT_EQ(facts.at("modify"), "20261207203000");
  EXPECT_TRUE(parse_mlst_facts("250 no entry line").empty());
}

}  // namespace
}  // namespace streamcheck::bench
