// What an upload leaves in the store's root, seen from outside: the entries under the
// root (recursively, dot-files included) before and after, compared by name. Any
// server's leftovers show up this way, whatever it calls its temp files
// (".pureftpd-upload.*", "*.tmp", a staging directory): the suite never needs to know
// where a particular server keeps them.
#pragma once

#include <chrono>
#include <filesystem>
#include <optional>
#include <set>
#include <string>
#include <vector>

namespace streamcheck::conformance {

class RootWatch {
 public:
  // Lists the entries under `root` now; watches nothing when `root` is nullopt.
  explicit RootWatch(const std::optional<std::filesystem::path>& root);

  bool watching() const { return root_.has_value(); }
  // Entries that are under the root now and were not at construction, other than
  // `expected` (paths relative to the root, "dir/name", or to a directory under it: a
  // server may give the suite a subdirectory of its root, as an FTP login directory),
  // waiting up to `timeout` for them to go: a server may remove its temp file a moment
  // after the client's abort.
  // "" when none; else " dir/.tmp-1 dir/x.part" (at most 20 named, then "... (N)").
  std::string new_entries(const std::set<std::string>& expected,
                          std::chrono::milliseconds timeout = std::chrono::seconds(5)) const;
  // The same entries, all of them, sorted ("dir/.tmp-1", "dir/x.part"); none when the
  // root is unknown.
  std::vector<std::string> new_entry_list(
      const std::set<std::string>& expected,
      std::chrono::milliseconds timeout = std::chrono::seconds(5)) const;

 private:
  std::optional<std::filesystem::path> root_;
  std::set<std::string> before_;
};

// Every file (any entry but a directory) under `root`, relative ("a/b", ".staging/x"),
// symlinks not followed.
std::set<std::string> list_tree(const std::filesystem::path& root);

}  // namespace streamcheck::conformance
