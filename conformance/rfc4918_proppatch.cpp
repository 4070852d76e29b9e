// RFC 4918 §9.2 PROPPATCH and dead properties: a value set is given back byte for byte,
// a removed one is gone, a request that cannot be done whole is done not at all, and a
// dead property goes with COPY and MOVE and dies with DELETE. Skipped for a server
// without PROPPATCH (405/501) or PROPFIND (dav.hpp).
#include "conformance/dav.hpp"

namespace streamcheck::conformance {
namespace {

constexpr std::string_view k92 = "RFC 4918 §9.2";
// Namespaced, non-ASCII, with characters XML must escape.
constexpr std::string_view kValue = "Grüße, 世界 & <ok> \"q\"";
constexpr std::string_view kEscaped = "Grüße, 世界 &amp; &lt;ok&gt; \"q\"";

#define SKIP_UNLESS_DEAD_PROPERTIES()    \
  do {                                   \
    SKIP_UNLESS_DAV_OFFERS("PROPFIND");  \
    SKIP_UNLESS_DAV_OFFERS("PROPPATCH"); \
  } while (0)

// A PROPPATCH that should succeed: 207 with every propstat 200 (RFC 4918 §9.2.1). A
// server that answers a bare 200 or 204 reports no per-property result (warned).
bool patch_ok(const std::string& path, const std::string& body, const std::string& what) {
  const auto r = dav("PROPPATCH", path, "", body);
  if (!check(r && r->status >= 200 && r->status < 300, {k92, "A PROPPATCH that can be done is."},
             "a 2xx status to " + what, dav_text(r)))
    return false;
  if (!check(r->status == 207,
             {"RFC 4918 §9.2, §9.2.1", "PROPPATCH reports each property's result in a 207.",
              Level::should},
             "status 207 to " + what, dav_text(r)))
    return true;
  const auto xml = dav_xml(r);
  bool all_200 = xml.ok && !xml.responses.empty();
  for (const auto& resp : xml.responses)
    for (const int s : resp.propstat_statuses) all_200 = all_200 && s == 200;
  return check(all_200, {"RFC 4918 §9.2.1", "A property change that was made is reported 200."},
               "every propstat 200 for " + what, dav_text(r));
}

// The value PROPFIND gives for `name` on `path`; nullopt when it is not reported 200.
std::optional<std::string> value_of(const std::string& path, const XmlName& name) {
  const auto resp = propfind_one(path, {name});
  const auto* p = resp ? resp->property(name) : nullptr;
  if (!p || p->status != 200) return std::nullopt;
  return p->text;
}
std::string shown(const std::optional<std::string>& v) {
  return v ? "\"" + *v + "\"" : std::string("not reported 200");
}

TEST(Rfc4918Proppatch, ASetValueIsGivenBackByteExact) {
  SKIP_UNLESS_DEAD_PROPERTIES();
  const auto file = http_object(fresh_name("set", ".bin"), "proppatch");
  const auto name = test_property("greeting");
  if (!patch_ok(file.path, proppatch_set_body(name, std::string(kEscaped)), "a set")) return;
  const auto got = value_of(file.path, name);
  check(got == kValue,
        {"RFC 4918 §4.3, §9.2",
         "A dead property's value is kept as set, namespace and "
         "characters alike."},
        "\"" + std::string(kValue) + "\"", shown(got));
}

TEST(Rfc4918Proppatch, ARemovedPropertyIsGone) {
  SKIP_UNLESS_DEAD_PROPERTIES();
  const auto file = http_object(fresh_name("remove", ".bin"), "proppatch");
  const auto name = test_property("ephemeral");
  if (!patch_ok(file.path, proppatch_set_body(name, "here"), "a set")) return;
  if (!patch_ok(file.path, proppatch_remove_body(name), "a remove")) return;
  const auto resp = propfind_one(file.path, {name});
  const auto* p = resp ? resp->property(name) : nullptr;
  check(p && p->status == 404,
        {"RFC 4918 §14.23, §9.1",
         "A removed property no longer exists: "
         "PROPFIND reports it 404."},
        name.text() + " 404", p ? "status " + std::to_string(p->status) : "not reported");
}

// §9.2: "Instructions MUST either all be executed or none executed." A protected live
// property (DAV:getetag, §15.6) cannot be set, so the dead one beside it must not be.
TEST(Rfc4918Proppatch, ARequestThatFailsInPartChangesNothing) {
  SKIP_UNLESS_DEAD_PROPERTIES();
  const auto file = http_object(fresh_name("atomic", ".bin"), "proppatch");
  const auto name = test_property("half");
  const auto r =
      dav("PROPPATCH", file.path, "",
          proppatch_set_body(name, "must-not-stay", "<D:getetag>\"forged\"</D:getetag>"));
  const auto xml = dav_xml(r);
  const DavProperty* dead = nullptr;
  const DavProperty* etag = nullptr;
  if (xml.ok && xml.responses.size() == 1) {
    dead = xml.responses[0].property(name);
    etag = xml.responses[0].property(dav_name("getetag"));
  }
  const bool failed_whole = r && (r->status >= 400 || (r->status == 207 && dead && etag &&
                                                       dead->status >= 400 && etag->status >= 400));
  check(failed_whole,
        {k92,
         "All instructions are executed or none: with the protected one "
         "refused, so is the other."},
        "a 4xx, or a 207 with both properties failed", dav_text(r));
  if (r && r->status == 207 && dead && etag) {
    check(etag->status == 403,
          {"RFC 4918 §9.2.1",
           "Setting a protected property is 403 (cannot-modify-protected-"
           "property).",
           Level::should},
          "DAV:getetag 403", "DAV:getetag " + std::to_string(etag->status));
    check(dead->status == 424,
          {"RFC 4918 §9.2.1", "A change not made because another failed is 424.", Level::should},
          name.text() + " 424", name.text() + " " + std::to_string(dead->status));
  }
  const auto after = value_of(file.path, name);
  check(!after, {k92, "None of a failed PROPPATCH's instructions is executed."},
        name.text() + " not set (404)", name.text() + " = " + shown(after));
}

TEST(Rfc4918Proppatch, DeadPropertiesFollowCopyAndMoveAndDieWithDelete) {
  SKIP_UNLESS_DEAD_PROPERTIES();
  SKIP_UNLESS_DAV_OFFERS("COPY");
  SKIP_UNLESS_DAV_OFFERS("MOVE");
  const auto dir = suite().http_dir("proppatch");
  const auto a = http_object(fresh_name("origin", ".bin"), "proppatch");
  const auto b = dir + fresh_name("copied", ".bin");
  const auto c = dir + fresh_name("moved", ".bin");
  const auto name = test_property("follows");
  if (!patch_ok(a.path, proppatch_set_body(name, std::string(kEscaped)), "a set")) return;

  const auto copy = dav("COPY", a.path, "Destination: " + dav_url(b) + "\r\n");
  ASSERT_TRUE(outcome_is(copy, "COPY", HttpOutcome::created)) << dav_text(copy);
  const auto copied = value_of(b, name);
  check(copied == kValue, {"RFC 4918 §9.8.2", "COPY duplicates the dead properties."},
        "\"" + std::string(kValue) + "\" on the copy", shown(copied));

  const auto move = dav("MOVE", b, "Destination: " + dav_url(c) + "\r\n");
  ASSERT_TRUE(outcome_is(move, "MOVE", HttpOutcome::created)) << dav_text(move);
  const auto moved = value_of(c, name);
  check(moved == kValue, {"RFC 4918 §9.9.1", "MOVE moves the dead properties."},
        "\"" + std::string(kValue) + "\" at the destination", shown(moved));

  ASSERT_TRUE(outcome_is(dav("DELETE", c), "DELETE", HttpOutcome::deleted));
  ASSERT_TRUE(dav_put(c, "again")) << "PUT of a new resource at the deleted one's URL";
  const auto reborn = value_of(c, name);
  check(!reborn,
        {"RFC 4918 §9.6",
         "DELETE destroys the resource's properties: a new "
         "resource at its URL has none of them."},
        name.text() + " not set on the new resource", name.text() + " = " + shown(reborn));
}

}  // namespace
}  // namespace streamcheck::conformance
