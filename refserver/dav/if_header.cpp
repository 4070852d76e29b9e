#include "refserver/dav/if_header.hpp"

#include <algorithm>
#include <cctype>

namespace streamcheck::dav {
namespace {

// A cursor over the header value; every reader skips the whitespace before its token.
class Scanner {
 public:
  explicit Scanner(std::string_view text) : text_(text) {}

  bool at_end() {
    skip_space();
    return text_.empty();
  }

  bool take(char c) {
    skip_space();
    if (text_.empty() || text_.front() != c) return false;
    text_.remove_prefix(1);
    return true;
  }

  bool next_is(char c) {
    skip_space();
    return !text_.empty() && text_.front() == c;
  }

  bool take_word_ignoring_case(std::string_view word) {
    skip_space();
    if (text_.size() < word.size()) return false;
    for (size_t i = 0; i < word.size(); ++i)
      if (std::tolower(static_cast<unsigned char>(text_[i])) != word[i]) return false;
    text_.remove_prefix(word.size());
    return true;
  }

  // [ "W/" ] DQUOTE *etagc DQUOTE, returned as written. Spaces inside the quotes are let
  // through, though RFC 7232's etagc has none: RFC 4918's own examples use them.
  std::optional<std::string> entity_tag() {
    skip_space();
    size_t open = text_.starts_with("W/") ? 2 : 0;
    if (text_.size() <= open || text_[open] != '"') return std::nullopt;
    auto close = text_.find('"', open + 1);
    if (close == std::string_view::npos) return std::nullopt;
    std::string tag(text_.substr(0, close + 1));
    text_.remove_prefix(close + 1);
    return tag;
  }

  // The text up to `close` (consumed, not returned); nullopt when `close` never comes or
  // the text is empty or holds whitespace (URIs have none).
  std::optional<std::string> until(char close) {
    auto end = text_.find(close);
    if (end == std::string_view::npos || end == 0) return std::nullopt;
    auto inside = text_.substr(0, end);
    if (inside.find_first_of(" \t") != std::string_view::npos) return std::nullopt;
    text_.remove_prefix(end + 1);
    return std::string(inside);
  }

 private:
  void skip_space() {
    while (!text_.empty() && (text_.front() == ' ' || text_.front() == '\t'))
      text_.remove_prefix(1);
  }

  std::string_view text_;
};

std::optional<IfCondition> parse_condition(Scanner& in) {
  IfCondition condition;
  condition.negated = in.take_word_ignoring_case("not");
  if (in.take('<')) {
    auto token = in.until('>');
    if (!token) return std::nullopt;
    condition.value = std::move(*token);
  } else if (in.take('[')) {
    auto tag = in.entity_tag();
    if (!tag || !in.take(']')) return std::nullopt;
    condition.is_etag = true;
    condition.value = std::move(*tag);
  } else {
    return std::nullopt;
  }
  return condition;
}

// "(" 1*Condition ")", the "(" already taken.
std::optional<IfList> parse_list_body(Scanner& in, std::optional<std::string> resource) {
  IfList list{std::move(resource), {}};
  while (!in.take(')')) {
    auto condition = parse_condition(in);
    if (!condition) return std::nullopt;
    list.conditions.push_back(std::move(*condition));
  }
  if (list.conditions.empty()) return std::nullopt;
  return list;
}

bool holds(const IfCondition& condition, const ResourceState& state) {
  bool matches = false;
  if (condition.is_etag) {
    matches = state.exists && !state.etag.empty() && condition.value == state.etag &&
              !condition.value.starts_with("W/");
  } else {
    matches = std::find(state.lock_tokens.begin(), state.lock_tokens.end(), condition.value) !=
              state.lock_tokens.end();
  }
  return matches != condition.negated;
}

}  // namespace

std::optional<IfHeader> parse_if_header(std::string_view value) {
  Scanner in(value);
  IfHeader header;
  std::optional<bool> tagged;  // decided by the first list
  std::optional<std::string> resource;
  while (!in.at_end()) {
    bool is_tag = in.take('<');
    if (tagged && *tagged != (is_tag || resource.has_value())) return std::nullopt;
    if (is_tag) {
      resource = in.until('>');
      if (!resource || !in.next_is('(')) return std::nullopt;
      tagged = true;
      continue;
    }
    if (!in.take('(')) return std::nullopt;
    tagged = resource.has_value();
    auto list = parse_list_body(in, resource);
    if (!list) return std::nullopt;
    header.lists.push_back(std::move(*list));
  }
  if (header.lists.empty()) return std::nullopt;
  return header;
}

bool evaluate_if_header(
    const IfHeader& header,
    const std::function<ResourceState(const std::optional<std::string>&)>& state_of) {
  return std::any_of(header.lists.begin(), header.lists.end(), [&](const IfList& list) {
    auto state = state_of(list.resource);
    return std::all_of(list.conditions.begin(), list.conditions.end(),
                       [&](const IfCondition& condition) { return holds(condition, state); });
  });
}

std::vector<std::string> submitted_tokens(const IfHeader& header) {
  std::vector<std::string> tokens;
  for (const auto& list : header.lists)
    for (const auto& condition : list.conditions)
      if (!condition.negated && !condition.is_etag &&
          std::find(tokens.begin(), tokens.end(), condition.value) == tokens.end())
        tokens.push_back(condition.value);
  return tokens;
}

}  // namespace streamcheck::dav
