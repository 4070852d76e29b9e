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

}  // namespace
}  // namespace streamcheck::conformance
