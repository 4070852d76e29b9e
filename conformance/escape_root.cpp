// Security: ".." never reads beside the root. With the store root known (--root), a
// file of unique content is planted beside it (ROOT/../NAME) and asked for through the
// server as the era's traversal reached it: HTTP "GET /../NAME" as a raw request target
// (a client library would fold the ".." away) and "/%2e%2e/NAME", FTP "RETR ../NAME"
// and "SIZE ../NAME" from the top of the served tree. The planted bytes (or their
// size) coming back is the escape; a refusal, or anything that is not them, passes:
// confining ".." at the top ("/.." is "/", as vsftpd and pyftpdlib do) is as safe.
#include <fcntl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <random>

#include "conformance/raw.hpp"

namespace streamcheck::conformance {
namespace {

namespace fs = std::filesystem;

constexpr Requirement kBeside{"Security",
                              "A path with \"..\" never leaves the served root: no file beside "
                              "the root can be read through the server."};

// A file of unique content beside the store root, removed when this goes, whatever the
// test did meanwhile.
class Planted {
 public:
  Planted() {
    const auto& root = suite().target().root;
    if (!root) {
      why_not_ = "the store root is unknown (--root): nothing can be planted beside it";
      return;
    }
    std::error_code ec;
    const fs::path canonical = fs::canonical(*root, ec);
    if (ec) {
      why_not_ = "the store root " + root->string() + " cannot be resolved: " + ec.message();
      return;
    }
    if (canonical == canonical.parent_path()) {
      why_not_ = "the store root is /: nothing is beside it";
      return;
    }
    name_ = fresh_name("streamcheck-beside-root-" + std::to_string(::getpid()), ".txt");
    char token[17];
    std::random_device random;
    std::snprintf(token, sizeof token, "%08x%08x", random(), random());
    content_ = "planted beside the store root by the conformance suite, token " +
               std::string(token) + "\n";
    const fs::path path = canonical.parent_path() / name_;
    // O_EXCL: never take over a file that is not ours.
    const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
    if (fd < 0) {
      why_not_ = "cannot create " + path.string() + " beside the store root: " +
                 std::error_code(errno, std::generic_category()).message();
      return;
    }
    path_ = path;
    const bool written =
        ::write(fd, content_.data(), content_.size()) == static_cast<ssize_t>(content_.size());
    ::close(fd);
    if (!written) why_not_ = "cannot write " + path_.string() + " beside the store root";
  }
  ~Planted() {
    std::error_code ignored;
    if (!path_.empty()) fs::remove(path_, ignored);
  }
  Planted(const Planted&) = delete;
  Planted& operator=(const Planted&) = delete;

  const std::string& why_not() const { return why_not_; }
  const std::string& name() const { return name_; }
  const std::string& content() const { return content_; }
  // "read back the 82 bytes planted beside the root at /tmp/x/NAME"
  std::string read_back() const {
    return "read back the " + std::to_string(content_.size()) +
           " bytes planted beside the root at " + path_.string();
  }
  // "read back the size of the 82 bytes planted beside the root at /tmp/x/NAME"
  std::string read_back_size() const {
    return "read back the size of the " + std::to_string(content_.size()) +
           " bytes planted beside the root at " + path_.string();
  }

 private:
  std::string why_not_;
  std::string name_;
  std::string content_;
  fs::path path_;
};

#define PLANT_OR_SKIP(planted) \
  Planted planted;             \
  if (!planted.why_not().empty()) GTEST_SKIP() << planted.why_not()

std::string read_to_end(bench::RawConnection& data) {
  std::string out;
  char buf[65536];
  for (ssize_t n; (n = ::recv(data.fd(), buf, sizeof buf, 0)) > 0;)
    out.append(buf, static_cast<size_t>(n));
  return out;
}

std::string quoted(const bench::FtpReply& r) {
  return r.code ? "\"" + r.text + "\"" : std::string("no reply (closed or timed out)");
}

TEST(Security, HttpDotDotReadsNothingBesideTheRoot) {
  SKIP_UNLESS_HTTP();
  PLANT_OR_SKIP(planted);
  const std::pair<const char*, std::string> targets[] = {
      {"get_dotdot", "/../" + planted.name()}, {"get_encoded_dotdot", "/%2e%2e/" + planted.name()}};
  for (const auto& [key, target] : targets) {
    const auto res =
        http_exchange("GET " + target + " HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
    const bool escaped = res && res->body.find(planted.content()) != std::string::npos;
    record(key, status_text(res));
    check(!escaped, kBeside, "GET " + target + " refused, or anything but the planted bytes",
          planted.read_back() + " (GET " + target + ": " + status_text(res) + ")");
  }
}

TEST(Security, FtpDotDotReadsNothingBesideTheRoot) {
  SKIP_UNLESS_FTP();
  PLANT_OR_SKIP(planted);
  auto c = suite().ftp_raw();
  c->command("CWD /");  // "../NAME" from the top of what the server serves
  const std::string arg = "../" + planted.name();

  bool asked = false;
  std::unique_ptr<bench::RawConnection> data;
  try {
    data = c->open_passive();
  } catch (const std::exception& e) {
    record("retr", std::string("not tried: no data connection: ") + e.what());
  }
  if (data) {
    asked = true;
    const auto retr = c->command("RETR " + arg);
    std::string got;
    bench::FtpReply end;
    if (retr.code == 150 || retr.code == 125) {
      got = read_to_end(*data);
      data.reset();  // a server may send 226 only once the client has closed
      end = c->read_reply();
    }
    data.reset();
    const std::string replies = quoted(retr) + (end.code ? ", then " + quoted(end) : "");
    record("retr", replies);
    check(got.find(planted.content()) == std::string::npos, kBeside,
          "RETR " + arg + " refused, or anything but the planted bytes",
          planted.read_back() + " (RETR " + arg + ": " + replies + ")");
  }

  if (suite().ftp_has_feature("SIZE")) {
    asked = true;
    const auto size = c->command("SIZE " + arg);
    record("size", quoted(size));
    const std::string planted_size = std::to_string(planted.content().size());
    check(!(size.code == 213 && size.text == "213 " + planted_size), kBeside,
          "SIZE " + arg + " refused, or not the planted file's size",
          planted.read_back_size() + " (SIZE " + arg + ": " + quoted(size) + ")");
  } else {
    record("size", "not tried: FEAT does not list SIZE");
  }
  if (!asked) GTEST_SKIP() << "no data connection for RETR and FEAT does not list SIZE";
}

}  // namespace
}  // namespace streamcheck::conformance
