// parse_if_header (RFC 4918 §10.4): the If header of a WebDAV write, which names the lock
// tokens a client submits and the states the write depends on.
//
// Input: a spacing byte, then the header value. Checked for every accepted header:
//   - it has at least one list, each with at least one condition, and holds no more
//     than the value did: its tokens, tags and resources fit in the value's bytes;
//   - written back canonically ("<res> (Not <token> [\"etag\"])...") it parses to the
//     same header; so it does with other whitespace (SP and HTAB runs) between tokens,
//     and with "Not" in another case (§10.4.2: matched without regard to case);
//   - submitted_tokens names each non-negated state token once, and nothing else.
#include <algorithm>
#include <optional>
#include <string>
#include <string_view>

#include "fuzz/fuzz_check.hpp"
#include "refserver/dav/if_header.hpp"

namespace {

using streamcheck::dav::IfHeader;
using streamcheck::dav::parse_if_header;
using streamcheck::fuzz::printable;

// `space` goes between tokens; `not_word` is how "Not" is written.
std::string render(const IfHeader& header, std::string_view space, std::string_view not_word) {
  std::string out;
  for (const auto& list : header.lists) {
    if (list.resource) out += std::string(space) + "<" + *list.resource + ">";
    out += std::string(space) + "(";
    for (const auto& c : list.conditions) {
      out += space;
      if (c.negated) out += std::string(not_word) + std::string(space);
      out += c.is_etag ? "[" + c.value + "]" : "<" + c.value + ">";
    }
    out += std::string(space) + ")";
  }
  return out;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  streamcheck::fuzz::FuzzInput input(data, size);
  const uint8_t spacing = input.byte();
  const std::string_view value = input.rest();
  const auto header = parse_if_header(value);
  if (!header) return 0;
  const std::string detail = printable(value);

  FUZZ_CHECK(!header->lists.empty());
  size_t held = 0;
  const std::optional<std::string>* resource = nullptr;
  for (const auto& list : header->lists) {
    FUZZ_CHECK_MSG(!list.conditions.empty(), detail);
    held += 2;  // "(" ")"
    // One Resource-Tag serves the lists that follow it: counted once ("<" ">").
    if (list.resource && (!resource || *resource != list.resource))
      held += list.resource->size() + 2;
    resource = &list.resource;
    for (const auto& c : list.conditions) held += c.value.size() + 2;  // "<" ">" or "[" "]"
  }
  FUZZ_CHECK_MSG(held <= value.size(), detail);

  const std::string canonical = render(*header, "", "Not");
  FUZZ_CHECK_MSG(parse_if_header(canonical) == header, detail + " -> " + printable(canonical));
  static constexpr std::string_view kSpaces[] = {" ", "\t", " \t ", "  "};
  static constexpr std::string_view kNots[] = {"NOT", "not", "nOt"};
  const std::string spaced = render(*header, kSpaces[spacing % 4], kNots[(spacing >> 2) % 3]);
  FUZZ_CHECK_MSG(parse_if_header(spaced) == header, detail + " -> " + printable(spaced));

  const auto tokens = streamcheck::dav::submitted_tokens(*header);
  for (size_t i = 0; i < tokens.size(); ++i) {
    FUZZ_CHECK(std::find(tokens.begin() + static_cast<std::ptrdiff_t>(i) + 1, tokens.end(),
                         tokens[i]) == tokens.end());
    bool named = false;
    for (const auto& list : header->lists)
      for (const auto& c : list.conditions)
        named |= !c.negated && !c.is_etag && c.value == tokens[i];
    FUZZ_CHECK_MSG(named, detail);
  }
  for (const auto& list : header->lists)
    for (const auto& c : list.conditions)
      if (!c.negated && !c.is_etag)
        FUZZ_CHECK(std::find(tokens.begin(), tokens.end(), c.value) != tokens.end());
  return 0;
}
