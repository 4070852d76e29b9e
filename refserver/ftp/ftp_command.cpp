#include "refserver/ftp/ftp_command.hpp"

#include <algorithm>
#include <vector>

namespace streamcheck::ftp {
namespace {

char ascii_upper(char c) {
  return c >= 'a' && c <= 'z' ? static_cast<char>(c - 'a' + 'A') : c;
}

// How much of an unknown verb the 500 reply echoes, and only printable ASCII of it:
// the verb is whatever the client sent before the first space, up to a whole line.
constexpr size_t kMaxEchoedVerb = 16;

std::string printable_verb(std::string_view verb) {
  std::string out;
  for (char c : verb.substr(0, kMaxEchoedVerb)) out.push_back(c > ' ' && c < 0x7f ? c : '?');
  if (verb.size() > kMaxEchoedVerb) out += "...";
  return out;
}

bool only_spaces(std::string_view s) {
  return s.find_first_not_of(' ') == std::string_view::npos;
}

}  // namespace

CommandLine parse_command_line(std::string_view line) {
  while (!line.empty() && (line.back() == '\n' || line.back() == '\r')) line.remove_suffix(1);
  CommandLine cmd;
  const size_t space = line.find(' ');
  const std::string_view verb = line.substr(0, space);
  cmd.verb.reserve(verb.size());
  for (char c : verb) cmd.verb.push_back(ascii_upper(c));
  if (space != std::string_view::npos) cmd.arg = line.substr(space + 1);
  return cmd;
}

const CommandSpec* find_command(std::span<const CommandSpec> table, std::string_view verb) {
  if (!is_verb(verb)) return nullptr;
  for (const CommandSpec& spec : table) {
    if (spec.verb == verb) return &spec;
  }
  return nullptr;
}

std::optional<Reply> check_command(const CommandLine& cmd, const CommandSpec* spec, bool logged_in,
                                   std::string_view previous_verb) {
  if (spec == nullptr) {
    if (cmd.verb.empty()) return Reply(ReplyCode::syntax_error);
    return Reply(ReplyCode::syntax_error,
                 "'" + printable_verb(cmd.verb) + "': command not understood.");
  }
  if (spec->needs_login && !logged_in) {
    return Reply(ReplyCode::not_logged_in, "Log in with USER and PASS first.");
  }
  if (!spec->must_follow.empty() && previous_verb != spec->must_follow) {
    return Reply(ReplyCode::bad_sequence,
                 "Bad sequence of commands: send " + std::string(spec->must_follow) + " first.");
  }
  if (spec->arg == ArgRule::required && cmd.arg.empty()) {
    return Reply(ReplyCode::syntax_error_args, "Syntax error: command needs an argument.");
  }
  if (spec->arg == ArgRule::none && !only_spaces(cmd.arg)) {
    return Reply(ReplyCode::syntax_error_args, "Syntax error: command does not accept arguments.");
  }
  return std::nullopt;
}

Reply format_feat(std::span<const CommandSpec> table) {
  std::vector<std::string_view> features;
  for (const CommandSpec& spec : table) {
    if (!spec.feat.empty()) features.push_back(spec.feat);
  }
  std::sort(features.begin(), features.end());
  features.erase(std::unique(features.begin(), features.end()), features.end());
  if (features.empty()) return Reply(ReplyCode::system_status, "No features supported.");

  std::vector<std::string> lines;
  lines.reserve(features.size() + 2);
  lines.emplace_back("Features supported:");
  // RFC 2389 §3.2: each feature line starts with exactly one space; format() adds it.
  for (std::string_view f : features) lines.emplace_back(f);
  lines.emplace_back("End");
  return Reply::multi(ReplyCode::system_status, std::move(lines));
}

Reply format_help(std::span<const CommandSpec> table, std::string_view verb) {
  if (!verb.empty()) {
    std::string upper;
    for (char c : verb) upper.push_back(ascii_upper(c));
    const CommandSpec* spec = find_command(table, upper);
    if (spec == nullptr) {
      return Reply(ReplyCode::syntax_error_args,
                   "Unknown command '" + printable_verb(upper) + "'.");
    }
    return Reply(ReplyCode::help, std::string(spec->help));
  }

  std::vector<std::string_view> verbs;
  for (const CommandSpec& spec : table) verbs.push_back(spec.verb);
  std::sort(verbs.begin(), verbs.end());
  constexpr size_t kPerRow = 8;
  std::vector<std::string> lines;
  lines.emplace_back("The following commands are recognized:");
  for (size_t i = 0; i < verbs.size(); i += kPerRow) {
    std::string row;
    for (size_t j = i; j < std::min(verbs.size(), i + kPerRow); ++j) {
      row += verbs[j];
      if (j + 1 < std::min(verbs.size(), i + kPerRow)) row.append(6 - verbs[j].size(), ' ');
    }
    lines.push_back(std::move(row));
  }
  lines.emplace_back("Help command successful.");
  return Reply::multi(ReplyCode::help, std::move(lines));
}

}  // namespace streamcheck::ftp
