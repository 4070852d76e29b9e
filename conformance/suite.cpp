#include "conformance/suite.hpp"

#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <sstream>
#include <thread>

#include <openssl/evp.h>

#include "bench/lib/error.hpp"
#include "bench/lib/proc.hpp"
#include "bench/lib/proc_tree.hpp"
#include "bench/lib/size_parse.hpp"

namespace streamcheck::conformance {

namespace proc = bench::proc;
using namespace std::chrono_literals;

std::string_view op_id(Op op) {
  switch (op) {
    case Op::http_get:
      return "http-get";
    case Op::http_range:
      return "http-range";
    case Op::http_put:
      return "http-put";
    case Op::http_put_chunked:
      return "http-put-chunked";
    case Op::http_post:
      return "http-post";
    case Op::http_post_chunked:
      return "http-post-chunked";
    case Op::ftp_retr:
      return "ftp-retr";
    case Op::ftp_rest:
      return "ftp-rest";
    case Op::ftp_stor:
      return "ftp-stor";
    case Op::ftp_appe:
      return "ftp-appe";
  }
  return "?";
}

bool is_upload(Op op) {
  switch (op) {
    case Op::http_put:
    case Op::http_put_chunked:
    case Op::http_post:
    case Op::http_post_chunked:
    case Op::ftp_stor:
    case Op::ftp_appe:
      return true;
    default:
      return false;
  }
}

bool is_http(Op op) {
  return op_id(op).starts_with("http");
}

bool check(bool ok, const Requirement& r, const std::string& expected, const std::string& actual) {
  if (ok) return ok;
  const std::string message = "[" + std::string(r.source) + "] " + std::string(r.text) +
                              "\n  expected: " + expected + "\n  actual:   " + actual;
  if (r.level == Level::must) {
    ADD_FAILURE() << message;
    return ok;
  }
  // One key per warning: RecordProperty overwrites a key the test has recorded.
  int earlier = 0;
  if (const auto* info = ::testing::UnitTest::GetInstance()->current_test_info()) {
    const auto& result = *info->result();
    for (int i = 0; i < result.test_property_count(); ++i)
      earlier += std::string_view(result.GetTestProperty(i).key()).starts_with("warning.");
  }
  record("warning." + std::to_string(earlier + 1),
         (r.level == Level::should ? "SHOULD " : "MAY ") + message);
  std::fprintf(stderr, "WARNING (%s, not a failure): %s\n",
               r.level == Level::should ? "SHOULD" : "MAY", message.c_str());
  return ok;
}

std::string bytes(std::uint64_t n) {
  return std::to_string(n) + " B (" + bench::format_size(n) + ")";
}

std::string fixed(double v, int digits) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.*f", digits, v);
  return buf;
}

Suite& Suite::get() {
  static Suite s;
  return s;
}

void Suite::start() {
  target_ = bench::make_target(config.target, "conformance", bench::exe_dir());
  std::fprintf(stderr, "conformance: target %s (%s), pid %d, root %s\n", target_->name.c_str(),
               target_->description.c_str(), static_cast<int>(target_->pid),
               target_->root ? target_->root->c_str() : "unknown");
  profile_ = detect_profile(*target_);
  std::fprintf(stderr, "conformance: what the target offers\n%s", profile_.describe().c_str());
}

void Suite::stop() {
  target_.reset();
}

const std::string& Suite::http_allow() {
  return profile_.allow;
}

bool Suite::http_allows(std::string_view method) {
  std::istringstream in(http_allow());
  std::string word;
  while (std::getline(in, word, ',')) {
    while (!word.empty() && word.front() == ' ') word.erase(word.begin());
    while (!word.empty() && word.back() == ' ') word.pop_back();
    if (word == method) return true;
  }
  return false;
}

const std::set<std::string>& Suite::ftp_features() {
  return profile_.ftp_features;
}

bool Suite::ftp_has_feature(std::string_view feature) {
  for (const auto& f : ftp_features())
    if (f == feature ||
        (f.size() > feature.size() && f.starts_with(feature) && f[feature.size()] == ' '))
      return true;
  return false;
}

std::string Suite::why_not(Op op) {
  const std::string id(op_id(op));
  if (config.without.contains(id)) return "declared unsupported (--without " + id + ")";
  if (is_http(op)) {
    if (!target_->has_http()) return "target has no HTTP URL";
    if (is_upload(op) && !profile_.http_writes())
      return "HTTP uploads: " + profile_.why_no_http_writes();
    if (op == Op::http_range && profile_.range.no())
      return "the server ignores Range (" + profile_.range.how +
             "), which RFC 9110 §14.2 allows: there is no range read to judge (see "
             "Rfc9110*Range*)";
    const bool post = op == Op::http_post || op == Op::http_post_chunked;
    const bool put = op == Op::http_put || op == Op::http_put_chunked;
    // What the probes saw decides; OPTIONS / only when they could not tell (its Allow is
    // the collection's, which may well not list PUT).
    if (post && profile_.multipart_post.no())
      return "no multipart POST uploads (" + profile_.multipart_post.how + ")";
    if (put && profile_.put.no()) return "no PUT uploads (" + profile_.put.how + ")";
    if (!http_allow().empty()) {
      if (post && profile_.multipart_post.state == Offer::State::unknown && !http_allows("POST"))
        return "OPTIONS / does not allow POST (Allow: " + http_allow() + ")";
      if (put && profile_.put.state == Offer::State::unknown && !http_allows("PUT"))
        return "OPTIONS / does not allow PUT (Allow: " + http_allow() + ")";
    }
    return "";
  }
  if (!target_->has_ftp()) return "target has no FTP URL";
  if (op == Op::ftp_rest && !ftp_has_feature("REST STREAM"))
    return "FEAT does not list REST STREAM (RFC 3659 §5)";
  if (is_upload(op) && !profile_.ftp_writes())
    return "FTP uploads: " + profile_.why_no_ftp_writes();
  return "";
}

std::string Suite::why_not_runnable(Op op) {
  if (auto why = why_not(op); !why.empty()) return why;
  Op maker = op;
  switch (op) {
    case Op::http_get:
    case Op::http_range:
      maker = Op::http_put;
      break;
    case Op::ftp_retr:
    case Op::ftp_rest:
    case Op::ftp_appe:  // appends to a head it STORs first
      maker = Op::ftp_stor;
      break;
    default:
      return "";
  }
  if (auto why = why_not(maker); !why.empty())
    return std::string(op_id(op)) + " reads an object the suite makes with " +
           std::string(op_id(maker)) + ", which does not apply: " + why;
  return "";
}

std::string Suite::http_dir(const std::string& sub) {
  const std::string base = "/conformance-" + std::to_string(::getpid()) + "/";
  bench::HttpClient c(*target_->http);
  if (!http_dir_made_) {
    c.mkcol(base);
    http_dir_made_ = true;
  }
  if (sub.empty()) return base;
  const std::string dir = base + sub + "/";
  if (subdirs_.insert("http:" + dir).second) c.mkcol(dir);
  return dir;
}

std::string Suite::ftp_dir(const std::string& sub) {
  const std::string base = "conformance-" + std::to_string(::getpid()) + "/";
  bench::FtpClient c(*target_->ftp);
  if (!ftp_dir_made_) {
    c.mkd(base.substr(0, base.size() - 1));
    ftp_dir_made_ = true;
  }
  if (sub.empty()) return base;
  const std::string dir = base + sub + "/";
  if (subdirs_.insert("ftp:" + dir).second) c.mkd(dir.substr(0, dir.size() - 1));
  return dir;
}

std::uint64_t Suite::next_seed() {
  return config.seed * 1000003 + ++uploads_;
}

std::unique_ptr<bench::RawConnection> Suite::http_raw() {
  return std::make_unique<bench::RawConnection>(target_->http->host, target_->http->port);
}

bench::FtpReply login_anonymously(bench::FtpControl& c) {
  const auto user = c.command(std::string("USER ") + kAnonymousUser);
  return user.code == 331 ? c.command(std::string("PASS ") + kAnonymousPassword) : user;
}

std::unique_ptr<bench::FtpControl> Suite::ftp_raw(bool login) {
  auto c = std::make_unique<bench::FtpControl>(target_->ftp->host, target_->ftp->port);
  const auto greeting = c->read_reply();
  if (greeting.code != 220) throw bench::Error("FTP greeting: " + greeting.text);
  if (login) {
    const auto& u = *target_->ftp;
    const std::string user = u.has_userinfo ? u.user : kAnonymousUser;
    const std::string pass = u.has_userinfo ? u.password : kAnonymousPassword;
    if (!c->login(user, pass)) throw bench::Error("FTP login as " + user + " refused");
    c->command("TYPE I");
  }
  return c;
}

void Suite::one_more_connection(bool http) {
  try {
    if (http) {
      auto c = http_raw();
      c->send("HEAD / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
      c->read_http_response();
    } else {
      auto c = ftp_raw(false);
      c->command("QUIT");
    }
  } catch (const std::exception&) {
    // The count that follows judges the server; a refused extra connection is not a leak.
  }
}

std::string Suite::why_no_ftp_login() {
  if (!target_->has_ftp()) return "target has no FTP URL";
  if (target_->ftp->has_userinfo || profile_.ftp_writes()) return "";
  if (!why_no_ftp_login_) {
    auto c = ftp_raw(false);
    const auto pass = login_anonymously(*c);
    why_no_ftp_login_ = pass.code == 230 ? ""
                                         : "the FTP URL has no credentials and an anonymous "
                                           "login was answered \"" +
                                               pass.text + "\"";
  }
  return *why_no_ftp_login_;
}

std::string Suite::http_auth_header() {
  const auto& u = *target_->http;
  if (!u.has_userinfo) return "";
  const std::string plain = u.user + ":" + u.password;
  std::string out(4 * ((plain.size() + 2) / 3) + 1, '\0');
  const int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                                reinterpret_cast<const unsigned char*>(plain.data()),
                                static_cast<int>(plain.size()));
  out.resize(static_cast<size_t>(n));
  return "Authorization: Basic " + out + "\r\n";
}

Suite::Fds Suite::settled_fds(std::optional<std::size_t> at_most,
                              std::chrono::milliseconds timeout) {
  const auto read = [&] {
    Fds f;
    for (const pid_t pid : proc::list_tree(target_->pid)) {
      const auto fds = proc::read_fds(pid);
      if (!fds) continue;
      f.count += fds->size();
      for (const auto& fd : *fds)
        if (fd.deleted)
          f.deleted.push_back("pid " + std::to_string(pid) + " fd " + std::to_string(fd.fd) +
                              " -> " + fd.target);
    }
    return f;
  };
  // Read every 20 ms: settled is the same count for 100 ms, or `at_most` reached, which
  // is seen as soon as it happens (each hostile case waits on it twice).
  using Clock = std::chrono::steady_clock;
  const auto deadline = Clock::now() + timeout;
  Fds last = read();
  auto same_since = Clock::now();
  for (;;) {
    if (at_most && last.count <= *at_most && last.deleted.empty()) return last;
    if (!at_most && Clock::now() - same_since >= 100ms) return last;
    if (Clock::now() > deadline) return last;
    std::this_thread::sleep_for(20ms);
    Fds now = read();
    if (now.count != last.count || now.deleted.size() != last.deleted.size())
      same_since = Clock::now();
    last = std::move(now);
  }
}

}  // namespace streamcheck::conformance
