// Hostile input over FTP: MLSD of a directory of 100 000 entries (the runner is
// hostile.cpp). The entries are made on disk directly, under the store root, so the case
// needs the root (--root, --spawn with a launcher that prints root=) and MLSD (FEAT lists
// MLST, RFC 3659 §7); without either it skips with the reason. The listing must come
// whole: every entry, then 226 (250), and the server goes on serving.
#include <fcntl.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <string_view>
#include <unordered_set>

#include "conformance/hostile.hpp"

namespace streamcheck::conformance::hostile {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

constexpr int kEntries = 100000;
constexpr Requirement kWhole{"RFC 3659 §7.2",
                             "MLSD lists every entry of the directory, then 226 (or 250): a "
                             "listing of 100 000 entries is neither cut short nor fatal."};

// A directory under the root, removed with all it holds when this goes.
class Crowd {
 public:
  explicit Crowd(const fs::path& root)
      : name_("conformance-" + std::to_string(::getpid()) + "-mlsd"), dir_(root / name_) {
    fs::create_directory(dir_);
    for (int i = 0; i < kEntries; ++i) {
      const auto path = dir_ / ("e" + std::to_string(i));
      const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
      if (fd < 0) throw bench::Error("cannot create " + path.string());
      ::close(fd);
    }
  }
  ~Crowd() {
    std::error_code ignored;
    fs::remove_all(dir_, ignored);
  }
  Crowd(const Crowd&) = delete;
  Crowd& operator=(const Crowd&) = delete;
  const std::string& name() const { return name_; }

 private:
  std::string name_;
  fs::path dir_;
};

// The names of an MLSD listing ("fact=value;...; NAME\r\n" a line) that are ours: "e" and
// a number below kEntries.
std::size_t entries_listed(const std::string& listing) {
  std::unordered_set<std::string_view> seen;
  std::string_view rest(listing);
  while (!rest.empty()) {
    const auto eol = rest.find('\n');
    auto line = rest.substr(0, eol);
    rest = eol == std::string_view::npos ? std::string_view() : rest.substr(eol + 1);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    const auto space = line.find(' ');
    if (space == std::string_view::npos) continue;
    const auto name = line.substr(space + 1);
    if (name.size() > 1 && name[0] == 'e') seen.insert(name);
  }
  return seen.size();
}

void mlsd_hundred_thousand() {
  auto& s = suite();
  const auto& root = s.target().root;
  if (!root)
    GTEST_SKIP() << "the store root is unknown (--root): the 100 000 entries are made on disk";
  if (!s.ftp_has_feature("MLST")) GTEST_SKIP() << "FEAT does not list MLST (RFC 3659 §7)";
  const Crowd crowd(*root);
  auto c = s.ftp_raw();
  const auto cwd = c->command("CWD /" + crowd.name());
  if (cwd.code != 250)
    GTEST_SKIP() << "the directory made at ROOT/" << crowd.name() << " is not /" << crowd.name()
                 << " to the server: CWD answered " << reply_text(cwd);
  auto data = open_data(*c);
  if (!data.conn) GTEST_SKIP() << "no data connection: " << data.how;
  const auto started = std::chrono::steady_clock::now();
  // Waits are generous: a server may read and sort the whole directory before its 150,
  // and a busy or instrumented (sanitizer) machine takes seconds for 100 000 entries.
  const auto mlsd = c->command("MLSD", 120s);
  std::string listing;
  auto end = mlsd;
  if (mlsd.code == 150 || mlsd.code == 125) {
    read_data(*data.conn, &listing, 64 << 20, 120s);
    end = c->read_reply(120s);
  }
  const auto took = std::chrono::duration<double>(std::chrono::steady_clock::now() - started);
  const auto listed = entries_listed(listing);
  record("mlsd", std::to_string(listed) + " entries, " + std::to_string(listing.size()) +
                     " bytes in " + fixed(took.count()) + " s");
  check((end.code == 226 || end.code == 250) && listed == kEntries, kWhole,
        std::to_string(kEntries) + " entries, then 226 or 250",
        std::to_string(listed) + " entries (" + std::to_string(listing.size()) + " bytes), then " +
            reply_text(end));
}

[[maybe_unused]] const bool registered =
    register_cases({Case{"BadInput", "FtpMlsdOfHundredThousandEntries", Proto::ftp,
                         mlsd_hundred_thousand, "", std::nullopt, true}},
                   __FILE__, __LINE__);

}  // namespace
}  // namespace streamcheck::conformance::hostile
