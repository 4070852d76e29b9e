// WebDAV write locks (RFC 4918 §6, §7, §9.10, §9.11), held in memory.
//
// Paths are the store's relative form ("a/b/c", "" = the root, no slash at either end),
// as ObjectPath::relative() gives them. A lock covers its root, and with depth infinity
// everything beneath it. Expired locks vanish lazily: no call sees a lock whose time is up
// by the table's clock (injectable, so tests need not sleep); a call removes the expired
// locks it comes across, and all of them when the table is full or size() is asked.
//
// Thread-safe: one mutex, held for the length of each call; every call is short (lookups
// by path walk the path's ancestors and a sorted range, lookups by token an index; only a
// full table or size() walks them all).
#pragma once

#include <chrono>
#include <cstddef>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "refserver/store/status.hpp"

namespace streamcheck::dav {

enum class LockScope { exclusive, shared };

struct Lock {
  std::string token;  // "urn:uuid:<random v4>" (RFC 4918 §6.5), from getrandom
  std::string root;   // the locked resource's path
  LockScope scope = LockScope::exclusive;
  bool depth_infinity = false;   // a collection's members too
  std::chrono::seconds timeout;  // as granted
  std::chrono::steady_clock::time_point expires;
  std::string owner_xml;  // as in LockInfo
  std::string principal;  // the user who took it (HTTP Basic name)
};

class LockTable {
 public:
  using Clock = std::function<std::chrono::steady_clock::time_point()>;

  // At most max_locks live locks (lock() fails with no_space beyond it).
  explicit LockTable(size_t max_locks = 10'000,
                     std::chrono::seconds max_timeout = std::chrono::hours(1));
  // The same, with `now` as the clock instead of steady_clock::now.
  LockTable(size_t max_locks, std::chrono::seconds max_timeout, Clock now);

  // Grants a lock on `path` or fails with already_exists whose message names the
  // conflicting lock's root (the caller answers 423; conflicting() gives the lock itself):
  // an exclusive lock conflicts with any lock, a shared one with an exclusive, on the same
  // resource, on an ancestor with depth infinity, or (when depth_infinity) on a descendant.
  // timeout is clamped to (0, max_timeout]; 0 (or less) = max_timeout.
  store::Result<Lock> lock(const std::string& path, LockScope scope, bool depth_infinity,
                           std::chrono::seconds timeout, std::string owner_xml,
                           std::string principal);
  // The lock that a lock() with these arguments would conflict with, or nullopt.
  std::optional<Lock> conflicting(const std::string& path, LockScope scope,
                                  bool depth_infinity) const;
  // Refreshes the lock `token` if it covers `path` (a member of a depth-infinity lock's
  // collection refreshes it too: litmus indirect_refresh); otherwise invalid_argument
  // (the caller: 412, lock-token-matches-request-uri, RFC 4918 §9.10.2).
  store::Result<Lock> refresh(const std::string& path, const std::string& token,
                              std::chrono::seconds timeout);
  // Removes the lock `token` if it covers `path` (RFC 4918 §9.11: the request-URI must be
  // within its scope); not_found when there is no such lock, invalid_argument when it
  // does not cover path (the caller: 409).
  store::Status unlock(const std::string& path, const std::string& token);
  // Locks that cover `path`: on it, or depth-infinity on an ancestor (for lockdiscovery and
  // If evaluation). Ancestors' first, the root's first of all.
  std::vector<Lock> covering(const std::string& path) const;
  // A write of `path` (and of everything beneath it when `subtree`: DELETE/MOVE of a
  // collection) is allowed when the request submitted the token of every exclusive lock
  // that covers an affected resource, and of at least one of the shared locks that cover
  // it (shared locks are held together: any holder may write, RFC 4918 §6.2). The affected
  // resources are `path`, and with `subtree` the roots of the locks beneath it. Returns the
  // first lock whose token is missing, or nullopt. Creating or removing a member also
  // changes its parent collection: the caller checks the parent (subtree false) as well.
  std::optional<Lock> blocking_write(const std::string& path, bool subtree,
                                     const std::vector<std::string>& submitted) const;
  // Whatever lock (any scope) covers path or, with subtree, lies beneath it: for FTP,
  // which has no tokens and is refused (450) by any lock.
  std::optional<Lock> any_lock(const std::string& path, bool subtree) const;
  // Drops the locks rooted at `path` and beneath it (the resource was deleted or moved
  // away; RFC 4918 §7.7: locks do not move with MOVE).
  void forget(const std::string& path);
  // Live locks.
  size_t size() const;

 private:
  using Locks = std::multimap<std::string, Lock>;  // by root: a path's subtree is a range
  using Time = std::chrono::steady_clock::time_point;

  // All of these expect mutex_ held. They skip, and erase, the expired locks they visit.
  void erase_expired(Time now) const;
  std::vector<Lock> covering_locked(const std::string& path, Time now) const;
  std::vector<Lock> beneath_locked(const std::string& path, Time now) const;
  std::optional<Lock> conflicting_locked(const std::string& path, LockScope scope,
                                         bool depth_infinity, Time now) const;
  Locks::iterator find_token_locked(const std::string& token, Time now) const;
  Locks::iterator erase_locked(Locks::iterator lock) const;
  std::chrono::seconds clamp(std::chrono::seconds timeout) const;

  const size_t max_locks_;
  const std::chrono::seconds max_timeout_;
  const Clock now_;
  mutable std::mutex mutex_;
  // Mutable: expiry is lazy, so a const query may erase what has expired.
  mutable Locks locks_;
  mutable std::map<std::string, std::string> root_of_token_;
};

// "Second-3600" / "Infinite" / "Second-10, Infinite" (RFC 4918 §10.7): the first value
// understood (Infinite as seconds::max(), which lock() clamps); nullopt: no preference.
std::optional<std::chrono::seconds> parse_timeout(std::string_view header);

}  // namespace streamcheck::dav
