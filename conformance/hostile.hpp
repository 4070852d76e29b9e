// Hostile input over both protocols, the runner shared by bad_input_http.cpp and
// bad_input_ftp.cpp (BadInput.*: malformed framing and commands; Security.*: traversal,
// NUL, commands before login, RFC 2577 address checks, writes without credentials,
// slowloris). Each case must get a clear error; afterwards the server still serves a
// normal request, no object of the case exists, and the server's tree holds no more
// descriptors than before the case.
//
// A case runs whenever its protocol is there: most hostile input needs nothing of the
// suite's (a malformed request line, a traversal GET, a write without credentials, a
// command before login). Only a case that needs an upload (`needs`, or a read of an
// object the suite uploads) or a login (`needs_login`) skips, with the reason.
#pragma once

#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "conformance/raw.hpp"

namespace streamcheck::conformance::hostile {

inline constexpr Requirement kClear{"DESIGN bad input",
                                    "Hostile input gets a clear error status or reply."};
inline constexpr Requirement kAfter{"DESIGN bad input",
                                    "After hostile input the server still serves, keeps no "
                                    "partial object and no descriptor of it."};
inline constexpr Requirement kNeedsCredentials{
    "Security", "Writes need credentials: a server that takes them anonymously lets anyone write."};

enum class Proto { http, ftp };
struct Case {
  const char* suite;
  const char* name;
  Proto proto;
  std::function<void()> run;  // sends the input, checks the answer
  std::string object;         // a name under the hostile dir the case must not leave behind
  // The op the input relies on (it is a PUT, a chunked PUT, a multipart POST, or reads
  // a file the suite makes with STOR): when that op does not apply to the target
  // (--without, OPTIONS, FEAT), the case skips with the reason instead of judging the
  // server on a method it does not offer.
  std::optional<Op> needs;
  // FTP: the case logs in (with the URL's credentials, or anonymously without them).
  bool needs_login = false;
};

// Where cases write: http_dir("hostile") + name, ftp_dir("hostile") + name. When the suite
// cannot write (so cannot make that directory), a name of the run's own at the top:
// "/conformance-PID-hostile-NAME", so that the after-check still finds any object a
// write without credentials left.
std::string victim(const std::string& name);
std::string ftp_victim(const std::string& name);
// The directory of victim(), and a victim's last component there (for a multipart
// POST's filename).
std::string victim_dir();
std::string victim_name(const std::string& name);

// An HTTP case: `request` on a fresh connection must get one of `codes`.
Case http_case(const char* suite_name, const char* name, std::optional<Op> needs,
               std::function<std::string()> request, std::vector<int> codes,
               std::string object = "");
// An FTP case: `command` (after login unless `login` is false) must get one of `codes`.
Case ftp_case(const char* suite_name, const char* name, std::function<std::string()> command,
              std::vector<int> codes, bool login = true, std::string object = "");

// An HTTP case judged by an RFC rule rather than the DESIGN bad-input rule: `request`
// on a fresh connection must get one of `codes`, and a failure cites `rule`.
Case http_rule_case(const char* suite_name, const char* name, std::optional<Op> needs,
                    const Requirement& rule, std::function<std::string()> request,
                    std::vector<int> codes, std::string object = "");
// An FTP case judged by exactly `codes` (no other listed error passes): for input a
// server must take (RFC 959 §5.3: verbs in any case) or refuse one way only.
Case ftp_rule_case(const char* suite_name, const char* name, const Requirement& rule,
                   std::function<std::string()> command, std::vector<int> codes, bool login = true);

// For input a server may refuse or take: a status among `refusals` passes as it is; a
// 2xx must have stored exactly `expected` at `path` (read back with GET; then deleted,
// so that the case leaves nothing); anything else fails, citing `rule`.
void check_refused_or_stored(const std::optional<bench::RawHttpResponse>& r,
                             const std::string& path, const std::string& expected,
                             const std::vector<int>& refusals, const Requirement& rule);
// A GET of the known object: a 200 with the whole object, or a status among `others`
// (judged by status alone: a 304, 412, 416 carries no object).
void check_whole_or(const std::optional<bench::RawHttpResponse>& r, const std::vector<int>& others,
                    const Requirement& rule);
// "GET PATH HTTP/1.1\r\nHost: x\r\n" + `extra` + "\r\n": a read of the known object.
std::string get_known(const std::string& extra = "");

// What a data connection carries until the server closes it (or `timeout` passes
// without a byte): the byte count, and the bytes themselves up to `keep` into `kept`.
std::uint64_t read_data(bench::RawConnection& data, std::string* kept = nullptr,
                        std::size_t keep = 0,
                        std::chrono::milliseconds timeout = std::chrono::seconds(20));

// The white-box side of a traversal case, with the store root known (--root): the
// places where ../../NAME from the root lands (beside the root, one level above it) that
// do not exist before the case. Watches nothing when the root is unknown.
class EscapeWatch {
 public:
  explicit EscapeWatch(const std::string& name);
  // Those that exist now, removed (NAME is the case's own, unique to the run), as
  // " PATH PATH"; "" when none.
  std::string take_escaped() const;

 private:
  std::vector<std::filesystem::path> places_;
};

// Registers one GoogleTest test per case (call from a namespace-scope initializer, so
// that they exist before RUN_ALL_TESTS). Returns true.
bool register_cases(std::vector<Case> cases, const char* file, int line);

}  // namespace streamcheck::conformance::hostile
