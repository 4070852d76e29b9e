// The If header: RFC 4918's examples (§10.4.6-§10.4.9, §10.4.10's lists), litmus's
// conditional PUTs, whitespace variants, what is malformed, and evaluation.
#include "refserver/dav/if_header.hpp"

#include <gtest/gtest.h>

#include <map>

namespace streamcheck::dav {
namespace {

IfCondition token(std::string value, bool negated = false) {
  return IfCondition{.negated = negated, .is_etag = false, .value = std::move(value)};
}
IfCondition etag(std::string value, bool negated = false) {
  return IfCondition{.negated = negated, .is_etag = true, .value = std::move(value)};
}

TEST(ParseIfHeader, UntaggedListsOfTokensAndEtags) {
  // litmus complex_cond_put
  auto header = parse_if_header("(<urn:uuid:x> [\"etag\"]) (Not <DAV:no-lock> [\"etag\"])");
  ASSERT_TRUE(header.has_value());
  IfHeader expected{{IfList{std::nullopt, {token("urn:uuid:x"), etag("\"etag\"")}},
                     IfList{std::nullopt, {token("DAV:no-lock", true), etag("\"etag\"")}}}};
  EXPECT_EQ(*header, expected);
}

TEST(ParseIfHeader, RfcExamples) {
  // §10.4.6 (its entity tags hold spaces, which RFC 7232 forbids; accepted all the same)
  auto two_lists = parse_if_header(
      "(<urn:uuid:181d4fae-7d8c-11d0-a765-00a0c91e6bf2> [\"I am an ETag\"]) ([\"I am another "
      "ETag\"])");
  ASSERT_TRUE(two_lists.has_value());
  EXPECT_EQ(*two_lists, (IfHeader{{IfList{std::nullopt,
                                          {token("urn:uuid:181d4fae-7d8c-11d0-a765-00a0c91e6bf2"),
                                           etag("\"I am an ETag\"")}},
                                   IfList{std::nullopt, {etag("\"I am another ETag\"")}}}}));
  // §10.4.7
  auto negated = parse_if_header(
      "(Not <urn:uuid:181d4fae-7d8c-11d0-a765-00a0c91e6bf2> "
      "<urn:uuid:58f202ac-22cf-11d1-b12d-002035b29092>)");
  ASSERT_TRUE(negated.has_value());
  EXPECT_EQ(negated->lists.at(0).conditions,
            (std::vector<IfCondition>{token("urn:uuid:181d4fae-7d8c-11d0-a765-00a0c91e6bf2", true),
                                      token("urn:uuid:58f202ac-22cf-11d1-b12d-002035b29092")}));
  // §10.4.8
  auto always =
      parse_if_header("(<urn:uuid:181d4fae-7d8c-11d0-a765-00a0c91e6bf2>) (Not <DAV:no-lock>)");
  ASSERT_TRUE(always.has_value());
  EXPECT_EQ(always->lists.size(), 2u);
  // §10.4.9: tagged, a weak etag
  auto tagged = parse_if_header(
      "</resource1> (<urn:uuid:181d4fae-7d8c-11d0-a765-00a0c91e6bf2> [W/\"A weak ETag\"]) "
      "([\"strong ETag\"])");
  ASSERT_TRUE(tagged.has_value());
  ASSERT_EQ(tagged->lists.size(), 2u);
  EXPECT_EQ(tagged->lists[0].resource, "/resource1");
  EXPECT_EQ(tagged->lists[1].resource, "/resource1");
  EXPECT_EQ(tagged->lists[0].conditions.at(1), etag("W/\"A weak ETag\""));
  EXPECT_EQ(tagged->lists[1].conditions.at(0), etag("\"strong ETag\""));
  // §10.4.10 / Appendix: the lock on a collection submitted for a member's MOVE
  auto collection = parse_if_header(
      "<http://www.example.com/users/f/fielding/index.html> "
      "(<urn:uuid:f81d4fae-7dec-11d0-a765-00a0c91e6bf6>)");
  ASSERT_TRUE(collection.has_value());
  EXPECT_EQ(collection->lists.at(0).resource, "http://www.example.com/users/f/fielding/index.html");
}

TEST(ParseIfHeader, TaggedListsForSeveralResources) {
  auto header = parse_if_header("<http://h/a> (<tok1>) <http://h/b> (<tok2>) ([\"e\"])");
  ASSERT_TRUE(header.has_value());
  ASSERT_EQ(header->lists.size(), 3u);
  EXPECT_EQ(header->lists[0], (IfList{"http://h/a", {token("tok1")}}));
  EXPECT_EQ(header->lists[1], (IfList{"http://h/b", {token("tok2")}}));
  EXPECT_EQ(header->lists[2], (IfList{"http://h/b", {etag("\"e\"")}}));
}

TEST(ParseIfHeader, WhitespaceAndCaseVariants) {
  auto tight = parse_if_header("(<a:b>[\"e\"])(not<c:d>)");
  auto loose = parse_if_header("  (  <a:b>\t [\"e\"] )   ( NOT   <c:d> )  ");
  ASSERT_TRUE(tight.has_value());
  ASSERT_TRUE(loose.has_value());
  EXPECT_EQ(*tight, *loose);
  EXPECT_EQ(tight->lists.at(1).conditions.at(0), token("c:d", true));
}

TEST(ParseIfHeader, Malformed) {
  for (const char* bad : {"",
                          "   ",
                          "()",
                          "( )",
                          "(<a:b>",
                          "(<a:b> [\"e\"]",
                          "(<a:b)",
                          "([\"e\")",
                          "(<>)",
                          "([])",
                          "([e])",
                          "([\"e)",
                          "([\"e\" x])",
                          "(<a:b>) x",
                          "<http://h/a>",
                          "<http://h/a> <http://h/b> (<t>)",
                          "(<a:b>) <http://h/a> (<t>)",
                          "<http://h/a> (<t>) (<u>) garbage",
                          "(Not)",
                          "(Nat <a:b>)",
                          "(<a b>)",
                          "[\"e\"]",
                          "<a:b>"}) {
    EXPECT_FALSE(parse_if_header(bad).has_value()) << bad;
  }
}

TEST(ParseIfHeader, TaggedThenUntaggedIsMalformed) {
  // "(...)" after a tagged list belongs to that tag, so mixing needs an untagged list first.
  EXPECT_FALSE(parse_if_header("(<t>) <http://h/a> (<u>)").has_value());
  EXPECT_TRUE(parse_if_header("<http://h/a> (<t>) (<u>)").has_value());
}

struct World {
  std::map<std::optional<std::string>, ResourceState> states;
  std::vector<std::optional<std::string>> asked;
  auto lookup() {
    return [this](const std::optional<std::string>& resource) {
      asked.push_back(resource);
      auto it = states.find(resource);
      return it == states.end() ? ResourceState{} : it->second;
    };
  }
};

bool evaluate(World& world, std::string_view header) {
  auto parsed = parse_if_header(header);
  EXPECT_TRUE(parsed.has_value()) << header;
  return parsed && evaluate_if_header(*parsed, world.lookup());
}

TEST(EvaluateIfHeader, LitmusConditionalPuts) {
  World world;
  world.states[std::nullopt] = {.exists = true, .etag = "\"e1\"", .lock_tokens = {"urn:uuid:L"}};
  EXPECT_TRUE(evaluate(world, "(<urn:uuid:L> [\"e1\"])"));              // cond_put
  EXPECT_FALSE(evaluate(world, "(<DAV:no-lock> [\"e1\"])"));            // fail_cond_put
  EXPECT_TRUE(evaluate(world, "(<urn:uuid:L>) (Not <DAV:no-lock>)"));   // cond_put_with_not
  EXPECT_TRUE(evaluate(world, "(<urn:uuid:Lx>) (Not <DAV:no-lock>)"));  // header holds...
  EXPECT_EQ(submitted_tokens(*parse_if_header("(<urn:uuid:Lx>) (Not <DAV:no-lock>)")),
            std::vector<std::string>{"urn:uuid:Lx"});  // ...but submits no valid token: 423
  EXPECT_TRUE(evaluate(world, "(<urn:uuid:L> [\"e1\"]) (Not <DAV:no-lock> [\"e1\"])"));
  EXPECT_FALSE(evaluate(world, "(<urn:uuid:L> [\"e2\"]) (Not <DAV:no-lock> [\"e2\"])"));
  world.states[std::nullopt].lock_tokens.clear();
  EXPECT_FALSE(evaluate(world, "(<DAV:no-lock>)"));  // fail_cond_put_unlocked
}

TEST(EvaluateIfHeader, EtagsCompareStronglyAndNeedTheResource) {
  World world;
  world.states[std::nullopt] = {.exists = true, .etag = "\"e1\""};
  EXPECT_TRUE(evaluate(world, "([\"e1\"])"));
  EXPECT_FALSE(evaluate(world, "([W/\"e1\"])"));
  EXPECT_TRUE(evaluate(world, "(Not [W/\"e1\"])"));
  EXPECT_FALSE(evaluate(world, "([\"e2\"])"));
  World empty;  // nothing there: no etag matches, so its negation holds
  EXPECT_FALSE(evaluate(empty, "([\"e1\"])"));
  EXPECT_TRUE(evaluate(empty, "(Not [\"e1\"])"));
}

TEST(EvaluateIfHeader, TaggedListsAskForTheirOwnResource) {
  World world;
  world.states["http://h/a"] = {.exists = true, .etag = "\"a\"", .lock_tokens = {"t:a"}};
  world.states["http://h/b"] = {.exists = true, .etag = "\"b\""};
  EXPECT_TRUE(evaluate(world, "<http://h/b> ([\"a\"]) <http://h/a> (<t:a> [\"a\"])"));
  EXPECT_EQ(world.asked, (std::vector<std::optional<std::string>>{"http://h/b", "http://h/a"}));
  EXPECT_FALSE(evaluate(world, "<http://h/b> (<t:a>) <http://h/a> ([\"b\"])"));
}

TEST(SubmittedTokens, AllNonNegatedStateTokensOnce) {
  auto header = parse_if_header(
      "<http://h/a> (<t:1> [\"e\"] Not <t:2>) <http://h/b> (<t:3>) (<t:1>) (Not <t:4>)");
  ASSERT_TRUE(header.has_value());
  EXPECT_EQ(submitted_tokens(*header), (std::vector<std::string>{"t:1", "t:3"}));
}

}  // namespace
}  // namespace streamcheck::dav
