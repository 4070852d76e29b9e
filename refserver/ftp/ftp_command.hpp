// FTP command lines and the command table's rules.
//
// The session keeps one constexpr table of commands; this file holds everything that
// table drives apart from the handlers: the dispatcher's checks (500, 530, 503, 501),
// FEAT and HELP. As in pyftpdlib, only the dispatcher answers those four codes, so a
// handler runs only for a known verb, in a logged-in session (when it needs one), in
// the right sequence, with its argument present or absent as its rule says.
//
// How the session keeps handlers beside the specs: it writes one table of entries
// that each hold a CommandSpec named `spec` and a handler, and derives the span of
// specs from it at compile time with specs_of(), so the two can never disagree in
// order:
//
//   struct Command { CommandSpec spec; void (Session::*handler)(std::string_view); };
//   constexpr std::array kCommands = {
//       Command{{"USER", false, ArgRule::required, "", "Syntax: USER <SP> name.", ""},
//               &Session::on_user},
//       ...};
//   constexpr auto kSpecs = specs_of(kCommands);
//   static_assert(is_valid_table(kSpecs));
//   ...
//   const CommandSpec* spec = find_command(kSpecs, cmd.verb);
//   if (auto error = check_command(cmd, spec, logged_in, previous_verb)) send(*error);
//   else (this->*kCommands[spec - kSpecs.data()].handler)(cmd.arg);
//
// Threading: everything here is a pure function.
#pragma once

#include <array>
#include <cstddef>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "refserver/ftp/ftp_reply.hpp"

namespace streamcheck::ftp {

// One command line, split (RFC 959 §5.3): the verb, then after exactly one space the
// argument, kept as is (a file name may begin or end with spaces).
struct CommandLine {
  std::string verb;  // the first word, ASCII upper-cased; "" for an empty line
  std::string arg;   // everything after the first space; "" when there is none
};

// Splits `line` (one line from LineAssembler; trailing CR and LF are trimmed here
// too, for callers that pass raw lines). Never fails: whether the verb is a command
// is find_command's question. "retr  a b\r\n" -> {"RETR", " a b"}.
CommandLine parse_command_line(std::string_view line);

enum class ArgRule {
  none,      // no argument; one made only of spaces is tolerated ("NOOP  ")
  required,  // a non-empty argument
  optional,
};

struct CommandSpec {
  std::string_view verb;  // 1 to 4 upper-case ASCII letters
  bool needs_login = true;
  ArgRule arg = ArgRule::none;
  // The verb the previous command must have been, e.g. "RNFR" for RNTO, "USER" for
  // PASS; empty for none. See check_command for what "previous" means.
  std::string_view must_follow;
  std::string_view help;  // the HELP text, e.g. "Syntax: SIZE <SP> file-name."
  // The FEAT line this verb adds, e.g. "SIZE", "REST STREAM",
  // "MLST type*;size*;modify*;perm*;"; empty for none. Verbs may share one line.
  std::string_view feat;
};

// The specs of a table of entries that each have a `spec` member, in the same order.
template <class Entry, size_t N>
constexpr std::array<CommandSpec, N> specs_of(const std::array<Entry, N>& table) {
  std::array<CommandSpec, N> specs{};
  for (size_t i = 0; i < N; ++i) specs[i] = table[i].spec;
  return specs;
}

// A verb as a table may hold it: 1 to 4 upper-case ASCII letters.
constexpr bool is_verb(std::string_view verb) {
  if (verb.empty() || verb.size() > 4) return false;
  for (char c : verb) {
    if (c < 'A' || c > 'Z') return false;
  }
  return true;
}

// For a static_assert on the session's table: every verb well-formed and unique,
// every must_follow naming a verb of the table.
constexpr bool is_valid_table(std::span<const CommandSpec> table) {
  for (size_t i = 0; i < table.size(); ++i) {
    if (!is_verb(table[i].verb)) return false;
    bool follows_known = table[i].must_follow.empty();
    for (size_t j = 0; j < table.size(); ++j) {
      if (j != i && table[j].verb == table[i].verb) return false;
      if (table[j].verb == table[i].must_follow) follows_known = true;
    }
    if (!follows_known) return false;
  }
  return true;
}

// The table's entry for `verb` (already upper-cased, as CommandLine::verb is), or
// nullptr when the verb is not 1 to 4 letters or not in the table.
const CommandSpec* find_command(std::span<const CommandSpec> table, std::string_view verb);

// The dispatcher's checks, in this order, first failure wins:
//   1. 500  unknown verb (spec == nullptr): "'XYZ': command not understood."
//   2. 530  needs_login and not logged_in
//   3. 503  must_follow set and previous_verb differs
//   4. 501  argument missing (required) or present (none)
// nullopt: run the handler. Login comes before the rest so a client that has not
// logged in learns nothing about a command beyond "log in first" (pyftpdlib checks
// the argument first; the difference shows only for a malformed command sent before
// login). Sequence comes before the argument: "RNTO" out of sequence is wrong
// whatever its argument.
//
// previous_verb is the verb of the command just before this one, and only when that
// command succeeded (an RNFR answered 550 does not open an RNTO): the session sets it
// after each reply, to "" when the command failed.
std::optional<Reply> check_command(const CommandLine& cmd, const CommandSpec* spec, bool logged_in,
                                   std::string_view previous_verb);

// The FEAT reply (RFC 2389): each distinct feature line of the table once, sorted.
//   211-Features supported:\r\n EPSV\r\n MDTM\r\n SIZE\r\n211 End\r\n
// With no feature lines: "211 No features supported.".
Reply format_feat(std::span<const CommandSpec> table);

// The HELP reply: for an empty `verb`, 214 with all verbs in sorted rows of eight;
// for a verb of the table (any case), 214 with its help text; otherwise 501.
Reply format_help(std::span<const CommandSpec> table, std::string_view verb);

}  // namespace streamcheck::ftp
