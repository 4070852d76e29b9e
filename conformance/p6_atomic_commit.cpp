// P6 atomic commits: an upload aborted at 0%, 50% or 99.9% leaves the previous version
// whole (and, with the root known, no new file anywhere under the root); a download in
// progress while a new version commits returns the whole old version; two concurrent
// uploads to one path leave exactly one of them, whole.
#include <chrono>
#include <condition_variable>
#include <filesystem>
#include <mutex>
#include <thread>

#include "bench/lib/sha256.hpp"
#include "conformance/dav.hpp"
#include "conformance/ops.hpp"
#include "conformance/raw.hpp"
#include "conformance/root_watch.hpp"

namespace streamcheck::conformance {
namespace {

using bench::Payload;
using bench::PayloadKind;
using bench::Transfer;
using namespace std::chrono_literals;

constexpr Requirement kAbort{"P6",
                             "An aborted upload leaves the previous version whole, and nothing "
                             "of itself behind."};
constexpr Requirement kReader{"P6",
                              "A download in progress while a new version commits returns the "
                              "whole old version."};
constexpr Requirement kWriters{"P6",
                               "Two concurrent uploads to one path leave exactly one of them, "
                               "whole."};
constexpr std::uint64_t kSize = 4 * MiB;
constexpr std::uint64_t kReaderSize = 64 * MiB;
constexpr std::uint64_t kWriterSize = 16 * MiB;

std::string describe(const Transfer& t) {
  return t.completed() ? "status " + std::to_string(t.status) : t.curl_error;
}

// What a read of `path` gives: "N bytes, SHA-256 X" (HTTP path "/a", FTP path "a").
struct Content {
  std::uint64_t bytes = 0;
  std::string sha256;
  std::string error;
  std::string text() const {
    return error.empty() ? std::to_string(bytes) + " bytes, SHA-256 " + sha256 : error;
  }
};
Content read_http(const std::string& path) {
  bench::HttpClient c(*suite().target().http);
  const auto t = c.get(path);
  if (!t.completed() || t.status != 200) return {0, "", "GET " + path + ": " + describe(t)};
  return {t.body_bytes, t.sha256, ""};
}
Content read_ftp(const std::string& path) {
  bench::FtpClient c(*suite().target().ftp);
  const auto t = c.retr(path);
  if (!t.completed()) return {0, "", "RETR " + path + ": " + describe(t)};
  return {t.body_bytes, t.sha256, ""};
}

// What an aborted upload left under the root (root_watch.hpp), waiting a moment for the
// server to remove it; "" when nothing, or when the root is unknown (recorded).
std::string orphans(const RootWatch& watch) {
  if (!watch.watching()) {
    record("orphans", "not checked: the store root is unknown");
    return "";
  }
  return watch.new_entries({});
}

const std::uint64_t kCuts[] = {0, kSize / 2, kSize - kSize / 1000};
std::string percent(std::uint64_t cut) {
  return fixed(100.0 * static_cast<double>(cut) / static_cast<double>(kSize), 1) + "%";
}

void aborted_http_put(bool chunked) {
  SKIP_UNLESS_APPLIES(chunked ? Op::http_put_chunked : Op::http_put);
  auto& s = suite();
  const std::string dir = s.http_dir(chunked ? "p6-put-chunked-abort" : "p6-put-abort");
  const std::string file = "versioned.bin";
  const Payload v1{s.next_seed(), kSize, PayloadKind::random};
  bench::HttpClient c(*s.target().http);
  const auto put = c.put(dir + file, v1);
  ASSERT_TRUE(put.completed() && put.status < 300) << "PUT of the first version: " << describe(put);
  const auto want = sha256_of(v1);
  for (const auto cut : kCuts) {
    const Payload v2{s.next_seed(), kSize, PayloadKind::random};
    const RootWatch watch(s.target().root);
    bench::HttpClient writer(*s.target().http);
    const auto t = writer.put(dir + file, v2, chunked, {.abort_after = cut});
    EXPECT_TRUE(t.aborted) << "the upload was meant to be aborted at " << cut;
    // No wait: the previous version must be there at every moment, so also at once.
    const auto got = read_http(dir + file);
    check(got.error.empty() && got.bytes == kSize && got.sha256 == want, kAbort,
          "after a PUT" + std::string(chunked ? " (chunked)" : "") + " aborted at " + percent(cut) +
              ", GET gives the previous version: " + std::to_string(kSize) + " bytes, SHA-256 " +
              want,
          got.text());
    const auto left = orphans(watch);
    check(left.empty(), kAbort, "no new file under the root after the aborted upload",
          "left:" + left);
  }
}

// STOR aborted by ABOR on the control connection (RFC 959 §4.1.3), or by a reset data
// connection: in stream mode a plain close would mean end of file.
void aborted_ftp_stor(bool reset) {
  SKIP_UNLESS_APPLIES(Op::ftp_stor);
  auto& s = suite();
  const std::string dir = s.ftp_dir(reset ? "p6-stor-reset" : "p6-stor-abor");
  const std::string file = "versioned.bin";
  const Payload v1{s.next_seed(), kSize, PayloadKind::random};
  bench::FtpClient c(*s.target().ftp);
  const auto stor = c.stor(dir + file, v1);
  ASSERT_TRUE(stor.completed()) << "STOR of the first version: " << describe(stor);
  const auto want = sha256_of(v1);
  for (const auto cut : kCuts) {
    const RootWatch watch(s.target().root);
    auto ctl = s.ftp_raw();
    auto data = ctl->open_passive();
    const auto start = ctl->command("STOR " + dir + file);
    ASSERT_TRUE(start.code == 150 || start.code == 125) << start.text;
    bench::PayloadStream v2(s.next_seed(), kSize, PayloadKind::random);
    std::vector<std::byte> buf(256 * KiB);
    std::uint64_t sent = 0;
    while (sent < cut) {
      const auto n = v2.fill(std::span(buf).first(std::min<std::uint64_t>(buf.size(), cut - sent)));
      if (!data->send(std::string_view(reinterpret_cast<const char*>(buf.data()), n))) break;
      sent += n;
    }
    // The abort follows the bytes at once: whatever of them the server has read by then,
    // the previous version must stay whole.
    if (reset) {
      data->reset();
      ctl->read_reply(5s);  // 426 (or 451)
    } else {
      send_abor(*ctl);               // Telnet IP and Synch first (RFC 959 §4.1.3)
      for (int i = 0; i < 2; ++i) {  // 426 then 226, or 226 alone
        const auto r = ctl->read_reply(2s);
        if (r.code == 0 || r.code == 226 || r.code == 225) break;
      }
      data.reset();
    }
    const auto got = read_ftp(dir + file);
    check(got.error.empty() && got.bytes == kSize && got.sha256 == want, kAbort,
          "after a STOR aborted at " + percent(cut) + (reset ? " (data reset)" : " (ABOR)") +
              ", RETR gives the previous version: " + std::to_string(kSize) + " bytes, SHA-256 " +
              want,
          got.text());
    const auto left = orphans(watch);
    check(left.empty(), kAbort, "no new file under the root after the aborted upload",
          "left:" + left);
  }
}

TEST(P6AtomicCommit, HttpPutAbortedKeepsOldVersion) {
  aborted_http_put(false);
}
TEST(P6AtomicCommit, HttpPutChunkedAbortedKeepsOldVersion) {
  aborted_http_put(true);
}
TEST(P6AtomicCommit, FtpStorAbortedKeepsOldVersion) {
  aborted_ftp_stor(false);
}
TEST(P6AtomicCommit, FtpStorDataResetKeepsOldVersion) {
  aborted_ftp_stor(true);
}

// A download paused after its first byte while a new version is uploaded and committed;
// then read to the end. The writer runs on a thread of its own and the reader waits
// for it at its first byte, up to kWriterWait, then reads on whether the writer has
// finished or not: a server may make the writer wait for the reader (vsftpd's
// lock_upload_files takes a read lock for RETR and a write lock for STOR), which keeps
// the reader's version whole and so conforms to P6; the writer then finishes after the
// reader. (The writer must not run inside the reader's callback: against such a server
// neither would move until a timeout.) The verdict does not depend on the timing: the
// reader, begun before the commit, must get the whole old version byte for byte, and
// once both are done a fresh read must give the whole new version.
constexpr auto kWriterWait = 3s;

struct DuringCommit {
  Transfer read;
  Transfer write;
  bool first_byte = false;  // the reader got a first byte (and the writer ran)
  bool committed_while_paused = false;
  double paused_seconds = 0;
  std::string timing() const {
    if (!first_byte) return "the reader got no first byte, so the writer did not run";
    return committed_while_paused
               ? "the writer finished while the reader was paused (" + fixed(paused_seconds) + " s)"
               : "the writer had not finished " + fixed(paused_seconds) +
                     " s into the reader's pause; the reader read on (the server serialises "
                     "the writer behind the reader, or is slow)";
  }
};

// `read(options)` runs the reader on this thread; `write()` runs the writer on another,
// started at the reader's first byte.
template <class Read, class Write>
DuringCommit read_during_commit(Read read, Write write) {
  DuringCommit r;
  std::mutex m;
  std::condition_variable cv;
  bool go = false, cancel = false, done = false;
  std::thread writer([&] {
    {
      std::unique_lock lock(m);
      cv.wait(lock, [&] { return go || cancel; });
      if (cancel) return;
    }
    Transfer t;
    try {
      t = write();
    } catch (const std::exception& e) {
      t.curl_code = -1;
      t.curl_error = e.what();
    }
    {
      std::lock_guard lock(m);
      r.write = std::move(t);
      done = true;
    }
    cv.notify_all();
  });
  bench::TransferOptions o;
  o.on_first_byte = [&] {
    std::unique_lock lock(m);
    go = r.first_byte = true;
    cv.notify_all();
    const auto start = std::chrono::steady_clock::now();
    r.committed_while_paused = cv.wait_for(lock, kWriterWait, [&] { return done; });
    r.paused_seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  };
  try {
    r.read = read(o);
  } catch (...) {
    {
      std::lock_guard lock(m);
      cancel = true;
    }
    cv.notify_all();
    writer.join();
    throw;
  }
  {
    std::lock_guard lock(m);
    cancel = !go;
  }
  cv.notify_all();
  writer.join();
  record("writer", r.timing());
  return r;
}

// The verdict of both protocols: `what` names the reader's and the writer's commands.
void judge_during_commit(const DuringCommit& r, const Payload& v1, const Payload& v2,
                         const char* reader, const char* writer, const Content& after) {
  const auto timing = " (" + r.timing() + ")";
  ASSERT_TRUE(r.first_byte) << reader << " of the old version: " << describe(r.read)
                            << ", no body byte came";
  const auto want = sha256_of(v1);
  check(r.read.completed() && r.read.body_bytes == v1.size && r.read.sha256 == want, kReader,
        std::string("the ") + reader + " begun before the commit: " + std::to_string(v1.size) +
            " bytes, SHA-256 " + want + " (the old version)",
        describe(r.read) + ", " + std::to_string(r.read.body_bytes) + " bytes, SHA-256 " +
            r.read.sha256 + timing);
  ASSERT_TRUE(r.write.completed() && r.write.status < 300)
      << writer << " of the new version: " << describe(r.write) << timing;
  const auto want2 = sha256_of(v2);
  check(after.error.empty() && after.bytes == v2.size && after.sha256 == want2, kReader,
        std::string("a ") + reader + " after both: the whole new version, " +
            std::to_string(v2.size) + " bytes, SHA-256 " + want2,
        after.text() + timing);
}

TEST(P6AtomicCommit, HttpGetDuringCommitSeesOldVersion) {
  SKIP_UNLESS_APPLIES(Op::http_put);
  auto& s = suite();
  const std::string path = s.http_dir("p6-get-during-commit") + "versioned.bin";
  const Payload v1{s.next_seed(), kReaderSize, PayloadKind::random};
  const Payload v2{s.next_seed(), kReaderSize, PayloadKind::random};
  bench::HttpClient c(*s.target().http);
  const auto put1 = c.put(path, v1);
  ASSERT_TRUE(put1.completed() && put1.status < 300)
      << "PUT of the old version: " << describe(put1);
  bench::HttpClient writer(*s.target().http);
  const auto r = read_during_commit([&](const bench::TransferOptions& o) { return c.get(path, o); },
                                    [&] { return writer.put(path, v2); });
  judge_during_commit(r, v1, v2, "GET", "PUT", read_http(path));
}

TEST(P6AtomicCommit, FtpRetrDuringCommitSeesOldVersion) {
  SKIP_UNLESS_APPLIES(Op::ftp_stor);
  auto& s = suite();
  const std::string path = s.ftp_dir("p6-retr-during-commit") + "versioned.bin";
  const Payload v1{s.next_seed(), kReaderSize, PayloadKind::random};
  const Payload v2{s.next_seed(), kReaderSize, PayloadKind::random};
  bench::FtpClient c(*s.target().ftp);
  const auto stor1 = c.stor(path, v1);
  ASSERT_TRUE(stor1.completed()) << "STOR of the old version: " << describe(stor1);
  bench::FtpClient writer(*s.target().ftp);
  const auto r =
      read_during_commit([&](const bench::TransferOptions& o) { return c.retr(path, o); },
                         [&] { return writer.stor(path, v2); });
  judge_during_commit(r, v1, v2, "RETR", "STOR", read_ftp(path));
}

// A GET begun before a MOVE of its object (RFC 4918 §9.9) reads on to the end, byte
// exact: the move renames what the reader has open, it does not cut it short.
TEST(P6AtomicCommit, HttpGetDuringMoveReadsOnToTheEnd) {
  SKIP_UNLESS_DAV_OFFERS("MOVE");
  auto& s = suite();
  const std::string dir = s.http_dir("p6-get-during-move");
  const std::string from = dir + fresh_name("moving", ".bin"),
                    to = dir + fresh_name("moved", ".bin");
  const Payload v{s.next_seed(), kReaderSize, PayloadKind::random};
  bench::HttpClient c(*s.target().http);
  const auto put = c.put(from, v);
  ASSERT_TRUE(put.completed() && put.status < 300) << "PUT of the object: " << describe(put);
  const auto r = read_during_commit(
      [&](const bench::TransferOptions& o) { return c.get(from, o); },
      [&] {
        const auto m = dav("MOVE", from, "Destination: " + dav_url(to) + "\r\n", "", 300s);
        Transfer t;
        t.status = m ? m->status : 0;
        if (!m) t.curl_code = -1, t.curl_error = "no response to MOVE";
        return t;
      });
  // The reader's verdict is judge_during_commit's: the old version is `v`, and after the
  // move the destination must hold it whole.
  judge_during_commit(r, v, v, "GET", "MOVE", read_http(to));
  check_outcome(dav("GET", from), "GET", HttpOutcome::missing,
                "After the MOVE its source is gone.");
}

template <class Client, class Prepare, class Read>
void concurrent_writers(const std::string& path, Prepare prepare, Read read,
                        const bench::Url& url) {
  auto& s = suite();
  const Payload a{s.next_seed(), kWriterSize, PayloadKind::random};
  const Payload b{s.next_seed(), kWriterSize, PayloadKind::random};
  Client ca(url), cb(url);
  std::vector<bench::PreparedTransfer> batch;
  batch.push_back(prepare(ca, path, a));
  batch.push_back(prepare(cb, path, b));
  const auto results = bench::run_concurrently(std::move(batch));
  const auto got = read(path);
  const auto sha_a = sha256_of(a), sha_b = sha256_of(b);
  const bool ok_a = results[0].completed() && results[0].status < 300;
  const bool ok_b = results[1].completed() && results[1].status < 300;
  std::string allowed;
  if (ok_a) allowed += " " + sha_a;
  if (ok_b) allowed += (allowed.empty() ? " " : " or ") + sha_b;
  const bool one = (ok_a && got.sha256 == sha_a) || (ok_b && got.sha256 == sha_b);
  check(
      got.error.empty() && got.bytes == kWriterSize && one, kWriters,
      std::to_string(kWriterSize) + " bytes with the SHA-256 of a writer that succeeded:" + allowed,
      got.text() + " (writers: " + describe(results[0]) + ", " + describe(results[1]) + ")");
}

TEST(P6AtomicCommit, HttpConcurrentPutsLeaveOneWinner) {
  SKIP_UNLESS_APPLIES(Op::http_put);
  concurrent_writers<bench::HttpClient>(
      suite().http_dir("p6-put-writers") + "two-writers.bin",
      [](bench::HttpClient& c, const std::string& p, const Payload& x) {
        return c.prepare_put(p, x);
      },
      read_http, *suite().target().http);
}

TEST(P6AtomicCommit, FtpConcurrentStorsLeaveOneWinner) {
  SKIP_UNLESS_APPLIES(Op::ftp_stor);
  concurrent_writers<bench::FtpClient>(
      suite().ftp_dir("p6-stor-writers") + "two-writers.bin",
      [](bench::FtpClient& c, const std::string& p, const Payload& x) {
        return c.prepare_stor(p, x);
      },
      read_ftp, *suite().target().ftp);
}

}  // namespace
}  // namespace streamcheck::conformance
