#include "refserver/dav/lock_table.hpp"

#include <sys/random.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <cerrno>
#include <cstdint>
#include <cstdio>

namespace streamcheck::dav {
namespace {

using std::chrono::seconds;

// "urn:uuid:" and a version 4 UUID (RFC 9562 §5.4) from the kernel's CSPRNG: a lock token
// must not be guessable, as holding it is what grants the write.
store::Result<std::string> random_lock_token() {
  std::array<uint8_t, 16> bytes{};
  size_t got = 0;
  while (got < bytes.size()) {
    auto n = getrandom(bytes.data() + got, bytes.size() - got, 0);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return store::Status::from_errno(errno, "getrandom", "lock token");
    got += static_cast<size_t>(n);
  }
  bytes[6] = static_cast<uint8_t>((bytes[6] & 0x0f) | 0x40);
  bytes[8] = static_cast<uint8_t>((bytes[8] & 0x3f) | 0x80);
  std::string token = "urn:uuid:";
  for (size_t i = 0; i < bytes.size(); ++i) {
    if (i == 4 || i == 6 || i == 8 || i == 10) token += '-';
    std::array<char, 3> hex{};
    std::snprintf(hex.data(), hex.size(), "%02x", bytes[i]);
    token += hex.data();
  }
  return token;
}

bool is_beneath(std::string_view ancestor, std::string_view path) {
  if (ancestor.empty()) return !path.empty();
  return path.size() > ancestor.size() && path.starts_with(ancestor) &&
         path[ancestor.size()] == '/';
}

bool covers(const Lock& lock, std::string_view path) {
  return lock.root == path || (lock.depth_infinity && is_beneath(lock.root, path));
}

// "" (when path is not the root itself), then each proper prefix ending before a '/'.
std::vector<std::string> ancestors_of(const std::string& path) {
  std::vector<std::string> out;
  if (path.empty()) return out;
  out.emplace_back();
  for (size_t slash = path.find('/'); slash != std::string::npos; slash = path.find('/', slash + 1))
    out.push_back(path.substr(0, slash));
  return out;
}

bool contains(const std::vector<std::string>& tokens, const std::string& token) {
  return std::find(tokens.begin(), tokens.end(), token) != tokens.end();
}

std::string describe(const Lock& lock) {
  return std::string(lock.scope == LockScope::exclusive ? "an exclusive" : "a shared") +
         " lock on /" + lock.root;
}

}  // namespace

LockTable::LockTable(size_t max_locks, seconds max_timeout)
    : LockTable(max_locks, max_timeout, [] { return std::chrono::steady_clock::now(); }) {}

LockTable::LockTable(size_t max_locks, seconds max_timeout, Clock now)
    : max_locks_(max_locks), max_timeout_(max_timeout), now_(std::move(now)) {}

store::Result<Lock> LockTable::lock(const std::string& path, LockScope scope, bool depth_infinity,
                                    seconds timeout, std::string owner_xml, std::string principal) {
  std::lock_guard guard(mutex_);
  auto now = now_();
  if (auto other = conflicting_locked(path, scope, depth_infinity, now))
    return store::Status(store::Errc::already_exists,
                         "/" + path + " conflicts with " + describe(*other));
  if (locks_.size() >= max_locks_) erase_expired(now);
  if (locks_.size() >= max_locks_)
    return store::Status(store::Errc::no_space,
                         "already " + std::to_string(max_locks_) + " locks, the most held");
  auto token = random_lock_token();
  if (!token) return token.status();
  Lock granted{.token = *token,
               .root = path,
               .scope = scope,
               .depth_infinity = depth_infinity,
               .timeout = clamp(timeout),
               .expires = now + clamp(timeout),
               .owner_xml = std::move(owner_xml),
               .principal = std::move(principal)};
  root_of_token_.emplace(granted.token, path);
  locks_.emplace(path, granted);
  return granted;
}

std::optional<Lock> LockTable::conflicting(const std::string& path, LockScope scope,
                                           bool depth_infinity) const {
  std::lock_guard guard(mutex_);
  return conflicting_locked(path, scope, depth_infinity, now_());
}

store::Result<Lock> LockTable::refresh(const std::string& path, const std::string& token,
                                       seconds timeout) {
  std::lock_guard guard(mutex_);
  auto now = now_();
  auto found = find_token_locked(token, now);
  if (found == locks_.end() || !covers(found->second, path))
    return store::Status(store::Errc::invalid_argument, "no lock " + token + " covers /" + path);
  found->second.timeout = clamp(timeout);
  found->second.expires = now + found->second.timeout;
  return found->second;
}

store::Status LockTable::unlock(const std::string& path, const std::string& token) {
  std::lock_guard guard(mutex_);
  auto found = find_token_locked(token, now_());
  if (found == locks_.end()) return store::Status(store::Errc::not_found, "no lock " + token);
  if (!covers(found->second, path))
    return store::Status(store::Errc::invalid_argument,
                         "the lock " + token + " does not cover /" + path);
  erase_locked(found);
  return store::Status::ok();
}

std::vector<Lock> LockTable::covering(const std::string& path) const {
  std::lock_guard guard(mutex_);
  return covering_locked(path, now_());
}

std::optional<Lock> LockTable::blocking_write(const std::string& path, bool subtree,
                                              const std::vector<std::string>& submitted) const {
  std::lock_guard guard(mutex_);
  auto now = now_();
  std::vector<std::string> affected{path};
  if (subtree)
    for (const auto& lock : beneath_locked(path, now))
      if (affected.back() != lock.root) affected.push_back(lock.root);
  for (const auto& resource : affected) {
    std::optional<Lock> unmatched_shared;
    bool shared_matched = false;
    for (const auto& lock : covering_locked(resource, now)) {
      bool held = contains(submitted, lock.token);
      if (lock.scope == LockScope::exclusive && !held) return lock;
      if (lock.scope == LockScope::shared) {
        shared_matched = shared_matched || held;
        if (!held && !unmatched_shared) unmatched_shared = lock;
      }
    }
    if (unmatched_shared && !shared_matched) return unmatched_shared;
  }
  return std::nullopt;
}

std::optional<Lock> LockTable::any_lock(const std::string& path, bool subtree) const {
  std::lock_guard guard(mutex_);
  auto now = now_();
  if (auto on_path = covering_locked(path, now); !on_path.empty()) return on_path.front();
  if (!subtree) return std::nullopt;
  auto below = beneath_locked(path, now);
  if (below.empty()) return std::nullopt;
  return below.front();
}

void LockTable::forget(const std::string& path) {
  std::lock_guard guard(mutex_);
  auto [first, last] = locks_.equal_range(path);
  while (first != last) first = erase_locked(first);
  // The roots beneath "a" sort in ["a/", "a0"): '0' follows '/'.
  auto it = path.empty() ? locks_.begin() : locks_.lower_bound(path + "/");
  auto end = path.empty() ? locks_.end() : locks_.lower_bound(path + "0");
  while (it != end) it = erase_locked(it);
}

size_t LockTable::size() const {
  std::lock_guard guard(mutex_);
  erase_expired(now_());
  return locks_.size();
}

void LockTable::erase_expired(Time now) const {
  for (auto it = locks_.begin(); it != locks_.end();)
    it = it->second.expires <= now ? erase_locked(it) : std::next(it);
}

std::vector<Lock> LockTable::covering_locked(const std::string& path, Time now) const {
  std::vector<Lock> out;
  auto collect = [&](const std::string& root, bool need_infinity) {
    auto [it, last] = locks_.equal_range(root);
    while (it != last) {
      if (it->second.expires <= now) {
        it = erase_locked(it);
        continue;
      }
      if (!need_infinity || it->second.depth_infinity) out.push_back(it->second);
      ++it;
    }
  };
  for (const auto& ancestor : ancestors_of(path)) collect(ancestor, true);
  collect(path, false);
  return out;
}

std::vector<Lock> LockTable::beneath_locked(const std::string& path, Time now) const {
  std::vector<Lock> out;
  auto it = path.empty() ? locks_.upper_bound("") : locks_.lower_bound(path + "/");
  auto end = path.empty() ? locks_.end() : locks_.lower_bound(path + "0");
  while (it != end) {
    if (it->second.expires <= now) {
      it = erase_locked(it);
      continue;
    }
    out.push_back(it->second);
    ++it;
  }
  return out;
}

std::optional<Lock> LockTable::conflicting_locked(const std::string& path, LockScope scope,
                                                  bool depth_infinity, Time now) const {
  auto candidates = covering_locked(path, now);
  if (depth_infinity) {
    auto below = beneath_locked(path, now);
    candidates.insert(candidates.end(), below.begin(), below.end());
  }
  for (const auto& other : candidates)
    if (scope == LockScope::exclusive || other.scope == LockScope::exclusive) return other;
  return std::nullopt;
}

LockTable::Locks::iterator LockTable::find_token_locked(const std::string& token, Time now) const {
  auto root = root_of_token_.find(token);
  if (root == root_of_token_.end()) return locks_.end();
  auto [it, last] = locks_.equal_range(root->second);
  for (; it != last; ++it) {
    if (it->second.token != token) continue;
    if (it->second.expires <= now) {
      erase_locked(it);
      return locks_.end();
    }
    return it;
  }
  return locks_.end();
}

LockTable::Locks::iterator LockTable::erase_locked(Locks::iterator lock) const {
  root_of_token_.erase(lock->second.token);
  return locks_.erase(lock);
}

seconds LockTable::clamp(seconds timeout) const {
  if (timeout <= seconds::zero() || timeout > max_timeout_) return max_timeout_;
  return timeout;
}

std::optional<seconds> parse_timeout(std::string_view header) {
  auto lower = [](std::string_view text) {
    std::string out(text);
    for (auto& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return out;
  };
  while (!header.empty()) {
    auto comma = header.find(',');
    auto item = header.substr(0, comma);
    header = comma == std::string_view::npos ? "" : header.substr(comma + 1);
    auto first = item.find_first_not_of(" \t");
    if (first == std::string_view::npos) continue;
    auto word = lower(item.substr(first, item.find_last_not_of(" \t") - first + 1));
    if (word == "infinite") return seconds::max();
    constexpr std::string_view kSecond = "second-";
    if (!word.starts_with(kSecond) || word.size() == kSecond.size()) continue;
    auto digits = std::string_view(word).substr(kSecond.size());
    if (digits.find_first_not_of("0123456789") != std::string_view::npos) continue;
    // Beyond ten digits the value is past any sane maximum: lock() clamps it anyway.
    if (digits.size() > 10) return seconds::max();
    return seconds(std::stoll(std::string(digits)));
  }
  return std::nullopt;
}

}  // namespace streamcheck::dav
