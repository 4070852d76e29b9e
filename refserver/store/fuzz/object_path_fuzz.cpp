// ObjectPath::parse, the one gate between a client's path and the store's system calls.
//
// Input: the client path. Checked for every accepted path:
//   - it is normalized and stays beneath the root: no leading or trailing '/', no empty,
//     "." or ".." component, no control byte, components and the whole within their
//     limits, not inside the staging area; it is never longer than what was sent;
//   - it re-renders and re-parses to itself, in its relative and absolute forms, and
//     prefixed with "/" or "./" (a "/" means the store root, never the host's);
//   - parent() and child(name()) walk back to it, and a ".." appended to it lands on
//     its parent (the lexical rule the store promises).
#include <string>
#include <string_view>

#include "fuzz/fuzz_check.hpp"
#include "refserver/store/object_path.hpp"

namespace {

using streamcheck::fuzz::printable;
using streamcheck::store::ObjectPath;

void check_components(const std::string& rel, std::string_view sent) {
  if (rel.empty()) return;
  FUZZ_CHECK_MSG(rel.front() != '/' && rel.back() != '/', printable(sent));
  size_t start = 0;
  bool first = true;
  for (;;) {
    const size_t slash = rel.find('/', start);
    const std::string_view component =
        std::string_view(rel).substr(start, slash == std::string::npos ? slash : slash - start);
    FUZZ_CHECK_MSG(!component.empty() && component != "." && component != "..",
                   printable(sent) + " -> " + printable(rel));
    FUZZ_CHECK(component.size() <= streamcheck::store::kMaxComponentBytes);
    if (first) FUZZ_CHECK_MSG(component != streamcheck::store::kStagingDirName, printable(sent));
    first = false;
    if (slash == std::string::npos) break;
    start = slash + 1;
  }
  for (unsigned char c : rel) FUZZ_CHECK(c >= 0x20 && c != 0x7f);
}

void check_reparses(std::string_view text, const ObjectPath& expected, std::string_view sent) {
  const auto again = ObjectPath::parse(text);
  FUZZ_CHECK_MSG(again.ok() && again.value() == expected, printable(sent) + " -> " +
                                                              printable(expected.relative()) +
                                                              ", again from " + printable(text));
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view sent(reinterpret_cast<const char*>(data), size);
  const auto parsed = ObjectPath::parse(sent);
  if (!parsed.ok()) return 0;
  const ObjectPath& path = parsed.value();
  const std::string& rel = path.relative();

  FUZZ_CHECK(rel.size() <= sent.size());
  FUZZ_CHECK(rel.size() <= streamcheck::store::kMaxPathBytes);
  FUZZ_CHECK(path.is_root() == rel.empty());
  check_components(rel, sent);

  check_reparses(rel, path, sent);
  check_reparses(path.absolute(), path, sent);
  check_reparses("/" + rel, path, sent);
  check_reparses("./" + rel, path, sent);

  if (!path.is_root()) {
    const ObjectPath parent = path.parent();
    FUZZ_CHECK(parent.relative().size() < rel.size());
    const auto child = parent.child(path.name());
    FUZZ_CHECK_MSG(child.ok() && child.value() == path, printable(sent));
    check_reparses(rel + "/..", parent, sent);
  } else {
    FUZZ_CHECK(path.parent() == path);
    FUZZ_CHECK(!ObjectPath::parse("..").ok());
  }
  return 0;
}
