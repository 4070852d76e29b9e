// The dead-property blob: round trips of awkward content, and that decode refuses every
// damaged form of a valid blob rather than returning something else.
#include <gtest/gtest.h>

#include <string>

#include "refserver/dav/dav_xml.hpp"

namespace streamcheck::dav {
namespace {

using namespace std::string_literals;  // "\0" inside values

DeadProps sample() {
  DeadProps props;
  props[{"urn:x", "a"}] = "<ns0:a xmlns:ns0=\"urn:x\">caf\xc3\xa9</ns0:a>";
  props[{"", "bare"}] = "<bare xmlns=\"\"/>";
  props[{"urn:x", "binary"}] = "\0\x01\xff\x80 and more"s;
  props[{"urn:long", std::string(300, 'n')}] = std::string(70'000, 'v');  // multi-byte lengths
  return props;
}

TEST(DeadProps, EmptyBlobIsNoProperties) {
  auto props = decode_dead_props("");
  ASSERT_TRUE(props.has_value());
  EXPECT_TRUE(props->empty());
  auto encoded_empty = decode_dead_props(encode_dead_props({}));
  ASSERT_TRUE(encoded_empty.has_value());
  EXPECT_TRUE(encoded_empty->empty());
}

TEST(DeadProps, RoundTripsAwkwardContent) {
  auto blob = encode_dead_props(sample());
  auto back = decode_dead_props(blob);
  ASSERT_TRUE(back.has_value());
  EXPECT_EQ(*back, sample());
  EXPECT_TRUE(blob.starts_with("scdp\x01"));
}

TEST(DeadProps, IsCompact) {
  DeadProps one{{{"urn:x", "a"}, "<v/>"}};
  // magic 4 + version 1 + count 1 + three (length byte + bytes)
  EXPECT_EQ(encode_dead_props(one).size(), 4u + 1 + 1 + (1 + 5) + (1 + 1) + (1 + 4));
}

TEST(DeadProps, RejectsEveryTruncationAndTrailingBytes) {
  auto blob = encode_dead_props(sample());
  for (size_t size = 1; size < blob.size(); size += (size < 400 ? 1 : 997))
    EXPECT_FALSE(decode_dead_props(blob.substr(0, size)).has_value()) << "truncated to " << size;
  EXPECT_FALSE(decode_dead_props(blob + "x").has_value());
}

TEST(DeadProps, RejectsGarbage) {
  auto blob = encode_dead_props({{{"urn:x", "a"}, "<v/>"}, {{"urn:x", "b"}, "<w/>"}});
  EXPECT_FALSE(decode_dead_props("not a blob at all").has_value());
  auto wrong_version = blob;
  wrong_version[4] = '\x02';
  EXPECT_FALSE(decode_dead_props(wrong_version).has_value());
  auto huge_count = "scdp\x01"s + "\xff\xff\xff\xff\x0f";
  EXPECT_FALSE(decode_dead_props(huge_count).has_value());
  auto overlong_varint = "scdp\x01"s + std::string(11, '\x80');
  EXPECT_FALSE(decode_dead_props(overlong_varint).has_value());
  // Entries out of order, or the same name twice: a map never encodes so.
  auto out_of_order =
      "scdp\x01\x02"s + "\x05urn:x\x01" + "b\x04<w/>" + "\x05urn:x\x01" + "a\x04<v/>";
  EXPECT_FALSE(decode_dead_props(out_of_order).has_value());
  auto in_order = "scdp\x01\x02"s + "\x05urn:x\x01" + "a\x04<v/>" + "\x05urn:x\x01" + "b\x04<w/>";
  EXPECT_TRUE(decode_dead_props(in_order).has_value());  // the same bytes, ordered, are fine
  auto twice = "scdp\x01\x02"s + "\x05urn:x\x01" + "a\x04<v/>" + "\x05urn:x\x01" + "a\x04<w/>";
  EXPECT_FALSE(decode_dead_props(twice).has_value());
  auto empty_name = "scdp\x01\x01"s + "\x05urn:x\x00"s + "\x04<v/>";
  EXPECT_FALSE(decode_dead_props(empty_name).has_value());
}

}  // namespace
}  // namespace streamcheck::dav
