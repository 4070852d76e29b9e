#include "conformance/ftp_replies.hpp"

#include <algorithm>
#include <cctype>
#include <map>

namespace streamcheck::conformance {
namespace {

constexpr std::string_view k959 = "RFC 959 §5.4";
constexpr std::string_view kRest = "RFC 959 §5.4, RFC 3659 §5";

// One entry per command, in the order of RFC 959 §5.4's command-reply sequences, then
// the extensions. 421 (service closing) and 530 (not logged in) are listed for most.
const std::map<std::string, ListedReplies, std::less<>>& table() {
  static const std::map<std::string, ListedReplies, std::less<>> t{
      {"USER", {k959, {230, 530, 500, 501, 421, 331, 332}}},
      {"PASS", {k959, {230, 202, 530, 500, 501, 503, 421, 332}}},
      {"ACCT", {k959, {230, 202, 530, 500, 501, 503, 421}}},
      {"CWD", {k959, {250, 500, 501, 502, 421, 530, 550}}},
      // §4.1.1: "The reply codes shall be identical to the reply codes of CWD": 250 too.
      {"CDUP", {"RFC 959 §5.4, §4.1.1", {200, 250, 500, 501, 502, 421, 530, 550}}},
      {"SMNT", {k959, {202, 250, 500, 501, 502, 421, 530, 550}}},
      {"REIN", {k959, {120, 220, 421, 500, 502}}},
      {"QUIT", {k959, {221, 500}}},
      {"PORT", {k959, {200, 500, 501, 421, 530}}},
      {"PASV", {k959, {227, 500, 501, 502, 421, 530}}},
      {"MODE", {k959, {200, 500, 501, 504, 421, 530}}},
      {"TYPE", {k959, {200, 500, 501, 504, 421, 530}}},
      {"STRU", {k959, {200, 500, 501, 504, 421, 530}}},
      {"ALLO", {k959, {200, 202, 500, 501, 504, 421, 530}}},
      {"REST", {k959, {500, 501, 502, 421, 530, 350}}},
      // RFC 3659 §5: after REST, the transfer command may get 554 (invalid REST
      // parameter) or 555 (TYPE or STRU mismatch); REST itself gets an error only when
      // the marker is no number or REST is not implemented (RFC 959's list).
      {"STOR", {kRest, {125, 150, 110, 226, 250, 425, 426, 451, 551, 552,
                        532, 450, 452, 553, 500, 501, 421, 530, 554, 555}}},
      {"STOU",
       {k959,
        {125, 150, 110, 226, 250, 425, 426, 451, 551, 552, 532, 450, 452, 553, 500, 501, 421,
         530}}},
      {"RETR",
       {kRest, {125, 150, 110, 226, 250, 425, 426, 451, 450, 550, 500, 501, 421, 530, 554, 555}}},
      {"LIST", {k959, {125, 150, 226, 250, 425, 426, 451, 450, 500, 501, 502, 421, 530}}},
      {"NLST", {k959, {125, 150, 226, 250, 425, 426, 451, 450, 500, 501, 502, 421, 530}}},
      {"APPE", {kRest, {125, 150, 110, 226, 250, 425, 426, 451, 551, 552, 532,
                        450, 550, 452, 553, 500, 501, 502, 421, 530, 554, 555}}},
      {"RNFR", {k959, {450, 550, 500, 501, 502, 421, 530, 350}}},
      {"RNTO", {k959, {250, 532, 553, 500, 501, 502, 503, 421, 530}}},
      {"DELE", {k959, {250, 450, 550, 500, 501, 502, 421, 530}}},
      {"RMD", {k959, {250, 500, 501, 502, 421, 530, 550}}},
      {"MKD", {k959, {257, 500, 501, 502, 421, 530, 550}}},
      {"PWD", {k959, {257, 500, 501, 502, 421, 550}}},
      {"ABOR", {k959, {225, 226, 500, 501, 502, 421}}},
      {"SYST", {k959, {215, 500, 501, 502, 421}}},
      {"STAT", {k959, {211, 212, 213, 450, 500, 501, 502, 421, 530}}},
      {"HELP", {k959, {211, 214, 500, 501, 502, 421}}},
      {"SITE", {k959, {200, 202, 500, 501, 530}}},
      {"NOOP", {k959, {200, 500, 421}}},
      {"FEAT", {"RFC 2389 §3", {211, 500, 502}}},
      {"OPTS", {"RFC 2389 §4", {200, 451, 500, 501, 502}}},
      {"EPRT", {"RFC 2428 §2", {200, 500, 501, 522, 421, 530}}},
      // 200: the answer to EPSV ALL, whose code §4 leaves open (servers send 200).
      {"EPSV", {"RFC 2428 §3", {229, 200, 500, 501, 522, 421, 530}}},
      // RFC 3659 §3.2, §4.2: 550 when the file has no such figure, 500/501 for a bad
      // argument, "various 4xy replies" (450, 451) in appropriate circumstances.
      {"SIZE", {"RFC 3659 §4", {213, 550, 450, 451, 500, 501, 502, 504, 421, 530}}},
      {"MDTM", {"RFC 3659 §3", {213, 550, 450, 451, 500, 501, 502, 504, 421, 530}}},
      {"MLST", {"RFC 3659 §7", {250, 550, 500, 501, 502, 504, 421, 530}}},
      {"MLSD", {"RFC 3659 §7", {125, 150, 226, 250, 425, 426, 451, 550, 500, 501, 502, 421, 530}}},
  };
  return t;
}

}  // namespace

std::string verb_of(std::string_view line) {
  std::string verb;
  for (const char c : line) {
    if (c == ' ' || c == '\r' || c == '\n') break;
    verb += static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  }
  return verb;
}

std::optional<ListedReplies> listed_replies(std::string_view verb) {
  const auto& t = table();
  if (const auto it = t.find(verb); it != t.end()) return it->second;
  return std::nullopt;
}

std::vector<int> listed(std::string_view verb, ReplyKind kind) {
  const auto kind_of = [](int code) {
    switch (code / 100) {
      case 1:
        return ReplyKind::preliminary;
      case 2:
        return ReplyKind::completion;
      case 3:
        return ReplyKind::intermediate;
      default:
        return ReplyKind::error;
    }
  };
  std::vector<int> out;
  if (const auto replies = listed_replies(verb))
    for (const int c : replies->codes)
      if (kind_of(c) == kind) out.push_back(c);
  return out;
}

std::vector<int> listed_errors(std::string_view verb) {
  return listed(verb, ReplyKind::error);
}

bool is_listed(std::string_view verb, int code) {
  const auto replies = listed_replies(verb);
  return replies &&
         std::find(replies->codes.begin(), replies->codes.end(), code) != replies->codes.end();
}

}  // namespace streamcheck::conformance
