// The WebDAV reply parser reads what real servers send (the bodies below are Apache
// mod_dav's, nginx dav-ext's and lighttpd mod_webdav's, as they answered), by namespace
// and not by prefix, and holds no more than one response of a long multistatus.
#include "conformance/multistatus.hpp"

#include <gtest/gtest.h>

#include <fstream>
#include <string>

namespace streamcheck::conformance {
namespace {

// Apache 2.4 mod_dav_fs, PROPFIND Depth 0 (allprop) of a 3-byte file: DAV: under two
// prefixes (D and lp1).
constexpr std::string_view kApacheFile = R"(<?xml version="1.0" encoding="utf-8"?>
<D:multistatus xmlns:D="DAV:">
<D:response xmlns:lp2="http://apache.org/dav/props/" xmlns:lp1="DAV:">
<D:href>/dir/caf%C3%A9%20au%20lait.txt</D:href>
<D:propstat>
<D:prop>
<lp1:resourcetype/>
<lp1:getcontentlength>3</lp1:getcontentlength>
<lp1:getlastmodified>Mon, 07 Dec 2026 14:11:00 GMT</lp1:getlastmodified>
<lp1:getetag>"3-6620bcb95cd5a"</lp1:getetag>
<lp2:executable>F</lp2:executable>
<D:lockdiscovery/>
</D:prop>
<D:status>HTTP/1.1 200 OK</D:status>
</D:propstat>
<D:propstat>
<D:prop><g0:a xmlns:g0="urn:x"/></D:prop>
<D:status>HTTP/1.1 404 Not Found</D:status>
</D:propstat>
</D:response>
</D:multistatus>)";

TEST(Multistatus, ReadsPropertiesByNamespaceNotPrefix) {
  const auto r = parse_dav_reply(kApacheFile);
  ASSERT_TRUE(r.ok) << r.error;
  EXPECT_EQ(r.root, dav_name("multistatus"));
  ASSERT_EQ(r.responses.size(), 1u);
  const auto& resp = r.responses[0];
  ASSERT_EQ(resp.hrefs.size(), 1u);
  EXPECT_EQ(resp.hrefs[0], "/dir/café au lait.txt");
  EXPECT_EQ(resp.propstat_statuses, (std::vector<int>{200, 404}));
  const auto* length = resp.property(dav_name("getcontentlength"));
  ASSERT_NE(length, nullptr);
  EXPECT_EQ(length->text, "3");
  EXPECT_EQ(length->status, 200);
  EXPECT_EQ(resp.property(dav_name("getetag"))->text, "\"3-6620bcb95cd5a\"");
  const auto* type = resp.property(dav_name("resourcetype"));
  ASSERT_NE(type, nullptr);
  EXPECT_TRUE(type->children.empty());
  EXPECT_EQ(resp.property({"http://apache.org/dav/props/", "executable"})->text, "F");
  const auto* missing = resp.property({"urn:x", "a"});
  ASSERT_NE(missing, nullptr);
  EXPECT_EQ(missing->status, 404);
  EXPECT_EQ(resp.property({"", "getetag"}), nullptr) << "a name without namespace is another";
}

TEST(Multistatus, ACollectionsResourcetypeNamesItsChildAndKeepsTextWithMarkup) {
  const auto r = parse_dav_reply(R"(<?xml version="1.0"?>
<multistatus xmlns="DAV:"><response><href>http://h:8080/a/</href>
<propstat><prop><resourcetype><collection/></resourcetype>
<x:v xmlns:x="urn:t">été <x:b>gras</x:b> ✓</x:v></prop>
<status>HTTP/1.1 200 OK</status></propstat></response></multistatus>)");
  ASSERT_TRUE(r.ok) << r.error;
  const auto& resp = r.responses.at(0);
  EXPECT_EQ(href_path(resp.hrefs.at(0)), "/a/");
  EXPECT_EQ(resp.property(dav_name("resourcetype"))->children,
            std::vector<XmlName>{dav_name("collection")});
  const auto* v = resp.property({"urn:t", "v"});
  ASSERT_NE(v, nullptr);
  EXPECT_EQ(v->text, "été gras ✓");
  EXPECT_EQ(v->children, (std::vector<XmlName>{{"urn:t", "b"}}));
}

TEST(Multistatus, AResponseStatusAndItsErrorElement) {
  const auto r = parse_dav_reply(R"(<D:multistatus xmlns:D="DAV:"><D:response>
<D:href>/locked/x</D:href><D:status>HTTP/1.1 423 Locked</D:status>
<D:error><D:lock-token-submitted><D:href>/locked/</D:href></D:lock-token-submitted></D:error>
<D:responsedescription> held </D:responsedescription>
</D:response></D:multistatus>)");
  ASSERT_TRUE(r.ok) << r.error;
  const auto& resp = r.responses.at(0);
  EXPECT_EQ(resp.status, 423);
  EXPECT_EQ(resp.errors, std::vector<XmlName>{dav_name("lock-token-submitted")});
  EXPECT_EQ(resp.description, "held");
  EXPECT_TRUE(resp.propstat_statuses.empty());
}

TEST(Multistatus, ARootErrorGivesItsPreconditions) {
  const auto r = parse_dav_reply(
      R"(<?xml version="1.0"?><e:error xmlns:e="DAV:"><e:propfind-finite-depth/></e:error>)");
  ASSERT_TRUE(r.ok) << r.error;
  EXPECT_EQ(r.root, dav_name("error"));
  EXPECT_EQ(r.errors, std::vector<XmlName>{dav_name("propfind-finite-depth")});
}

// lighttpd 1.4.69 answers a Depth: infinity PROPFIND with this: the "DAV" prefix is
// bound nowhere, so it is no namespace-well-formed XML, and must not pass for one.
TEST(Multistatus, AnUnboundPrefixIsMalformed) {
  const auto r = parse_dav_reply(
      R"(<?xml version="1.0" encoding="utf-8"?><D:error><DAV:propfind-finite-depth/></D:error>)");
  EXPECT_FALSE(r.ok);
  EXPECT_NE(r.error.find("prefix"), std::string::npos) << r.error;
}

TEST(Multistatus, TruncatedXmlFailsAtFinish) {
  DavReplyParser p;
  EXPECT_TRUE(p.feed("<D:multistatus xmlns:D=\"DAV:\"><D:response><D:href>/a</D:href>"));
  EXPECT_FALSE(p.finish());
  EXPECT_FALSE(p.error().empty());
}

// Apache's LOCK reply (RFC 4918 §9.10.1's shape).
TEST(Multistatus, ALockReplysActiveLock) {
  const auto r = parse_dav_reply(R"(<?xml version="1.0" encoding="utf-8"?>
<D:prop xmlns:D="DAV:"><D:lockdiscovery><D:activelock>
<D:locktype><D:write/></D:locktype><D:lockscope><D:exclusive/></D:lockscope>
<D:depth>infinity</D:depth><D:owner><D:href>streamcheck</D:href></D:owner>
<D:timeout>Second-600</D:timeout>
<D:locktoken><D:href>opaquelocktoken:e71d4fae-5dec-22d6-fea5-00a0c91e6be4</D:href></D:locktoken>
<D:lockroot><D:href>/dir/a%20b</D:href></D:lockroot>
</D:activelock></D:lockdiscovery></D:prop>)");
  ASSERT_TRUE(r.ok) << r.error;
  ASSERT_EQ(r.locks.size(), 1u);
  const auto& l = r.locks[0];
  EXPECT_EQ(l.scope, "exclusive");
  EXPECT_EQ(l.type, "write");
  EXPECT_EQ(l.depth, "infinity");
  EXPECT_EQ(l.timeout, "Second-600");
  EXPECT_EQ(l.token, "opaquelocktoken:e71d4fae-5dec-22d6-fea5-00a0c91e6be4");
  EXPECT_EQ(l.lockroot, "/dir/a b");
  EXPECT_EQ(l.owner, "streamcheck");
}

TEST(Multistatus, LockdiscoveryInAPropfindIsTheResponses) {
  const auto r = parse_dav_reply(R"(<D:multistatus xmlns:D="DAV:"><D:response><D:href>/f</D:href>
<D:propstat><D:prop><D:lockdiscovery><D:activelock><D:lockscope><D:shared/></D:lockscope>
<D:depth>0</D:depth><D:locktoken><D:href>urn:uuid:1</D:href></D:locktoken></D:activelock>
</D:lockdiscovery></D:prop><D:status>HTTP/1.1 200 OK</D:status></D:propstat>
</D:response></D:multistatus>)");
  ASSERT_TRUE(r.ok) << r.error;
  EXPECT_TRUE(r.locks.empty());
  const auto& resp = r.responses.at(0);
  ASSERT_EQ(resp.locks.size(), 1u);
  EXPECT_EQ(resp.locks[0].scope, "shared");
  EXPECT_EQ(resp.locks[0].token, "urn:uuid:1");
  EXPECT_EQ(resp.property(dav_name("lockdiscovery"))->children,
            std::vector<XmlName>{dav_name("activelock")});
}

TEST(Multistatus, HelpersDecodeHrefsAndStatusLines) {
  EXPECT_EQ(decoded_href("a%2Fb"), "a/b");
  EXPECT_EQ(decoded_href("a%2Fb%zz"), "a%2Fb%zz");
  EXPECT_EQ(href_path("https://u@h:1/x%20y/"), "/x%20y/");
  EXPECT_EQ(href_path("http://h"), "/");
  EXPECT_EQ(href_path("/a://b"), "/a://b");
  EXPECT_EQ(status_of_line(" HTTP/1.1 424 Failed Dependency\n"), 424);
  EXPECT_EQ(status_of_line("HTTP/1.1 42"), 0);
  EXPECT_EQ(status_of_line("200 OK"), 0);
}

// The process's peak resident size (VmHWM), reset first so that earlier tests' peaks
// do not hide this one's.
long hwm_kib() {
  std::ifstream in("/proc/self/status");
  for (std::string line; std::getline(in, line);)
    if (line.starts_with("VmHWM:")) return std::stol(line.substr(6));
  return -1;
}
void reset_hwm() {
  std::ofstream("/proc/self/clear_refs") << "5";
}

// 100 000 responses (about 26 MB of XML) fed in 4 KiB pieces made on the fly: the
// parser hands each on and keeps none, so the process's peak grows by far less than
// the body (keeping them would hold some 40 MB).
TEST(Multistatus, AHundredThousandResponsesAreNeverHeldWhole) {
  constexpr int kResponses = 100000;
  std::size_t seen = 0, body_bytes = 0;
  bool in_order = true;
  DavReplyParser p([&](DavResponse&& r) {
    in_order = in_order && r.hrefs.size() == 1 &&
               r.hrefs[0] == "/big/file-" + std::to_string(seen) + ".bin" &&
               r.property(dav_name("getcontentlength"))->text == std::to_string(seen);
    ++seen;
  });
  reset_hwm();
  const long before = hwm_kib();
  std::string piece = R"(<?xml version="1.0"?><D:multistatus xmlns:D="DAV:">)";
  for (int i = 0; i < kResponses; ++i) {
    piece += "<D:response><D:href>/big/file-" + std::to_string(i) +
             ".bin</D:href><D:propstat><D:prop><D:getcontentlength>" + std::to_string(i) +
             "</D:getcontentlength><D:resourcetype/><D:getetag>\"" + std::to_string(i * 7) +
             "-abcdef0123\"</D:getetag><D:displayname>file-" + std::to_string(i) +
             "</D:displayname></D:prop><D:status>HTTP/1.1 200 OK</D:status></D:propstat>"
             "</D:response>\n";
    if (piece.size() >= 4096) {
      body_bytes += piece.size();
      ASSERT_TRUE(p.feed(piece)) << p.error();
      piece.clear();
    }
  }
  piece += "</D:multistatus>";
  body_bytes += piece.size();
  ASSERT_TRUE(p.feed(piece) && p.finish()) << p.error();
  const long growth = hwm_kib() - before;
  EXPECT_EQ(seen, static_cast<std::size_t>(kResponses));
  EXPECT_EQ(p.response_count(), static_cast<std::size_t>(kResponses));
  EXPECT_TRUE(in_order);
  EXPECT_TRUE(p.responses().empty());
  EXPECT_GT(body_bytes, 20u << 20);
  if (before < 0) GTEST_SKIP() << "no VmHWM in /proc/self/status";
  EXPECT_LT(growth, 4 * 1024) << "peak grew " << growth << " KiB for a " << body_bytes
                              << " B multistatus";
}

// Without a callback the same parser keeps them: the figure above can tell.
TEST(Multistatus, WithoutACallbackResponsesAreKept) {
  DavReplyParser p;
  ASSERT_TRUE(p.feed(R"(<multistatus xmlns="DAV:"><response><href>/a</href></response>)"));
  ASSERT_TRUE(p.feed(R"(<response><href>/b</href></response></multistatus>)"));
  ASSERT_TRUE(p.finish()) << p.error();
  ASSERT_EQ(p.responses().size(), 2u);
  EXPECT_EQ(p.responses()[1].hrefs, std::vector<std::string>{"/b"});
}

}  // namespace
}  // namespace streamcheck::conformance
