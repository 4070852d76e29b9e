// The control connection's input path: TelnetFilter, LineAssembler, parse_command_line.
//
// Input: one byte for the line limit, the split seed's length and the seed, then the
// socket bytes. Checked:
//   - the filter never grows its buffer and gives the same plain bytes however the
//     socket bytes are split (a sequence may straddle two reads); without IAC it is
//     the identity;
//   - the assembler gives, for any split, exactly the lines of a plain model: each LF
//     ends a line, one CR before it goes, a line over the limit is one too_long event;
//     it consumes up to and including the LF and never more than it was given;
//   - parse_command_line: the verb is the upper-cased first word and re-joining verb,
//     space and argument gives back the line without its trailing CR and LF bytes.
#include <cctype>
#include <string>
#include <string_view>
#include <vector>

#include "fuzz/fuzz_check.hpp"
#include "refserver/ftp/ftp_command.hpp"
#include "refserver/ftp/ftp_line.hpp"

namespace {

using streamcheck::ftp::LineAssembler;
using streamcheck::ftp::TelnetFilter;
using streamcheck::fuzz::printable;

std::string filter_in_pieces(const std::vector<std::string_view>& pieces) {
  TelnetFilter filter;
  std::string plain;
  for (std::string_view piece : pieces) {
    std::string buffer(piece);
    const std::string_view out = filter.filter(buffer);
    FUZZ_CHECK(out.data() == buffer.data() || out.empty());
    FUZZ_CHECK(out.size() <= piece.size());
    plain += out;
  }
  return plain;
}

// "L:<line>" or "T" (too long) per LF, in order.
std::vector<std::string> model_lines(std::string_view plain, size_t max_line) {
  std::vector<std::string> events;
  for (size_t lf = plain.find('\n'); lf != std::string_view::npos; lf = plain.find('\n')) {
    std::string_view line = plain.substr(0, lf);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    events.push_back(line.size() > max_line ? std::string("T") : "L:" + std::string(line));
    plain.remove_prefix(lf + 1);
  }
  return events;
}

std::vector<std::string> assemble(const std::vector<std::string_view>& pieces, size_t max_line) {
  LineAssembler assembler(max_line);
  std::vector<std::string> events;
  for (std::string_view piece : pieces) {
    while (!piece.empty()) {
      const LineAssembler::Step step = assembler.feed(piece);
      FUZZ_CHECK(step.consumed > 0 && step.consumed <= piece.size());
      if (step.event == LineAssembler::Event::need_more) {
        FUZZ_CHECK(step.consumed == piece.size());
        FUZZ_CHECK(piece.find('\n') == std::string_view::npos);
      } else {
        FUZZ_CHECK(piece[step.consumed - 1] == '\n');
        FUZZ_CHECK(piece.substr(0, step.consumed - 1).find('\n') == std::string_view::npos);
      }
      if (step.event == LineAssembler::Event::line) {
        FUZZ_CHECK(assembler.line().size() <= max_line);
        FUZZ_CHECK(!assembler.partial());
        events.push_back("L:" + std::string(assembler.line()));
      } else if (step.event == LineAssembler::Event::too_long) {
        events.push_back("T");
      }
      piece.remove_prefix(step.consumed);
    }
  }
  return events;
}

void check_command_line(std::string_view line) {
  const auto cmd = streamcheck::ftp::parse_command_line(line);
  std::string_view trimmed = line;
  while (!trimmed.empty() && (trimmed.back() == '\r' || trimmed.back() == '\n')) {
    trimmed.remove_suffix(1);
  }
  FUZZ_CHECK(cmd.verb.find(' ') == std::string::npos);
  FUZZ_CHECK(cmd.verb.size() + cmd.arg.size() <= trimmed.size());
  std::string upper(trimmed.substr(0, cmd.verb.size()));
  for (char& c : upper) {
    if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
  }
  FUZZ_CHECK_MSG(upper == cmd.verb, printable(line));
  const bool has_space = trimmed.find(' ') != std::string_view::npos;
  const std::string rejoined = has_space
                                   ? std::string(trimmed.substr(0, cmd.verb.size())) + " " + cmd.arg
                                   : std::string(trimmed.substr(0, cmd.verb.size()));
  FUZZ_CHECK_MSG(rejoined == trimmed, printable(line));
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  streamcheck::fuzz::FuzzInput input(data, size);
  // Small limits too, so over-long lines are common in small inputs.
  const size_t max_line = 1 + input.byte() % 64;
  const std::string_view seed = input.take(input.byte() % 8);
  const std::string_view bytes = input.rest();

  const std::string plain = filter_in_pieces({bytes});
  FUZZ_CHECK(plain == filter_in_pieces(streamcheck::fuzz::split_by(bytes, seed)));
  if (bytes.find('\xff') == std::string_view::npos) FUZZ_CHECK(plain == bytes);

  const std::vector<std::string> expected = model_lines(plain, max_line);
  FUZZ_CHECK(assemble({plain}, max_line) == expected);
  FUZZ_CHECK(assemble(streamcheck::fuzz::split_by(plain, seed), max_line) == expected);

  for (const std::string& event : expected) {
    if (event.starts_with("L:")) check_command_line(std::string_view(event).substr(2));
  }
  check_command_line(bytes);
  return 0;
}
