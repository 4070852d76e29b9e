// Store::list_pieces: the same entries as list(), a piece at a time, from a directory read
// as it goes; and the default that hands out list().
#include <fcntl.h>
#include <unistd.h>

#include <set>

#include "refserver/store/tests/temp_store.hpp"

namespace streamcheck::store {
namespace {

using testing::TempStore;

ObjectPath P(std::string_view s) {
  return ObjectPath::parse(s).value();
}

// The names a listing gives, checking that no piece is over `max` and none is empty
// before the end.
std::multiset<std::string> drain(Listing& listing, size_t max, size_t& pieces) {
  std::multiset<std::string> names;
  for (;;) {
    auto piece = listing.next(max);
    EXPECT_TRUE(piece.ok()) << piece.status().to_string();
    if (!piece || piece->empty()) return names;
    EXPECT_LE(piece->size(), max);
    ++pieces;
    for (const auto& e : *piece) names.insert(e.name);
  }
}

TEST(StoreListPieces, SameEntriesAsListInPiecesOfAtMostMax) {
  TempStore t(testing::kExt4Dir);
  ASSERT_TRUE(t.ok());
  ASSERT_TRUE(t.store().make_dir(P("/d")));
  for (int i = 0; i < 250; ++i) {
    auto name = t.root() / "d" / ("f" + std::to_string(i));
    ::close(::open(name.c_str(), O_CREAT | O_WRONLY, 0644));
  }
  ASSERT_TRUE(t.store().make_dir(P("/d/sub")));
  // A name no client could address is in neither.
  ::close(::open((t.root() / "d" / "bad\x01name").c_str(), O_CREAT | O_WRONLY, 0644));

  auto whole = t.store().list(P("/d"));
  ASSERT_TRUE(whole.ok());
  std::multiset<std::string> expected;
  for (const auto& e : *whole) expected.insert(e.name);
  ASSERT_EQ(expected.size(), 251u);

  auto listing = t.store().list_pieces(P("/d"));
  ASSERT_TRUE(listing.ok()) << listing.status().to_string();
  size_t pieces = 0;
  EXPECT_EQ(drain(**listing, 16, pieces), expected);
  EXPECT_GE(pieces, 251u / 16);
  auto after = (*listing)->next(16);
  ASSERT_TRUE(after.ok());
  EXPECT_TRUE(after->empty()) << "the end stays the end";
}

TEST(StoreListPieces, TheRootHidesStagingAndErrorsAreList) {
  TempStore t(testing::kTmpfsDir);
  ASSERT_TRUE(t.ok());
  ASSERT_TRUE(t.store().make_dir(P("/only")));
  auto listing = t.store().list_pieces(ObjectPath::root());
  ASSERT_TRUE(listing.ok());
  size_t pieces = 0;
  EXPECT_EQ(drain(**listing, 8, pieces), std::multiset<std::string>{"only"});
  EXPECT_EQ(t.store().list_pieces(P("/missing")).status().code(),
            t.store().list(P("/missing")).status().code());
}

}  // namespace
}  // namespace streamcheck::store
