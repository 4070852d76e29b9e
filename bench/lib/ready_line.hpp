// The ready line a server (or a peer launcher script) prints on stdout once it accepts
// connections, and the only thing the harness learns from the server itself:
//
//   streamcheck-ready pid=123 http=http://127.0.0.1:40213/ ftp=ftp://u:p@127.0.0.1:40214/
//
// Fields are space-separated key=value pairs in any order after the prefix. pid= is the
// process to probe (it may differ from the process the harness launched, e.g. when a
// script starts nginx). http= and ftp= are each optional, but at least one must be
// there. root= (optional) is the absolute path of the directory the server serves, so
// that checks that look at the files from outside (what an aborted upload left, a file
// beside the root) can run; a root with a blank in it cannot be given. Unknown fields are kept in
// `extra` and otherwise ignored, so servers can add fields without breaking older harnesses.
#pragma once

#include <sys/types.h>

#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "bench/lib/url.hpp"

namespace streamcheck::bench {

inline constexpr std::string_view kReadyPrefix = "streamcheck-ready";

struct ReadyLine {
  pid_t pid = 0;
  std::optional<Url> http;  // scheme http or https
  std::optional<Url> ftp;   // scheme ftp or ftps
  std::string http_text;    // the URLs exactly as printed ("" when absent)
  std::string ftp_text;
  std::optional<std::filesystem::path> root;               // absolute
  std::vector<std::pair<std::string, std::string>> extra;  // unknown fields, in order
};

// True when `line` is meant to be a ready line: its first word is exactly the prefix.
// Other lines a server prints before it (logs, banners) are not ready lines.
bool is_ready_line(std::string_view line);

// Parses a ready line (a trailing "\r" or "\n" is ignored). Throws Error with the reason
// on: a missing prefix; a field that is not key=value or has an empty key or value; a key
// given twice; a missing pid, or one that is not a decimal number in 1..2^31-1; neither
// http= nor ftp=; a URL that does not parse or has the wrong scheme for its key; a root=
// that is not an absolute path; a root= or other field with a control character.
ReadyLine parse_ready_line(std::string_view line);

}  // namespace streamcheck::bench
