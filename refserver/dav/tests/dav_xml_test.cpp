// Request bodies: what each parser makes of RFC 4918's examples and of litmus-style bodies,
// that property values come back self-contained (re-parsed, they mean the same), and that
// malformed or hostile bodies are refused with a reason, fast.
#include "refserver/dav/dav_xml.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <string>

namespace streamcheck::dav {
namespace {

using Kind = PropfindRequest::Kind;

QName dav(const char* name) {
  return QName{"DAV:", name};
}

// Refused as invalid_argument, with a message that mentions `why`.
void expect_refused(const store::Status& status, std::string_view why = "") {
  EXPECT_EQ(status.code(), store::Errc::invalid_argument) << status.to_string();
  EXPECT_NE(status.message().find(why), std::string::npos) << status.message();
}

// A property value stored from a PROPPATCH, as it would sit inside a reply: parsed again
// inside a <D:prop> with a default namespace of its own, it must keep its meaning.
PropertyUpdate::Op reparse_in_reply(const std::string& element_xml) {
  auto body = "<D:propertyupdate xmlns:D=\"DAV:\" xmlns=\"urn:other\"><D:set><D:prop>" +
              element_xml + "</D:prop></D:set></D:propertyupdate>";
  auto again = parse_proppatch(body);
  EXPECT_TRUE(again.ok()) << again.status().to_string() << "\n" << body;
  return again.ok() ? again->ops.at(0) : PropertyUpdate::Op{};
}

TEST(ParsePropfind, EmptyOrBlankBodyIsAllprop) {
  for (const char* body : {"", " \r\n"}) {
    auto request = parse_propfind(body);
    ASSERT_TRUE(request.ok()) << request.status().to_string();
    EXPECT_EQ(request->kind, Kind::allprop);
    EXPECT_TRUE(request->props.empty());
  }
}

TEST(ParsePropfind, NamedPropertiesInOrder) {  // RFC 4918 §9.1.3, prefixes as written there
  auto request = parse_propfind(R"(<?xml version="1.0" encoding="utf-8" ?>
     <D:propfind xmlns:D="DAV:">
       <D:prop xmlns:R="http://ns.example.com/boxschema/">
         <R:bigbox/> <R:author/> <R:DingALing/> <D:getetag/> <nonamespace xmlns=""/>
       </D:prop>
     </D:propfind>)");
  ASSERT_TRUE(request.ok()) << request.status().to_string();
  EXPECT_EQ(request->kind, Kind::prop);
  const std::string box = "http://ns.example.com/boxschema/";
  std::vector<QName> expected{
      {box, "bigbox"}, {box, "author"}, {box, "DingALing"}, dav("getetag"), {"", "nonamespace"}};
  EXPECT_EQ(request->props, expected);
}

TEST(ParsePropfind, PrefixDoesNotMatterOnlyTheNamespace) {
  auto request = parse_propfind(
      R"(<propfind xmlns="DAV:"><prop><getcontentlength/></prop><x:foo xmlns:x="urn:x"/></propfind>)");
  ASSERT_TRUE(request.ok()) << request.status().to_string();
  EXPECT_EQ(request->kind, Kind::prop);
  EXPECT_EQ(request->props, std::vector<QName>{dav("getcontentlength")});
}

TEST(ParsePropfind, PropnameAndAllpropWithInclude) {  // RFC 4918 §9.1.4, §9.1.6
  auto names = parse_propfind(R"(<propfind xmlns="DAV:"><propname/></propfind>)");
  ASSERT_TRUE(names.ok());
  EXPECT_EQ(names->kind, Kind::propname);
  auto all = parse_propfind(R"(<D:propfind xmlns:D="DAV:">
      <D:allprop/><D:include><D:supported-live-property-set/><D:supported-report-set/></D:include>
    </D:propfind>)");
  ASSERT_TRUE(all.ok()) << all.status().to_string();
  EXPECT_EQ(all->kind, Kind::allprop);
  EXPECT_EQ(all->include,
            (std::vector<QName>{dav("supported-live-property-set"), dav("supported-report-set")}));
}

TEST(ParsePropfind, RefusesWhatIsNotAPropfind) {
  expect_refused(parse_propfind("<propfind xmlns=\"DAV:\"><prop>").status(), "line");
  expect_refused(parse_propfind("<propfind><prop/></propfind>").status(),
                 "not DAV:propfind");  // in no namespace, so not DAV:
  expect_refused(parse_propfind("<D:propfind xmlns:D=\"DAV:\"/>").status(), "exactly one");
  expect_refused(
      parse_propfind("<D:propfind xmlns:D=\"DAV:\"><D:allprop/><D:propname/></D:propfind>")
          .status(),
      "exactly one");
  expect_refused(parse_propfind("<D:propfind><D:prop/></D:propfind>").status());  // unbound prefix
  expect_refused(parse_propfind("<a xmlns=\"DAV:\"/><b/>").status());             // two roots
}

TEST(ParseProppatch, SetsAndRemovesInDocumentOrder) {  // RFC 4918 §9.2.2
  auto update = parse_proppatch(R"(<?xml version="1.0" encoding="utf-8" ?>
     <D:propertyupdate xmlns:D="DAV:" xmlns:Z="http://ns.example.com/standards/z39.50/">
       <D:set><D:prop><Z:Authors><Z:Author>Jim Whitehead</Z:Author>
             <Z:Author>Roy Fielding</Z:Author></Z:Authors></D:prop></D:set>
       <D:remove><D:prop><Z:Copyright-Owner/></D:prop></D:remove>
       <D:set><D:prop><Z:a>1</Z:a><Z:b>2</Z:b></D:prop></D:set>
     </D:propertyupdate>)");
  ASSERT_TRUE(update.ok()) << update.status().to_string();
  const std::string z = "http://ns.example.com/standards/z39.50/";
  ASSERT_EQ(update->ops.size(), 4u);
  EXPECT_EQ(update->ops[0].name, (QName{z, "Authors"}));
  EXPECT_FALSE(update->ops[0].remove);
  EXPECT_EQ(update->ops[0].element_xml,
            "<ns0:Authors xmlns:ns0=\"" + z +
                "\"><ns0:Author>Jim Whitehead</ns0:Author>\n             "
                "<ns0:Author>Roy Fielding</ns0:Author></ns0:Authors>");
  EXPECT_TRUE(update->ops[1].remove);
  EXPECT_EQ(update->ops[1].name, (QName{z, "Copyright-Owner"}));
  EXPECT_EQ(update->ops[1].element_xml, "");
  EXPECT_EQ(update->ops[2].name, (QName{z, "a"}));
  EXPECT_EQ(update->ops[3].element_xml, "<ns0:b xmlns:ns0=\"" + z + "\">2</ns0:b>");
}

TEST(ParseProppatch, ValueIsSelfContainedWithEveryNamespaceDeclared) {
  // litmus propvalnspace / propmanyns style: namespaces declared on the ancestors only,
  // a default namespace, a nested no-namespace element, namespaced attributes, xml:lang.
  auto update = parse_proppatch(R"(<propertyupdate xmlns="DAV:" xmlns:a="urn:a" xmlns:b="urn:b">
      <set><prop><a:value xml:lang="fr" b:kind="x&amp;y" plain="1"><b:inner>t</b:inner><bare xmlns=""/>
      <c xmlns="urn:c"/></a:value></prop></set></propertyupdate>)");
  ASSERT_TRUE(update.ok()) << update.status().to_string();
  const auto& xml = update->ops.at(0).element_xml;
  EXPECT_EQ(xml,
            "<ns0:value xmlns=\"\" xmlns:ns0=\"urn:a\" xmlns:ns1=\"urn:b\" xmlns:ns2=\"urn:c\" "
            "xml:lang=\"fr\" ns1:kind=\"x&amp;y\" plain=\"1\"><ns1:inner>t</ns1:inner><bare/>\n"
            "      <ns2:c/></ns0:value>");
  auto again = reparse_in_reply(xml);
  EXPECT_EQ(again.name, (QName{"urn:a", "value"}));
  EXPECT_EQ(again.element_xml, xml);  // the same names, so the same serialization
}

// A namespace URI may hold TAB, LF or CR (written as references): declared with them raw,
// the reply's parser would read spaces, another namespace (found by the fuzz target dav_xml).
TEST(ParseProppatch, NamespaceWithWhitespaceKeepsItsName) {
  auto update = parse_proppatch(
      "<D:propertyupdate xmlns:D=\"DAV:\" xmlns:z=\"urn:a&#9;b&#10;c&#13;\"><D:set><D:prop>"
      "<z:p/></D:prop></D:set></D:propertyupdate>");
  ASSERT_TRUE(update.ok()) << update.status().to_string();
  const QName name{"urn:a\tb\nc\r", "p"};
  EXPECT_EQ(update->ops.at(0).name, name);
  auto again = reparse_in_reply(update->ops.at(0).element_xml);
  EXPECT_EQ(again.name, name) << update->ops.at(0).element_xml;
  EXPECT_EQ(again.element_xml, update->ops.at(0).element_xml);
}

TEST(ParseProppatch, NoNamespacePropertyStaysOutOfTheReplysDefaultNamespace) {
  auto update = parse_proppatch(
      R"(<D:propertyupdate xmlns:D="DAV:"><D:set><D:prop><nulled xmlns="">v</nulled></D:prop></D:set></D:propertyupdate>)");
  ASSERT_TRUE(update.ok()) << update.status().to_string();
  EXPECT_EQ(update->ops.at(0).name, (QName{"", "nulled"}));
  EXPECT_EQ(update->ops[0].element_xml, "<nulled xmlns=\"\">v</nulled>");
  EXPECT_EQ(reparse_in_reply(update->ops[0].element_xml).name, (QName{"", "nulled"}));
}

TEST(ParseProppatch, TextIsKeptExactlyAndEscaped) {
  // UTF-8 beyond the BMP (litmus prophighunicode), CDATA, character references, and a
  // CR and attribute whitespace that a parser would otherwise normalize away.
  auto update = parse_proppatch(
      "<D:propertyupdate xmlns:D=\"DAV:\"><D:set><D:prop><x:p xmlns:x=\"urn:x\" a=\"1&#10;2&#9;\">"
      "\xf0\x90\x80\x80 caf\xc3\xa9 <![CDATA[<b>&]]> &lt;&amp;&gt; &#13;end</x:p>"
      "</D:prop></D:set></D:propertyupdate>");
  ASSERT_TRUE(update.ok()) << update.status().to_string();
  const auto& xml = update->ops.at(0).element_xml;
  EXPECT_EQ(xml,
            "<ns0:p xmlns:ns0=\"urn:x\" a=\"1&#10;2&#9;\">\xf0\x90\x80\x80 caf\xc3\xa9 "
            "&lt;b&gt;&amp; &lt;&amp;&gt; &#13;end</ns0:p>");
  EXPECT_EQ(reparse_in_reply(xml).element_xml, xml);
}

TEST(ParseProppatch, RefusesMalformedUpdates) {
  expect_refused(parse_proppatch("<D:propertyupdate xmlns:D=\"DAV:\"/>").status(),
                 "no DAV:set or DAV:remove");
  expect_refused(
      parse_proppatch("<D:propertyupdate xmlns:D=\"DAV:\"><D:set/></D:propertyupdate>").status(),
      "without DAV:prop");
  expect_refused(
      parse_proppatch("<D:propertyupdate xmlns:D=\"DAV:\"><D:remove><D:prop> </D:prop></D:remove>"
                      "</D:propertyupdate>")
          .status(),
      "names no property");
  expect_refused(
      parse_proppatch("<D:propfind xmlns:D=\"DAV:\"><D:allprop/></D:propfind>").status());
  expect_refused(parse_proppatch("").status());
}

TEST(ParseLockinfo, ExclusiveWithOwnerAndSharedWithout) {  // RFC 4918 §9.10.7
  auto exclusive = parse_lockinfo(R"(<?xml version="1.0" encoding="utf-8" ?>
     <D:lockinfo xmlns:D='DAV:'>
       <D:lockscope><D:exclusive/></D:lockscope>
       <D:locktype><D:write/></D:locktype>
       <D:owner><D:href>http://example.org/~ejw/contact.html</D:href></D:owner>
     </D:lockinfo>)");
  ASSERT_TRUE(exclusive.ok()) << exclusive.status().to_string();
  EXPECT_TRUE(exclusive->exclusive);
  EXPECT_EQ(exclusive->owner_xml,
            "<ns0:owner xmlns:ns0=\"DAV:\"><ns0:href>http://example.org/~ejw/contact.html"
            "</ns0:href></ns0:owner>");
  auto shared = parse_lockinfo(
      "<lockinfo xmlns=\"DAV:\"><lockscope><shared/></lockscope><locktype><write/></locktype>"
      "</lockinfo>");
  ASSERT_TRUE(shared.ok()) << shared.status().to_string();
  EXPECT_FALSE(shared->exclusive);
  EXPECT_EQ(shared->owner_xml, "");
}

TEST(ParseLockinfo, RefusesOtherLockTypesAndScopes) {
  auto body = [](const char* scope, const char* type) {
    return std::string("<lockinfo xmlns=\"DAV:\"><lockscope>") + scope + "</lockscope><locktype>" +
           type + "</locktype></lockinfo>";
  };
  expect_refused(parse_lockinfo(body("<exclusive/>", "<read/>")).status(), "DAV:write");
  expect_refused(parse_lockinfo(body("<exclusive/>", "<x:write xmlns:x=\"urn:x\"/>")).status(),
                 "DAV:write");
  expect_refused(parse_lockinfo(body("", "<write/>")).status(), "exactly one");
  expect_refused(parse_lockinfo(body("<exclusive/><shared/>", "<write/>")).status(), "exactly one");
  expect_refused(
      parse_lockinfo("<lockinfo xmlns=\"DAV:\"><locktype><write/></locktype></lockinfo>").status(),
      "without DAV:lockscope");
}

TEST(XmlBounds, RefusesDeepNestingAndTooManyElements) {
  auto nested = [](size_t depth) {
    std::string open, close;
    for (size_t i = 0; i < depth; ++i) {
      open += "<x:e>";
      close = "</x:e>" + close;
    }
    return "<D:propertyupdate xmlns:D=\"DAV:\" xmlns:x=\"urn:x\"><D:set><D:prop>" + open + close +
           "</D:prop></D:set></D:propertyupdate>";
  };
  EXPECT_TRUE(parse_proppatch(nested(kMaxXmlDepth - 3)).ok());  // 3 levels above the value
  expect_refused(parse_proppatch(nested(kMaxXmlDepth - 2)).status(), "deeper than 64");

  auto many = [](size_t count) {
    std::string props;
    for (size_t i = 0; i < count; ++i) props += "<x:p/>";
    return "<D:propfind xmlns:D=\"DAV:\" xmlns:x=\"urn:x\"><D:prop>" + props +
           "</D:prop></D:propfind>";
  };
  auto at_bound = parse_propfind(many(kMaxXmlElements - 2));
  ASSERT_TRUE(at_bound.ok()) << at_bound.status().to_string();
  EXPECT_EQ(at_bound->props.size(), kMaxXmlElements - 2);
  expect_refused(parse_propfind(many(kMaxXmlElements - 1)).status(), "10000 elements");
}

// Each property's XML declares its namespaces: many small properties in one long namespace
// must not multiply the body (found writing the fuzz target dav_xml's output bound).
TEST(XmlBounds, RefusesPropertiesThatReSerializeOverTheBound) {
  auto update = [](size_t uri_bytes, size_t count) {
    std::string props;
    for (size_t i = 0; i < count; ++i) props += "<x:p" + std::to_string(i) + "/>";
    return "<D:propertyupdate xmlns:D=\"DAV:\" xmlns:x=\"urn:" + std::string(uri_bytes, 'u') +
           "\"><D:set><D:prop>" + props + "</D:prop></D:set></D:propertyupdate>";
  };
  const auto small = parse_proppatch(update(100, 1000));
  ASSERT_TRUE(small.ok()) << small.status().to_string();
  EXPECT_EQ(small->ops.size(), 1000u);
  const std::string body = update(4000, 300);  // 7 KB that came out as 1.2 MB
  EXPECT_LT(body.size(), 8000u);
  expect_refused(parse_proppatch(body).status(), "over 1048576 bytes");
}

TEST(XmlBounds, BillionLaughsFailsFastWithoutExpanding) {
  std::string body = "<?xml version=\"1.0\"?>\n<!DOCTYPE lolz [\n<!ENTITY lol \"lol\">\n";
  body += "<!ENTITY lol1 \"&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;\">\n";
  for (int i = 2; i <= 9; ++i) {
    body += "<!ENTITY lol" + std::to_string(i) + " \"";
    for (int j = 0; j < 10; ++j) body += "&lol" + std::to_string(i - 1) + ";";
    body += "\">\n";
  }
  body +=
      "]>\n<D:propfind xmlns:D=\"DAV:\"><D:prop><x xmlns=\"urn:x\">&lol9;</x></D:prop>"
      "</D:propfind>";
  auto start = std::chrono::steady_clock::now();
  auto refused = parse_propfind(body).status();
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::milliseconds(100));
  expect_refused(refused, "document type declaration");
  // Without a DTD an entity reference is simply undefined.
  expect_refused(parse_propfind("<D:propfind xmlns:D=\"DAV:\">&lol;</D:propfind>").status());
}

TEST(XmlEscape, EscapesTheFiveAndNothingElse) {
  EXPECT_EQ(xml_escape("a&b<c>d\"e'f \xc3\xa9\n"), "a&amp;b&lt;c&gt;d&quot;e&#39;f \xc3\xa9\n");
  EXPECT_EQ(xml_escape(""), "");
}

TEST(EmptyElement, DeclaresItsNamespace) {
  EXPECT_EQ(empty_element({"http://x", "foo"}), "<ns0:foo xmlns:ns0=\"http://x\"/>");
  EXPECT_EQ(empty_element({"", "foo"}), "<foo xmlns=\"\"/>");
  EXPECT_EQ(empty_element({"urn:a&b", "foo"}), "<ns0:foo xmlns:ns0=\"urn:a&amp;b\"/>");
  EXPECT_EQ(reparse_in_reply(empty_element({"urn:y", "bar"})).name, (QName{"urn:y", "bar"}));
}

}  // namespace
}  // namespace streamcheck::dav
