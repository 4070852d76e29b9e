// The FTP namespace commands: working directory, directories, delete, rename, and the
// RFC 3659 facts (SIZE, MDTM, MLST), MFMT, and what is said before a transfer (REST, ALLO).
#include <charconv>

#include "refserver/ftp/ftp_listing.hpp"
#include "refserver/ftp/ftp_session.hpp"

namespace streamcheck::ftp {

using R = ReplyCode;

void FtpSession::on_pwd(std::string_view) {
  send(R::path_created, quote_path_257(cwd_.absolute()) + " is the current directory.");
}

void FtpSession::on_cwd(std::string_view arg) {
  auto found = resolve_existing(arg);
  if (!found) return;
  auto& [path, entry] = *found;
  if (entry.type != store::EntryType::directory)
    return send(R::file_unavailable, path.absolute() + ": not a directory.");
  cwd_ = path;
  send(R::file_action_ok, "Directory changed to " + cwd_.absolute() + ".");
}

void FtpSession::on_cdup(std::string_view) {
  cwd_ = cwd_.parent();
  send(R::file_action_ok, "Directory changed to " + cwd_.absolute() + ".");
}

void FtpSession::on_mkd(std::string_view arg) {
  if (!may_write()) return;
  auto path = resolve(arg);
  if (!path) return;
  if (auto st = ctx_.store.make_dir(*path); !st) return send(reply_for(st));
  send(R::path_created, quote_path_257(path->absolute()) + " created.");
}

void FtpSession::on_rmd(std::string_view arg) {
  if (!may_write()) return;
  auto found = resolve_existing(arg);
  if (!found) return;
  auto& [path, entry] = *found;
  if (entry.type != store::EntryType::directory || path.is_root())
    return send(R::file_unavailable, path.absolute() + ": not a directory that can go.");
  if (!not_locked(path, true)) return;
  if (auto st = ctx_.store.remove(path); !st) return send(reply_for(st));
  send(R::file_action_ok, path.absolute() + " removed.");
}

void FtpSession::on_dele(std::string_view arg) {
  if (!may_write()) return;
  auto found = resolve_existing(arg);
  if (!found) return;
  auto& [path, entry] = *found;
  if (entry.type == store::EntryType::directory)
    return send(R::file_unavailable, path.absolute() + ": is a directory; use RMD.");
  if (!not_locked(path, false)) return;
  if (auto st = ctx_.store.remove(path); !st) return send(reply_for(st));
  send(R::file_action_ok, path.absolute() + " deleted.");
}

void FtpSession::on_rnfr(std::string_view arg) {
  if (!may_write()) return;
  auto found = resolve_existing(arg);
  if (!found) return;
  if (!not_locked(found->first, true)) return;
  rename_from_ = found->first;
  send(R::pending_further_info, "Ready for RNTO.");
}

void FtpSession::on_rnto(std::string_view arg) {
  auto from = std::move(rename_from_);
  rename_from_.reset();
  if (!from || !may_write()) return;
  auto to = resolve(arg);
  if (!to || !not_locked(*from, true) || !not_locked(*to, true)) return;
  // The store's rename MAY BLOCK LONG (a busy disk): it runs off the network thread,
  // and the session takes no command until it is done.
  pause();
  auto status = std::make_shared<store::Status>();
  run_blocking(
      [&store = ctx_.store, status, from = *from, to = *to] { *status = store.rename(from, to); },
      [this, status, to = *to] {
        paused_ = false;
        if (!*status)
          send(reply_for(*status));
        else
          send(R::file_action_ok, "Renamed to " + to.absolute() + ".");
        process_input();
      });
}

void FtpSession::on_size(std::string_view arg) {
  auto found = resolve_existing(arg);
  if (!found) return;
  auto& [path, entry] = *found;
  if (entry.type != store::EntryType::file)
    return send(R::file_unavailable, path.absolute() + ": not a plain file.");
  // RFC 3659 §4: SIZE counts the bytes the transfer would move in the current TYPE;
  // in TYPE A that would mean reading the whole file to count its line ends.
  if (ascii_) return send(R::file_unavailable, "SIZE is not offered in TYPE A; send TYPE I first.");
  send(R::file_status, std::to_string(entry.size));
}

void FtpSession::on_mdtm(std::string_view arg) {
  auto found = resolve_existing(arg);
  if (!found) return;
  auto& [path, entry] = *found;
  if (entry.type != store::EntryType::file)
    return send(R::file_unavailable, path.absolute() + ": not a plain file.");
  send(R::file_status, format_time_val(entry.mtime));
}

void FtpSession::on_mfmt(std::string_view arg) {
  // A time is a write, as for STOR: a read-only login is refused before anything else.
  if (!may_write()) return;
  // "time-val SP path": the path is the rest of the line, spaces and all.
  const size_t space = arg.find(' ');
  const std::string_view time_val = arg.substr(0, space);
  const auto time = parse_time_val(time_val);
  if (!time || space == std::string_view::npos || space + 1 == arg.size())
    return send(R::syntax_error_args,
                "Syntax: MFMT <SP> YYYYMMDDHHMMSS[.sss] <SP> file-name (a UTC time).");
  const std::string_view name = arg.substr(space + 1);
  auto path = resolve(name);
  if (!path) return;
  auto entry = ctx_.store.set_mtime(*path, *time);
  if (!entry) return send(reply_for(entry.status()));
  // The time the filesystem kept (it may round), with milliseconds when the client
  // sent a fraction after the 14 digits, and the path as the client wrote it
  // (draft-somers-ftp-mfxx §3).
  const bool fraction = time_val.size() > 14;
  send(R::file_status,
       "Modify=" + format_time_val(entry->mtime, fraction) + "; " + std::string(name));
}

void FtpSession::on_mlst(std::string_view arg) {
  auto path = arg.empty() ? std::optional(cwd_) : resolve(arg);
  if (!path) return;
  auto entry = ctx_.store.stat(*path);
  if (!entry) return send(reply_for(entry.status()));
  send(mlst_reply(*entry, arg.empty() ? cwd_.absolute() : std::string(arg), writable_,
                  path == cwd_));
}

void FtpSession::on_rest(std::string_view arg) {
  uint64_t offset = 0;
  auto [end, ec] = std::from_chars(arg.data(), arg.data() + arg.size(), offset);
  if (ec != std::errc() || end != arg.data() + arg.size())
    return send(R::syntax_error_args, "REST needs a byte offset (digits only).");
  rest_offset_ = offset;
  send(R::pending_further_info,
       "Restarting at " + std::to_string(offset) + ". Send RETR or STOR to go on.");
}

void FtpSession::on_allo(std::string_view arg) {
  // "ALLO n" or "ALLO n R m": n announces the next upload's length, which only --legacy
  // require-length asks for (UploadOptions::length_announced).
  uint64_t bytes = 0;
  auto [end, ec] = std::from_chars(arg.data(), arg.data() + arg.size(), bytes);
  if (ec == std::errc() && (end == arg.data() + arg.size() || *end == ' ')) allo_bytes_ = bytes;
  send(R::superfluous, "ALLO not needed: space is taken as the data comes.");
}

}  // namespace streamcheck::ftp
