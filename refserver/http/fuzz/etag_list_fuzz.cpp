// etag_list_matches (RFC 9110 §13.1.1, §13.1.2): the If-Match and If-None-Match lists
// against a representation's entity tag, by strong or weak comparison (§8.8.3.2).
//
// Input: the entity tag and a list of tags, each drawn from the input (a flags byte: weak
// or not; a length; that many bytes made into etagc, which has ',' in it), the separators
// between list members, then free text. Checked:
//   - the list written with any separator (",", OWS around it, empty elements, which
//     §5.6.1 says a recipient must accept) gives the verdict of the rules: some member's
//     opaque-tag equals the tag's, and for strong comparison neither is weak;
//   - "*" matches any tag, with or without OWS;
//   - comparison is symmetric: tag a against the list "b" as b against "a";
//   - on the free text taken as a list: a weak match wherever a strong one is, and the
//     text (if its quotes are balanced) followed by the tag itself matches it (weakly;
//     strongly unless it is weak).
#include <algorithm>
#include <string>
#include <string_view>
#include <vector>

#include "fuzz/fuzz_check.hpp"
#include "refserver/http/http_util.hpp"

namespace {

using streamcheck::fuzz::FuzzInput;
using streamcheck::fuzz::printable;
using streamcheck::http::etag_list_matches;

struct Tag {
  bool weak = false;
  std::string opaque;
  std::string text() const { return (weak ? "W/\"" : "\"") + opaque + "\""; }
};

// etagc = %x21 / %x23-7E / obs-text: anything else becomes an 'x'.
Tag read_tag(FuzzInput& in) {
  const uint8_t flags = in.byte();
  Tag tag{(flags & 1) != 0, std::string(in.take((flags >> 1) % 8))};
  for (char& c : tag.opaque) {
    const auto u = static_cast<unsigned char>(c);
    if (u <= 0x20 || u == '"' || u == 0x7f) c = 'x';
  }
  return tag;
}

constexpr std::string_view kSeparators[] = {",", ", ", " ,", " , ", ",\t", "\t,\t", ", ,", ",,"};

std::string write_list(const std::vector<Tag>& tags, std::string_view choices) {
  std::string out = choices.empty() || choices[0] % 2 == 0 ? "" : " ";
  for (size_t i = 0; i < tags.size(); ++i) {
    if (i > 0) {
      const auto pick =
          choices.empty() ? 0 : static_cast<unsigned char>(choices[i % choices.size()]);
      out += kSeparators[pick % std::size(kSeparators)];
    }
    out += tags[i].text();
  }
  return out + (choices.size() > 1 && choices[1] % 2 == 1 ? "\t" : "");
}

bool rule(const std::vector<Tag>& list, const Tag& tag, bool weak) {
  return std::any_of(list.begin(), list.end(), [&](const Tag& t) {
    return t.opaque == tag.opaque && (weak || (!t.weak && !tag.weak));
  });
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  FuzzInput in(data, size);
  const Tag tag = read_tag(in);
  std::vector<Tag> list(in.byte() % 6);
  for (Tag& t : list) t = read_tag(in);
  const std::string_view choices = in.take(in.byte() % 8);
  const std::string_view other_choices = in.take(in.byte() % 8);
  const std::string_view text = in.rest();

  const std::string etag = tag.text();
  const std::string written = write_list(list, choices);
  const std::string rewritten = write_list(list, other_choices);
  for (const bool weak : {false, true}) {
    const std::string detail =
        printable(etag) + " in " + printable(written) + (weak ? " (weak)" : " (strong)");
    FUZZ_CHECK_MSG(etag_list_matches(written, etag, weak) == rule(list, tag, weak), detail);
    FUZZ_CHECK_MSG(etag_list_matches(rewritten, etag, weak) == rule(list, tag, weak),
                   printable(etag) + " in " + printable(rewritten));
    FUZZ_CHECK(etag_list_matches("*", etag, weak) && etag_list_matches(" *\t", etag, weak));
    if (!list.empty()) {
      const std::string other = list[0].text();
      FUZZ_CHECK_MSG(etag_list_matches(other, etag, weak) == etag_list_matches(etag, other, weak),
                     detail);
    }
    // With its quotes balanced: after an unclosed one, the rest is inside a tag.
    const bool balanced = std::count(text.begin(), text.end(), '"') % 2 == 0;
    const bool self = etag_list_matches(std::string(text) + ", " + etag, etag, weak);
    if (balanced && (weak || !tag.weak))
      FUZZ_CHECK_MSG(self, printable(text) + ", " + printable(etag));
  }
  if (etag_list_matches(text, etag, false))
    FUZZ_CHECK_MSG(etag_list_matches(text, etag, true), printable(text) + " / " + etag);
  return 0;
}
