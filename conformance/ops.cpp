#include "conformance/ops.hpp"

#include <map>
#include <vector>

#include "bench/lib/error.hpp"
#include "bench/lib/sha256.hpp"
#include "bench/lib/size_parse.hpp"

namespace streamcheck::conformance {

using bench::Payload;
using bench::Transfer;
using bench::TransferOptions;

namespace {

constexpr std::uint64_t kAppeHead = 64 * KiB;

std::string describe(const Transfer& t, std::string_view what) {
  // A refusal is the server's reply, whatever the client library calls it (curl's
  // "Upload failed" for an FTP 5xx).
  if (!t.completed() && t.status >= 400)
    return std::string(what) + " answered " + std::to_string(t.status) + " (" + t.curl_error + ")";
  if (!t.completed()) return std::string(what) + " failed: " + t.curl_error;
  return std::string(what) + " answered " + std::to_string(t.status);
}

// The objects downloads read, made once per (protocol, size, kind) in this process.
std::map<std::string, Payload>& made_objects() {
  static std::map<std::string, Payload> objects;
  return objects;
}

}  // namespace

std::string sha256_of(const Payload& p, std::uint64_t from) {
  bench::PayloadStream s(p.seed, p.size, p.kind, from);
  bench::Sha256 h;
  std::vector<std::byte> buf(1 << 20);
  while (const auto n = s.fill(buf)) h.update(std::span(buf).first(n));
  return h.final_hex();
}

OpRunner::OpRunner(Op op) : op_(op) {
  auto& t = suite().target();
  if (is_http(op)) {
    if (!t.has_http()) throw bench::Error("target has no HTTP URL");
    http_ = std::make_unique<bench::HttpClient>(*t.http);
  } else {
    if (!t.has_ftp()) throw bench::Error("target has no FTP URL");
    ftp_ = std::make_unique<bench::FtpClient>(*t.ftp);
  }
}

Plan OpRunner::plan(std::uint64_t size, bench::PayloadKind kind) {
  Plan p;
  const std::string size_text = bench::format_size(size);
  if (!is_upload(op_)) {
    const std::string key = std::string(is_http(op_) ? "http:" : "ftp:") + size_text + ":" +
                            std::string(bench::to_string(kind));
    auto& objects = made_objects();
    if (is_http(op_)) {
      p.path = suite().http_dir("objects") + "http-obj-" + size_text + "-" +
               std::string(bench::to_string(kind)) + ".bin";
    } else {
      p.path = suite().ftp_dir("objects") + "ftp-obj-" + size_text + "-" +
               std::string(bench::to_string(kind)) + ".bin";
    }
    if (!objects.contains(key)) {
      const Payload object{suite().next_seed(), size, kind};
      if (is_http(op_)) {
        const auto put = http_->put(p.path, object);
        if (!put.completed() || put.status >= 300)
          throw bench::Error("setting up " + p.path + ": " + describe(put, "PUT"));
      } else {
        const auto stor = ftp_->stor(p.path, object);
        if (!stor.completed())
          throw bench::Error("setting up " + p.path + ": " + describe(stor, "STOR"));
      }
      objects[key] = object;
    }
    p.expect = objects[key];
    if (op_ == Op::http_range) p.expect_from = size / 4;
    if (op_ == Op::ftp_rest) p.expect_from = size / 2;
    p.bytes = size - p.expect_from;
    return p;
  }
  const std::string file = std::string(op_id(op_)) + "-" + size_text + "-" +
                           std::to_string(suite().next_seed()) + ".bin";
  p.body = Payload{suite().next_seed(), size, kind};
  p.expect = p.body;
  p.bytes = size;
  switch (op_) {
    case Op::http_post:
    case Op::http_post_chunked:
      p.path = suite().http_dir("post") + file;
      break;
    case Op::ftp_appe: {
      p.path = suite().ftp_dir("uploads") + file;
      const Payload head{p.body.seed, kAppeHead, kind};
      const auto stor = ftp_->stor(p.path, head);
      if (!stor.completed())
        throw bench::Error("setting up " + p.path + ": " + describe(stor, "STOR"));
      p.body = Payload{p.body.seed, kAppeHead + size, kind, kAppeHead};
      p.expect = Payload{p.body.seed, kAppeHead + size, kind};
      break;
    }
    default:
      p.path =
          is_http(op_) ? suite().http_dir("uploads") + file : suite().ftp_dir("uploads") + file;
  }
  return p;
}

bench::PreparedTransfer OpRunner::prepare(const Plan& p, const TransferOptions& o) {
  switch (op_) {
    case Op::http_get:
      return http_->prepare_get(p.path, o);
    case Op::http_range:
      return http_->prepare_get_range(p.path, p.expect_from, p.expect.size - 1, o);
    case Op::http_put:
    case Op::http_put_chunked:
      return http_->prepare_put(p.path, p.body, op_ == Op::http_put_chunked, o);
    case Op::http_post:
    case Op::http_post_chunked: {
      const auto slash = p.path.rfind('/');
      return http_->prepare_post_multipart(p.path.substr(0, slash + 1),
                                           {{"file", p.path.substr(slash + 1), p.body}},
                                           op_ == Op::http_post_chunked, o);
    }
    case Op::ftp_retr:
      return ftp_->prepare_retr(p.path, o);
    case Op::ftp_rest:
      return ftp_->prepare_rest_retr(p.path, p.expect_from, o);
    case Op::ftp_stor:
      return ftp_->prepare_stor(p.path, p.body, o);
    case Op::ftp_appe:
      return ftp_->prepare_appe(p.path, p.body, o);
  }
  throw bench::Error("unknown op");
}

Transfer OpRunner::run(const Plan& p, const TransferOptions& o) {
  return bench::run(prepare(p, o));
}

void OpRunner::touch() {
  if (http_) {
    http_->head("/");
  } else {
    ftp_->noop();
  }
}

std::string OpRunner::verify(const Plan& p, const Transfer& t) {
  const std::string what(op_id(op_));
  if (!t.completed()) return describe(t, what);
  if (http_ && t.status >= 300) return describe(t, what) + ": " + t.response_text.substr(0, 200);
  const std::uint64_t want_bytes = p.expect.size - p.expect_from;
  Transfer got = t;
  if (is_upload(op_)) {
    got = http_ ? http_->get(p.path) : ftp_->retr(p.path);
    if (!got.completed() || (http_ && got.status >= 300))
      return "reading " + p.path + " back: " + describe(got, http_ ? "GET" : "RETR");
  } else if (t.sha256.empty()) {
    return "";  // read without hashing: nothing to compare
  }
  if (got.body_bytes != want_bytes)
    return p.path + ": got " + std::to_string(got.body_bytes) + " bytes, want " +
           std::to_string(want_bytes);
  const auto want = sha256_of(p.expect, p.expect_from);
  if (got.sha256 != want) return p.path + ": SHA-256 " + got.sha256 + ", want " + want;
  return "";
}

Measured measure(Op op, std::uint64_t size, const MeasureOptions& options) {
  Measured r;
  OpRunner runner(op);
  r.plan = runner.plan(size, options.kind);
  runner.touch();  // the session is open before the measurement
  bench::Probe probe(suite().target().pid);
  TransferOptions o;
  o.hash = !is_upload(op) && !options.stop_at_first_byte;
  if (!is_upload(op)) o.on_first_byte = [&] { r.at_first_byte = probe.io_now(); };
  if (options.stop_at_first_byte) o.abort_after = 1;
  auto prepared = runner.prepare(r.plan, o);
  probe.begin();
  r.transfer = bench::run(std::move(prepared));
  if (!options.stop_at_first_byte) runner.touch();  // settle, on the same session
  r.m = probe.end();
  if (options.verify && !options.stop_at_first_byte)
    r.verify_error = runner.verify(r.plan, r.transfer);
  return r;
}

}  // namespace streamcheck::conformance
