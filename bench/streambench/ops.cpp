#include "bench/streambench/ops.hpp"

#include <algorithm>
#include <cstring>

#include "bench/lib/error.hpp"
#include "bench/lib/proc.hpp"
#include "bench/lib/sha256.hpp"
#include "bench/lib/size_parse.hpp"

namespace streamcheck::streambench {
namespace {

using bench::Error;
using bench::FtpClient;
using bench::HttpClient;
using bench::Payload;
using bench::Transfer;
using bench::TransferOptions;

constexpr std::uint64_t kAppeBase = 1024 * 1024;
constexpr const char* kDir = "streambench";

HttpClient& http(Client& c) {
  return *std::get<std::unique_ptr<HttpClient>>(c);
}
FtpClient& ftp(Client& c) {
  return *std::get<std::unique_ptr<FtpClient>>(c);
}

std::string describe(const Transfer& t, std::string_view what) {
  if (!t.completed()) return std::string(what) + " failed: " + t.curl_error;
  return std::string(what) + " answered " + std::to_string(t.status);
}

// Reads `path` whole (or the range [from, to) with a range) on the protocol of `client`.
Transfer fetch(Client& client, const std::string& path, const TransferOptions& options,
               std::optional<std::pair<std::uint64_t, std::uint64_t>> range = std::nullopt) {
  if (std::holds_alternative<std::unique_ptr<HttpClient>>(client)) {
    if (range) return http(client).get_range("/" + path, range->first, range->second - 1, options);
    return http(client).get("/" + path, options);
  }
  if (range) return ftp(client).rest_retr(path, range->first, options);
  return ftp(client).retr(path, options);
}

// An object that stays on the server for the next run: named by all that makes its bytes,
// so that one left by a run with another seed or payload kind cannot pass for this one.
std::string kept_object(const std::string& prefix, std::uint64_t size, const Options& options) {
  return std::string(kDir) + "/" + prefix + "-" + bench::format_size(size) + "-" +
         std::string(bench::to_string(options.payload)) + "-seed" + std::to_string(options.seed) +
         ".bin";
}

std::string dav_method(const OpInfo& op) {
  return op.id == "http-move" ? "MOVE" : "COPY";
}

// COPY and MOVE name their destination by absolute URL (RFC 4918 §10.3). Overwrite: T,
// so that a destination an interrupted run left behind is replaced, not refused (412).
TransferOptions to_destination(const HttpClient& c, const std::string& path, TransferOptions o) {
  o.headers.push_back("Destination: " + c.url_for("/" + path));
  o.headers.push_back("Overwrite: T");
  return o;
}

// After a COPY or MOVE, by HEAD: the destination has the object's size, and the source
// is still whole (COPY) or gone (MOVE). The destination's bytes are verify()'s read-back.
std::string check_places(const OpInfo& op, HttpClient& c, const Plan& plan) {
  const auto method = dav_method(op);
  const auto want = std::to_string(plan.expect.size);
  const auto to = c.head("/" + plan.verify_path);
  const std::string after = " after " + method + ": ";
  if (!to.completed() || to.status != 200)
    return "/" + plan.verify_path + after + describe(to, "HEAD");
  if (to.header("Content-Length") != want)
    return "/" + plan.verify_path + after + "HEAD says Content-Length \"" +
           to.header("Content-Length") + "\", want " + want;
  const auto from = c.head("/" + plan.path);
  if (op.id == "http-move") {
    if (from.completed() && (from.status == 404 || from.status == 410)) return "";
    return "/" + plan.path + after + describe(from, "HEAD") + ", want 404: the source stayed";
  }
  if (from.completed() && from.status == 200 && from.header("Content-Length") == want) return "";
  return "/" + plan.path + after + describe(from, "HEAD") + " with Content-Length \"" +
         from.header("Content-Length") + "\", want 200 and " + want + ": the source changed";
}

// Puts the payload at `path` unless an object of its size is there already.
void ensure_object(Client& client, const std::string& path, const Payload& p) {
  if (std::holds_alternative<std::unique_ptr<HttpClient>>(client)) {
    auto& c = http(client);
    const auto head = c.head("/" + path);
    if (head.status == 200 && head.header("Content-Length") == std::to_string(p.size)) return;
    const auto put = c.put("/" + path, p);
    if (!put.completed() || put.status >= 300)
      throw Error("setting up /" + path + ": " + describe(put, "PUT"));
    return;
  }
  auto& c = ftp(client);
  if (c.size(path) == p.size) return;
  const auto stor = c.stor(path, p);
  if (!stor.completed()) throw Error("setting up " + path + ": " + describe(stor, "STOR"));
}

}  // namespace

std::string unsupported(const OpInfo& op, const bench::Target& target, const Options& options) {
  if (!op.server_side || !target.has_http()) return "";
  try {
    HttpClient c(*target.http);
    c.mkcol(std::string("/") + kDir + "/");
    const std::string from = std::string(kDir) + "/dav-probe.bin";
    const std::string to = std::string(kDir) + "/dav-probe-" + std::string(op.name) + ".bin";
    // Its answer is not judged here: a server without PUT answers COPY all the same.
    c.put("/" + from, Payload{options.seed, 1, options.payload});
    const auto method = dav_method(op);
    const auto t = c.custom(method, "/" + from, to_destination(c, to, {}));
    c.remove("/" + from);
    c.remove("/" + to);
    if (!t.completed() || (t.status != 405 && t.status != 501)) return "";
    std::string why =
        "the server answered " + std::to_string(t.status) + " to " + method + " of a 1-byte object";
    if (const auto allow = t.header("Allow"); !allow.empty()) why += " (Allow: " + allow + ")";
    return why;
  } catch (const std::exception&) {
    return "";  // the benchmark meets the same trouble and says what it is
  }
}

const OpInfo* find_op(std::string_view id) {
  for (const auto& op : kOps)
    if (op.id == id) return &op;
  return nullptr;
}

Client make_client(const bench::Target& target, Proto proto) {
  if (proto == Proto::http) return std::make_unique<HttpClient>(*target.http);
  return std::make_unique<FtpClient>(*target.ftp);
}

void touch(Client& client) {
  if (std::holds_alternative<std::unique_ptr<HttpClient>>(client)) {
    http(client).head("/");
  } else {
    ftp(client).noop();
  }
}

Measured measure(std::vector<Client>& clients, std::vector<bench::PreparedTransfer> batch,
                 bench::Probe* probe) {
  const auto thread_cpu = [] {
    return static_cast<double>(bench::proc::read_clock_ns(CLOCK_THREAD_CPUTIME_ID).value_or(0)) /
           1e9;
  };
  Measured m;
  const double t0 = thread_cpu();
  if (probe) probe->begin();
  const double t1 = thread_cpu();
  if (batch.size() == 1) {
    m.transfers.push_back(bench::run(std::move(batch.front())));
  } else {
    m.transfers = bench::run_concurrently(std::move(batch));
  }
  const double t2 = thread_cpu();
  for (auto& c : clients) touch(c);  // settle, on the same sessions
  const double t3 = thread_cpu();
  if (probe) m.probed = probe->end();
  m.transfer_cpu_seconds = t2 - t1;
  m.probe_cpu_seconds = (t1 - t0) + (thread_cpu() - t3);
  return m;
}

std::string remove_upload(const OpInfo& op, Client& client, const Plan& plan) {
  if (!op.upload || plan.verify_path.empty()) return "";
  if (op.id == "http-move") {
    auto& c = http(client);
    const auto back = c.custom("MOVE", "/" + plan.verify_path, to_destination(c, plan.path, {}));
    if (back.completed() && back.status / 100 == 2) return "";
    // Removed instead: the next set-up then puts a new source.
  }
  if (std::holds_alternative<std::unique_ptr<HttpClient>>(client)) {
    const auto t = http(client).remove("/" + plan.verify_path);
    return t.completed() && t.status / 100 == 2 ? "" : describe(t, "DELETE");
  }
  const auto t = ftp(client).dele(plan.verify_path);
  return t.completed() ? "" : describe(t, "DELE");
}

std::string expected_sha256(const Payload& p, std::uint64_t from) {
  bench::PayloadStream s(p.seed, p.size, p.kind, from);
  bench::Sha256 h;
  std::vector<std::byte> buf(1 << 20);
  while (const auto n = s.fill(buf)) h.update(std::span(buf).first(n));
  return h.final_hex();
}

Plan set_up(const OpInfo& op, Client& client, std::uint64_t size, const Options& options,
            unsigned index, std::uint64_t seed) {
  if (op.proto == Proto::http) {
    http(client).mkcol(std::string("/") + kDir + "/");
    if (op.id.starts_with("http-post")) http(client).mkcol(std::string("/") + kDir + "/post/");
  } else {
    ftp(client).mkd(kDir);
  }
  const std::string size_text = bench::format_size(size);
  const std::string file =
      std::string(op.name) + "-" + size_text + "-" + std::to_string(index) + ".bin";
  Plan plan;
  if (op.server_side) {
    // COPY reads the downloads' object; MOVE takes one of its own per transfer of a batch,
    // moved back after each (remove_upload). The destination is not there: the last
    // transfer's was removed, so the unlink of an old one is not measured.
    const Payload object{options.seed, size, options.payload};
    plan.path = kept_object(op.id == "http-copy" ? "obj" : "move-src" + std::to_string(index), size,
                            options);
    ensure_object(client, plan.path, object);
    plan.verify_path = std::string(kDir) + "/" + file;
    plan.expect = object;
    plan.bytes = size;
    return plan;
  }
  if (!op.upload) {
    const Payload object{options.seed, size, options.payload};
    plan.path = kept_object("obj", size, options);  // kept, for the next run to reuse
    ensure_object(client, plan.path, object);
    plan.expect = object;
    if (op.id == "http-range") {
      plan.expect_from = size / 4;
      plan.expect.size = size - size / 4;
    } else if (op.id == "ftp-rest") {
      plan.expect_from = size / 2;
    }
    plan.bytes = transfer_bytes(op, size);
    return plan;
  }
  plan.path = std::string(kDir) + (op.id.starts_with("http-post") ? "/post/" : "/") + file;
  plan.verify_path = plan.path;
  plan.body = Payload{seed, size, options.payload};
  plan.expect = plan.body;
  if (op.id == "ftp-appe") {
    const Payload head{seed, kAppeBase, options.payload};
    const auto stor = ftp(client).stor(plan.path, head);
    if (!stor.completed()) throw Error("setting up " + plan.path + ": " + describe(stor, "STOR"));
    plan.body = Payload{seed, kAppeBase + size, options.payload, kAppeBase};
    plan.expect = Payload{seed, kAppeBase + size, options.payload};
  }
  plan.bytes = size;
  return plan;
}

std::uint64_t transfer_bytes(const OpInfo& op, std::uint64_t size) {
  if (op.id == "http-range") return size - size / 4 - size / 4;  // the middle half
  if (op.id == "ftp-rest") return size - size / 2;
  return size;
}

bench::PreparedTransfer prepare(const OpInfo& op, Client& client, const Plan& plan,
                                const TransferOptions& options) {
  const std::string path = "/" + plan.path;
  if (op.server_side)
    return http(client).prepare_custom(dav_method(op), path,
                                       to_destination(http(client), plan.verify_path, options));
  if (op.id == "http-get") return http(client).prepare_get(path, options);
  if (op.id == "http-range")
    return http(client).prepare_get_range(path, plan.expect_from, plan.expect.size - 1, options);
  if (op.id == "http-put" || op.id == "http-put-chunked")
    return http(client).prepare_put(path, plan.body, op.id == "http-put-chunked", options);
  if (op.id == "http-post" || op.id == "http-post-chunked") {
    const auto slash = plan.path.rfind('/');
    return http(client).prepare_post_multipart("/" + plan.path.substr(0, slash + 1),
                                               {{"file", plan.path.substr(slash + 1), plan.body}},
                                               op.id == "http-post-chunked", options);
  }
  if (op.id == "ftp-retr") return ftp(client).prepare_retr(plan.path, options);
  if (op.id == "ftp-rest")
    return ftp(client).prepare_rest_retr(plan.path, plan.expect_from, options);
  if (op.id == "ftp-stor") return ftp(client).prepare_stor(plan.path, plan.body, options);
  if (op.id == "ftp-appe") return ftp(client).prepare_appe(plan.path, plan.body, options);
  throw Error("unknown op " + std::string(op.id));
}

std::string check_answer(const OpInfo& op, const Plan& plan, const Transfer& transfer) {
  if (!transfer.completed()) return describe(transfer, std::string(op.id));
  if (!op.upload && transfer.body_bytes != plan.expect.size - plan.expect_from) {
    return "/" + plan.path + ": got " + std::to_string(transfer.body_bytes) + " bytes, want " +
           std::to_string(plan.expect.size - plan.expect_from);
  }
  if (op.proto == Proto::http && transfer.status >= 300)
    return describe(transfer, std::string(op.id)) + " " + transfer.response_text.substr(0, 200);
  return "";
}

std::string verify(const OpInfo& op, Client& client, const Plan& plan, const Transfer& transfer) {
  if (auto why = check_answer(op, plan, transfer); !why.empty()) return why;
  if (op.server_side)
    if (auto why = check_places(op, http(client), plan); !why.empty()) return why;
  const std::uint64_t want_bytes = plan.expect.size - plan.expect_from;
  const auto want = expected_sha256(plan.expect, plan.expect_from);
  Transfer got = transfer;
  std::optional<std::pair<std::uint64_t, std::uint64_t>> range;
  if (plan.expect_from > 0) range = std::pair(plan.expect_from, plan.expect.size);
  const std::string path = op.upload ? plan.verify_path : plan.path;
  if (op.upload || transfer.sha256.empty()) {  // read it (again) with the hash on
    got = fetch(client, path, {}, range);
    if (!got.completed() || (op.proto == Proto::http && got.status >= 300))
      return "reading it back: " + describe(got, "download");
  }
  if (got.body_bytes == want_bytes && got.sha256 == want) return "";
  // Find where the bytes first differ: read it again, comparing as the bytes come.
  bench::PayloadStream expected(plan.expect.seed, plan.expect.size, plan.expect.kind,
                                plan.expect_from);
  std::optional<std::uint64_t> first_diff;
  std::uint64_t offset = plan.expect_from;
  std::vector<std::byte> buf;
  TransferOptions compare;
  compare.on_data = [&](std::span<const std::byte> piece) {
    if (first_diff) return;
    buf.resize(piece.size());
    const auto n = expected.fill(buf);
    const auto common = std::min(n, piece.size());
    const auto mismatch =
        std::mismatch(piece.begin(), piece.begin() + static_cast<long>(common), buf.begin());
    if (mismatch.first != piece.begin() + static_cast<long>(common) || n < piece.size()) {
      first_diff = offset + static_cast<std::uint64_t>(mismatch.first - piece.begin());
    }
    offset += piece.size();
  };
  const auto again = fetch(client, path, compare, range);
  std::string where = "/" + path + ": ";
  if (first_diff) return where + "bytes differ from offset " + std::to_string(*first_diff);
  if (again.body_bytes != want_bytes) {
    return where + "got " + std::to_string(again.body_bytes) + " bytes, want " +
           std::to_string(want_bytes) + " (the first " + std::to_string(again.body_bytes) +
           " match)";
  }
  return where + "SHA-256 differs on the first read (" + std::to_string(got.body_bytes) +
         " bytes) but not on a second: the object changed or the read was torn";
}

}  // namespace streamcheck::streambench
