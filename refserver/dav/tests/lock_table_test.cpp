// The lock table: which locks conflict, refresh and unlock through a member of a
// depth-infinity lock, expiry by an injected clock, the bound, the write check with and
// without tokens (shared locks included), forget, Timeout headers, and concurrent callers.
#include "refserver/dav/lock_table.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <regex>
#include <set>
#include <thread>

namespace streamcheck::dav {
namespace {

using std::chrono::seconds;
constexpr auto kExclusive = LockScope::exclusive;
constexpr auto kShared = LockScope::shared;

class LockTableTest : public ::testing::Test {
 protected:
  std::chrono::steady_clock::time_point now_{std::chrono::hours(1000)};
  LockTable table_{100, std::chrono::hours(1), [this] { return now_; }};

  Lock take(const std::string& path, LockScope scope = kExclusive, bool infinity = false,
            seconds timeout = seconds(600)) {
    auto lock = table_.lock(path, scope, infinity, timeout, "<o/>", "alice");
    EXPECT_TRUE(lock.ok()) << path << ": " << lock.status().to_string();
    return lock.ok() ? *lock : Lock{};
  }

  store::Errc refused(const std::string& path, LockScope scope = kExclusive,
                      bool infinity = false) {
    auto lock = table_.lock(path, scope, infinity, seconds(60), "", "bob");
    EXPECT_FALSE(lock.ok()) << path << " was granted";
    return lock.ok() ? store::Errc::ok : lock.status().code();
  }
};

TEST_F(LockTableTest, GrantsAnUnguessableTokenAndRecordsTheLock) {
  auto lock = take("a/b", kShared, true, seconds(120));
  EXPECT_TRUE(std::regex_match(
      lock.token, std::regex("urn:uuid:[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-"
                             "[0-9a-f]{12}")))
      << lock.token;
  EXPECT_EQ(lock.root, "a/b");
  EXPECT_EQ(lock.scope, kShared);
  EXPECT_TRUE(lock.depth_infinity);
  EXPECT_EQ(lock.timeout, seconds(120));
  EXPECT_EQ(lock.expires, now_ + seconds(120));
  EXPECT_EQ(lock.owner_xml, "<o/>");
  EXPECT_EQ(lock.principal, "alice");
  std::set<std::string> tokens{lock.token};
  for (int i = 0; i < 50; ++i) tokens.insert(take("f" + std::to_string(i)).token);
  EXPECT_EQ(tokens.size(), 51u);
}

TEST_F(LockTableTest, ExclusiveConflictsWithAnyLockOnTheSameResource) {
  take("a");
  auto conflict = table_.lock("a", kShared, false, seconds(60), "", "bob");
  ASSERT_FALSE(conflict.ok());
  EXPECT_EQ(conflict.status().code(), store::Errc::already_exists);
  EXPECT_NE(conflict.status().message().find("exclusive lock on /a"), std::string::npos)
      << conflict.status().message();
  EXPECT_EQ(refused("a", kExclusive), store::Errc::already_exists);
  take("b", kShared);
  take("b", kShared);  // shared locks are held together
  EXPECT_EQ(refused("b", kExclusive), store::Errc::already_exists);
  ASSERT_TRUE(table_.conflicting("b", kExclusive, false).has_value());
  EXPECT_EQ(table_.conflicting("b", kExclusive, false)->root, "b");
  EXPECT_FALSE(table_.conflicting("b", kShared, false).has_value());
}

TEST_F(LockTableTest, DepthDecidesConflictsWithAncestorsAndDescendants) {
  take("a", kExclusive, false);  // depth 0: the collection only
  take("a/b");                   // so a member may be locked apart
  take("x", kExclusive, true);   // depth infinity: every member is covered
  EXPECT_EQ(refused("x/y/z"), store::Errc::already_exists);
  EXPECT_EQ(refused("x/y", kShared), store::Errc::already_exists);
  // An infinity lock above an existing lock conflicts; a depth-0 one does not.
  EXPECT_EQ(refused("", kExclusive, true), store::Errc::already_exists);
  take("p/q/r", kShared);
  EXPECT_EQ(refused("p", kExclusive, true), store::Errc::already_exists);
  take("p", kShared, true);  // shared over shared is fine
  EXPECT_EQ(refused("p/q"), store::Errc::already_exists);
}

TEST_F(LockTableTest, SiblingsThatShareAPrefixAreUnrelated) {
  take("a/b", kExclusive, true);
  take("a/bc");
  take("a/b.txt", kExclusive, true);
  take("a/b-");
  EXPECT_EQ(table_.covering("a/bc").size(), 1u);
  EXPECT_EQ(table_.covering("a/bc")[0].root, "a/bc");
  take("a/bc/d");  // not beneath a/b
  EXPECT_EQ(refused("a/b/c"), store::Errc::already_exists);
}

TEST_F(LockTableTest, CoveringListsAncestorsInfinityLocksThenTheResourcesOwn) {
  auto root = take("", kShared, true);
  take("a", kShared, false);  // depth 0: covers a, not a/b
  auto ab = take("a/b", kShared, true);
  auto own = take("a/b/c", kShared);
  auto cover = table_.covering("a/b/c");
  ASSERT_EQ(cover.size(), 3u);
  EXPECT_EQ(cover[0].token, root.token);
  EXPECT_EQ(cover[1].token, ab.token);
  EXPECT_EQ(cover[2].token, own.token);
  EXPECT_EQ(table_.covering("a").size(), 2u);
  EXPECT_EQ(table_.covering("elsewhere").size(), 1u);
}

TEST_F(LockTableTest, RefreshExtendsWithinScope) {
  auto coll = take("c", kExclusive, true, seconds(10));
  now_ += seconds(8);
  auto refreshed = table_.refresh("c/member.txt", coll.token, seconds(30));  // indirect
  ASSERT_TRUE(refreshed.ok()) << refreshed.status().to_string();
  EXPECT_EQ(refreshed->timeout, seconds(30));
  EXPECT_EQ(refreshed->expires, now_ + seconds(30));
  now_ += seconds(20);  // past the first timeout, within the refreshed one
  EXPECT_EQ(table_.covering("c").size(), 1u);
  EXPECT_EQ(table_.refresh("other", coll.token, seconds(30)).status().code(),
            store::Errc::invalid_argument);
  EXPECT_EQ(table_.refresh("c", "urn:uuid:nope", seconds(30)).status().code(),
            store::Errc::invalid_argument);
  auto depth0 = take("d");
  EXPECT_FALSE(table_.refresh("d/x", depth0.token, seconds(30)).ok());
}

TEST_F(LockTableTest, TimeoutsAreClampedToTheMaximum) {
  EXPECT_EQ(take("a", kExclusive, false, seconds(0)).timeout, std::chrono::hours(1));
  EXPECT_EQ(take("b", kExclusive, false, seconds(-5)).timeout, std::chrono::hours(1));
  EXPECT_EQ(take("c", kExclusive, false, seconds::max()).timeout, std::chrono::hours(1));
  EXPECT_EQ(take("d", kExclusive, false, seconds(3599)).timeout, seconds(3599));
}

TEST_F(LockTableTest, UnlockFromAMemberOfADepthInfinityLock) {
  auto coll = take("c", kExclusive, true);
  EXPECT_EQ(table_.unlock("elsewhere", coll.token).code(), store::Errc::invalid_argument);
  EXPECT_EQ(table_.unlock("c/d/e", "urn:uuid:nope").code(), store::Errc::not_found);
  EXPECT_EQ(table_.size(), 1u);
  EXPECT_TRUE(table_.unlock("c/d/e", coll.token).is_ok());
  EXPECT_EQ(table_.size(), 0u);
  EXPECT_EQ(table_.unlock("c", coll.token).code(), store::Errc::not_found);
  take("c/d");  // nothing left in the way
}

TEST_F(LockTableTest, ExpiredLocksVanish) {
  auto lock = take("a", kExclusive, true, seconds(5));
  take("b", kExclusive, false, seconds(50));
  now_ += seconds(4);
  EXPECT_EQ(table_.covering("a/x").size(), 1u);
  now_ += seconds(1);
  EXPECT_TRUE(table_.covering("a/x").empty());
  EXPECT_FALSE(table_.blocking_write("a", true, {}).has_value());
  EXPECT_EQ(table_.unlock("a", lock.token).code(), store::Errc::not_found);
  EXPECT_EQ(table_.refresh("a", lock.token, seconds(5)).status().code(),
            store::Errc::invalid_argument);
  EXPECT_EQ(table_.size(), 1u);
  take("a");
}

TEST(LockTableBound, RefusesBeyondMaxLocksUntilSomeExpire) {
  auto now = std::chrono::steady_clock::time_point{};
  LockTable table(3, std::chrono::hours(1), [&] { return now; });
  for (const char* path : {"a", "b", "c"})
    ASSERT_TRUE(table.lock(path, kExclusive, false, seconds(10), "", "u").ok());
  auto full = table.lock("d", kExclusive, false, seconds(10), "", "u");
  ASSERT_FALSE(full.ok());
  EXPECT_EQ(full.status().code(), store::Errc::no_space);
  now += seconds(10);
  EXPECT_TRUE(table.lock("d", kExclusive, false, seconds(10), "", "u").ok());
  EXPECT_EQ(table.size(), 1u);
}

TEST_F(LockTableTest, BlockingWriteWantsTheTokenOfEveryExclusiveLock) {
  auto coll = take("c", kExclusive, true);
  auto blocker = table_.blocking_write("c/f", false, {});
  ASSERT_TRUE(blocker.has_value());
  EXPECT_EQ(blocker->token, coll.token);
  EXPECT_FALSE(table_.blocking_write("c/f", false, {"urn:uuid:other", coll.token}).has_value());
  EXPECT_FALSE(table_.blocking_write("unlocked", true, {}).has_value());
  // A subtree write meets the locks beneath it too.
  auto member = take("u/v/w");
  EXPECT_FALSE(table_.blocking_write("u/v", false, {}).has_value());
  ASSERT_TRUE(table_.blocking_write("u", true, {}).has_value());
  EXPECT_EQ(table_.blocking_write("u", true, {})->token, member.token);
  EXPECT_FALSE(table_.blocking_write("u", true, {member.token}).has_value());
  EXPECT_EQ(table_.blocking_write("", true, {member.token})->token, coll.token);
  EXPECT_FALSE(table_.blocking_write("", true, {member.token, coll.token}).has_value());
}

TEST_F(LockTableTest, BlockingWriteWantsOneOfTheSharedLocksTokens) {
  auto first = take("s", kShared);
  auto second = take("s", kShared);
  auto blocker = table_.blocking_write("s", false, {});
  ASSERT_TRUE(blocker.has_value());
  EXPECT_EQ(blocker->scope, kShared);
  EXPECT_FALSE(table_.blocking_write("s", false, {first.token}).has_value());
  EXPECT_FALSE(table_.blocking_write("s", false, {second.token}).has_value());
  EXPECT_TRUE(table_.blocking_write("s", false, {"urn:uuid:forged"}).has_value());
  // A subtree write needs a token for each resource beneath that holds shared locks.
  auto x = take("t/x", kShared);
  auto y = take("t/y", kShared);
  EXPECT_EQ(refused("t/x", kExclusive), store::Errc::already_exists);
  EXPECT_EQ(table_.blocking_write("t", true, {x.token})->token, y.token);
  EXPECT_FALSE(table_.blocking_write("t", true, {x.token, y.token}).has_value());
}

TEST_F(LockTableTest, AnyLockForTokenlessWriters) {
  take("a/b/c");
  EXPECT_FALSE(table_.any_lock("a/b", false).has_value());
  ASSERT_TRUE(table_.any_lock("a/b", true).has_value());
  EXPECT_EQ(table_.any_lock("a/b", true)->root, "a/b/c");
  take("x", kShared, true);
  EXPECT_EQ(table_.any_lock("x/y", false)->root, "x");
  EXPECT_FALSE(table_.any_lock("a/bc", true).has_value());
}

TEST_F(LockTableTest, ForgetDropsTheSubtreeOnly) {
  take("a");
  take("a/b", kShared);
  take("a/b", kShared);
  take("a/b/c/d");
  take("a/bc");
  take("ab");
  table_.forget("a/b");
  EXPECT_EQ(table_.size(), 3u);
  EXPECT_TRUE(table_.covering("a/b/c/d").empty());
  EXPECT_EQ(table_.covering("a/bc").size(), 1u);
  take("a/b");
  table_.forget("");
  EXPECT_EQ(table_.size(), 0u);
}

TEST(LockTableThreads, ConcurrentLocksOnOneResourceGrantExactlyOne) {
  LockTable table;
  std::atomic<int> granted = 0;
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 200; ++i) {
        if (table.lock("hot", kExclusive, false, seconds(60), "", "u").ok()) ++granted;
        (void)table.covering("hot/x");
        (void)table.lock("own/" + std::to_string(t) + "/" + std::to_string(i), kShared, false,
                         seconds(60), "", "u");
      }
    });
  }
  for (auto& thread : threads) thread.join();
  EXPECT_EQ(granted.load(), 1);
  EXPECT_EQ(table.size(), 1u + 8 * 200);
}

TEST(ParseTimeout, FirstUnderstoodValue) {
  EXPECT_EQ(parse_timeout("Second-3600"), seconds(3600));
  EXPECT_EQ(parse_timeout("Infinite"), seconds::max());
  EXPECT_EQ(parse_timeout("Second-10, Infinite"), seconds(10));
  EXPECT_EQ(parse_timeout("Infinite, Second-4100000000"), seconds::max());
  EXPECT_EQ(parse_timeout("Extend-5, second-20"), seconds(20));
  EXPECT_EQ(parse_timeout("  Second-7  "), seconds(7));
  EXPECT_EQ(parse_timeout("Second-99999999999999999999"), seconds::max());
  EXPECT_EQ(parse_timeout(""), std::nullopt);
  EXPECT_EQ(parse_timeout("Second-, Second-x1, Minute-5"), std::nullopt);
}

}  // namespace
}  // namespace streamcheck::dav
