#include "conformance/profile.hpp"

#include <unistd.h>

#include <sstream>

#include "bench/lib/ftp_client.hpp"
#include "bench/lib/ftp_control.hpp"
#include "bench/lib/http_client.hpp"

namespace streamcheck::conformance {
namespace {

using State = Offer::State;

std::string probe_name(const std::string& what) {
  return "conformance-probe-" + std::to_string(::getpid()) + "-" + what + ".bin";
}

std::string answered(const bench::Transfer& t) {
  if (!t.completed()) return "failed (" + t.curl_error + ")";
  return "was answered " + std::to_string(t.status);
}

// A PUT without credentials, when the URL has none: the server may well take it.
Offer probe_http_anonymous_writes(bench::HttpClient& http) {
  const std::string path = "/" + probe_name("anonymous-put");
  const auto put = http.put(path, bench::Payload{7, 16});
  const bool ok = put.completed() && put.status >= 200 && put.status < 300;
  if (ok) http.remove(path);
  return {ok ? State::yes : State::no, "an anonymous PUT " + answered(put)};
}

// A PUT of a small object, Range on it and the ETag it is served with, and a multipart
// POST of a file into "/" (no RFC asks for that: many servers have no handler for it).
void probe_objects(bench::HttpClient& http, Profile& p) {
  if (!p.http_writes()) {
    const std::string why = "not probed: the suite cannot upload";
    p.put = p.multipart_post = p.range = {State::unknown, why};
    return;
  }
  const std::string path = "/" + probe_name("range");
  constexpr std::uint64_t kSize = 1000;
  const auto put = http.put(path, bench::Payload{8, kSize});
  const bool put_ok = put.completed() && put.status >= 200 && put.status < 300;
  p.put = {put_ok ? State::yes : State::no,
           "a PUT of " + std::to_string(kSize) + " bytes " + answered(put)};
  if (put_ok) {
    const auto got = http.get_range(path, 100, 199);
    if (got.completed() && got.status == 206 && got.body_bytes == 100) {
      p.range = {State::yes, "206 with 100 bytes to bytes=100-199"};
    } else if (got.completed() && got.status == 200 && got.body_bytes == kSize) {
      p.range = {State::no, "200 with the whole object to bytes=100-199"};
    } else {
      p.range = {State::unknown, "a GET of bytes=100-199 " + answered(got) + " with " +
                                     std::to_string(got.body_bytes) + " bytes"};
    }
    const auto etag = got.header("ETag");
    p.etag = etag.empty() ? "none" : etag.starts_with("W/") ? "weak" : "strong";
    http.remove(path);
  } else {
    p.range = {State::unknown, "not probed: the PUT of an object to read " + answered(put)};
  }

  const std::string name = probe_name("post");
  const bench::Payload body{10, 100};
  const auto post = http.post_multipart("/", {{"file", name, body}});
  const auto back = http.get("/" + name);
  const bool stored = back.completed() && back.status == 200 && back.body_bytes == body.size;
  p.multipart_post = {
      stored ? State::yes : State::no,
      "a multipart POST of a file into / " + answered(post) +
          (stored ? ", and the file was there" : ", and a GET of the file " + answered(back))};
  if (stored) http.remove("/" + name);
}

std::set<std::string> read_features(const bench::Url& url) {
  std::set<std::string> out;
  bench::FtpControl c(url.host, url.port);
  if (c.read_reply().code != 220) return out;
  const auto feat = c.command("FEAT");
  if (feat.code != 211) return out;
  std::istringstream in(feat.text);
  std::string line;
  while (std::getline(in, line)) {
    if (line.starts_with("211")) continue;
    while (!line.empty() && line.front() == ' ') line.erase(line.begin());
    while (!line.empty() && (line.back() == '\r' || line.back() == ' ')) line.pop_back();
    if (!line.empty()) out.insert(line);
  }
  return out;
}

// A STOR as anonymous (curl's default login), when the URL has no credentials.
Offer probe_ftp_anonymous_writes(const bench::Url& url) {
  bench::FtpClient ftp(url);
  const std::string path = probe_name("anonymous-stor");
  const auto stor = ftp.stor(path, bench::Payload{9, 16});
  if (stor.completed()) {
    ftp.dele(path);
    return {State::yes, "an anonymous STOR was answered " + std::to_string(stor.status)};
  }
  return {State::no, "an anonymous STOR failed (" + stor.curl_error + ")"};
}

std::string text(const Offer& o) {
  switch (o.state) {
    case State::yes:
      return "yes (" + o.how + ")";
    case State::no:
      return "no (" + o.how + ")";
    case State::unknown:
      return "unknown (" + o.how + ")";
  }
  return "?";
}

}  // namespace

bool Profile::dav_class(int n) const {
  std::istringstream in(dav);
  std::string token;
  while (std::getline(in, token, ',')) {
    const auto first = token.find_first_not_of(' ');
    const auto last = token.find_last_not_of(' ');
    if (first != std::string::npos && token.substr(first, last - first + 1) == std::to_string(n))
      return true;
  }
  return false;
}

std::string Profile::why_no_http_writes() const {
  if (http_writes()) return "";
  return "no credentials in the HTTP URL (user:pass@) and no anonymous writes (" +
         http_anonymous_writes.how + ")";
}

std::string Profile::why_no_ftp_writes() const {
  if (ftp_writes()) return "";
  return "no credentials in the FTP URL (user:pass@) and no anonymous writes (" +
         ftp_anonymous_writes.how + ")";
}

std::string Profile::describe() const {
  std::string out;
  if (http) {
    out += "  HTTP  writes: ";
    out += http_credentials ? "with the URL's credentials"
                            : "anonymous " + text(http_anonymous_writes);
    out += "\n        PUT: " + text(put) + "\n        multipart POST: " + text(multipart_post) +
           "\n        Range: " + text(range) +
           "\n        ETag: " + (etag.empty() ? "not seen" : etag) +
           "; DAV: " + (dav.empty() ? "none" : dav) +
           "; Allow: " + (allow.empty() ? "not listed" : allow) + "\n";
  }
  if (ftp) {
    out += "  FTP   writes: ";
    out +=
        ftp_credentials ? "with the URL's credentials" : "anonymous " + text(ftp_anonymous_writes);
    out += "\n        FEAT: ";
    std::string list;
    for (const auto& f : ftp_features) list += (list.empty() ? "" : ", ") + f;
    out += (list.empty() ? "nothing listed" : list) + "\n";
  }
  return out;
}

Profile detect_profile(bench::Target& target) {
  Profile p;
  if (target.has_http()) {
    p.http = true;
    p.http_credentials = target.http->has_userinfo;
    bench::HttpClient http(*target.http);
    if (p.http_credentials) {
      p.http_anonymous_writes = {State::unknown, "not probed: the URL has credentials"};
    } else {
      p.http_anonymous_writes = probe_http_anonymous_writes(http);
    }
    const auto options = http.custom("OPTIONS", "/");
    if (options.completed() && options.status < 300) {
      p.allow = options.header("Allow");
      p.dav = options.header("DAV");
    }
    probe_objects(http, p);
  }
  if (target.has_ftp()) {
    p.ftp = true;
    p.ftp_credentials = target.ftp->has_userinfo;
    p.ftp_features = read_features(*target.ftp);
    if (p.ftp_credentials) {
      p.ftp_anonymous_writes = {State::unknown, "not probed: the URL has credentials"};
    } else {
      p.ftp_anonymous_writes = probe_ftp_anonymous_writes(*target.ftp);
    }
  }
  return p;
}

}  // namespace streamcheck::conformance
