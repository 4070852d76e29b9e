#include "refserver/ftp/ftp_reply.hpp"

#include <algorithm>
#include <array>

namespace streamcheck::ftp {
namespace {

struct CodeText {
  ReplyCode code;
  std::string_view text;
};

// RFC 959 §4.2.2 wording, with RFC 2428 (227/229/522) and RFC 3659 (554) added.
// Handlers that know more (a path, a reason) pass their own text.
constexpr std::array kTexts = {
    CodeText{ReplyCode::restart_marker, "Restart marker reply."},
    CodeText{ReplyCode::service_ready_in, "Service ready in a few minutes."},
    CodeText{ReplyCode::data_already_open, "Data connection already open; transfer starting."},
    CodeText{ReplyCode::file_status_ok, "File status okay; about to open data connection."},
    CodeText{ReplyCode::ok, "Command okay."},
    CodeText{ReplyCode::superfluous, "Command not implemented, superfluous at this site."},
    CodeText{ReplyCode::system_status, "System status."},
    CodeText{ReplyCode::directory_status, "Directory status."},
    CodeText{ReplyCode::file_status, "File status."},
    CodeText{ReplyCode::help, "Help message."},
    CodeText{ReplyCode::system_type, "UNIX Type: L8"},
    CodeText{ReplyCode::service_ready, "Service ready for new user."},
    CodeText{ReplyCode::closing_control, "Service closing control connection."},
    CodeText{ReplyCode::data_open_no_transfer, "Data connection open; no transfer in progress."},
    CodeText{ReplyCode::closing_data, "Closing data connection. Transfer complete."},
    CodeText{ReplyCode::entering_passive, "Entering Passive Mode."},
    CodeText{ReplyCode::entering_extended_passive, "Entering Extended Passive Mode."},
    CodeText{ReplyCode::logged_in, "User logged in, proceed."},
    CodeText{ReplyCode::file_action_ok, "Requested file action okay, completed."},
    CodeText{ReplyCode::path_created, "Pathname created."},
    CodeText{ReplyCode::need_password, "User name okay, need password."},
    CodeText{ReplyCode::need_account, "Need account for login."},
    CodeText{ReplyCode::pending_further_info, "Requested file action pending further information."},
    CodeText{ReplyCode::service_not_available,
             "Service not available, closing control connection."},
    CodeText{ReplyCode::cannot_open_data, "Can't open data connection."},
    CodeText{ReplyCode::transfer_aborted, "Connection closed; transfer aborted."},
    CodeText{ReplyCode::file_action_not_taken, "Requested file action not taken."},
    CodeText{ReplyCode::local_error, "Requested action aborted: local error in processing."},
    CodeText{ReplyCode::insufficient_storage, "Requested action not taken: insufficient storage."},
    CodeText{ReplyCode::syntax_error, "Syntax error, command unrecognized."},
    CodeText{ReplyCode::syntax_error_args, "Syntax error in parameters or arguments."},
    CodeText{ReplyCode::not_implemented, "Command not implemented."},
    CodeText{ReplyCode::bad_sequence, "Bad sequence of commands."},
    CodeText{ReplyCode::not_implemented_for_param, "Command not implemented for that parameter."},
    CodeText{ReplyCode::protocol_not_supported, "Network protocol not supported, use (1,2)"},
    CodeText{ReplyCode::not_logged_in, "Not logged in."},
    CodeText{ReplyCode::need_account_to_store, "Need account for storing files."},
    CodeText{ReplyCode::file_unavailable, "Requested action not taken: file unavailable."},
    CodeText{ReplyCode::page_type_unknown, "Requested action aborted: page type unknown."},
    CodeText{ReplyCode::storage_exceeded, "Requested file action aborted: storage exceeded."},
    CodeText{ReplyCode::name_not_allowed, "Requested action not taken: file name not allowed."},
    CodeText{ReplyCode::invalid_rest, "Requested action not taken: invalid REST parameter."},
};

constexpr bool ascending(const auto& table) {
  for (size_t i = 1; i < table.size(); ++i) {
    if (table[i - 1].code >= table[i].code) return false;
  }
  return true;
}
static_assert(ascending(kTexts), "kTexts must be sorted by code, each code once");

// Appends `line` with CR, LF and NUL replaced: none of them may appear inside a line.
void append_sanitized(std::string& out, std::string_view line) {
  for (char c : line) out.push_back(c == '\r' || c == '\n' || c == '\0' ? '?' : c);
}

void append_code(std::string& out, ReplyCode code, char separator) {
  const int n = reply_number(code);
  out.push_back(static_cast<char>('0' + n / 100));
  out.push_back(static_cast<char>('0' + n / 10 % 10));
  out.push_back(static_cast<char>('0' + n % 10));
  out.push_back(separator);
}

}  // namespace

std::string_view default_text(ReplyCode code) {
  auto it = std::lower_bound(kTexts.begin(), kTexts.end(), code,
                             [](const CodeText& e, ReplyCode c) { return e.code < c; });
  assert(it != kTexts.end() && it->code == code && "every ReplyCode has a text");
  return it != kTexts.end() && it->code == code ? it->text : std::string_view("Reply.");
}

const std::vector<ReplyCode>& all_reply_codes() {
  static const std::vector<ReplyCode> codes = [] {
    std::vector<ReplyCode> v;
    for (const auto& e : kTexts) v.push_back(e.code);
    return v;
  }();
  return codes;
}

Reply Reply::multi(ReplyCode c, std::vector<std::string> all_lines) {
  Reply r(c);
  if (!all_lines.empty()) r.lines = std::move(all_lines);
  return r;
}

std::string Reply::format() const {
  std::string out;
  if (lines.size() <= 1) {
    append_code(out, code, ' ');
    if (!lines.empty()) append_sanitized(out, lines.front());
    out += "\r\n";
    return out;
  }
  append_code(out, code, '-');
  append_sanitized(out, lines.front());
  out += "\r\n";
  for (size_t i = 1; i + 1 < lines.size(); ++i) {
    // The indent keeps a line such as "226 files" from being read as the end line.
    if (lines[i].empty() || lines[i].front() != ' ') out.push_back(' ');
    append_sanitized(out, lines[i]);
    out += "\r\n";
  }
  append_code(out, code, ' ');
  append_sanitized(out, lines.back());
  out += "\r\n";
  return out;
}

std::string quote_path_257(std::string_view path) {
  std::string out = "\"";
  for (char c : path) {
    out.push_back(c);
    if (c == '"') out.push_back('"');
  }
  out.push_back('"');
  return out;
}

Reply reply_for(const store::Status& status) {
  using store::Errc;
  ReplyCode code = ReplyCode::local_error;
  switch (status.code()) {
    case Errc::ok:
      code = ReplyCode::ok;
      break;
    case Errc::not_found:
    case Errc::already_exists:
    case Errc::not_a_directory:
    case Errc::is_a_directory:
    case Errc::directory_not_empty:
    case Errc::escapes_root:
    case Errc::permission_denied:
    case Errc::invalid_argument:
    case Errc::not_supported:  // a filesystem feature missing: 550 is what RFC 959 allows
      code = ReplyCode::file_unavailable;
      break;
    case Errc::invalid_path:
    case Errc::name_too_long:
    case Errc::parent_missing:
      code = ReplyCode::name_not_allowed;
      break;
    case Errc::no_space:
      code = ReplyCode::insufficient_storage;
      break;
    case Errc::length_required:
      // RFC 959 lists 501 for STOR, STOU and APPE (503 and 504 are not): the command
      // lacked what it needed, an ALLO before it.
      code = ReplyCode::syntax_error_args;
      break;
    case Errc::bad_state:
    case Errc::io_error:
      code = ReplyCode::local_error;
      break;
  }
  return Reply(code, std::string(store::errc_name(status.code())) + ": " + status.message());
}

}  // namespace streamcheck::ftp
