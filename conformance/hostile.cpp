#include "conformance/hostile.hpp"

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

class HostileCase : public ::testing::Test {
 public:
  explicit HostileCase(Case c) : case_(std::move(c)) {}
  void TestBody() override {
    auto& s = suite();
    const bool http = case_.proto == Proto::http;
    if (http) {
      SKIP_UNLESS_HTTP_WRITES();
    } else {
      SKIP_UNLESS_FTP_WRITES();
    }
    if (case_.needs) SKIP_UNLESS_APPLIES(*case_.needs);
    // The known object shows that the server still serves afterwards. It is made with
    // an upload: when that does not apply, a plain request stands in for it.
    const bool known = s.why_not(http ? Op::http_put : Op::ftp_stor).empty();
    if (known && http) http_known();
    if (known && !http) ftp_known();
    const auto before = s.settled_fds();
    case_.run();
    // Still serving, on a new connection.
    if (http) {
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
      if (!case_.object.empty()) {
        const auto g =
            http_exchange("HEAD " + victim(case_.object) + " HTTP/1.1\r\nHost: x\r\n\r\n", true);
        check(g && g->status == 404, kAfter, "no object " + victim(case_.object), status_text(g));
      }
    } else {
      auto c = s.ftp_raw();
      // SIZE is RFC 3659, not RFC 959: used only when FEAT lists it.
      const bool size = s.ftp_has_feature("SIZE");
      if (known && size) {
        const auto r = c->command("SIZE " + ftp_known().path);
        check(r.code == 213, kAfter, "a normal SIZE afterwards: 213", r.text);
      } else {
        const auto r = c->command("NOOP");
        check(r.code == 200, kAfter, "a NOOP afterwards: 200", r.text);
      }
      if (!case_.object.empty() && size) {
        const auto m = c->command("SIZE " + ftp_victim(case_.object));
        check(m.code == 550, kAfter, "no file " + ftp_victim(case_.object), m.text);
      }
    }
    const auto after = s.settled_fds(before.count);
    check(after.count <= before.count && after.deleted.empty(), kAfter,
          "the tree's fd count back to " + std::to_string(before.count) + ", none on deleted files",
          std::to_string(after.count) + " fds, " + std::to_string(after.deleted.size()) +
              " on deleted files");
  }

 private:
  Case case_;
};

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

std::string victim(const std::string& name) {
  return suite().http_dir("hostile") + name;
}
std::string ftp_victim(const std::string& name) {
  return suite().ftp_dir("hostile") + name;
}

Case http_case(const char* suite_name, const char* name, std::optional<Op> needs,
               std::function<std::string()> request, std::initializer_list<int> codes_list,
               std::string object) {
  std::vector<int> codes(codes_list);
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
              std::initializer_list<int> codes_list, bool login, std::string object) {
  std::vector<int> codes(codes_list);
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
        check(ok, kClear, expected, r.code ? "\"" + r.text + "\"" : std::string("no reply"));
      },
      std::move(object),
      std::nullopt};
}

bool register_cases(std::vector<Case> cases, const char* file, int line) {
  for (auto& c : cases)
    ::testing::RegisterTest(c.suite, c.name, nullptr, nullptr, file, line,
                            [c]() -> ::testing::Test* { return new HostileCase(c); });
  return true;
}

}  // namespace streamcheck::conformance::hostile
