// What the harness reads from a server's FTP control connection (ftp_reply.hpp): lines
// out of the bytes (pop_line, as RawConnection::read_line takes them), replies out of the
// lines (FtpReplyAssembler, as FtpControl::read_reply joins them, RFC 959 §4.2), and the
// data in 227 (PASV), 229 (EPSV) and MLST replies.
//
// Input: a selector byte, the split seed's length and the seed, then the server's bytes.
// Checked:
//   - replies: the same replies for any split of the bytes; each has a code of three
//     digits, 100 to 599, that its text starts with, or code 0 (no reply); a multi-line
//     reply ends with its code and a space unless the stream ended first; no reply holds
//     more than the bytes did;
//   - PASV: an address of four numbers and a port of two, each 0 to 255, that written
//     back as a 227 reply parses to the same;
//   - EPSV: a port 1 to 65535 that written back as a 229 reply parses to the same;
//   - MLST: fact names lower-case, without '=' or ';', values without ';', and the facts
//     written back as entry lines (with their names in upper case too: §7.1 makes them
//     case-insensitive) parse to the same facts.
#include <cctype>
#include <string>
#include <string_view>
#include <vector>

#include "bench/lib/ftp_reply.hpp"
#include "fuzz/fuzz_check.hpp"

namespace {

using namespace streamcheck::bench;
using streamcheck::fuzz::printable;

struct Replies {
  std::vector<FtpReply> replies;
  bool cut_short = false;  // the last one is a multi-line reply the stream ended in
  bool operator==(const Replies& other) const {
    if (cut_short != other.cut_short || replies.size() != other.replies.size()) return false;
    for (size_t i = 0; i < replies.size(); ++i)
      if (replies[i].code != other.replies[i].code || replies[i].text != other.replies[i].text)
        return false;
    return true;
  }
};

Replies read_replies(const std::vector<std::string_view>& pieces) {
  Replies out;
  std::string buffer;
  FtpReplyAssembler assembler;
  for (std::string_view piece : pieces) {
    buffer += piece;
    while (auto line = pop_line(buffer)) {
      FUZZ_CHECK(line->find('\n') == std::string::npos);
      if (auto reply = assembler.add_line(*line)) out.replies.push_back(*reply);
    }
  }
  if (auto rest = assembler.finish()) {
    out.replies.push_back(*rest);
    out.cut_short = true;
  }
  return out;
}

void check_replies(std::string_view bytes, std::string_view seed) {
  const Replies whole = read_replies({bytes});
  FUZZ_CHECK_MSG(read_replies(streamcheck::fuzz::split_by(bytes, seed)) == whole, printable(bytes));
  size_t held = 0;
  for (size_t i = 0; i < whole.replies.size(); ++i) {
    const FtpReply& r = whole.replies[i];
    held += r.text.size();
    if (r.code == 0) continue;
    FUZZ_CHECK_MSG(r.code >= 100 && r.code <= 599, printable(r.text));
    const std::string code = std::to_string(r.code);
    FUZZ_CHECK_MSG(r.text.starts_with(code), printable(r.text));
    const bool last_cut = whole.cut_short && i + 1 == whole.replies.size();
    if (r.text.size() > 3 && r.text[3] == '-' && !last_cut) {
      const size_t nl = r.text.rfind('\n');
      FUZZ_CHECK_MSG(nl != std::string::npos && r.text.substr(nl + 1).starts_with(code + " "),
                     printable(r.text));
    }
  }
  FUZZ_CHECK(held <= bytes.size());
}

void check_pasv(std::string_view text) {
  const auto pasv = parse_pasv_reply(text);
  if (!pasv) return;
  for (unsigned h : pasv->host) FUZZ_CHECK_MSG(h <= 255, printable(text));
  FUZZ_CHECK_MSG(pasv->port <= 65535, printable(text));
  std::string again = "227 Entering Passive Mode (";
  for (unsigned h : pasv->host) again += std::to_string(h) + ",";
  again += std::to_string(pasv->port / 256) + "," + std::to_string(pasv->port % 256) + ").";
  const auto reread = parse_pasv_reply(again);
  FUZZ_CHECK_MSG(reread && reread->host == pasv->host && reread->port == pasv->port,
                 printable(text) + " -> " + again);
}

void check_epsv(std::string_view text) {
  const auto port = parse_epsv_reply(text);
  if (!port) return;
  FUZZ_CHECK_MSG(*port >= 1 && *port <= 65535, printable(text));
  const std::string again =
      "229 Entering Extended Passive Mode (|||" + std::to_string(*port) + "|)";
  FUZZ_CHECK_MSG(parse_epsv_reply(again) == port, printable(text) + " -> " + again);
}

void check_mlst(std::string_view text) {
  const auto facts = parse_mlst_facts(text);
  // One entry line per fact: a name may begin with a space (the first fact of a line),
  // which after another fact's ';' would read as the end of the facts.
  std::string lines, upper;
  for (const auto& [name, value] : facts) {
    FUZZ_CHECK_MSG(name.find_first_of("=;") == std::string::npos, printable(text));
    FUZZ_CHECK_MSG(value.find(';') == std::string::npos, printable(text));
    for (char c : name)
      FUZZ_CHECK_MSG(!std::isupper(static_cast<unsigned char>(c)), printable(text));
    lines += " " + name + "=" + value + "; /x\n";
    upper += " ";
    for (char c : name) upper += static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    upper += "=" + value + "; /x\n";
  }
  if (facts.empty()) return;
  FUZZ_CHECK_MSG(parse_mlst_facts("250-Listing\n" + lines + "250 End") == facts,
                 printable(text) + " -> " + printable(lines));
  FUZZ_CHECK_MSG(parse_mlst_facts(upper) == facts, printable(text) + " -> " + printable(upper));
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  streamcheck::fuzz::FuzzInput input(data, size);
  const uint8_t selector = input.byte();
  const std::string_view seed = input.take(input.byte() % 8);
  const std::string_view bytes = input.rest();
  switch (selector % 4) {
    case 0:
      check_replies(bytes, seed);
      break;
    case 1:
      check_pasv(bytes);
      break;
    case 2:
      check_epsv(bytes);
      break;
    default:
      check_mlst(bytes);
  }
  return 0;
}
