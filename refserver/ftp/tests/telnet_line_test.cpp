// Control-connection bytes to lines: Telnet IAC filtering (RFC 854) at every buffer
// split, the ABOR Synch sequence, and the line assembler's limit.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "refserver/ftp/ftp_command.hpp"
#include "refserver/ftp/ftp_line.hpp"

namespace streamcheck::ftp {
namespace {

using namespace std::string_literals;

// Filters `input` cut into the given pieces, one filter for all of them.
std::string filter_pieces(const std::vector<std::string>& pieces) {
  TelnetFilter f;
  std::string out;
  for (std::string piece : pieces) out += f.filter(std::span<char>(piece));
  return out;
}

std::string filter_all(const std::string& input) {
  return filter_pieces({input});
}

TEST(Rfc854Telnet, PlainBytesPassUnchanged) {
  EXPECT_EQ(filter_all("RETR a\xc3\xa9.bin\r\n"), "RETR a\xc3\xa9.bin\r\n");
}

TEST(Rfc854Telnet, DoubledIacIsOneLiteralFF) {
  EXPECT_EQ(filter_all("STOR a\xff\xff"
                       "b\r\n"),
            "STOR a\xff"
            "b\r\n");
}

TEST(Rfc854Telnet, DropsOptionNegotiation) {
  // IAC WILL ECHO, IAC WONT 3, IAC DO 1, IAC DONT 255 (the option byte may even be 255).
  EXPECT_EQ(filter_all("\xff\xfb\x01NO\xff\xfc\x03OP\xff\xfd\x01\xff\xfe\xff\r\n"), "NOOP\r\n");
}

TEST(Rfc854Telnet, DropsTwoByteCommands) {
  // NOP, AYT, EC, GA, and SE outside a subnegotiation.
  EXPECT_EQ(filter_all("\xff\xf1N\xff\xf6O\xff\xf7O\xff\xf9P\xff\xf0\r\n"), "NOOP\r\n");
}

TEST(Rfc854Telnet, DropsSubnegotiation) {
  // IAC SB TERMINAL-TYPE ... IAC SE; an IAC IAC inside is data of the subnegotiation.
  EXPECT_EQ(filter_all("\xff\xfa\x18\x00xterm\xff\xff"
                       "abc\xff\xf0NOOP\r\n"s),
            "NOOP\r\n");
}

TEST(Rfc959Abort, SynchBeforeAborIsRemoved) {
  // IAC IP, IAC DM, as read with SO_OOBINLINE.
  EXPECT_EQ(filter_all("\xff\xf4\xff\xf2"
                       "ABOR\r\n"),
            "ABOR\r\n");
}

TEST(Rfc959Abort, SynchWhoseUrgentByteWentOutOfBandKeepsTheVerb) {
  // IAC IP, IAC; the DM byte was taken out of band by the kernel.
  EXPECT_EQ(filter_all("\xff\xf4\xff"
                       "ABOR\r\n"),
            "ABOR\r\n");
}

TEST(Rfc854Telnet, IacSplitFromItsCommandByte) {
  TelnetFilter f;
  std::string a = "NO\xff";
  EXPECT_EQ(f.filter(std::span<char>(a)), "NO");
  EXPECT_TRUE(f.in_sequence());
  std::string b = "\xfb";
  EXPECT_EQ(f.filter(std::span<char>(b)), "");
  EXPECT_TRUE(f.in_sequence());
  std::string c = "\x01OP\xff";
  EXPECT_EQ(f.filter(std::span<char>(c)), "OP");
  std::string d = "\xff\r\n";
  EXPECT_EQ(f.filter(std::span<char>(d)), "\xff\r\n");
  EXPECT_FALSE(f.in_sequence());
}

TEST(Rfc854Telnet, SameOutputAtEverySplit) {
  const std::string input =
      "US\xff\xfb\x01"
      "ER a\xff\xff"
      "b\r\n\xff\xf4\xff\xf2"
      "ABOR\r\n\xff\xfa\x18\x00t\xff\xff"
      "\xff\xf0NOOP\xff\xf1\r\n\xff\xf4\xff"
      "ABOR\r\n"s;
  const std::string expected =
      "USER a\xff"
      "b\r\nABOR\r\nNOOP\r\nABOR\r\n";
  ASSERT_EQ(filter_all(input), expected);
  for (size_t i = 0; i <= input.size(); ++i) {
    for (size_t j = i; j <= input.size(); ++j) {
      EXPECT_EQ(filter_pieces({input.substr(0, i), input.substr(i, j - i), input.substr(j)}),
                expected)
          << "split at " << i << " and " << j;
    }
  }
  std::vector<std::string> bytes;
  for (char c : input) bytes.emplace_back(1, c);
  EXPECT_EQ(filter_pieces(bytes), expected);
}

// Feeds `data` to `a` and collects what it reports: the line, or "<too long>".
std::vector<std::string> assemble(LineAssembler& a, std::string_view data) {
  std::vector<std::string> events;
  while (!data.empty()) {
    const auto step = a.feed(data);
    EXPECT_GT(step.consumed, 0u);
    if (step.consumed == 0) break;
    data.remove_prefix(step.consumed);
    if (step.event == LineAssembler::Event::line) events.emplace_back(a.line());
    if (step.event == LineAssembler::Event::too_long) events.emplace_back("<too long>");
  }
  return events;
}

using Lines = std::vector<std::string>;

TEST(ControlLine, CrlfAndBareLfEndLines) {
  LineAssembler a;
  EXPECT_EQ(assemble(a, "USER a\r\nPASS b\nNOOP\r\n"), (Lines{"USER a", "PASS b", "NOOP"}));
}

TEST(ControlLine, CrInsideALineStays) {
  LineAssembler a;
  EXPECT_EQ(assemble(a, "STOR a\rb\r\r\n"), (Lines{"STOR a\rb\r"}));
}

TEST(ControlLine, PipelinedCommandsComeOneAtATime) {
  LineAssembler a;
  const std::string_view data = "USER a\r\nPASS b\r\n";
  const auto first = a.feed(data);
  EXPECT_EQ(first.consumed, 8u);
  EXPECT_EQ(first.event, LineAssembler::Event::line);
  EXPECT_EQ(a.line(), "USER a");
  const auto second = a.feed(data.substr(first.consumed));
  EXPECT_EQ(second.consumed, 8u);
  EXPECT_EQ(a.line(), "PASS b");
}

TEST(ControlLine, LineSplitAcrossFeeds) {
  LineAssembler a;
  EXPECT_EQ(a.feed("RE").event, LineAssembler::Event::need_more);
  EXPECT_TRUE(a.partial());
  EXPECT_EQ(a.feed("TR x\r").event, LineAssembler::Event::need_more);
  const auto step = a.feed("\nNOOP");
  EXPECT_EQ(step.consumed, 1u);
  EXPECT_EQ(step.event, LineAssembler::Event::line);
  EXPECT_EQ(a.line(), "RETR x");
  EXPECT_FALSE(a.partial());
}

TEST(ControlLine, LineOfExactlyTheLimitIsAccepted) {
  for (std::string_view ending : {"\r\n", "\n"}) {
    LineAssembler a(8);
    EXPECT_EQ(assemble(a, "12345678" + std::string(ending)), (Lines{"12345678"}));
    EXPECT_EQ(assemble(a, "123456789" + std::string(ending)), (Lines{"<too long>"}));
  }
  LineAssembler a(8);
  EXPECT_EQ(assemble(a, "12345678\r"), Lines{});
  EXPECT_EQ(assemble(a, "\n"), (Lines{"12345678"}));
}

TEST(ControlLine, OverlongLineIsReportedOnceThenTheNextCommandWorks) {
  LineAssembler a(16);
  Lines events;
  // 10000 bytes in 100-byte reads: the assembler keeps none of them.
  for (int i = 0; i < 100; ++i) {
    for (auto& e : assemble(a, std::string(100, 'x'))) events.push_back(e);
    EXPECT_TRUE(a.partial());
  }
  for (auto& e : assemble(a, "\r\nNOOP\r\n")) events.push_back(e);
  EXPECT_EQ(events, (Lines{"<too long>", "NOOP"}));
}

TEST(ControlLine, OverlongLineFedInPiecesShorterThanTheLimit) {
  LineAssembler a(16);
  Lines events;
  for (int i = 0; i < 10; ++i) {
    for (auto& e : assemble(a, "xxxxx")) events.push_back(e);
  }
  for (auto& e : assemble(a, "\r\nNOOP\r\n")) events.push_back(e);
  EXPECT_EQ(events, (Lines{"<too long>", "NOOP"}));
}

TEST(ControlLine, OverlongLineInOneFeed) {
  LineAssembler a(16);
  EXPECT_EQ(assemble(a, std::string(17, 'x') + "\nSTAT\r\n" + std::string(40, 'y') + "\r\nPWD\r\n"),
            (Lines{"<too long>", "STAT", "<too long>", "PWD"}));
}

TEST(ControlLine, TelnetFilterLineAssemblerAndParserByteByByte) {
  std::string wire =
      "retr \xff\xff"
      "a b\r\n\xff\xf4\xff\xf2"
      "ABOR\r\n";
  TelnetFilter f;
  LineAssembler a;
  std::vector<CommandLine> commands;
  for (char& c : wire) {
    const std::string_view plain = f.filter(std::span<char>(&c, 1));
    if (!plain.empty() && a.feed(plain).event == LineAssembler::Event::line) {
      commands.push_back(parse_command_line(a.line()));
    }
  }
  ASSERT_EQ(commands.size(), 2u);
  EXPECT_EQ(commands[0].verb, "RETR");
  EXPECT_EQ(commands[0].arg,
            "\xff"
            "a b");
  EXPECT_EQ(commands[1].verb, "ABOR");
  EXPECT_EQ(commands[1].arg, "");
}

}  // namespace
}  // namespace streamcheck::ftp
