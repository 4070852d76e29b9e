// Reply formatting, RFC 959 §4.2: single and multi-line form, the indent that keeps
// an intermediate line from ending a reply, sanitizing, and 257 path quoting.
#include "refserver/ftp/ftp_reply.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace streamcheck::ftp {
namespace {

using namespace std::string_literals;

// The lines of a formatted reply, split at CRLF; fails on a bare CR or LF.
std::vector<std::string> wire_lines(const std::string& wire) {
  std::vector<std::string> lines;
  size_t start = 0;
  while (start < wire.size()) {
    const size_t end = wire.find("\r\n", start);
    EXPECT_NE(end, std::string::npos) << "reply does not end in CRLF: " << wire;
    if (end == std::string::npos) break;
    lines.push_back(wire.substr(start, end - start));
    start = end + 2;
  }
  for (const auto& l : lines) {
    EXPECT_EQ(l.find_first_of("\r\n"), std::string::npos) << "CR or LF inside: " << l;
  }
  return lines;
}

// How a client reads a reply: it ends at the first line starting "CODE ".
size_t client_end_line(const std::vector<std::string>& lines, int code) {
  const std::string end = std::to_string(code) + " ";
  for (size_t i = 0; i < lines.size(); ++i) {
    if (lines[i].rfind(end, 0) == 0) return i;
  }
  return lines.size();
}

TEST(Rfc959Reply, SingleLineIsCodeSpaceTextCrlf) {
  EXPECT_EQ(Reply(ReplyCode::file_status, "1234").format(), "213 1234\r\n");
  EXPECT_EQ(Reply(ReplyCode::entering_passive, "Entering Passive Mode (127,0,0,1,4,1).").format(),
            "227 Entering Passive Mode (127,0,0,1,4,1).\r\n");
}

TEST(Rfc959Reply, DefaultTextComesFromTheTable) {
  EXPECT_EQ(Reply(ReplyCode::file_action_ok).format(),
            "250 Requested file action okay, completed.\r\n");
  EXPECT_EQ(Reply(ReplyCode::not_logged_in).format(), "530 Not logged in.\r\n");
  EXPECT_EQ(Reply(ReplyCode::protocol_not_supported).format(),
            "522 Network protocol not supported, use (1,2)\r\n");
}

TEST(Rfc959Reply, EveryCodeHasThreeDigitsAndAText) {
  ASSERT_GE(all_reply_codes().size(), 40u);
  for (ReplyCode code : all_reply_codes()) {
    const int n = reply_number(code);
    EXPECT_GE(n, 110);
    EXPECT_LE(n, 559);
    EXPECT_FALSE(default_text(code).empty()) << n;
    EXPECT_EQ(Reply(code).format().substr(0, 4), std::to_string(n) + " ");
  }
}

TEST(Rfc959Reply, MultiLineStartsWithDashAndEndsWithCodeSpace) {
  const Reply r = Reply::multi(ReplyCode::system_status, {"first", "second", "End"});
  EXPECT_EQ(r.format(), "211-first\r\n second\r\n211 End\r\n");
}

TEST(Rfc959Reply, MultiLineIndentsDigitLines) {
  const Reply r = Reply::multi(ReplyCode::system_status, {"Status:", "211 looks like an end",
                                                          "226 Transfer complete", "End"});
  const std::string wire = r.format();
  EXPECT_EQ(wire, "211-Status:\r\n 211 looks like an end\r\n 226 Transfer complete\r\n211 End\r\n");
  const auto lines = wire_lines(wire);
  EXPECT_EQ(client_end_line(lines, 211), lines.size() - 1);
}

TEST(Rfc959Reply, MultiLineKeepsAnIndentTheCallerGave) {
  const Reply r = Reply::multi(ReplyCode::system_status, {"Features:", " MDTM", "SIZE", "End"});
  EXPECT_EQ(r.format(), "211-Features:\r\n MDTM\r\n SIZE\r\n211 End\r\n");
}

TEST(Rfc959Reply, TwoLinesHaveNoIntermediate) {
  EXPECT_EQ(Reply::multi(ReplyCode::help, {"a", "b"}).format(), "214-a\r\n214 b\r\n");
}

TEST(Rfc959Reply, EmptyMultiLineMeansDefaultText) {
  EXPECT_EQ(Reply::multi(ReplyCode::ok, {}).format(), "200 Command okay.\r\n");
}

TEST(Rfc959Reply, LinesNeverContainCrLfOrNul) {
  // A path echoed into a reply must not be able to end the line and forge another.
  const std::string forged = "a\r\n230 User logged in\nx\0y"s;
  const std::string single = Reply(ReplyCode::file_unavailable, forged).format();
  EXPECT_EQ(single, "550 a??230 User logged in?x?y\r\n");
  EXPECT_EQ(wire_lines(single).size(), 1u);

  const std::string multi =
      Reply::multi(ReplyCode::file_action_ok, {forged, forged, forged}).format();
  const auto lines = wire_lines(multi);
  ASSERT_EQ(lines.size(), 3u);
  EXPECT_EQ(client_end_line(lines, 250), 2u);
  EXPECT_EQ(client_end_line(lines, 230), lines.size());
}

TEST(Rfc959Reply, QuotePath257DoublesEmbeddedQuotes) {
  EXPECT_EQ(quote_path_257("/"), "\"/\"");
  EXPECT_EQ(quote_path_257("/a\"b"), "\"/a\"\"b\"");
  EXPECT_EQ(quote_path_257("\"\""), "\"\"\"\"\"\"");
  EXPECT_EQ(Reply(ReplyCode::path_created, quote_path_257("/a\"b") + " created").format(),
            "257 \"/a\"\"b\" created\r\n");
}

TEST(Rfc959Reply, StoreErrorsMapToRepliesStorMayGive) {
  using store::Errc;
  using store::Status;
  EXPECT_EQ(reply_for(Status(Errc::not_found, "m")).code, ReplyCode::file_unavailable);
  EXPECT_EQ(reply_for(Status(Errc::escapes_root, "m")).code, ReplyCode::file_unavailable);
  EXPECT_EQ(reply_for(Status(Errc::invalid_path, "m")).code, ReplyCode::name_not_allowed);
  EXPECT_EQ(reply_for(Status(Errc::not_supported, "m")).code, ReplyCode::file_unavailable);
  // RFC 959 lists 501 for STOR, STOU and APPE, and neither 503 nor 504.
  const Reply length = reply_for(Status(Errc::length_required, "length required: no ALLO"));
  EXPECT_EQ(length.code, ReplyCode::syntax_error_args);
  EXPECT_EQ(length.format(), "501 length_required: length required: no ALLO\r\n");
}

TEST(ReplyOr, HoldsAValueOrTheErrorReply) {
  const ReplyOr<int> good = 7;
  ASSERT_TRUE(good.ok());
  EXPECT_EQ(*good, 7);
  const ReplyOr<int> bad = Reply(ReplyCode::syntax_error_args);
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().code, ReplyCode::syntax_error_args);
}

}  // namespace
}  // namespace streamcheck::ftp
