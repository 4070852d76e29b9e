#include "conformance/root_watch.hpp"

#include <thread>
#include <vector>

namespace streamcheck::conformance {

namespace fs = std::filesystem;

std::set<std::string> list_tree(const fs::path& root) {
  std::set<std::string> names;
  std::error_code ec;
  // skip_permission_denied: a server's private directory we cannot read is not ours to
  // judge; what we can see is still compared.
  fs::recursive_directory_iterator it(root, fs::directory_options::skip_permission_denied, ec);
  // Directories are not counted: an empty directory left behind holds no partial object.
  for (; !ec && it != fs::recursive_directory_iterator(); it.increment(ec))
    if (!it->is_directory(ec)) names.insert(it->path().lexically_relative(root).string());
  return names;
}

namespace {

// `name` is one of `expected`, or ends with "/" and one of them.
bool is_expected(const std::string& name, const std::set<std::string>& expected) {
  if (expected.contains(name)) return true;
  for (const auto& e : expected)
    if (name.size() > e.size() && name.ends_with(e) && name[name.size() - e.size() - 1] == '/')
      return true;
  return false;
}

}  // namespace

RootWatch::RootWatch(const std::optional<fs::path>& root) : root_(root) {
  if (root_) before_ = list_tree(*root_);
}

std::vector<std::string> RootWatch::new_entry_list(const std::set<std::string>& expected,
                                                   std::chrono::milliseconds timeout) const {
  if (!root_) return {};
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    std::vector<std::string> fresh;
    for (const auto& name : list_tree(*root_))
      if (!before_.contains(name) && !is_expected(name, expected)) fresh.push_back(name);
    if (fresh.empty() || std::chrono::steady_clock::now() >= deadline) return fresh;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
}

std::string RootWatch::new_entries(const std::set<std::string>& expected,
                                   std::chrono::milliseconds timeout) const {
  const auto fresh = new_entry_list(expected, timeout);
  std::string out;
  for (std::size_t i = 0; i < fresh.size() && i < 20; ++i) out += " " + fresh[i];
  if (fresh.size() > 20) out += " ... (" + std::to_string(fresh.size()) + ")";
  return out;
}

}  // namespace streamcheck::conformance
