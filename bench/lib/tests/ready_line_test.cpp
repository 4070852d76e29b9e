#include "bench/lib/ready_line.hpp"

#include <gtest/gtest.h>

#include "bench/lib/error.hpp"

namespace streamcheck::bench {
namespace {

// The message of the Error that parse_ready_line(line) throws ("" if none).
std::string error_of(std::string_view line) {
  try {
    parse_ready_line(line);
  } catch (const Error& e) {
    return e.what();
  }
  return "";
}

TEST(ReadyLine, ParsesTheDesignExample) {
  const auto r = parse_ready_line(
      "streamcheck-ready pid=123 http=http://127.0.0.1:40213/ ftp=ftp://u:p@127.0.0.1:40214/");
  EXPECT_EQ(r.pid, 123);
  ASSERT_TRUE(r.http);
  EXPECT_EQ(r.http->port, 40213);
  EXPECT_EQ(r.http_text, "http://127.0.0.1:40213/");
  ASSERT_TRUE(r.ftp);
  EXPECT_EQ(r.ftp->user, "u");
  EXPECT_EQ(r.ftp->password, "p");
  EXPECT_EQ(r.ftp->port, 40214);
  EXPECT_TRUE(r.extra.empty());
}

TEST(ReadyLine, FieldsInAnyOrder) {
  const auto a = parse_ready_line("streamcheck-ready ftp=ftp://h:2/ pid=9 http=http://h:1/");
  const auto b = parse_ready_line("streamcheck-ready http=http://h:1/ ftp=ftp://h:2/ pid=9");
  EXPECT_EQ(a.pid, 9);
  EXPECT_EQ(b.pid, 9);
  EXPECT_EQ(a.http_text, b.http_text);
  EXPECT_EQ(a.ftp_text, b.ftp_text);
}

TEST(ReadyLine, HttpOnlyOrFtpOnly) {
  const auto h = parse_ready_line("streamcheck-ready pid=1 http=https://localhost:8443/dav/");
  EXPECT_TRUE(h.http);
  EXPECT_FALSE(h.ftp);
  EXPECT_EQ(h.http->path, "/dav/");
  const auto f = parse_ready_line("streamcheck-ready pid=1 ftp=ftp://127.0.0.1:2121/");
  EXPECT_FALSE(f.http);
  EXPECT_TRUE(f.ftp);
}

TEST(ReadyLine, UnknownFieldsAreKeptAndIgnored) {
  const auto r = parse_ready_line("streamcheck-ready version=2 pid=5 color=red http=http://h:1/");
  EXPECT_EQ(r.pid, 5);
  ASSERT_EQ(r.extra.size(), 2u);
  EXPECT_EQ(r.extra[0].first, "version");
  EXPECT_EQ(r.extra[1].second, "red");
}

TEST(ReadyLine, RootIsTheServedDirectoryAbsolute) {
  const auto r = parse_ready_line("streamcheck-ready pid=5 root=/tmp/x/../y/ http=http://h:1/");
  ASSERT_TRUE(r.root);
  EXPECT_EQ(*r.root, std::filesystem::path("/tmp/y/"));
  EXPECT_TRUE(r.extra.empty());
  EXPECT_FALSE(parse_ready_line("streamcheck-ready pid=5 http=http://h:1/").root);
  EXPECT_NE(error_of("streamcheck-ready pid=5 root=srv/x http=http://h:1/")
                .find("root= wants an absolute path"),
            std::string::npos);
}

TEST(ReadyLine, ToleratesLineEndsAndExtraBlanks) {
  const auto r = parse_ready_line("streamcheck-ready  pid=77\thttp=http://h:1/  \r\n");
  EXPECT_EQ(r.pid, 77);
}

TEST(ReadyLine, IsReadyLineLooksAtTheFirstWordOnly) {
  EXPECT_TRUE(is_ready_line("streamcheck-ready pid=1"));
  EXPECT_TRUE(is_ready_line("streamcheck-ready"));
  EXPECT_FALSE(is_ready_line("streamcheck-readyish pid=1"));
  EXPECT_FALSE(is_ready_line(" streamcheck-ready pid=1"));
  EXPECT_FALSE(is_ready_line("INFO listening on 127.0.0.1:8080"));
  EXPECT_FALSE(is_ready_line(""));
}

struct Hostile {
  const char* line;
  const char* expected_in_message;
};

// Shown in test names and failures instead of raw pointer bytes.
void PrintTo(const Hostile& h, std::ostream* os) {
  *os << '"';
  for (const char* p = h.line; *p != '\0'; ++p) {
    const auto u = static_cast<unsigned char>(*p);
    if (u < 0x20 || u >= 0x7f) {
      static constexpr char kHex[] = "0123456789abcdef";
      *os << "\\x" << kHex[u >> 4] << kHex[u & 15];
    } else {
      *os << *p;
    }
  }
  *os << '"';
}

class ReadyLineHostile : public ::testing::TestWithParam<Hostile> {};

TEST_P(ReadyLineHostile, RejectedWithAClearMessage) {
  const auto& [line, expected] = GetParam();
  const auto message = error_of(line);
  ASSERT_FALSE(message.empty()) << "accepted: " << line;
  EXPECT_NE(message.find(expected), std::string::npos) << "message: " << message;
  EXPECT_TRUE(message.starts_with("invalid ready line")) << message;
}

INSTANTIATE_TEST_SUITE_P(
    Inputs, ReadyLineHostile,
    ::testing::Values(
        Hostile{"", "empty"}, Hostile{"\r\n", "empty"},
        Hostile{"pid=1 http=http://h:1/", "start with"},
        Hostile{"ready pid=1 http=http://h:1/", "start with"},
        Hostile{"streamcheck-ready", "no pid"},
        Hostile{"streamcheck-ready http=http://h:1/", "no pid"},
        Hostile{"streamcheck-ready pid=1", "neither http= nor ftp="},
        Hostile{"streamcheck-ready pid=abc http=http://h:1/", "pid=\"abc\""},
        Hostile{"streamcheck-ready pid=-1 http=http://h:1/", "pid=\"-1\""},
        Hostile{"streamcheck-ready pid=+5 http=http://h:1/", "pid=\"+5\""},
        Hostile{"streamcheck-ready pid=0 http=http://h:1/", "out of range"},
        Hostile{"streamcheck-ready pid=2147483648 http=http://h:1/", "out of range"},
        Hostile{"streamcheck-ready pid=99999999999999999999999 http=http://h:1/", "not a decimal"},
        Hostile{"streamcheck-ready pid=12x http=http://h:1/", "not a decimal"},
        Hostile{"streamcheck-ready pid=1 pid=2 http=http://h:1/", "more than once"},
        Hostile{"streamcheck-ready pid=1 http=http://h:1/ http=http://h:2/", "more than once"},
        Hostile{"streamcheck-ready pid=1 garbage http=http://h:1/", "not key=value"},
        Hostile{"streamcheck-ready pid= http=http://h:1/", "empty value"},
        Hostile{"streamcheck-ready =5 http=http://h:1/", "empty key"},
        Hostile{"streamcheck-ready pid=1 http=ftp://h:1/", "scheme"},
        Hostile{"streamcheck-ready pid=1 ftp=http://h:1/", "scheme"},
        Hostile{"streamcheck-ready pid=1 http=127.0.0.1:80", "scheme://"},
        Hostile{"streamcheck-ready pid=1 http=http://h:0/", "out of range"},
        Hostile{"streamcheck-ready pid=1 http=http://:80/", "empty host"},
        Hostile{"streamcheck-ready\x01\xff pid=1", "start with"},
        Hostile{"streamcheck-ready pid=4 http=http://h/ r=\n\t", "control character"},
        Hostile{"streamcheck-ready pid=4 http=http://h/ root=/a\x1b", "control character"}));

TEST(ReadyLine, EmbeddedNulIsRejected) {
  using namespace std::string_view_literals;
  constexpr auto line = "streamcheck-ready pid=1\0 http=http://h:1/"sv;
  const auto message = error_of(line);
  EXPECT_NE(message.find("not a decimal"), std::string::npos) << message;
}

TEST(ReadyLine, GarbageIsQuotedSafely) {
  const auto message = error_of(std::string_view("x\x01\xff\x7f", 4));
  EXPECT_NE(message.find("\\x01\\xff\\x7f"), std::string::npos) << message;
}

TEST(ReadyLine, VeryLongGarbageIsCutInTheMessage) {
  const auto message = error_of(std::string(100000, 'a'));
  EXPECT_LT(message.size(), 400u);
}

}  // namespace
}  // namespace streamcheck::bench
