#include "bench/lib/url.hpp"

#include <gtest/gtest.h>

#include "bench/lib/error.hpp"

namespace streamcheck::bench {
namespace {

TEST(Url, SplitsAllParts) {
  const auto u = parse_url("ftp://user:secret@127.0.0.1:40214/some/dir?x=1");
  EXPECT_EQ(u.scheme, "ftp");
  EXPECT_TRUE(u.has_userinfo);
  EXPECT_EQ(u.user, "user");
  EXPECT_EQ(u.password, "secret");
  EXPECT_EQ(u.host, "127.0.0.1");
  EXPECT_EQ(u.port, 40214);
  EXPECT_TRUE(u.explicit_port);
  EXPECT_EQ(u.path, "/some/dir?x=1");
  EXPECT_EQ(u.authority(), "127.0.0.1:40214");
}

TEST(Url, DefaultsPortAndPath) {
  const auto http = parse_url("HTTP://example.org");
  EXPECT_EQ(http.scheme, "http");
  EXPECT_EQ(http.port, 80);
  EXPECT_FALSE(http.explicit_port);
  EXPECT_EQ(http.path, "/");
  EXPECT_FALSE(http.has_userinfo);
  EXPECT_EQ(parse_url("https://h/").port, 443);
  EXPECT_EQ(parse_url("ftp://h").port, 21);
}

TEST(Url, PercentDecodesUserAndPassword) {
  const auto u = parse_url("ftp://a%40b:p%3Aw%2Fd%25@host:21/");
  EXPECT_EQ(u.user, "a@b");
  EXPECT_EQ(u.password, "p:w/d%");
}

TEST(Url, PasswordMayContainAtSignUnencoded) {
  const auto u = parse_url("ftp://u:p@ss@host:2121/");
  EXPECT_EQ(u.user, "u");
  EXPECT_EQ(u.password, "p@ss");
  EXPECT_EQ(u.host, "host");
}

TEST(Url, Ipv6Literal) {
  const auto u = parse_url("http://[::1]:8080/x");
  EXPECT_EQ(u.host, "::1");
  EXPECT_EQ(u.port, 8080);
  EXPECT_EQ(u.authority(), "[::1]:8080");
}

TEST(Url, RedactedHidesPassword) {
  const auto u = parse_url("ftp://u:secret@h:21/");
  EXPECT_EQ(u.redacted(), "ftp://u:***@h:21/");
  EXPECT_EQ(u.redacted().find("secret"), std::string::npos);
}

TEST(Url, RejectsHostileInput) {
  for (const char* bad :
       {"", "127.0.0.1:80", "://h", "gopher://h/", "http://", "http://:80/", "http://h:0/",
        "http://h:65536/", "http://h:99999999999/", "http://h:8x/", "http://h:/", "http://h /",
        "http://h\t/", "ftp://u%zz:p@h/", "ftp://u:p%4@h/", "http://[::1/", "http://[::1]x/"}) {
    EXPECT_THROW(parse_url(bad), Error) << bad;
  }
}

TEST(Url, ErrorMessageNamesTheFaultAndHidesThePassword) {
  try {
    parse_url("ftp://u:secret@h:70000/");
    FAIL() << "no exception";
  } catch (const Error& e) {
    const std::string what = e.what();
    EXPECT_NE(what.find("70000"), std::string::npos) << what;
    EXPECT_EQ(what.find("secret"), std::string::npos) << what;
  }
}

TEST(PercentDecode, DecodesAndRejects) {
  EXPECT_EQ(percent_decode("a%20b%2a"), "a b*");
  EXPECT_EQ(percent_decode(""), "");
  EXPECT_THROW(percent_decode("%"), Error);
  EXPECT_THROW(percent_decode("%2"), Error);
  EXPECT_THROW(percent_decode("%g0"), Error);
}

}  // namespace
}  // namespace streamcheck::bench
