// Command lines and the table rules: parse_command_line, the dispatcher's 500/530/503/
// 501 and its pass-through to a handler, FEAT and HELP from the table. The test table
// pairs specs with handlers the way the session's table does.
#include "refserver/ftp/ftp_command.hpp"

#include <gtest/gtest.h>

#include <array>
#include <string>

namespace streamcheck::ftp {
namespace {

// Stands in for the control session: each handler records what it was called with.
struct FakeSession {
  std::string ran;
  void on(std::string_view verb, std::string_view arg) {
    ran = std::string(verb) + "(" + std::string(arg) + ")";
  }
  void on_user(std::string_view arg) { on("USER", arg); }
  void on_pass(std::string_view arg) { on("PASS", arg); }
  void on_noop(std::string_view arg) { on("NOOP", arg); }
  void on_size(std::string_view arg) { on("SIZE", arg); }
  void on_mdtm(std::string_view arg) { on("MDTM", arg); }
  void on_mlsd(std::string_view arg) { on("MLSD", arg); }
  void on_mlst(std::string_view arg) { on("MLST", arg); }
  void on_rnfr(std::string_view arg) { on("RNFR", arg); }
  void on_rnto(std::string_view arg) { on("RNTO", arg); }
  void on_epsv(std::string_view arg) { on("EPSV", arg); }
  void on_rest(std::string_view arg) { on("REST", arg); }
  void on_list(std::string_view arg) { on("LIST", arg); }
};

struct TestCommand {
  CommandSpec spec;
  void (FakeSession::*handler)(std::string_view);
};

constexpr std::string_view kMlst = "MLST type*;size*;modify*;perm*;";

// clang-format off
constexpr std::array kTestCommands = {
  TestCommand{{"USER", false, ArgRule::required, "",     "Syntax: USER <SP> user-name.", ""},     &FakeSession::on_user},
  TestCommand{{"PASS", false, ArgRule::optional, "USER", "Syntax: PASS [<SP> password].", ""},   &FakeSession::on_pass},
  TestCommand{{"NOOP", false, ArgRule::none,     "",     "Syntax: NOOP.", ""},                   &FakeSession::on_noop},
  TestCommand{{"SIZE", true,  ArgRule::required, "",     "Syntax: SIZE <SP> file-name.", "SIZE"}, &FakeSession::on_size},
  TestCommand{{"MDTM", true,  ArgRule::required, "",     "Syntax: MDTM <SP> file-name.", "MDTM"}, &FakeSession::on_mdtm},
  TestCommand{{"MLSD", true,  ArgRule::optional, "",     "Syntax: MLSD [<SP> dir-name].", kMlst}, &FakeSession::on_mlsd},
  TestCommand{{"MLST", true,  ArgRule::optional, "",     "Syntax: MLST [<SP> path].", kMlst},     &FakeSession::on_mlst},
  TestCommand{{"RNFR", true,  ArgRule::required, "",     "Syntax: RNFR <SP> file-name.", ""},     &FakeSession::on_rnfr},
  TestCommand{{"RNTO", true,  ArgRule::required, "RNFR", "Syntax: RNTO <SP> file-name.", ""},     &FakeSession::on_rnto},
  TestCommand{{"EPSV", true,  ArgRule::optional, "",     "Syntax: EPSV [<SP> 1|2|ALL].", "EPSV"}, &FakeSession::on_epsv},
  TestCommand{{"REST", true,  ArgRule::required, "",     "Syntax: REST <SP> offset.", "REST STREAM"}, &FakeSession::on_rest},
  TestCommand{{"LIST", true,  ArgRule::optional, "",     "Syntax: LIST [<SP> path].", ""},        &FakeSession::on_list},
};
// clang-format on
constexpr auto kTestSpecs = specs_of(kTestCommands);
static_assert(is_valid_table(kTestSpecs));

// A spec with only a verb and a must_follow, for the table checks.
constexpr CommandSpec bare(std::string_view verb, std::string_view must_follow = "") {
  return CommandSpec{verb, false, ArgRule::none, must_follow, "", ""};
}

// The session's dispatch, as ftp_command.hpp shows it: check, then run the handler.
// Returns the error reply's wire form, or "" when a handler ran.
std::string dispatch(FakeSession& session, std::string_view line, bool logged_in,
                     std::string_view previous_verb = "") {
  const CommandLine cmd = parse_command_line(line);
  const CommandSpec* spec = find_command(kTestSpecs, cmd.verb);
  if (auto error = check_command(cmd, spec, logged_in, previous_verb)) return error->format();
  const size_t index = static_cast<size_t>(spec - kTestSpecs.data());
  (session.*kTestCommands[index].handler)(cmd.arg);
  return "";
}

TEST(Rfc959CommandLine, UpperCasesVerbAndKeepsArgumentAsIs) {
  const CommandLine cmd = parse_command_line("retr  a b \r\n");
  EXPECT_EQ(cmd.verb, "RETR");
  EXPECT_EQ(cmd.arg, " a b ");  // starts after exactly one space; file names may have spaces
}

TEST(Rfc959CommandLine, NoArgumentAndEmptyLine) {
  EXPECT_EQ(parse_command_line("NOOP").arg, "");
  EXPECT_EQ(parse_command_line("NOOP ").arg, "");
  EXPECT_EQ(parse_command_line("NOOP").verb, "NOOP");
  EXPECT_EQ(parse_command_line("").verb, "");
  EXPECT_EQ(parse_command_line("\r\n").verb, "");
  EXPECT_EQ(parse_command_line(" x").verb, "");
}

TEST(CommandTable, FindsOnlyVerbsOfOneToFourLetters) {
  EXPECT_NE(find_command(kTestSpecs, "SIZE"), nullptr);
  EXPECT_EQ(find_command(kTestSpecs, "SIZEX"), nullptr);
  EXPECT_EQ(find_command(kTestSpecs, "S1ZE"), nullptr);
  EXPECT_EQ(find_command(kTestSpecs, "size"), nullptr);  // callers upper-case first
  EXPECT_EQ(find_command(kTestSpecs, ""), nullptr);
  EXPECT_EQ(find_command(kTestSpecs, "STOR"), nullptr);  // well-formed, not in the table
}

TEST(CommandTable, SpecsOfKeepsTheOrderOfTheHandlerTable) {
  ASSERT_EQ(kTestSpecs.size(), kTestCommands.size());
  for (size_t i = 0; i < kTestSpecs.size(); ++i) {
    EXPECT_EQ(kTestSpecs[i].verb, kTestCommands[i].spec.verb);
  }
}

TEST(CommandTable, ValidityCheckCatchesBadTables) {
  constexpr std::array duplicate = {bare("NOOP"), bare("NOOP")};
  constexpr std::array lower = {bare("noop")};
  constexpr std::array too_long = {bare("NOOPS")};
  constexpr std::array unknown_follow = {bare("RNTO", "RNFR")};
  constexpr std::array known_follow = {bare("RNTO", "RNFR"), bare("RNFR")};
  static_assert(!is_valid_table(duplicate));
  static_assert(!is_valid_table(lower));
  static_assert(!is_valid_table(too_long));
  static_assert(!is_valid_table(unknown_follow));
  static_assert(is_valid_table(known_follow));
  EXPECT_FALSE(is_valid_table(duplicate));
  EXPECT_TRUE(is_valid_table(kTestSpecs));
}

TEST(Rfc959Dispatch, UnknownVerbIs500) {
  FakeSession s;
  EXPECT_EQ(dispatch(s, "XYZ", true), "500 'XYZ': command not understood.\r\n");
  EXPECT_EQ(dispatch(s, "sizex a", true), "500 'SIZEX': command not understood.\r\n");
  EXPECT_EQ(dispatch(s, "", true), "500 Syntax error, command unrecognized.\r\n");
  EXPECT_EQ(s.ran, "");
}

TEST(Rfc959Dispatch, UnknownVerbEchoIsPrintableAndShort) {
  FakeSession s;
  const std::string reply = dispatch(s, "\x01\xff" + std::string(100, 'A') + "\r", true);
  EXPECT_EQ(reply, "500 '??AAAAAAAAAAAAAA...': command not understood.\r\n");
}

TEST(Rfc959Dispatch, NotLoggedInIs530) {
  FakeSession s;
  EXPECT_EQ(dispatch(s, "SIZE a", false), "530 Log in with USER and PASS first.\r\n");
  EXPECT_EQ(s.ran, "");
  EXPECT_EQ(dispatch(s, "USER joe", false), "");
  EXPECT_EQ(s.ran, "USER(joe)");
}

TEST(Rfc959Dispatch, LoginIsCheckedBeforeSequenceAndArgument) {
  FakeSession s;
  EXPECT_EQ(dispatch(s, "SIZE", false).substr(0, 4), "530 ");
  EXPECT_EQ(dispatch(s, "RNTO", false, "NOOP").substr(0, 4), "530 ");
}

TEST(Rfc959Dispatch, OutOfSequenceIs503) {
  FakeSession s;
  EXPECT_EQ(dispatch(s, "RNTO b", true, "NOOP"),
            "503 Bad sequence of commands: send RNFR first.\r\n");
  EXPECT_EQ(dispatch(s, "RNTO b", true, ""), "503 Bad sequence of commands: send RNFR first.\r\n");
  EXPECT_EQ(dispatch(s, "PASS x", false, "NOOP"),
            "503 Bad sequence of commands: send USER first.\r\n");
  EXPECT_EQ(s.ran, "");
  EXPECT_EQ(dispatch(s, "RNTO b", true, "RNFR"), "");
  EXPECT_EQ(s.ran, "RNTO(b)");
  EXPECT_EQ(dispatch(s, "PASS x", false, "USER"), "");
  EXPECT_EQ(s.ran, "PASS(x)");
}

TEST(Rfc959Dispatch, SequenceIsCheckedBeforeArgument) {
  FakeSession s;
  EXPECT_EQ(dispatch(s, "RNTO", true, "NOOP").substr(0, 4), "503 ");
}

TEST(Rfc959Dispatch, MissingArgumentIs501) {
  FakeSession s;
  EXPECT_EQ(dispatch(s, "SIZE", true), "501 Syntax error: command needs an argument.\r\n");
  EXPECT_EQ(dispatch(s, "SIZE ", true), "501 Syntax error: command needs an argument.\r\n");
  EXPECT_EQ(s.ran, "");
}

TEST(Rfc959Dispatch, UnexpectedArgumentIs501) {
  FakeSession s;
  EXPECT_EQ(dispatch(s, "NOOP x", true),
            "501 Syntax error: command does not accept arguments.\r\n");
  EXPECT_EQ(s.ran, "");
  EXPECT_EQ(dispatch(s, "NOOP   ", true), "");  // only spaces: tolerated
  EXPECT_EQ(s.ran, "NOOP(  )");
}

TEST(Rfc959Dispatch, ValidCommandRunsItsHandler) {
  FakeSession s;
  EXPECT_EQ(dispatch(s, "size  dir/a b.bin", true), "");
  EXPECT_EQ(s.ran, "SIZE( dir/a b.bin)");
  EXPECT_EQ(dispatch(s, "MLSD", true), "");
  EXPECT_EQ(s.ran, "MLSD()");
  EXPECT_EQ(dispatch(s, "EPSV ALL", true), "");
  EXPECT_EQ(s.ran, "EPSV(ALL)");
}

TEST(Rfc2389Feat, EachFeatureOnceSorted) {
  EXPECT_EQ(format_feat(kTestSpecs).format(),
            "211-Features supported:\r\n"
            " EPSV\r\n"
            " MDTM\r\n"
            " MLST type*;size*;modify*;perm*;\r\n"
            " REST STREAM\r\n"
            " SIZE\r\n"
            "211 End\r\n");
}

TEST(Rfc2389Feat, NoFeaturesIsOneLine) {
  constexpr std::array plain = {bare("NOOP")};
  EXPECT_EQ(format_feat(plain).format(), "211 No features supported.\r\n");
}

TEST(Rfc959Help, ListsEveryVerbInSortedRows) {
  EXPECT_EQ(format_help(kTestSpecs, "").format(),
            "214-The following commands are recognized:\r\n"
            " EPSV  LIST  MDTM  MLSD  MLST  NOOP  PASS  REST\r\n"
            " RNFR  RNTO  SIZE  USER\r\n"
            "214 Help command successful.\r\n");
}

TEST(Rfc959Help, OneVerbGivesItsHelpText) {
  EXPECT_EQ(format_help(kTestSpecs, "size").format(), "214 Syntax: SIZE <SP> file-name.\r\n");
}

TEST(Rfc959Help, UnknownVerbIs501) {
  EXPECT_EQ(format_help(kTestSpecs, "stor").format(), "501 Unknown command 'STOR'.\r\n");
}

}  // namespace
}  // namespace streamcheck::ftp
