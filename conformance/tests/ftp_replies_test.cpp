// The reply lists are the RFCs': a spot check of entries a server's habit could have
// bent (vsftpd's "500 Unrecognised TYPE command." is one TYPE may get).
#include "conformance/ftp_replies.hpp"

#include <gtest/gtest.h>

#include <algorithm>

namespace streamcheck::conformance {
namespace {

bool has(const std::vector<int>& v, int code) {
  return std::find(v.begin(), v.end(), code) != v.end();
}

TEST(FtpReplies, Rfc959ListsTheErrorsOfTypeAndNotItsSuccess) {
  const auto errors = listed_errors("TYPE");
  for (const int code : {500, 501, 504, 421, 530}) EXPECT_TRUE(has(errors, code)) << code;
  EXPECT_FALSE(has(errors, 200));
  EXPECT_FALSE(has(errors, 550));  // not a reply TYPE may get
  EXPECT_EQ(listed_replies("TYPE")->source, "RFC 959 §5.4");
}

TEST(FtpReplies, VerbsAreFoundFromCommandLinesInAnyCase) {
  EXPECT_EQ(verb_of("type x"), "TYPE");
  EXPECT_EQ(verb_of("SIZE ../../etc/passwd"), "SIZE");
  EXPECT_EQ(verb_of("NOOP\r\n"), "NOOP");
  EXPECT_TRUE(has(listed_errors(verb_of("rnto x")), 503));
}

TEST(FtpReplies, ExtensionsCarryTheirOwnRfc) {
  EXPECT_EQ(listed_replies("EPSV")->source, "RFC 2428 §3");
  EXPECT_TRUE(has(listed_errors("EPRT"), 522));
  EXPECT_TRUE(has(listed_errors("SIZE"), 550));
  EXPECT_FALSE(listed_replies("XYZZY"));
  EXPECT_TRUE(listed_errors("XYZZY").empty());
}

TEST(FtpReplies, TransfersEndWith226Or250AndStartWith125Or150) {
  for (const char* verb : {"RETR", "STOR", "APPE", "LIST", "NLST", "MLSD"}) {
    EXPECT_EQ(listed(verb, ReplyKind::completion), (std::vector<int>{226, 250})) << verb;
    EXPECT_TRUE(has(listed(verb, ReplyKind::preliminary), 150)) << verb;
    EXPECT_TRUE(has(listed(verb, ReplyKind::preliminary), 125)) << verb;
  }
}

// RFC 959 §4.1.1: CDUP's "reply codes shall be identical to the reply codes of CWD",
// though §5.4 lists only 200 for it.
TEST(FtpReplies, CdupMayAnswerAsCwdDoes) {
  EXPECT_TRUE(has(listed("CDUP", ReplyKind::completion), 200));
  EXPECT_TRUE(has(listed("CDUP", ReplyKind::completion), 250));
}

// §5.4 lists no 530 for PWD: a server may answer it before login.
TEST(FtpReplies, PwdListsNo530AndTypeIsAnsweredWith200Or504) {
  EXPECT_TRUE(is_listed("PWD", 257));
  EXPECT_FALSE(is_listed("PWD", 530));
  EXPECT_TRUE(is_listed("TYPE", 200));
  EXPECT_TRUE(is_listed("TYPE", 504));
}

TEST(FtpReplies, Rfc3659RestartRepliesBelongToTheTransferNotToRest) {
  for (const char* verb : {"RETR", "STOR", "APPE"}) {
    EXPECT_TRUE(is_listed(verb, 554)) << verb;
    EXPECT_TRUE(is_listed(verb, 555)) << verb;
  }
  EXPECT_EQ(listed("REST", ReplyKind::intermediate), std::vector<int>{350});
  EXPECT_FALSE(is_listed("REST", 554));
  EXPECT_TRUE(has(listed_errors("REST"), 501));
}

TEST(FtpReplies, FeatAndMlstAndSizeHaveTheirRfcReplies) {
  EXPECT_EQ(listed("FEAT", ReplyKind::completion), std::vector<int>{211});
  EXPECT_EQ(listed_errors("FEAT"), (std::vector<int>{500, 502}));
  EXPECT_EQ(listed("MLST", ReplyKind::completion), std::vector<int>{250});
  EXPECT_EQ(listed("SIZE", ReplyKind::completion), std::vector<int>{213});
  EXPECT_EQ(listed("EPSV", ReplyKind::completion), (std::vector<int>{229, 200}));
  EXPECT_EQ(listed("EPRT", ReplyKind::completion), std::vector<int>{200});
}

TEST(FtpReplies, UnknownVerbsHaveNoKindOfReply) {
  EXPECT_TRUE(listed("XYZZY", ReplyKind::completion).empty());
  EXPECT_FALSE(is_listed("XYZZY", 500));
}

}  // namespace
}  // namespace streamcheck::conformance
