#include "conformance/raw.hpp"

#include <sys/socket.h>

#include <atomic>
#include <vector>

#include "bench/lib/error.hpp"
#include "bench/lib/ftp_client.hpp"
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
