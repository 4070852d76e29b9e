// The seed's defects, on purpose: FOR VALIDATING HARNESSES ONLY, never for serving.
//
// `refserver --legacy PROFILE[,PROFILE]` wraps the store in a LegacyStore that brings
// back what the Zope report (shared/seed/) describes, and what the servers of its era
// did beside it, so that a harness can be shown to catch each defect (a negative
// control). Both front ends reach the store the same way, so every profile applies to
// HTTP and FTP alike:
//
//   buffer-upload   the whole upload is held in memory, written at the end
//                   (FTPServer.ContentCollector's StringIO)
//   spool-upload    the upload goes to an unlinked temp file first, then is copied
//                   into the store at the end: one extra copy per request
//   leak-tempfile   as spool-upload, and the temp file is never closed: the leaked
//                   descriptors that filled the disk until the process ended
//   spool-download  the whole object is copied to an unlinked temp file before the
//                   first byte is sent (and sent from there): the 10 s first byte
//   load-whole      the whole object is read into memory before the first byte is
//                   sent; it stays there until the response ends (the bytes then go
//                   out by sendfile from the object, which changes nothing the
//                   harness can see: memory and reads before the first byte are the
//                   defect's)
//   read-ahead      a download is read into a queue in memory by a thread of its own,
//                   as fast as the disk gives it and with no bound, while the socket
//                   drains the queue (no sendfile: the bytes go out from the queue).
//                   Memory stays flat for a fast client and grows by up to the rest
//                   of the object for a slow or stalled one, until the response ends:
//                   Node.js streams that ignore write()'s return, lighttpd's
//                   server.stream-response-body = 0. For P1 under load
//   no-transaction  uploads write straight into the final path: an aborted upload
//                   leaves a partial object, and readers see a growing file
//   flip-byte       every upload is stored with the byte at offset 65536 of what the
//                   client sent (the first byte of its second 64 KiB block) inverted,
//                   when it is that long; sizes stay right. A block-boundary bug, for
//                   P5's round trips of 64 KiB + 1 bytes and more
//   require-length  an upload whose length was not announced before its body is
//                   refused (length_required): a chunked HTTP PUT or POST gets 411, an
//                   FTP STOR, APPE or STOU without an ALLO n before it gets 501. The
//                   servers that read CONTENT_LENGTH, for P7
//   escape-root     ".." climbs one level out of the root: /../NAME over HTTP (also
//                   percent-encoded) and ../NAME over FTP name ROOT/../NAME, a file
//                   beside the root, and GET, HEAD, RETR and SIZE read it; writes there
//                   are refused. The path traversal of the era's servers
//   wrap32          sizes and offsets taken modulo 2^32, as a server with 32-bit sizes
//                   would: every size the store reports (an object's, stat's, a
//                   listing's) is size % 2^32, so Content-Length, Range checks, SIZE,
//                   MLST, LIST and getcontentlength carry it and a download sends that
//                   many bytes; a resume offset and every read offset are taken % 2^32
//                   too (downloads go through read_at, never sendfile, so that the
//                   front ends' offsets pass the wrap). Memory stays flat. For the
//                   2^31 and 2^32 boundaries of issue 17
//
// WebDAV COPY under a profile that wraps uploads or downloads reads the source through a
// download and writes it through an upload (so buffer-upload holds a COPY in memory,
// spool-upload copies it twice, no-transaction writes the destination in place); a MOVE
// of a file under spool-upload or leak-tempfile is such a copy, then a delete of the
// source (the seed's cut and paste).
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "refserver/store/store.hpp"

namespace streamcheck::legacy {

struct LegacyProfile {
  bool buffer_upload = false;
  bool spool_upload = false;
  bool leak_tempfile = false;
  bool spool_download = false;
  bool load_whole = false;
  bool read_ahead = false;
  bool no_transaction = false;
  bool flip_byte = false;
  bool require_length = false;
  bool escape_root = false;
  bool wrap32 = false;

  // "spool-upload,load-whole" -> the profile; nullopt names nothing known (the caller
  // prints the known names). "" is no profile.
  static std::optional<LegacyProfile> parse(std::string_view list);
  static constexpr std::string_view kNames =
      "buffer-upload, spool-upload, leak-tempfile, spool-download, load-whole, read-ahead, "
      "no-transaction, flip-byte, require-length, escape-root, wrap32";
  bool any() const;
  std::string to_string() const;
};

// Wraps `store` so that it misbehaves as `profile` says. `temp_dir` holds the spools.
std::unique_ptr<store::Store> wrap_store(std::unique_ptr<store::Store> store,
                                         const LegacyProfile& profile,
                                         std::string temp_dir = "/tmp");

}  // namespace streamcheck::legacy
