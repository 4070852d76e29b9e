#include "conformance/raw.hpp"

#include <sys/socket.h>

#include <algorithm>
#include <atomic>
#include <vector>

#include "bench/lib/error.hpp"
#include "bench/lib/ftp_client.hpp"
#include "bench/lib/ftp_reply.hpp"
#include "bench/lib/http_client.hpp"
#include "bench/lib/payload.hpp"

namespace streamcheck::conformance {

using namespace std::chrono_literals;

std::optional<bench::RawHttpResponse> http_exchange(const std::string& request, bool head) {
  auto conn = suite().http_raw();
  conn->send(request);
  return conn->read_http_response(10s, head);
}

std::string status_text(const std::optional<bench::RawHttpResponse>& r) {
  return r ? "status " + std::to_string(r->status) + " " + r->reason
           : "no response (closed or timed out)";
}

bool status_in(const std::optional<bench::RawHttpResponse>& r, std::initializer_list<int> codes) {
  if (!r) return false;
  for (const int c : codes)
    if (r->status == c) return true;
  return false;
}

std::string codes_text(std::initializer_list<int> codes) {
  std::string out;
  for (const int c : codes) out += (out.empty() ? "" : " or ") + std::to_string(c);
  return out;
}

bool outcome_is(const std::optional<bench::RawHttpResponse>& r, std::string_view method,
                HttpOutcome outcome) {
  const auto allowed = allowed_statuses(method, outcome);
  return r && allowed &&
         std::find(allowed->codes.begin(), allowed->codes.end(), r->status) != allowed->codes.end();
}

bool check_outcome(const std::optional<bench::RawHttpResponse>& r, std::string_view method,
                   HttpOutcome outcome, std::string_view text, Level level) {
  const auto allowed = allowed_statuses(method, outcome);
  if (!allowed) {
    ADD_FAILURE() << "test bug: http_replies.cpp has no statuses for this outcome of " << method;
    return false;
  }
  return check(outcome_is(r, method, outcome), {allowed->source, text, level},
               statuses_text(allowed->codes), status_text(r));
}

std::string reply_text(const bench::FtpReply& r) {
  return r.code ? "\"" + r.text + "\"" : std::string("no reply (closed or timed out)");
}

namespace {
std::string list_text(const std::vector<int>& codes) {
  std::string out;
  for (const int c : codes) out += (out.empty() ? "" : " or ") + std::to_string(c);
  return out;
}
}  // namespace

bool check_reply_kind(const bench::FtpReply& r, std::string_view verb,
                      std::initializer_list<ReplyKind> kinds, std::string_view text, Level level) {
  const auto replies = listed_replies(verb);
  if (!replies) {
    ADD_FAILURE() << "test bug: ftp_replies.cpp lists no replies for " << verb;
    return false;
  }
  std::vector<int> codes;
  for (const auto kind : kinds)
    for (const int c : listed(verb, kind)) codes.push_back(c);
  const bool ok = std::find(codes.begin(), codes.end(), r.code) != codes.end();
  return check(ok, {replies->source, text, level}, "reply " + list_text(codes), reply_text(r));
}

bool check_reply_among(const bench::FtpReply& r, std::string_view verb,
                       std::initializer_list<int> codes, std::string_view text, Level level) {
  const auto replies = listed_replies(verb);
  if (!replies || codes.size() == 0) {
    ADD_FAILURE() << "test bug: no codes, or ftp_replies.cpp lists no replies for " << verb;
    return false;
  }
  for (const int c : codes) {
    if (!is_listed(verb, c)) {
      ADD_FAILURE() << "test bug: it expects " << c << " for " << verb
                    << ", which the RFCs in ftp_replies.cpp do not list for it";
      return false;
    }
  }
  const bool ok = std::find(codes.begin(), codes.end(), r.code) != codes.end();
  return check(ok, {replies->source, text, level}, "reply " + codes_text(codes), reply_text(r));
}

DataConnection open_data(bench::FtpControl& control) {
  DataConnection d;
  try {
    d.conn = control.open_passive();
    d.how = "EPSV";
    return d;
  } catch (const std::exception& e) {
    d.how = std::string("EPSV: ") + e.what();
  }
  // 227 Entering Passive Mode (h1,h2,h3,h4,p1,p2): the port is p1 * 256 + p2.
  const auto pasv = control.command("PASV");
  const auto address = bench::parse_pasv_reply(pasv.text);
  if (pasv.code == 227 && address) {
    try {
      d.conn = std::make_unique<bench::RawConnection>(suite().target().ftp->host,
                                                      static_cast<std::uint16_t>(address->port));
      d.how = "PASV";
      return d;
    } catch (const std::exception& e) {
      d.how += "; PASV answered \"" + pasv.text + "\" but the connect failed: " + e.what();
      return d;
    }
  }
  d.how += "; PASV: " + reply_text(pasv);
  return d;
}

namespace {
std::string content_of(const bench::Payload& p) {
  std::string s(p.size, '\0');
  bench::PayloadStream(p.seed, p.size, p.kind)
      .fill(std::span(reinterpret_cast<std::byte*>(s.data()), s.size()));
  return s;
}
}  // namespace

std::string fresh_name(const std::string& stem, const std::string& suffix) {
  static std::atomic<unsigned> made{0};
  return stem + "-" + std::to_string(++made) + suffix;
}

Known http_object(const std::string& name, const std::string& sub) {
  const bench::Payload p{suite().next_seed(), 1000, bench::PayloadKind::random};
  Known k{suite().http_dir(sub) + name, content_of(p)};
  bench::HttpClient c(*suite().target().http);
  const auto put = c.put(k.path, p);
  if (!put.completed() || put.status >= 300)
    throw bench::Error("PUT " + k.path + " answered " + std::to_string(put.status));
  return k;
}

Known ftp_object(const std::string& name, const std::string& sub) {
  const bench::Payload p{suite().next_seed(), 1000, bench::PayloadKind::random};
  Known k{suite().ftp_dir(sub) + name, content_of(p)};
  bench::FtpClient c(*suite().target().ftp);
  const auto stor = c.stor(k.path, p);
  if (!stor.completed()) throw bench::Error("STOR " + k.path + ": " + stor.curl_error);
  return k;
}

const Known& http_known() {
  static std::optional<Known> known;
  if (!known) known = http_object("http-known.bin");
  return *known;
}

const Known& ftp_known() {
  static std::optional<Known> known;
  if (!known) known = ftp_object("ftp-known.bin");
  return *known;
}

bool send_abor(bench::FtpControl& control) {
  constexpr char kIac = '\xff', kIp = '\xf4', kDm = '\xf2';
  const char in_band[] = {kIac, kIp, kIac};
  if (!control.send_raw(std::string_view(in_band, sizeof in_band))) return false;
  const int fd = control.connection().fd();
  if (::send(fd, &kDm, 1, MSG_OOB | MSG_NOSIGNAL) != 1) return false;
  return control.send_raw("ABOR\r\n");
}

std::string write_headers() {
  return "Host: x\r\n" + suite().http_auth_header();
}

}  // namespace streamcheck::conformance
