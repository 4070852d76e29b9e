// Large.Ftp*: issue 17 over FTP. An object of 2^32 + 4097 bytes goes up with STOR and
// comes back byte-exact; SIZE, MLST and LIST carry its 64-bit size; REST takes offsets
// past 2^32 (and refuses one past the end, never truncating its digits); REST+STOR and
// APPE write across 2^32.
#include <poll.h>
#include <sys/socket.h>

#include <cstdint>
#include <string>

#include "bench/lib/ftp_client.hpp"
#include "conformance/large.hpp"
#include "conformance/ops.hpp"
#include "conformance/raw.hpp"

namespace streamcheck::conformance {
namespace {

constexpr std::uint64_t k2To32 = std::uint64_t{1} << 32;
const std::string kSizeText = std::to_string(kLargeSize);

#define LARGE_FTP_OBJECT(o) LARGE_OBJECT(o, ftp_large, Op::ftp_retr)

// Everything the data connection carries until the server closes it (up to `limit`
// bytes kept; all counted), waiting at most 10 s between pieces.
std::uint64_t drain(bench::RawConnection& data, std::string* kept = nullptr,
                    std::size_t limit = 1 << 20) {
  std::uint64_t total = 0;
  char buf[65536];
  for (;;) {
    pollfd p{data.fd(), POLLIN, 0};
    if (::poll(&p, 1, 10000) <= 0) return total;
    const auto n = ::recv(data.fd(), buf, sizeof buf, 0);
    if (n <= 0) return total;
    if (kept && kept->size() < limit) kept->append(buf, static_cast<std::size_t>(n));
    total += static_cast<std::uint64_t>(n);
  }
}

// REST `offset` then RETR on one raw session, so that the server is asked (curl checks
// SIZE first and refuses an offset past it itself: a 32-bit SIZE would hide the REST).
struct Tail {
  std::string how;    // "" when the RETR ended well; else its reply or what failed
  std::string bytes;  // what the data connection carried (up to 1 MiB)
};
Tail rest_retr(const std::string& path, std::uint64_t offset) {
  Tail t;
  auto c = suite().ftp_raw();
  auto d = open_data(*c);
  if (!d.conn) return {"no data connection: " + d.how, ""};
  const auto rest = c->command("REST " + std::to_string(offset));
  if (rest.code != 350) return {"REST answered " + reply_text(rest), ""};
  const auto retr = c->command("RETR " + path);
  if (retr.code != 150 && retr.code != 125) return {"RETR answered " + reply_text(retr), ""};
  drain(*d.conn, &t.bytes);
  const auto end = c->read_reply();
  if (end.code / 100 != 2) t.how = "RETR ended " + reply_text(end);
  return t;
}

// REST `offset` then STOR of payload bytes [offset, offset + n) on one raw session.
struct Stored {
  int refused = 0;  // the 5xx that REST or STOR answered (the server does not resume)
  std::string how;  // the final reply ("226 ..."), or what went wrong on the way
};
Stored rest_stor(const std::string& path, std::uint64_t offset, const bench::Payload& p,
                 std::size_t n) {
  auto c = suite().ftp_raw();
  auto d = open_data(*c);
  if (!d.conn) return {0, "no data connection: " + d.how};
  const auto rest = c->command("REST " + std::to_string(offset));
  if (rest.code != 350)
    return {rest.code >= 500 ? rest.code : 0, "REST answered " + reply_text(rest)};
  // A server that keeps uploads whole until they commit may copy the 4 GiB it holds
  // before its 150: allowed, and given the time.
  const auto stor = c->command("STOR " + path, std::chrono::seconds(120));
  if (stor.code != 150 && stor.code != 125)
    return {stor.code >= 500 ? stor.code : 0, "STOR answered " + reply_text(stor)};
  d.conn->send(payload_bytes(p, offset, n));
  d.conn.reset();
  return {0, reply_text(c->read_reply(std::chrono::seconds(120)))};
}

// RFC 3659 §5.5 defines REST + STOR only where the restart marker is the end of what the
// server holds (finishing a transfer that stopped there), and APPE adds at the end: so
// each crossing test first stores the payload's first kHead bytes, 2^32 - 2048, whole.
constexpr std::uint64_t kHead = k2To32 - 2048;

// A new object holding payload `p`'s first kHead bytes (STOR); its path, or a failure.
std::string store_head(const bench::Payload& p, const std::string& stem) {
  const auto path = suite().ftp_dir("large") + fresh_name(stem, ".bin");
  bench::FtpClient c(*suite().target().ftp);
  const auto t = c.stor(path, bench::Payload{p.seed, kHead, p.kind});
  if (!t.completed() || t.body_bytes != kHead)
    throw bench::Error("STOR of the first " + std::to_string(kHead) + " bytes: status " +
                       std::to_string(t.status) + " " + t.curl_error + " after " +
                       bytes(t.body_bytes));
  return path;
}

// After the rest of `p` went on past kHead: "" when `path` is the whole payload (SIZE, and
// the bytes from kHead - 2048 to the end by REST + RETR); else what it is ("size N; ...").
std::string whole_after_crossing(const std::string& path, const bench::Payload& p) {
  const auto size = bench::FtpClient(*suite().target().ftp).size(path);
  const auto t = rest_retr(path, kHead - 2048);
  const auto differs = compare_window(p, kHead - 2048, t.bytes);
  if (size == kLargeSize && t.how.empty() && t.bytes.size() == kLargeSize - kHead + 2048 &&
      differs.empty())
    return "";
  return "size " + (size ? std::to_string(*size) : std::string("?")) + "; RETR from " +
         std::to_string(kHead - 2048) + ": " +
         (!t.how.empty()    ? t.how
          : differs.empty() ? std::to_string(t.bytes.size()) + " bytes"
                            : differs);
}

TEST(Large, FtpStor) {
  LARGE_FTP_OBJECT(o);
  check_flat_and_once(o.upload, /*upload=*/true, "FTP STOR");
  bench::FtpClient c(*suite().target().ftp);
  const auto [t, m] = probed([&] { return c.retr(o.path, {.hash = true}); });
  const bool exact = t.completed() && t.body_bytes == kLargeSize && t.sha256 == o.sha256;
  check(exact, {"issue 17", "A file past 2^32 bytes STORed reads back byte-exact with RETR."},
        kSizeText + " bytes, SHA-256 " + o.sha256,
        t.completed() ? std::to_string(t.body_bytes) + " bytes, SHA-256 " + t.sha256
                      : "RETR answered " + std::to_string(t.status) + " " + t.curl_error);
  if (exact) check_flat_and_once(m, /*upload=*/false, "FTP RETR");
}

TEST(Large, FtpSizeMlstListCarryTheSize) {
  LARGE_FTP_OBJECT(o);
  auto c = suite().ftp_raw();
  if (suite().ftp_has_feature("SIZE")) {
    const auto r = c->command("SIZE " + o.path);
    check(r.text == "213 " + kSizeText, {"RFC 3659 §4", "SIZE gives the octet count past 2^32."},
          "213 " + kSizeText, reply_text(r));
  }
  if (suite().ftp_has_feature("MLST")) {
    const auto r = c->command("MLST " + o.path);
    check(r.text.find("size=" + kSizeText + ";") != std::string::npos ||
              r.text.find("Size=" + kSizeText + ";") != std::string::npos,
          {"RFC 3659 §7.5.5", "MLST's size fact is the octet count past 2^32."},
          "size=" + kSizeText + ";", reply_text(r));
  }
  auto d = open_data(*c);
  ASSERT_TRUE(d.conn) << "no data connection: " << d.how;
  const auto list = c->command("LIST " + suite().ftp_dir("large"));
  std::string listing;
  if (list.code == 150 || list.code == 125) drain(*d.conn, &listing);
  c->read_reply();
  std::string line;
  for (std::size_t at = 0; at < listing.size();) {
    const auto end = std::min(listing.find('\n', at), listing.size());
    if (listing.substr(at, end - at).find("obj.bin") != std::string::npos)
      line = listing.substr(at, end - at);
    at = end + 1;
  }
  check(line.find(" " + kSizeText + " ") != std::string::npos,
        {"issue 17", "LIST shows a file past 2^31 bytes, with its size."},
        "a line naming obj.bin with " + kSizeText,
        line.empty() ? "no obj.bin in " + std::to_string(listing.size()) + " bytes of LIST (" +
                           reply_text(list) + ")"
                     : "\"" + line + "\"");
}

TEST(Large, FtpRestPast2To32) {
  LARGE_FTP_OBJECT(o);
  SKIP_UNLESS_APPLIES(Op::ftp_rest);
  const auto t = rest_retr(o.path, k2To32 + 1);
  const auto differs = compare_window(o.payload, k2To32 + 1, t.bytes);
  check(t.how.empty() && t.bytes.size() == 4096 && differs.empty(),
        {"RFC 3659 §5", "REST 4294967297 then RETR sends the 4096 bytes from that offset."},
        "the payload's last 4096 bytes",
        (t.how.empty() ? "" : t.how + ", ") + std::to_string(t.bytes.size()) + " of 4096 bytes" +
            (differs.empty() ? "" : ", " + differs));
}

// 12345678910 is past the end: the RETR must send nothing, whether the server refuses
// it (554, RFC 3659 §5.5) or opens an empty transfer (vsftpd: 150, 0 bytes, 226). A
// server that keeps ten of its eleven digits (1234567891) is inside the object and sends
// bytes.
TEST(Large, FtpRestElevenDigitsPastTheEndSendsNothing) {
  LARGE_FTP_OBJECT(o);
  SKIP_UNLESS_APPLIES(Op::ftp_rest);
  auto c = suite().ftp_raw();
  auto d = open_data(*c);
  ASSERT_TRUE(d.conn) << "no data connection: " << d.how;
  const auto rest = c->command("REST 12345678910");
  if (rest.code >= 500) return;  // refused at REST: clean too
  const auto retr = c->command("RETR " + o.path);
  std::uint64_t sent = 0;
  if (retr.code == 150 || retr.code == 125) {
    sent = drain(*d.conn);
    c->read_reply();
  }
  check(sent == 0,
        {"RFC 3659 §5.5", "REST past the end then RETR sends no byte (an error, or nothing)."},
        "0 bytes sent", reply_text(retr) + ", " + std::to_string(sent) + " bytes sent");
}

// The payload's first 2^32 - 2048 bytes by STOR, then REST 2^32 - 2048 + STOR of the rest:
// the object is the whole payload, its last bytes written across 2^32.
TEST(Large, FtpRestStorAcross2To32) {
  SKIP_UNLESS_LARGE();
  SKIP_UNLESS_RUNNABLE(Op::ftp_stor);
  SKIP_UNLESS_APPLIES(Op::ftp_rest);  // the read back is a REST + RETR
  const bench::Payload p{suite().next_seed(), kLargeSize};
  std::string path;
  ASSERT_NO_THROW(path = store_head(p, "resumed"));
  const auto stored = rest_stor(path, kHead, p, kLargeSize - kHead);
  if (stored.refused) {
    bench::FtpClient(*suite().target().ftp).dele(path);
    GTEST_SKIP() << "the server does not resume uploads: " << stored.how;
  }
  const auto got = whole_after_crossing(path, p);
  check(
      got.empty(),
      {"RFC 3659 §5.5",
       "REST n + STOR, n the end of what is stored, writes on from n: "
       "across 2^32 the object is the whole payload."},
      "STOR 226, size " + kSizeText + ", the payload's bytes from " + std::to_string(kHead - 2048),
      "STOR: " + stored.how + "; " + got);
  bench::FtpClient(*suite().target().ftp).dele(path);  // 4 GiB less for the tests after
}

// The payload's first 2^32 - 2048 bytes by STOR, then APPE of the rest, across 2^32.
TEST(Large, FtpAppeAcross2To32) {
  SKIP_UNLESS_LARGE();
  SKIP_UNLESS_RUNNABLE(Op::ftp_stor);
  SKIP_UNLESS_APPLIES(Op::ftp_appe);
  SKIP_UNLESS_APPLIES(Op::ftp_rest);  // the read back is a REST + RETR
  const bench::Payload p{suite().next_seed(), kLargeSize};
  std::string path;
  ASSERT_NO_THROW(path = store_head(p, "appended"));
  bench::FtpClient c(*suite().target().ftp);
  const auto appe = c.appe(path, bench::Payload{p.seed, kLargeSize, p.kind, kHead});
  const auto got = whole_after_crossing(path, p);
  check(
      appe.completed() && got.empty(),
      {"RFC 959 §4.1.3", "APPE adds its bytes at the file's end, across 2^32."},
      "APPE 226, size " + kSizeText + ", the payload's bytes from " + std::to_string(kHead - 2048),
      "APPE " + std::to_string(appe.status) + (appe.completed() ? "" : " " + appe.curl_error) +
          "; " + got);
  c.dele(path);
}

}  // namespace
}  // namespace streamcheck::conformance
