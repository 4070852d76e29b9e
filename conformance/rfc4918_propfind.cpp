// RFC 4918 §9.1 PROPFIND, judged on objects the suite makes: what a Depth 0 of a file
// reports of it, what Depth 1 lists, what Depth infinity may answer, propname, allprop,
// an unknown property, a malformed body and a missing resource. Skipped for a server
// without PROPFIND (dav.hpp).
#include <set>

#include "conformance/dav.hpp"
#include "conformance/dav_values.hpp"

namespace streamcheck::conformance {
namespace {

constexpr std::string_view k91 = "RFC 4918 §9.1";

// Weak comparison (RFC 9110 §8.8.3.2): Apache calls an ETag weak while the file's mtime
// is within the last second and strong after, so two reads a moment apart may differ in
// that alone; the opaque tag is what names the representation.
std::string opaque_tag(std::string_view etag) {
  if (etag.starts_with("W/")) etag.remove_prefix(2);
  return std::string(etag);
}

TEST(Rfc4918Propfind, DepthZeroOfAFileReportsItsLiveProperties) {
  SKIP_UNLESS_DAV_OFFERS("PROPFIND");
  const auto file = http_object(fresh_name("props", ".bin"), "propfind");
  const auto get = dav("GET", file.path);
  ASSERT_TRUE(get && get->status == 200) << "GET of the object just made: " << status_text(get);
  const auto r = dav("PROPFIND", file.path, "Depth: 0\r\n",
                     propfind_body({dav_name("resourcetype"), dav_name("getcontentlength"),
                                    dav_name("getlastmodified"), dav_name("getetag")}));
  if (!check(r && r->status == 207, {k91, "PROPFIND answers 207 Multi-Status."}, "status 207",
             dav_text(r)))
    return;
  const auto xml = dav_xml(r);
  if (!check(xml.ok && xml.responses.size() == 1,
             {"RFC 4918 §9.1, §14.16", "Depth 0 describes the resource alone: one response."},
             "one DAV:response", dav_text(r)))
    return;
  const auto& resp = xml.responses[0];
  const auto href = resp.hrefs.empty() ? std::string("(none)") : href_path(resp.hrefs[0]);
  check(href == file.path, {"RFC 4918 §14.24", "The response's href names the resource."},
        "href " + file.path, "href " + href);
  const auto* type = resp.property(dav_name("resourcetype"));
  check(type && type->status == 200 && type->children.empty(),
        {"RFC 4918 §15.9", "A non-collection's resourcetype is empty."},
        "DAV:resourcetype, 200, no child element",
        type ? "status " + std::to_string(type->status) + ", " +
                   std::to_string(type->children.size()) + " child element(s)"
             : "absent");
  const auto* length = resp.property(dav_name("getcontentlength"));
  const auto n = length ? parse_decimal_u64(length->text) : std::nullopt;
  check(length && length->status == 200 && n == file.content.size(),
        {"RFC 4918 §15.4",
         "getcontentlength is defined on a resource whose GET gives a Content-Length: its "
         "length in decimal digits."},
        "getcontentlength " + std::to_string(file.content.size()),
        length ? "\"" + length->text + "\" (status " + std::to_string(length->status) + ")"
               : "absent");
  const auto* modified = resp.property(dav_name("getlastmodified"));
  if (modified && modified->status == 200)
    check(is_imf_fixdate(modified->text),
          {"RFC 4918 §15.7", "getlastmodified is an rfc1123-date (IMF-fixdate)."},
          "a date such as \"Sun, 06 Nov 1994 08:49:37 GMT\"", "\"" + modified->text + "\"");
  if (const auto etag = get->header("ETag"); !etag.empty()) {
    const auto* prop = resp.property(dav_name("getetag"));
    check(prop && prop->status == 200 && opaque_tag(prop->text) == opaque_tag(etag),
          {"RFC 4918 §15.6",
           "getetag is defined on any resource that returns an ETag header, with its value."},
          "getetag " + etag,
          prop ? "\"" + prop->text + "\" (status " + std::to_string(prop->status) + ")" : "absent");
  }
}

// A fresh collection with three files and a subcollection.
struct Tree {
  std::string dir;
  std::set<std::string> members{"a.bin", "b.bin", "c d.bin", "sub"};
};
std::optional<Tree> make_tree() {
  Tree t;
  t.dir = dav_collection("propfind", "tree");
  if (t.dir.empty()) return std::nullopt;
  for (const auto* f : {"a.bin", "b.bin", "c%20d.bin"})
    if (!dav_put(t.dir + f, "member")) return std::nullopt;
  if (!outcome_is(dav("MKCOL", t.dir + "sub/"), "MKCOL", HttpOutcome::created)) return std::nullopt;
  if (!dav_put(t.dir + "sub/deep.bin", "deep")) return std::nullopt;
  return t;
}

std::string names(const std::set<std::string>& s) {
  std::string out;
  for (const auto& n : s) out += (out.empty() ? "" : ", ") + n;
  return "{" + out + "}";
}

TEST(Rfc4918Propfind, DepthOneListsExactlyTheMembers) {
  SKIP_UNLESS_DAV_OFFERS("PROPFIND");
  const auto tree = make_tree();
  ASSERT_TRUE(tree) << "making the collection to list (MKCOL, PUT) failed";
  const auto r =
      dav("PROPFIND", tree->dir, "Depth: 1\r\n", propfind_body({dav_name("resourcetype")}));
  if (!check(r && r->status == 207, {k91, "PROPFIND answers 207 Multi-Status."}, "status 207",
             dav_text(r)))
    return;
  const auto xml = dav_xml(r);
  ASSERT_TRUE(xml.ok) << dav_text(r);
  const auto listing = listing_of(xml.responses, tree->dir);
  check(listing.self && listing.members == tree->members && listing.strays.empty() &&
            listing.twice.empty(),
        {k91, "Depth 1 describes the collection and each of its internal members, once."},
        "the collection and " + names(tree->members),
        std::string(listing.self ? "the collection" : "no collection") + " and " +
            names(listing.members) + ", " + std::to_string(listing.strays.size()) + " stray(s), " +
            std::to_string(listing.twice.size()) + " repeated");
  for (const auto& resp : xml.responses) {
    const auto path = resp.hrefs.empty() ? "" : href_path(resp.hrefs[0]);
    const bool collection = path.ends_with("/sub/") || path.ends_with("/sub") || path == tree->dir;
    const auto* type = resp.property(dav_name("resourcetype"));
    const bool marked = type && type->children == std::vector<XmlName>{dav_name("collection")};
    check(
        marked == collection,
        {"RFC 4918 §15.9", "A collection's resourcetype holds DAV:collection; a file's is empty."},
        path + (collection ? ": DAV:collection" : ": empty"),
        path + (marked ? ": DAV:collection" : ": not DAV:collection"));
  }
}

TEST(Rfc4918Propfind, DepthInfinityIsAnsweredOrRefusedAsFiniteDepth) {
  SKIP_UNLESS_DAV_OFFERS("PROPFIND");
  const auto tree = make_tree();
  ASSERT_TRUE(tree) << "making the collection to list (MKCOL, PUT) failed";
  const auto r =
      dav("PROPFIND", tree->dir, "Depth: infinity\r\n", propfind_body({dav_name("resourcetype")}));
  if (!CHECK_STATUS(r, (Requirement{k91, "Depth infinity is served (207) or refused (403)."}), 207,
                    403))
    return;
  const auto xml = dav_xml(r);
  if (r->status == 403) {
    check(xml.ok && xml.errors == std::vector<XmlName>{dav_name("propfind-finite-depth")},
          {"RFC 4918 §9.1, §16", "A refused infinite-depth PROPFIND names its precondition.",
           Level::should},
          "a DAV:error body with DAV:propfind-finite-depth", dav_text(r));
    return;
  }
  bool deep = false;
  for (const auto& resp : xml.responses)
    for (const auto& h : resp.hrefs) deep = deep || href_path(h).ends_with("/sub/deep.bin");
  check(xml.ok && deep, {k91, "Depth infinity describes the members of members too."},
        "a response for sub/deep.bin", dav_text(r));
}

TEST(Rfc4918Propfind, PropnameGivesNamesWithoutValues) {
  SKIP_UNLESS_DAV_OFFERS("PROPFIND");
  const auto file = http_object(fresh_name("propname", ".bin"), "propfind");
  const auto r =
      dav("PROPFIND", file.path, "Depth: 0\r\n",
          "<?xml version=\"1.0\"?><D:propfind xmlns:D=\"DAV:\"><D:propname/></D:propfind>");
  if (!check(r && r->status == 207, {k91, "PROPFIND propname answers 207."}, "status 207",
             dav_text(r)))
    return;
  const auto xml = dav_xml(r);
  ASSERT_TRUE(xml.ok && xml.responses.size() == 1) << dav_text(r);
  const auto& props = xml.responses[0].properties;
  std::string valued;
  for (const auto& [name, p] : props)
    if (!p.text.empty() && p.text.find_first_not_of(" \t\r\n") != std::string::npos)
      valued += " " + name.text();
  check(props.contains(dav_name("getcontentlength")) && props.contains(dav_name("resourcetype")),
        {"RFC 4918 §9.1, §14.21", "propname names every property, live ones included."},
        "names with DAV:getcontentlength and DAV:resourcetype",
        std::to_string(props.size()) + " name(s): " + dav_text(r));
  check(valued.empty(), {"RFC 4918 §14.21", "propname returns names only, no values."},
        "no property with a value", "valued:" + valued);
}

TEST(Rfc4918Propfind, AllpropAndAnEmptyBodyGiveTheLiveProperties) {
  SKIP_UNLESS_DAV_OFFERS("PROPFIND");
  const auto file = http_object(fresh_name("allprop", ".bin"), "propfind");
  for (const bool empty : {false, true}) {
    const auto r = dav(
        "PROPFIND", file.path, "Depth: 0\r\n",
        empty ? ""
              : "<?xml version=\"1.0\"?><D:propfind xmlns:D=\"DAV:\"><D:allprop/></D:propfind>");
    const std::string what = empty ? "an empty PROPFIND (treated as allprop)" : "allprop";
    if (!check(r && r->status == 207, {k91, "PROPFIND answers 207."}, "status 207 to " + what,
               dav_text(r)))
      continue;
    const auto xml = dav_xml(r);
    const auto* length = xml.ok && xml.responses.size() == 1
                             ? xml.responses[0].property(dav_name("getcontentlength"))
                             : nullptr;
    check(
        length && parse_decimal_u64(length->text) == file.content.size() &&
            xml.responses[0].property(dav_name("resourcetype")),
        {k91,
         "allprop (and an empty body, which MUST be treated as allprop) returns the "
         "live properties RFC 4918 defines."},
        what + ": DAV:resourcetype and DAV:getcontentlength " + std::to_string(file.content.size()),
        dav_text(r));
  }
}

TEST(Rfc4918Propfind, AnUnknownPropertyIsReported404) {
  SKIP_UNLESS_DAV_OFFERS("PROPFIND");
  const auto file = http_object(fresh_name("unknown", ".bin"), "propfind");
  const auto unknown = test_property("never-set");
  const auto r = dav("PROPFIND", file.path, "Depth: 0\r\n",
                     propfind_body({unknown, dav_name("getcontentlength")}));
  if (!check(r && r->status == 207, {k91, "PROPFIND answers 207."}, "status 207", dav_text(r)))
    return;
  const auto xml = dav_xml(r);
  const auto* p =
      xml.ok && xml.responses.size() == 1 ? xml.responses[0].property(unknown) : nullptr;
  const auto* length = p ? xml.responses[0].property(dav_name("getcontentlength")) : nullptr;
  check(p && p->status == 404 && length && length->status == 200,
        {k91,
         "A property that does not exist is reported in a propstat of 404; the others "
         "are served."},
        unknown.text() + " 404 and DAV:getcontentlength 200", dav_text(r));
}

TEST(Rfc4918Propfind, AMalformedBodyIs400) {
  SKIP_UNLESS_DAV_OFFERS("PROPFIND");
  const auto file = http_object(fresh_name("malformed", ".bin"), "propfind");
  const auto r = dav("PROPFIND", file.path, "Depth: 0\r\n",
                     "<?xml version=\"1.0\"?><D:propfind xmlns:D=\"DAV:\"><D:prop><D:getetag>");
  CHECK_STATUS(r, (Requirement{"RFC 4918 §8.2", "A body that is not well-formed XML is 400."}),
               400);
}

TEST(Rfc4918Propfind, AMissingResourceIs404) {
  SKIP_UNLESS_DAV_OFFERS("PROPFIND");
  const auto r = dav("PROPFIND", suite().http_dir("propfind") + fresh_name("absent", ".bin"),
                     "Depth: 0\r\n", propfind_body({dav_name("getcontentlength")}));
  check_outcome(r, "PROPFIND", HttpOutcome::missing, "PROPFIND of a missing resource: 404.");
}

}  // namespace
}  // namespace streamcheck::conformance
