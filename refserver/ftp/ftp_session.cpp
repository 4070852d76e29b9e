// The FTP control connection: the command table, reading and dispatching commands one
// at a time, replies in order, the idle watchdog, login, and the session commands.
// The namespace commands are in ftp_files.cpp, data and transfers in ftp_transfers.cpp.
#include "refserver/ftp/ftp_session.hpp"

#include <spdlog/spdlog.h>
#include <boost/asio/dispatch.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/write.hpp>

namespace streamcheck::ftp {

namespace asio = boost::asio;
using R = ReplyCode;

struct CommandTable {
  struct Command {
    CommandSpec spec;
    FtpSession::Handler handler;
  };
  using S = FtpSession;
  using A = ArgRule;
  // verb, needs login, argument, must follow, HELP text, FEAT line; handler.
  static constexpr std::array kCommands = {
      Command{{"USER", false, A::required, "", "Syntax: USER <SP> name.", ""}, &S::on_user},
      Command{{"PASS", false, A::optional, "USER", "Syntax: PASS <SP> password.", ""}, &S::on_pass},
      Command{{"ACCT", false, A::optional, "", "Not used: 502.", ""}, &S::on_acct},
      Command{{"SYST", false, A::none, "", "Syntax: SYST (the system type).", ""}, &S::on_syst},
      Command{{"FEAT", false, A::none, "", "Syntax: FEAT (the extensions).", ""}, &S::on_feat},
      Command{{"OPTS", false, A::required, "", "Syntax: OPTS <SP> UTF8 ON.", "UTF8"}, &S::on_opts},
      Command{{"HELP", false, A::optional, "", "Syntax: HELP [<SP> command].", ""}, &S::on_help},
      Command{{"NOOP", false, A::none, "", "Syntax: NOOP.", ""}, &S::on_noop},
      Command{{"QUIT", false, A::none, "", "Syntax: QUIT (ends the session).", ""}, &S::on_quit},
      Command{{"PWD", true, A::none, "", "Syntax: PWD (the working directory).", ""}, &S::on_pwd},
      Command{{"XPWD", true, A::none, "", "Syntax: XPWD (as PWD).", ""}, &S::on_pwd},
      Command{{"CWD", true, A::required, "", "Syntax: CWD <SP> dir-name.", ""}, &S::on_cwd},
      Command{{"CDUP", true, A::none, "", "Syntax: CDUP (to the parent directory).", ""},
              &S::on_cdup},
      Command{{"TYPE", true, A::required, "",
               "Syntax: TYPE <SP> A|I. I: bytes as stored. A: LF on disk travels as CRLF, and "
               "CRLF arrives as LF.",
               ""},
              &S::on_type},
      Command{{"MODE", true, A::required, "", "Syntax: MODE <SP> S (stream only).", ""},
              &S::on_mode},
      Command{{"STRU", true, A::required, "", "Syntax: STRU <SP> F (file only).", ""}, &S::on_stru},
      Command{{"ALLO", true, A::optional, "", "Syntax: ALLO <SP> bytes (not needed: 202).", ""},
              &S::on_allo},
      Command{{"PASV", true, A::none, "", "Syntax: PASV (passive data connection).", ""},
              &S::on_pasv},
      Command{{"EPSV", true, A::optional, "", "Syntax: EPSV [<SP> 1|2|ALL].", "EPSV"}, &S::on_epsv},
      Command{{"PORT", true, A::required, "", "Syntax: PORT <SP> h1,h2,h3,h4,p1,p2.", ""},
              &S::on_port},
      Command{{"EPRT", true, A::required, "", "Syntax: EPRT <SP> |proto|addr|port|.", "EPRT"},
              &S::on_eprt},
      Command{{"LIST", true, A::optional, "", "Syntax: LIST [<SP> path] (ls -l style).", ""},
              &S::on_list},
      Command{{"NLST", true, A::optional, "", "Syntax: NLST [<SP> path] (names only).", ""},
              &S::on_nlst},
      Command{{"MLSD", true, A::optional, "", "Syntax: MLSD [<SP> dir] (RFC 3659 facts).",
               "MLST type*;size*;modify*;perm*;"},
              &S::on_mlsd},
      Command{{"MLST", true, A::optional, "", "Syntax: MLST [<SP> path].",
               "MLST type*;size*;modify*;perm*;"},
              &S::on_mlst},
      Command{{"SIZE", true, A::required, "", "Syntax: SIZE <SP> file-name (TYPE I).", "SIZE"},
              &S::on_size},
      Command{{"MDTM", true, A::required, "", "Syntax: MDTM <SP> file-name.", "MDTM"}, &S::on_mdtm},
      Command{
          {"MFMT", true, A::required, "",
           "Syntax: MFMT <SP> YYYYMMDDHHMMSS[.sss] <SP> file-name (sets its UTC mtime).", "MFMT"},
          &S::on_mfmt},
      Command{{"REST", true, A::required, "", "Syntax: REST <SP> offset (for RETR or STOR).",
               "REST STREAM"},
              &S::on_rest},
      Command{{"RETR", true, A::required, "", "Syntax: RETR <SP> file-name.", ""}, &S::on_retr},
      Command{{"STOR", true, A::required, "",
               "Syntax: STOR <SP> file-name (atomic: the old version stays until the end).", ""},
              &S::on_stor},
      Command{{"STOU", true, A::optional, "", "Syntax: STOU (a new unique name).", ""},
              &S::on_stou},
      Command{{"APPE", true, A::required, "", "Syntax: APPE <SP> file-name (atomic).", ""},
              &S::on_appe},
      Command{{"DELE", true, A::required, "", "Syntax: DELE <SP> file-name.", ""}, &S::on_dele},
      Command{{"MKD", true, A::required, "", "Syntax: MKD <SP> dir-name.", ""}, &S::on_mkd},
      Command{{"XMKD", true, A::required, "", "Syntax: XMKD <SP> dir-name (as MKD).", ""},
              &S::on_mkd},
      Command{{"RMD", true, A::required, "", "Syntax: RMD <SP> dir-name.", ""}, &S::on_rmd},
      Command{{"XRMD", true, A::required, "", "Syntax: XRMD <SP> dir-name (as RMD).", ""},
              &S::on_rmd},
      Command{{"RNFR", true, A::required, "", "Syntax: RNFR <SP> file-name.", ""}, &S::on_rnfr},
      Command{{"RNTO", true, A::required, "RNFR", "Syntax: RNTO <SP> file-name.", ""}, &S::on_rnto},
      Command{{"STAT", false, A::optional, "", "Syntax: STAT [<SP> path].", ""}, &S::on_stat},
      Command{{"ABOR", true, A::none, "", "Syntax: ABOR (aborts the transfer).", ""}, &S::on_abor},
      Command{{"TVFS", true, A::none, "", "Paths are /-separated from the root.", "TVFS"},
              &S::on_noop},
  };
  static constexpr auto kSpecs = specs_of(kCommands);
  static_assert(is_valid_table(kSpecs));
};

namespace {
constexpr size_t kMaxHeldCommands = 64;

// Commands answered while a transfer runs; the rest wait for its final reply.
bool runs_during_transfer(std::string_view verb) {
  return verb == "ABOR" || verb == "STAT" || verb == "NOOP" || verb == "QUIT";
}
// RFC 959 wants REST right before the transfer command; clients also set up the data
// connection in between (REST, EPSV, RETR), which changes nothing the offset applies to.
bool keeps_restart_offset(std::string_view verb) {
  return verb == "REST" || verb == "RETR" || verb == "STOR" || verb == "PASV" || verb == "EPSV" ||
         verb == "PORT" || verb == "EPRT" || verb == "TYPE";
}
}  // namespace

FtpSession::FtpSession(Tcp::socket socket, FtpContext& context,
                       std::shared_ptr<std::atomic<size_t>> active)
    : socket_(std::move(socket)),
      ctx_(context),
      active_(std::move(active)),
      watchdog_(socket_.get_executor()),
      delay_timer_(socket_.get_executor()),
      lines_(context.limits.max_line) {
  ++*active_;
}

FtpSession::~FtpSession() {
  --*active_;
}

std::string_view FtpSession::busy_reply() {
  return "421 Too many connections; try again later.\r\n";
}

void FtpSession::start() {
  asio::dispatch(socket_.get_executor(), [self = shared_from_this()] {
    error_code ignored;
    // Replies are whole lines written at once: Nagle would only hold them back.
    self->socket_.set_option(Tcp::no_delay(true), ignored);
    self->touch();
    self->do_watchdog();
    self->send(R::service_ready, "streamcheck refserver FTP ready.");
    self->process_input();
  });
}

void FtpSession::shutdown() {
  asio::post(socket_.get_executor(), [self = shared_from_this()] { self->close(); });
}

void FtpSession::touch() {
  deadline_ = Clock::now() + ctx_.limits.idle_timeout;
}

void FtpSession::do_watchdog() {
  watchdog_.expires_at(deadline_);
  watchdog_.async_wait([self = shared_from_this()](error_code ec) {
    if (ec || self->closed_) return;
    if (Clock::now() < self->deadline_) return self->do_watchdog();
    spdlog::info("ftp: idle timeout; closing the session");
    if (self->data_) self->data_->abort_stalled("idle timeout");
    self->close_after_reply(Reply(R::service_not_available, "Idle timeout; closing."));
  });
}

void FtpSession::do_read() {
  if (reading_ || closed_) return;
  reading_ = true;
  socket_.async_read_some(
      asio::buffer(read_buffer_), [self = shared_from_this()](error_code ec, size_t n) {
        self->reading_ = false;
        if (ec) {
          // A lost control connection aborts the transfer with it.
          if (self->data_) self->data_->abort("control connection lost");
          return self->close();
        }
        self->touch();
        self->input_ = self->telnet_.filter(std::span<char>(self->read_buffer_.data(), n));
        self->process_input();
      });
}

void FtpSession::process_input() {
  while (!closed_ && !closing_ && !paused_) {
    if (!transferring_ && !held_.empty()) {
      auto cmd = std::move(held_.front());
      held_.pop_front();
      execute(cmd);
      continue;
    }
    if (input_.empty()) return do_read();
    // Commands pipelined behind a transfer wait in held_; past a bound, stop reading
    // until the transfer ends (the client is far ahead of itself).
    if (held_.size() >= kMaxHeldCommands) return;
    auto step = lines_.feed(input_);
    input_.remove_prefix(step.consumed);
    if (step.event == LineAssembler::Event::too_long) {
      send(R::syntax_error,
           "Command line over " + std::to_string(lines_.max_line()) + " bytes; ignored.");
    } else if (step.event == LineAssembler::Event::line) {
      auto cmd = parse_command_line(lines_.line());
      if (transferring_ && !runs_during_transfer(cmd.verb))
        held_.push_back(std::move(cmd));
      else
        execute(cmd);
    }
  }
}

void FtpSession::execute(const CommandLine& cmd) {
  const auto& specs = CommandTable::kSpecs;
  const CommandSpec* spec = find_command(specs, cmd.verb);
  if (!keeps_restart_offset(cmd.verb)) rest_offset_ = 0;
  if (auto error = check_command(cmd, spec, logged_in_, previous_verb_)) {
    send(*error);
    previous_verb_.clear();
    return;
  }
  spdlog::debug("ftp: {} {}", cmd.verb, cmd.verb == "PASS" ? "***" : cmd.arg);
  (this->*CommandTable::kCommands[static_cast<size_t>(spec - specs.data())].handler)(cmd.arg);
  previous_verb_ = reply_number(last_code_) < 400 ? cmd.verb : "";
}

void FtpSession::send(const Reply& reply) {
  if (closed_ || closing_) return;
  last_code_ = reply.code;
  int n = reply_number(reply.code);
  consecutive_errors_ = n >= 500 ? consecutive_errors_ + 1 : 0;
  outbox_.push_back(reply.format());
  if (consecutive_errors_ >= ctx_.limits.max_consecutive_errors) {
    outbox_.push_back(Reply(R::service_not_available, "Too many errors; closing.").format());
    closing_ = true;
  }
  do_write();
}

void FtpSession::close_after_reply(const Reply& reply) {
  send(reply);
  closing_ = true;
  do_write();
}

void FtpSession::do_write() {
  if (writing_ || closed_) return;
  if (outbox_.empty()) {
    if (closing_) close();
    return;
  }
  writing_ = true;
  asio::async_write(socket_, asio::buffer(outbox_.front()),
                    [self = shared_from_this()](error_code ec, size_t) {
                      self->writing_ = false;
                      self->outbox_.pop_front();
                      if (ec) return self->close();
                      self->do_write();
                    });
}

void FtpSession::close() {
  if (closed_) return;
  closed_ = true;
  if (data_) data_->abort("session closed");
  data_.reset();
  error_code ignored;
  socket_.shutdown(Tcp::socket::shutdown_both, ignored);
  socket_.close(ignored);
  watchdog_.cancel();
  delay_timer_.cancel();
}

void FtpSession::resume() {
  paused_ = false;
  process_input();
}

bool FtpSession::may_write() {
  if (writable_) return true;
  send(R::file_unavailable, "Permission denied: this login may only read.");
  return false;
}

bool FtpSession::not_locked(const store::ObjectPath& path, bool subtree) {
  auto lock = ctx_.locks.any_lock(path.relative(), subtree);
  if (!lock) return true;
  send(R::file_action_not_taken, path.absolute() + ": locked by WebDAV lock " + lock->token +
                                     " on /" + lock->root + "; try again once it is released.");
  return false;
}

std::optional<store::ObjectPath> FtpSession::resolve(std::string_view arg) {
  std::string joined = !arg.empty() && arg.front() == '/'
                           ? std::string(arg)
                           : cwd_.absolute() + "/" + std::string(arg);
  auto path = ctx_.store.parse_path(joined);
  if (!path) {
    send(reply_for(path.status()));
    return std::nullopt;
  }
  return std::move(path).value();
}

std::optional<std::pair<store::ObjectPath, store::Entry>> FtpSession::resolve_existing(
    std::string_view arg) {
  auto path = resolve(arg);
  if (!path) return std::nullopt;
  auto entry = ctx_.store.stat(*path);
  if (!entry) {
    send(reply_for(entry.status()));
    return std::nullopt;
  }
  return std::pair{std::move(*path), std::move(entry).value()};
}

// --- login

void FtpSession::on_user(std::string_view arg) {
  user_ = arg;
  logged_in_ = false;
  writable_ = false;
  bool anonymous = (arg == "anonymous" || arg == "ftp") && ctx_.anonymous != AnonymousAccess::off;
  send(R::need_password, anonymous ? "Anonymous login ok; send your e-mail address as password."
                                   : "Password required for " + user_ + ".");
}

void FtpSession::on_pass(std::string_view arg) {
  bool anonymous = (user_ == "anonymous" || user_ == "ftp") &&
                   ctx_.anonymous != AnonymousAccess::off && !ctx_.users.has_user(user_);
  if (anonymous || ctx_.users.check(user_, arg)) {
    logged_in_ = true;
    writable_ = !anonymous || ctx_.anonymous == AnonymousAccess::write;
    login_failures_ = 0;
    spdlog::info("ftp: {} logged in{}", user_, writable_ ? "" : " (read only)");
    return send(R::logged_in, "Logged in" + std::string(writable_ ? "." : ", read only."));
  }
  // A wrong password is answered after a delay, and only so many times (RFC 2577).
  ++login_failures_;
  spdlog::warn("ftp: failed login for {} ({} so far)", user_, login_failures_);
  last_code_ = R::not_logged_in;
  pause();
  delay_timer_.expires_after(ctx_.limits.login_failure_delay);
  delay_timer_.async_wait([self = shared_from_this()](error_code ec) {
    if (ec || self->closed_) return;
    if (self->login_failures_ >= self->ctx_.limits.max_login_failures)
      return self->close_after_reply(
          Reply(R::service_not_available, "Too many failed logins; closing."));
    self->send(R::not_logged_in, "Login incorrect.");
    self->resume();
  });
}

void FtpSession::on_acct(std::string_view) {
  send(R::not_implemented, "ACCT is not needed here.");
}
void FtpSession::on_syst(std::string_view) {
  send(R::system_type, "UNIX Type: L8");
}
void FtpSession::on_feat(std::string_view) {
  send(format_feat(CommandTable::kSpecs));
}
void FtpSession::on_help(std::string_view arg) {
  send(format_help(CommandTable::kSpecs, arg));
}
void FtpSession::on_noop(std::string_view) {
  send(R::ok, "NOOP ok.");
}

void FtpSession::on_opts(std::string_view arg) {
  std::string upper(arg);
  for (auto& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  if (upper == "UTF8 ON" || upper == "UTF8") return send(R::ok, "Always in UTF8 mode.");
  send(R::syntax_error_args, "OPTS supports UTF8 ON only.");
}

void FtpSession::on_quit(std::string_view) {
  if (data_) data_->abort("QUIT");
  close_after_reply(Reply(R::closing_control, "Goodbye."));
}

void FtpSession::on_type(std::string_view arg) {
  std::string t(arg);
  for (auto& c : t) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  if (t == "I" || t == "L 8" || t == "L8") {
    ascii_ = false;
    return send(R::ok, "Type set to I (binary, byte-exact).");
  }
  if (t == "A" || t == "A N") {
    ascii_ = true;
    return send(R::ok, "Type set to A (LF on disk is CRLF on the wire).");
  }
  if (t == "E" || t == "A T" || t == "A C" || t == "E N")
    return send(R::not_implemented_for_param, "Type " + t + " is not supported; use A or I.");
  send(R::syntax_error_args, "Unknown TYPE; use A or I.");
}

void FtpSession::on_mode(std::string_view arg) {
  if (arg == "S" || arg == "s") return send(R::ok, "Mode S ok.");
  if (arg == "B" || arg == "b" || arg == "C" || arg == "c")
    return send(R::not_implemented_for_param, "Only stream mode (S) is supported.");
  send(R::syntax_error_args, "Unknown MODE.");
}

void FtpSession::on_stru(std::string_view arg) {
  if (arg == "F" || arg == "f") return send(R::ok, "Structure F ok.");
  if (arg == "R" || arg == "r" || arg == "P" || arg == "p")
    return send(R::not_implemented_for_param, "Only file structure (F) is supported.");
  send(R::syntax_error_args, "Unknown STRU.");
}

void FtpSession::on_stat(std::string_view arg) {
  if (transferring_ && data_)
    return send(R::file_status, "Transferring " + transfer_what_ + ": " +
                                    std::to_string(data_->bytes_moved()) + " bytes so far.");
  if (!arg.empty()) {
    if (!logged_in_) return send(R::not_logged_in, "Log in with USER and PASS first.");
    auto path = resolve(arg);
    if (!path) return;
    bool ok = false;
    auto text = list_text(*path, ListFormat::list, &ok);
    if (!ok) return;
    std::vector<std::string> lines = {"Status of " + path->absolute() + ":"};
    for (size_t start = 0; start < text.size();) {
      auto end = text.find("\r\n", start);
      lines.push_back(text.substr(start, end - start));
      start = end + 2;
    }
    lines.push_back("End of status.");
    return send(Reply::multi(R::file_status, std::move(lines)));
  }
  send(Reply::multi(
      R::system_status,
      {"streamcheck refserver FTP status:",
       logged_in_ ? "Logged in as " + user_ : std::string("Not logged in"),
       std::string("TYPE: ") + (ascii_ ? "ASCII" : "BINARY") + ", STRUcture: File, MODE: Stream",
       data_ ? "Data connection set up, waiting" : "No data connection", "End of status."}));
}

}  // namespace streamcheck::ftp
