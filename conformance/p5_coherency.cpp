// P5 byte-exact round trips: every upload method x every download method, at boundary
// sizes (0, 1, 65535, 65536, 65537, 10 MiB + 1) with random and adversarial content
// (CRLF runs, multipart boundary lookalikes, NUL, 0xFF, "0\r\n\r\n", ...): the SHA-256
// of what comes down equals the SHA-256 of what went up. Stitched downloads (REST+RETR
// pieces, Range GET pieces) are hashed as one stream.
#include <sys/socket.h>

#include <map>
#include <tuple>

#include "bench/lib/error.hpp"
#include "bench/lib/sha256.hpp"
#include "conformance/ops.hpp"
#include "conformance/raw.hpp"

namespace streamcheck::conformance {
namespace {

using bench::Payload;
using bench::PayloadKind;
using bench::Transfer;

constexpr Requirement kP5{"P5",
                          "What comes down is byte for byte what went up, whatever the "
                          "methods, the size or the content."};

enum class Up { ftp_stor, ftp_appe2, http_put, http_put_chunked, http_post };
enum class Down { ftp_retr, ftp_rest_stitched, http_get, http_range_stitched };

constexpr std::uint64_t kSizes[] = {0, 1, 65535, 65536, 65537, 10 * MiB + 1};
constexpr PayloadKind kKinds[] = {PayloadKind::random, PayloadKind::adversarial};

const char* name(Up u) {
  switch (u) {
    case Up::ftp_stor:
      return "FTP STOR";
    case Up::ftp_appe2:
      return "FTP STOR+APPE";
    case Up::http_put:
      return "HTTP PUT";
    case Up::http_put_chunked:
      return "HTTP PUT chunked";
    case Up::http_post:
      return "HTTP POST multipart";
  }
  return "?";
}
const char* name(Down d) {
  switch (d) {
    case Down::ftp_retr:
      return "FTP RETR";
    case Down::ftp_rest_stitched:
      return "FTP REST+RETR stitched";
    case Down::http_get:
      return "HTTP GET";
    case Down::http_range_stitched:
      return "HTTP Range GETs stitched";
  }
  return "?";
}
bool http_up(Up u) {
  return u == Up::http_put || u == Up::http_put_chunked || u == Up::http_post;
}
bool http_down(Down d) {
  return d == Down::http_get || d == Down::http_range_stitched;
}
Op op_of(Up u) {
  switch (u) {
    case Up::ftp_stor:
      return Op::ftp_stor;
    case Up::ftp_appe2:
      return Op::ftp_appe;
    case Up::http_put:
      return Op::http_put;
    case Up::http_put_chunked:
      return Op::http_put_chunked;
    case Up::http_post:
      return Op::http_post;
  }
  return Op::http_put;
}
Op op_of(Down d) {
  switch (d) {
    case Down::ftp_retr:
      return Op::ftp_retr;
    case Down::ftp_rest_stitched:
      return Op::ftp_rest;
    case Down::http_get:
      return Op::http_get;
    case Down::http_range_stitched:
      return Op::http_range;
  }
  return Op::http_get;
}

// The object uploaded for (method, size, kind): its path relative to the root and its
// payload. Made once per process and read by every download method. Throws on failure.
struct Uploaded {
  std::string path;  // "conformance-PID/p5/..." (no leading slash)
  Payload payload;
};

std::string describe(const Transfer& t) {
  return t.completed() ? "status " + std::to_string(t.status) : t.curl_error;
}

const Uploaded& uploaded(Up u, std::uint64_t size, PayloadKind kind) {
  static std::map<std::tuple<Up, std::uint64_t, PayloadKind>, Uploaded> cache;
  const auto key = std::tuple(u, size, kind);
  if (auto it = cache.find(key); it != cache.end()) return it->second;
  auto& s = suite();
  Uploaded up;
  up.payload = Payload{s.next_seed(), size, kind};
  const std::string file = std::string(op_id(op_of(u))) + "-" + std::to_string(size) + "-" +
                           std::string(bench::to_string(kind)) + ".bin";
  // Both protocols see the directory when they share a store.
  std::string dir;
  if (s.target().has_http()) dir = s.http_dir("p5").substr(1);
  if (s.target().has_ftp()) dir = s.ftp_dir("p5");
  up.path = dir + file;
  Transfer t;
  if (http_up(u)) {
    bench::HttpClient c(*s.target().http);
    if (u == Up::http_post) {
      t = c.post_multipart("/" + dir, {{"file", file, up.payload}});
    } else {
      t = c.put("/" + up.path, up.payload, u == Up::http_put_chunked);
    }
    if (!t.completed() || t.status >= 300)
      throw bench::Error(std::string(name(u)) + " of " + bytes(size) + ": " + describe(t) + " " +
                         t.response_text.substr(0, 200));
  } else {
    bench::FtpClient c(*s.target().ftp);
    if (u == Up::ftp_appe2) {
      const auto half = size / 2;
      t = c.stor(up.path, Payload{up.payload.seed, half, kind});
      if (t.completed()) t = c.appe(up.path, Payload{up.payload.seed, size, kind, half});
    } else {
      t = c.stor(up.path, up.payload);
    }
    if (!t.completed())
      throw bench::Error(std::string(name(u)) + " of " + bytes(size) + ": " + describe(t));
  }
  return cache[key] = up;
}

// Reads `path` with `d`, hashing the pieces as one stream: {bytes, SHA-256, error}.
struct Read {
  std::uint64_t bytes = 0;
  std::string sha256;
  std::string error;
};

Read download(Down d, const std::string& path, std::uint64_t size) {
  auto& s = suite();
  bench::Sha256 hash;
  Read r;
  bench::TransferOptions o;
  o.hash = false;
  o.on_data = [&](std::span<const std::byte> piece) {
    hash.update(piece);
    r.bytes += piece.size();
  };
  // Cut points of the stitched reads: three pieces when there are three bytes.
  std::vector<std::uint64_t> cuts = {0};
  if (size >= 3) {
    cuts.push_back(size / 3);
    cuts.push_back(2 * size / 3 + 1);
  } else if (size > 0) {
    cuts.push_back(size);  // one piece
    cuts.pop_back();
  }
  cuts.push_back(size);
  switch (d) {
    case Down::ftp_retr: {
      bench::FtpClient c(*s.target().ftp);
      const auto t = c.retr(path, o);
      if (!t.completed()) r.error = "RETR: " + describe(t);
      break;
    }
    case Down::ftp_rest_stitched:
      for (size_t i = 0; i + 1 < cuts.size() && r.error.empty(); ++i) {
        bench::FtpClient c(*s.target().ftp);  // an aborted piece ends its session
        auto piece = o;
        const bool last = i + 2 == cuts.size();
        if (!last) piece.abort_after = cuts[i + 1] - cuts[i];
        const auto t = cuts[i] == 0 ? c.retr(path, piece) : c.rest_retr(path, cuts[i], piece);
        if (!t.completed() && !t.aborted)
          r.error = "REST " + std::to_string(cuts[i]) + " + RETR: " + describe(t);
      }
      break;
    case Down::http_get: {
      bench::HttpClient c(*s.target().http);
      const auto t = c.get("/" + path, o);
      if (!t.completed() || t.status != 200) r.error = "GET: " + describe(t);
      break;
    }
    case Down::http_range_stitched: {
      bench::HttpClient c(*s.target().http);
      if (size == 0) {  // no range of an empty object is satisfiable: read it whole
        const auto t = c.get("/" + path, o);
        if (!t.completed() || t.status != 200) r.error = "GET: " + describe(t);
        break;
      }
      for (size_t i = 0; i + 1 < cuts.size() && r.error.empty(); ++i) {
        if (cuts[i + 1] == cuts[i]) continue;
        const auto t = c.get_range("/" + path, cuts[i], cuts[i + 1] - 1, o);
        if (!t.completed() || t.status != 206)
          r.error = "GET Range: bytes=" + std::to_string(cuts[i]) + "-" +
                    std::to_string(cuts[i + 1] - 1) + ": " + describe(t) + " (want 206)";
      }
      break;
    }
  }
  r.sha256 = hash.final_hex();
  return r;
}

// Whether HTTP and FTP serve two separate stores, found out once by a file uploaded over
// one (PUT, else STOR, so that --without http-put still gets its cross-protocol round trips)
// and read back over the other at the same path. Only a positive finding makes the
// cross-protocol round trips not applicable: the upload was taken, and the other protocol
// answers that no such file exists (RETR: 550, GET: 404 or 410), on a target whose store
// root the harness does not know. A target with a known root (the spawned refserver, or
// --root) has one store by declaration: there a miss is a failure, and the round trips run
// to show it. The same bytes, or an answer that proves nothing either way (the upload
// refused, a reply of another meaning), also let the round trips run and be judged.
struct Stores {
  bool separate = false;
  std::string evidence;  // what the probe saw, for the skip
};

const Stores& stores() {
  static std::optional<Stores> found;
  if (found) return *found;
  found.emplace();
  auto& s = suite();
  if (!s.target().has_http() || !s.target().has_ftp() || s.target().root) return *found;
  const std::string path = s.http_dir("p5").substr(1) + "shared-probe.bin";
  const Payload probe{s.next_seed(), 12345, PayloadKind::random};
  bench::HttpClient h(*s.target().http);
  bench::FtpClient f(*s.target().ftp);
  if (s.why_not(Op::http_put).empty()) {
    const auto put = h.put("/" + path, probe);
    if (!put.completed() || put.status >= 300) return *found;
    const auto got = f.retr(path);
    if (!got.completed() && got.status == 550) {
      found->separate = true;
      found->evidence = "PUT /" + path + " answered " + std::to_string(put.status) +
                        ", then RETR " + path + " answered 550";
    }
  } else if (s.why_not(Op::ftp_stor).empty()) {
    s.ftp_dir("p5");
    if (!f.stor(path, probe).completed()) return *found;
    const auto got = h.get("/" + path);
    if (got.completed() && (got.status == 404 || got.status == 410)) {
      found->separate = true;
      found->evidence = "STOR " + path + " completed, then GET /" + path + " answered " +
                        std::to_string(got.status);
    }
  }
  return *found;
}

void round_trip(Up u, Down d) {
  SKIP_UNLESS_APPLIES(op_of(u));
  SKIP_UNLESS_APPLIES(op_of(d));
  if (http_up(u) != http_down(d) && stores().separate)
    GTEST_SKIP() << "HTTP and FTP serve two separate stores (" << stores().evidence
                 << "): no cross-protocol round trip";
  int failures = 0;
  for (const auto kind : kKinds) {
    for (const auto size : kSizes) {
      const auto& up = uploaded(u, size, kind);
      const auto want = sha256_of(up.payload);
      const auto got = download(d, up.path, size);
      const std::string what = std::string(name(u)) + " then " + name(d) + ", " + bytes(size) +
                               " of " + std::string(bench::to_string(kind)) + " content";
      if (!check(got.error.empty() && got.bytes == size && got.sha256 == want, kP5,
                 what + ": " + std::to_string(size) + " bytes, SHA-256 " + want,
                 got.error.empty() ? std::to_string(got.bytes) + " bytes, SHA-256 " + got.sha256
                                   : got.error) &&
          ++failures >= 4)
        return;
    }
  }
}

#define P5_CASE(U, D, u, d)     \
  TEST(P5Coherency, U##_##D) {  \
    round_trip(Up::u, Down::d); \
  }
#define P5_UP(U, u)                                 \
  P5_CASE(U, FtpRetr, u, ftp_retr)                  \
  P5_CASE(U, FtpRestStitched, u, ftp_rest_stitched) \
  P5_CASE(U, HttpGet, u, http_get)                  \
  P5_CASE(U, HttpRangeStitched, u, http_range_stitched)
P5_UP(FtpStor, ftp_stor)
P5_UP(FtpAppeTwoParts, ftp_appe2)
P5_UP(HttpPut, http_put)
P5_UP(HttpPutChunked, http_put_chunked)
P5_UP(HttpPostMultipart, http_post)

// A raw STOR or RETR of `content` on a logged-in control connection, in whatever TYPE the
// session is in: the bytes, or the reply that stopped it.
struct Raw {
  std::string bytes;
  std::string error;  // "" when the transfer ended with a completion reply
};

Raw raw_transfer(bench::FtpControl& ctl, const std::string& command, const std::string& send) {
  Raw out;
  auto data = ctl.open_passive();
  const auto start = ctl.command(command);
  const auto verb = verb_of(command);
  if (!check_reply_kind(start, verb, {ReplyKind::preliminary}, "A transfer begins: 125 or 150."))
    return {"", command + ": " + reply_text(start)};
  if (!send.empty()) {
    data->send(send);
    data->shutdown_write();
  }
  char buf[65536];
  for (;;) {
    const auto n = ::recv(data->fd(), buf, sizeof buf, 0);
    if (n <= 0) break;
    out.bytes.append(buf, static_cast<size_t>(n));
  }
  data.reset();  // a server may send 226 only once the client has closed
  const auto end = ctl.read_reply();
  if (!check_reply_kind(end, verb, {ReplyKind::completion}, "A transfer ends: 226 or 250."))
    out.error = command + " ended " + reply_text(end);
  return out;
}

// RFC 959 §3.1.1.1: TYPE A (the default) moves text as NVT-ASCII, whose end of line is
// CRLF: "The sender converts the data from an internal character representation to the
// standard 8-bit NVT-ASCII representation ... the <CRLF> sequence should be used where
// necessary to denote the end of a line of text." RFC 959 predates RFC 2119; its "should"
// is read as a SHOULD: a server that sends its LF line ends as they are (vsftpd unless
// ascii_download_enable) gets a warning. What TYPE A must never do is change anything
// but line ends: text without them comes down byte for byte (P5). TYPE A is part of the
// minimum implementation (§5.1, judged by Rfc959Commands.MinimumImplementation): a 504
// to it ("not implemented for that parameter") leaves nothing to judge here.
TEST(P5Coherency, FtpTypeAChangesOnlyLineEndsToCrlf) {
  SKIP_UNLESS_APPLIES(Op::ftp_stor);
  auto& s = suite();
  const std::string plain = "printable ASCII without an end of line: 0123456789 ~!@#$%^&*()";
  const std::string lines = "first line\nsecond line\n\nafter an empty line\nno end of line";
  std::string crlf;
  for (const char ch : lines) crlf += ch == '\n' ? std::string("\r\n") : std::string(1, ch);
  const std::string dir = s.ftp_dir("p5");
  auto ctl = s.ftp_raw();  // in TYPE I: the files are stored as sent
  for (const auto& [name, content] :
       {std::pair{"type-a-plain.txt", plain}, {"type-a-lines.txt", lines}})
    ASSERT_EQ(raw_transfer(*ctl, "STOR " + dir + name, content).error, "");
  const auto type = ctl->command("TYPE A");
  if (type.code == 504) GTEST_SKIP() << "TYPE A is not implemented: " << type.text;
  if (!check_reply_kind(type, "TYPE", {ReplyKind::completion}, "TYPE A: 200.")) return;
  const auto got_plain = raw_transfer(*ctl, "RETR " + dir + "type-a-plain.txt", "");
  const auto got_lines = raw_transfer(*ctl, "RETR " + dir + "type-a-lines.txt", "");
  constexpr Requirement kOnlyLineEnds{"P5, RFC 959 §3.1.1.1",
                                      "TYPE A changes nothing but line ends."};
  check(got_plain.error.empty() && got_plain.bytes == plain, kOnlyLineEnds,
        "a RETR in TYPE A of text without line ends: the " + std::to_string(plain.size()) +
            " bytes stored",
        got_plain.error.empty() ? "\"" + got_plain.bytes + "\"" : got_plain.error);
  const auto shown = [](std::string t) {
    for (std::size_t i = 0; (i = t.find_first_of("\r\n", i)) != std::string::npos; i += 2)
      t.replace(i, 1, t[i] == '\r' ? "\\r" : "\\n");
    return "\"" + t + "\"";
  };
  if (!check(got_lines.error.empty() && (got_lines.bytes == crlf || got_lines.bytes == lines),
             kOnlyLineEnds, "a RETR in TYPE A of LF-ended lines: the lines, CRLF-ended",
             got_lines.error.empty() ? shown(got_lines.bytes) : got_lines.error))
    return;
  check(got_lines.bytes == crlf,
        {"RFC 959 §3.1.1.1", "TYPE A sends each end of line as CRLF (NVT-ASCII).", Level::should},
        shown(crlf), shown(got_lines.bytes) + " (the file's LF line ends as stored)");
}

}  // namespace
}  // namespace streamcheck::conformance
