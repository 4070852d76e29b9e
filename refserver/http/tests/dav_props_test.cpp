// The shapes of PROPFIND, PROPPATCH and LOCK replies, from facts to XML. Each rendered
// document is also fed to expat: a reply a real parser refuses fails here.
#include "refserver/http/dav_props.hpp"

#include <expat.h>
#include <gtest/gtest.h>

namespace streamcheck::http {
namespace {

using namespace std::chrono_literals;
using Kind = dav::PropfindRequest::Kind;

bool well_formed(const std::string& xml) {
  XML_Parser parser = XML_ParserCreateNS(nullptr, ' ');
  const bool ok = XML_Parse(parser, xml.data(), static_cast<int>(xml.size()), 1) == XML_STATUS_OK;
  XML_ParserFree(parser);
  return ok;
}

std::string document(const std::string& response) {
  return std::string(multistatus_begin()) + response + std::string(multistatus_end());
}

ResourceFacts file_facts() {
  ResourceFacts f;
  f.href = "/dir/a%20b.txt";
  f.size = 5'000'000'000ULL;  // past 2^32: the length is 64-bit
  f.mtime = {1'700'000'000, 0};
  f.etag = "\"1a-2b-3c\"";
  f.display_name = "a b.txt";
  f.dead[{"http://example.com/ns", "colour"}] =
      "<x:colour xmlns:x=\"http://example.com/ns\">bl\xc3\xa4u &amp; gr\xc3\xbcn</x:colour>";
  return f;
}

TEST(DavProps, PropOfAFileSplitsFoundAndMissing) {
  dav::PropfindRequest request{Kind::prop,
                               {{"DAV:", "getcontentlength"},
                                {"DAV:", "getetag"},
                                {"http://example.com/ns", "colour"},
                                {"http://example.com/ns", "absent"}},
                               {}};
  auto xml = render_propfind_response(file_facts(), request, std::chrono::steady_clock::now());
  EXPECT_TRUE(well_formed(document(xml))) << xml;
  EXPECT_NE(xml.find("<D:getcontentlength>5000000000</D:getcontentlength>"), std::string::npos);
  EXPECT_NE(xml.find("<D:getetag>&quot;1a-2b-3c&quot;</D:getetag>"), std::string::npos);
  EXPECT_NE(xml.find("bl\xc3\xa4u &amp; gr\xc3\xbcn"), std::string::npos) << "dead value verbatim";
  auto ok = xml.find("HTTP/1.1 200 OK"), missing = xml.find("HTTP/1.1 404 Not Found");
  ASSERT_NE(ok, std::string::npos);
  ASSERT_NE(missing, std::string::npos);
  // The absent property is in the 404 propstat, not the 200 one.
  auto absent = xml.find("absent");
  EXPECT_GT(absent, ok);
  EXPECT_LT(absent, missing);
}

TEST(DavProps, CollectionHasNoContentLengthAndSaysCollection) {
  ResourceFacts f;
  f.href = "/dir/";
  f.collection = true;
  dav::PropfindRequest request{
      Kind::prop, {{"DAV:", "resourcetype"}, {"DAV:", "getcontentlength"}}, {}};
  auto xml = render_propfind_response(f, request, std::chrono::steady_clock::now());
  EXPECT_TRUE(well_formed(document(xml))) << xml;
  EXPECT_NE(xml.find("<D:resourcetype><D:collection/></D:resourcetype>"), std::string::npos);
  auto missing = xml.find("404 Not Found");
  ASSERT_NE(missing, std::string::npos);
  EXPECT_GT(xml.find("getcontentlength"), xml.find("200 OK"));
}

TEST(DavProps, AllpropHasLiveAndDeadPropnameOnlyNames) {
  const auto now = std::chrono::steady_clock::now();
  auto all = render_propfind_response(file_facts(), {Kind::allprop, {}, {}}, now);
  EXPECT_TRUE(well_formed(document(all))) << all;
  for (auto name : {"resourcetype", "getcontentlength", "getlastmodified", "getetag",
                    "creationdate", "supportedlock", "lockdiscovery", "colour"})
    EXPECT_NE(all.find(name), std::string::npos) << name;
  EXPECT_EQ(all.find("404"), std::string::npos);
  auto names = render_propfind_response(file_facts(), {Kind::propname, {}, {}}, now);
  EXPECT_TRUE(well_formed(document(names))) << names;
  EXPECT_NE(names.find("<D:getcontentlength/>"), std::string::npos);
  EXPECT_EQ(names.find("5000000000"), std::string::npos) << "propname carries no values";
  EXPECT_EQ(names.find("bl\xc3\xa4u"), std::string::npos);
}

TEST(DavProps, DatesAreRfc1123AndRfc3339) {
  auto xml = render_propfind_response(
      file_facts(), {Kind::prop, {{"DAV:", "getlastmodified"}, {"DAV:", "creationdate"}}, {}},
      std::chrono::steady_clock::now());
  EXPECT_NE(xml.find("Tue, 14 Nov 2023 22:13:20 GMT"), std::string::npos) << xml;
  EXPECT_NE(xml.find("2023-11-14T22:13:20Z"), std::string::npos) << xml;
}

TEST(DavProps, ActiveLockCarriesTokenDepthTimeoutAndRoot) {
  const auto now = std::chrono::steady_clock::now();
  dav::Lock lock;
  lock.token = "urn:uuid:0c6a2f1e-0000-4000-8000-000000000001";
  lock.root = "dir/a b.txt";
  lock.scope = dav::LockScope::shared;
  lock.depth_infinity = false;
  lock.timeout = 600s;
  lock.expires = now + 600s;
  lock.owner_xml = "<D:owner xmlns:D=\"DAV:\">litmus</D:owner>";
  auto xml = render_lock_reply(lock, now);
  EXPECT_TRUE(well_formed(xml)) << xml;
  EXPECT_NE(xml.find("<D:shared/>"), std::string::npos);
  EXPECT_NE(xml.find("<D:depth>0</D:depth>"), std::string::npos);
  EXPECT_NE(xml.find("<D:timeout>Second-600</D:timeout>"), std::string::npos);
  EXPECT_NE(xml.find("<D:href>" + lock.token + "</D:href>"), std::string::npos);
  EXPECT_NE(xml.find("<D:lockroot><D:href>/dir/a%20b.txt</D:href>"), std::string::npos) << xml;
  EXPECT_NE(xml.find("litmus"), std::string::npos);
}

TEST(DavProps, ProtectedAreTheComputedOnesButDisplaynameAndContentType) {
  EXPECT_TRUE(is_protected_property({"DAV:", "getetag"}));
  EXPECT_TRUE(is_protected_property({"DAV:", "lockdiscovery"}));
  EXPECT_FALSE(is_protected_property({"DAV:", "displayname"}));
  EXPECT_FALSE(is_protected_property({"DAV:", "getcontenttype"}));
  EXPECT_FALSE(is_protected_property({"http://example.com/ns", "getetag"}));
}

TEST(DavProps, ProppatchAndErrorBodiesParse) {
  auto xml = document(
      render_response("/x", render_propstat({{"DAV:", "getetag"}}, 403) +
                                render_propstat({{"http://example.com/ns", "colour"}}, 424)));
  EXPECT_TRUE(well_formed(xml)) << xml;
  EXPECT_NE(xml.find("HTTP/1.1 424 Failed Dependency"), std::string::npos) << xml;
  EXPECT_TRUE(well_formed(render_error("lock-token-submitted", "<D:href>/a</D:href>")));
  EXPECT_TRUE(well_formed(document(render_status_response("/a/b", 423))));
}

}  // namespace
}  // namespace streamcheck::http
