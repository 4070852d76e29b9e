// Listing formats: LIST (ls -l style), NLST (names), MLSD/MLST facts (RFC 3659 §7),
// and the MDTM time value (RFC 3659 §2.3), all from store::Entry.
//
// The line functions append one line and its CRLF to `out` (a buffer the session
// reuses, so listing a directory allocates nothing per entry) and return true; they
// return false and append nothing for an entry whose name cannot be put on a line:
// empty, or with a control character (CR or LF would end the line early). The store
// never lists such names, so this is a second guard, and the session just skips them.
//
// Times are UTC throughout (vsftpd's default too): listings do not depend on the
// server's time zone, and MDTM/MLSD must be UTC by RFC 3659.
//
// Threading: pure functions.
#pragma once

#include <ctime>
#include <optional>
#include <string>
#include <string_view>

#include "refserver/ftp/ftp_reply.hpp"
#include "refserver/store/store.hpp"

namespace streamcheck::ftp {

struct ListingOptions {
  // The present, for LIST's recent/old date form; a parameter so tests are exact.
  timespec now{};
  // LIST's owner and group columns. The store has no users of its own; fixed names
  // tell a client nothing about the host's accounts.
  std::string_view owner = "ftp";
  std::string_view group = "ftp";
  // Whether the session may write (logged in with write access): selects the perm
  // fact of MLSD/MLST and the mode bits of LIST.
  bool writable = true;
};

// True when `name` can be listed on a line: not empty, no byte below 0x20, no 0x7f.
bool is_listable_name(std::string_view name);

// LIST, one line as `ls -l` prints it, the columns vsftpd's widths:
//   -rw-r--r--    1 ftp      ftp          1234 Nov 25 16:37 name
//   drwxr-xr-x    1 ftp      ftp          4096 Nov 25  2024 dir
// The date is "Mon DD HH:MM" when the entry was modified in the last six months (half
// an average Gregorian year, 15778476 s, as GNU ls) and not in the future, and
// "Mon DD  YYYY" otherwise. Type `other` (a symlink leading out of the root, a FIFO)
// shows as "?---------": it cannot be retrieved.
bool append_list_line(std::string& out, const store::Entry& entry, const ListingOptions& options);

// NLST: the name alone.
bool append_nlst_line(std::string& out, const store::Entry& entry);

// The facts of MLSD/MLST, RFC 3659 §7, without the name:
//   "type=file;size=1234;modify=20261125163700;perm=adfrw;"
//   "type=dir;modify=20261125163700;perm=flcdmpe;"
// type: file, dir, cdir (the listed directory itself, `is_cdir`), or OS.unix=other.
// size: files only (§7.5.5 defines it for files; a directory's byte size means
// nothing to a client). modify: UTC seconds (no fraction: several clients mis-parse
// one). perm (§7.5.5), when `writable`:
//   files "adfrw": APPE, DELE, RNFR, RETR, STOR
//   dirs  "flcdmpe": RNFR, LIST/MLSD, STOR a file in it, RMD, MKD in it, delete
//         its entries, CWD
// read-only: files "r", dirs "el"; other: "" (nothing can be done with it).
std::string mlsx_facts(const store::Entry& entry, bool writable, bool is_cdir = false);

// MLSD: facts, one space, the name (§7.2).
bool append_mlsd_line(std::string& out, const store::Entry& entry, bool writable);

// MLST reply, §7.2: the facts line begins with one space (format() adds it) and ends
// with `path` as the client gave it (absolute or relative).
//   250-Listing /a/b.bin
//    type=file;size=3;modify=20261125163700;perm=adfrw; /a/b.bin
//   250 End
// For the working directory itself pass is_cdir (type=cdir).
Reply mlst_reply(const store::Entry& entry, std::string_view path, bool writable,
                 bool is_cdir = false);

// RFC 3659 time-val "YYYYMMDDHHMMSS" (UTC), with ".sss" milliseconds when
// `with_millis`. For MDTM's 213 reply and MLSD's modify fact. Times gmtime() cannot
// break down print as "19700101000000".
std::string format_time_val(const timespec& t, bool with_millis = false);

// The inverse, for MFMT: exactly 14 digits of a real UTC calendar time (month 01-12, a
// day the month has, 00-23, 00-59, seconds 00-59), then optionally "." and 1 or more
// digits of fraction (nanoseconds past the ninth are dropped). nullopt for anything
// else. Second 60 is refused: POSIX time has no leap second, and timegm would quietly
// make it the next minute.
std::optional<timespec> parse_time_val(std::string_view text);

}  // namespace streamcheck::ftp
