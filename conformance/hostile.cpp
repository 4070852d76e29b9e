#include "conformance/hostile.hpp"

#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <utility>

#include "conformance/ftp_replies.hpp"

namespace streamcheck::conformance::hostile {
namespace {

std::string codes_list_text(const std::vector<int>& codes) {
  std::string out;
  for (const int c : codes) out += (out.empty() ? "" : " or ") + std::to_string(c);
  return out;
}

// Still serving, on a new connection: the known object when the suite could make it, a
// plain request otherwise; and no object of the case left where it would be.
void check_http_after(const Case& c, bool known) {
  if (known) {
    const auto& k = http_known();
    const auto r = http_exchange("GET " + k.path + " HTTP/1.1\r\nHost: x\r\n\r\n");
    check(r && r->status == 200 && r->body == k.content, kAfter,
          "a normal GET afterwards: 200 and the object", status_text(r));
  } else {
    const auto r = http_exchange("HEAD / HTTP/1.1\r\nHost: x\r\n\r\n", true);
    check(r && r->status < 500, kAfter, "a normal HEAD / afterwards: a response below 500",
          status_text(r));
  }
  if (!c.object.empty()) {
    const auto g = http_exchange("HEAD " + victim(c.object) + " HTTP/1.1\r\nHost: x\r\n\r\n", true);
    check(outcome_is(g, "HEAD", HttpOutcome::missing), kAfter, "no object " + victim(c.object),
          status_text(g));
  }
}

void check_ftp_after(const Case& c, bool known) {
  auto& s = suite();
  if (!suite().why_no_ftp_login().empty()) {
    // No login to ask with: a fresh session's greeting is what shows the server serves.
    try {
      s.ftp_raw(false);
    } catch (const std::exception& e) {
      check(false, kAfter, "a 220 greeting on a new connection afterwards", e.what());
    }
    if (!c.object.empty()) record("object_check", "not checked: no FTP login");
    return;
  }
  auto ctl = s.ftp_raw();
  const auto answered = [&](const std::string& command, ReplyKind kind) {
    const auto r = ctl->command(command);
    const auto codes = listed(verb_of(command), kind);
    return std::pair{std::find(codes.begin(), codes.end(), r.code) != codes.end(), reply_text(r)};
  };
  // SIZE is RFC 3659, not RFC 959: used only when FEAT lists it.
  const bool size = s.ftp_has_feature("SIZE");
  if (known && size) {
    const auto [ok, got] = answered("SIZE " + ftp_known().path, ReplyKind::completion);
    check(ok, kAfter, "a normal SIZE afterwards: 213", got);
  } else {
    const auto [ok, got] = answered("NOOP", ReplyKind::completion);
    check(ok, kAfter, "a NOOP afterwards: 200", got);
  }
  if (!c.object.empty() && size) {
    const auto r = ctl->command("SIZE " + ftp_victim(c.object));
    check(r.code == 550, kAfter, "no file " + ftp_victim(c.object) + ": SIZE answers 550",
          reply_text(r));
  }
}

class HostileCase : public ::testing::Test {
 public:
  explicit HostileCase(Case c) : case_(std::move(c)) {}
  void TestBody() override {
    auto& s = suite();
    const bool http = case_.proto == Proto::http;
    if (http) {
      SKIP_UNLESS_HTTP();
    } else {
      SKIP_UNLESS_FTP();
    }
    if (case_.needs) SKIP_UNLESS_APPLIES(*case_.needs);
    if (case_.needs_login)
      if (const auto why = suite().why_no_ftp_login(); !why.empty()) GTEST_SKIP() << why;
    // The known object shows that the server still serves afterwards. It is made with
    // an upload: when that does not apply, a plain request stands in for it.
    const bool known = s.why_not(http ? Op::http_put : Op::ftp_stor).empty();
    if (known && http) http_known();
    if (known && !http) ftp_known();
    s.one_more_connection(http);
    const auto before = s.settled_fds();
    case_.run();
    if (http) {
      check_http_after(case_, known);
    } else {
      check_ftp_after(case_, known);
    }
    s.one_more_connection(http);
    const auto after = s.settled_fds(before.count);
    check(after.count <= before.count && after.deleted.empty(), kAfter,
          "the tree's fd count back to " + std::to_string(before.count) + ", none on deleted files",
          std::to_string(after.count) + " fds, " + std::to_string(after.deleted.size()) +
              " on deleted files");
  }

 private:
  Case case_;
};

std::string own_prefix() {
  return "conformance-" + std::to_string(::getpid()) + "-hostile-";
}

}  // namespace

EscapeWatch::EscapeWatch(const std::string& name) {
  namespace fs = std::filesystem;
  const auto& root = suite().target().root;
  if (!root) return;
  std::error_code ec;
  const auto r = fs::weakly_canonical(*root, ec);
  if (ec) return;
  for (const auto& p : {r.parent_path() / name, r.parent_path().parent_path() / name})
    if (!fs::exists(p, ec)) places_.push_back(p);
}

std::string EscapeWatch::take_escaped() const {
  std::string escaped;
  for (const auto& p : places_) {
    std::error_code ec;
    if (std::filesystem::exists(p, ec)) {
      escaped += " " + p.string();
      std::filesystem::remove(p, ec);
    }
  }
  return escaped;
}

std::string victim_dir() {
  return suite().profile().http_writes() ? suite().http_dir("hostile") : "/";
}
std::string victim_name(const std::string& name) {
  return suite().profile().http_writes() ? name : own_prefix() + name;
}
std::string victim(const std::string& name) {
  return victim_dir() + victim_name(name);
}
std::string ftp_victim(const std::string& name) {
  return suite().profile().ftp_writes() ? suite().ftp_dir("hostile") + name : own_prefix() + name;
}

Case http_case(const char* suite_name, const char* name, std::optional<Op> needs,
               std::function<std::string()> request, std::vector<int> codes, std::string object) {
  const bool about_credentials =
      std::string_view(name).find("Credentials") != std::string_view::npos;
  return Case{suite_name,
              name,
              Proto::http,
              [request, codes, about_credentials] {
                const auto r = http_exchange(request());
                bool ok = false;
                for (const int c : codes) ok = ok || (r && r->status == c);
                if (!ok && about_credentials && r && r->status >= 200 && r->status < 300) {
                  check(false, kNeedsCredentials, "status " + codes_list_text(codes),
                        status_text(r) + ": anonymous writes allowed");
                  return;
                }
                check(ok, kClear, "status " + codes_list_text(codes), status_text(r));
              },
              std::move(object),
              needs};
}

Case ftp_case(const char* suite_name, const char* name, std::function<std::string()> command,
              std::vector<int> codes, bool login, std::string object) {
  return Case{
      suite_name,
      name,
      Proto::ftp,
      [command, codes, login] {
        auto c = suite().ftp_raw(login);
        const auto line = command();
        const auto r = c->command(line);
        // Logged in, any error the RFC lists for the command is a clear one (TYPE X
        // may get 500 as well as 504). Before login only 530 says why.
        auto accepted = codes;
        std::string more;
        const auto verb = verb_of(line);
        if (login) {
          for (const int e : listed_errors(verb)) {
            if (std::find(accepted.begin(), accepted.end(), e) != accepted.end()) continue;
            accepted.push_back(e);
            more += (more.empty() ? "" : ", ") + std::to_string(e);
          }
        }
        const bool ok = std::find(accepted.begin(), accepted.end(), r.code) != accepted.end();
        const std::string expected =
            "reply " + codes_list_text(codes) +
            (more.empty() ? ""
                          : " (or another error " + std::string(listed_replies(verb)->source) +
                                " lists for " + verb + ": " + more + ")");
        check(ok, kClear, expected, reply_text(r));
      },
      std::move(object),
      std::nullopt,
      login};
}

Case http_rule_case(const char* suite_name, const char* name, std::optional<Op> needs,
                    const Requirement& rule, std::function<std::string()> request,
                    std::vector<int> codes, std::string object) {
  return Case{suite_name,
              name,
              Proto::http,
              [rule, request, codes] {
                const auto r = http_exchange(request());
                const bool ok =
                    r && std::find(codes.begin(), codes.end(), r->status) != codes.end();
                check(ok, rule, "status " + codes_list_text(codes), status_text(r));
              },
              std::move(object),
              needs};
}

Case ftp_rule_case(const char* suite_name, const char* name, const Requirement& rule,
                   std::function<std::string()> command, std::vector<int> codes, bool login) {
  return Case{suite_name,
              name,
              Proto::ftp,
              [rule, command, codes, login] {
                auto c = suite().ftp_raw(login);
                const auto r = c->command(command());
                const bool ok = std::find(codes.begin(), codes.end(), r.code) != codes.end();
                check(ok, rule, "reply " + codes_list_text(codes), reply_text(r));
              },
              "",
              std::nullopt,
              login};
}

void check_refused_or_stored(const std::optional<bench::RawHttpResponse>& r,
                             const std::string& path, const std::string& expected,
                             const std::vector<int>& refusals, const Requirement& rule) {
  if (r && std::find(refusals.begin(), refusals.end(), r->status) != refusals.end()) {
    record("refused", status_text(r));
    return;
  }
  if (!check(r && r->status / 100 == 2, rule, "status " + codes_list_text(refusals) + " or a 2xx",
             status_text(r)))
    return;
  const auto got = http_exchange("GET " + path + " HTTP/1.1\r\nHost: x\r\n\r\n");
  http_exchange("DELETE " + path + " HTTP/1.1\r\n" + write_headers() + "\r\n");
  record("stored", status_text(r) + ", read back: " + status_text(got));
  check(got && got->status == 200 && got->body == expected, rule,
        "taken (" + status_text(r) + "): GET " + path + " gives its " +
            std::to_string(expected.size()) + " bytes",
        status_text(got) + (got ? ", " + std::to_string(got->body.size()) + " bytes" : ""));
}

void check_whole_or(const std::optional<bench::RawHttpResponse>& r, const std::vector<int>& others,
                    const Requirement& rule) {
  if (r && std::find(others.begin(), others.end(), r->status) != others.end()) {
    record("answer", status_text(r));
    return;
  }
  const auto& k = http_known();
  check(r && r->status == 200 && r->body == k.content, rule,
        "200 with the whole object (" + std::to_string(k.content.size()) + " bytes)" +
            (others.empty() ? "" : ", or status " + codes_list_text(others)),
        status_text(r) + (r ? ", " + std::to_string(r->body.size()) + " bytes" : ""));
}

std::string get_known(const std::string& extra) {
  return "GET " + http_known().path + " HTTP/1.1\r\nHost: x\r\n" + extra + "\r\n";
}

std::uint64_t read_data(bench::RawConnection& data, std::string* kept, std::size_t keep,
                        std::chrono::milliseconds timeout) {
  std::uint64_t total = 0;
  char buf[65536];
  for (;;) {
    pollfd p{data.fd(), POLLIN, 0};
    if (::poll(&p, 1, static_cast<int>(timeout.count())) <= 0) return total;
    const auto n = ::recv(data.fd(), buf, sizeof buf, 0);
    if (n <= 0) return total;
    total += static_cast<std::uint64_t>(n);
    if (kept && kept->size() < keep)
      kept->append(buf, std::min(static_cast<std::size_t>(n), keep - kept->size()));
  }
}

bool register_cases(std::vector<Case> cases, const char* file, int line) {
  for (auto& c : cases)
    ::testing::RegisterTest(c.suite, c.name, nullptr, nullptr, file, line,
                            [c]() -> ::testing::Test* { return new HostileCase(c); });
  return true;
}

}  // namespace streamcheck::conformance::hostile
