#include "conformance/multistatus.hpp"

#include <expat.h>

#include <algorithm>
#include <cctype>
#include <optional>

#include "bench/lib/error.hpp"
#include "bench/lib/url.hpp"

namespace streamcheck::conformance {
namespace {

// Expat joins namespace and local name with this; no XML character can be it, so no
// namespace URI holds it.
constexpr XML_Char kSeparator = '\x01';
// A property value or leaf longer than this is cut: a test compares values of a few
// bytes, and a hostile server must not make the suite's memory grow.
constexpr std::size_t kMaxText = 1 << 20;

XmlName split(const XML_Char* name) {
  const std::string_view s(name);
  const auto at = s.find(kSeparator);
  if (at == std::string_view::npos) return {"", std::string(s)};
  return {std::string(s.substr(0, at)), std::string(s.substr(at + 1))};
}

bool is_dav(const XmlName& n, std::string_view local) {
  return n.ns == "DAV:" && n.local == local;
}

std::string trimmed(std::string_view s) {
  const auto first = s.find_first_not_of(" \t\r\n");
  if (first == std::string_view::npos) return "";
  return std::string(s.substr(first, s.find_last_not_of(" \t\r\n") - first + 1));
}

void append_capped(std::string& to, std::string_view piece) {
  to.append(piece.substr(0, kMaxText - std::min(kMaxText, to.size())));
}

}  // namespace

const DavProperty* DavResponse::property(const XmlName& name) const {
  const auto it = properties.find(name);
  return it == properties.end() ? nullptr : &it->second;
}

struct DavReplyParser::Impl {
  XML_Parser parser = nullptr;
  OnResponse on_response;
  std::string error;
  bool failed = false;
  XmlName root;
  std::vector<XmlName> stack;
  std::string text;  // character data of the innermost element so far

  std::vector<DavResponse> kept;
  std::vector<XmlName> errors;
  std::vector<ActiveLock> locks;
  std::size_t count = 0;

  std::optional<DavResponse> response;
  std::vector<std::pair<XmlName, DavProperty>> propstat_props;
  int propstat_status = 0;
  std::size_t property_depth = 0;  // stack depth of the property being read, 0: none
  XmlName property_name;
  DavProperty property;
  std::size_t error_depth = 0;  // of the DAV:error being read
  std::optional<ActiveLock> lock;
  std::size_t owner_depth = 0;

  const XmlName* parent() const { return stack.size() >= 2 ? &stack[stack.size() - 2] : nullptr; }
  bool parent_is(std::string_view local) const {
    const auto* p = parent();
    return p && is_dav(*p, local);
  }

  void start(const XmlName& name) {
    stack.push_back(name);
    const auto depth = stack.size();
    text.clear();
    if (depth == 1) root = name;
    if (property_depth && depth == property_depth + 1) property.children.push_back(name);
    if (error_depth && depth == error_depth + 1)
      (response ? response->errors : errors).push_back(name);
    if (lock && parent_is("lockscope")) lock->scope = name.local;
    if (lock && parent_is("locktype")) lock->type = name.local;

    if (is_dav(name, "response") && depth == 2 && is_dav(root, "multistatus")) {
      response.emplace();
    } else if (response && is_dav(name, "propstat")) {
      propstat_props.clear();
      propstat_status = 0;
    } else if (response && !property_depth && depth >= 3 && parent_is("prop") &&
               is_dav(stack[depth - 3], "propstat")) {
      property_depth = depth;
      property_name = name;
      property = {};
    }
    if (is_dav(name, "error")) error_depth = depth;
    if (is_dav(name, "activelock")) lock.emplace();
    if (lock && is_dav(name, "owner")) owner_depth = depth;
  }

  void characters(std::string_view s) {
    append_capped(text, s);
    if (property_depth) append_capped(property.text, s);
    if (lock && owner_depth) append_capped(lock->owner, s);
  }

  void end() {
    const auto depth = stack.size();
    const XmlName name = stack.back();
    if (property_depth == depth) {
      propstat_props.emplace_back(property_name, std::move(property));
      property_depth = 0;
    } else if (lock) {
      end_in_lock(name, depth);
    }
    if (response) end_in_response(name, depth);
    if (error_depth == depth) error_depth = 0;
    stack.pop_back();
    text.clear();
  }

  void end_in_lock(const XmlName& name, std::size_t depth) {
    if (owner_depth == depth) owner_depth = 0;
    if (is_dav(name, "depth") && parent_is("activelock")) lock->depth = trimmed(text);
    if (is_dav(name, "timeout") && parent_is("activelock")) lock->timeout = trimmed(text);
    if (is_dav(name, "href") && parent_is("locktoken")) lock->token = trimmed(text);
    if (is_dav(name, "href") && parent_is("lockroot")) lock->lockroot = decoded_href(trimmed(text));
    if (is_dav(name, "activelock")) {
      (response ? response->locks : locks).push_back(std::move(*lock));
      lock.reset();
    }
  }

  void end_in_response(const XmlName& name, std::size_t depth) {
    if (is_dav(name, "href") && parent_is("response")) {
      response->hrefs.push_back(decoded_href(trimmed(text)));
    } else if (is_dav(name, "status") && parent_is("response")) {
      response->status = status_of_line(text);
    } else if (is_dav(name, "status") && parent_is("propstat")) {
      propstat_status = status_of_line(text);
    } else if (is_dav(name, "responsedescription") && parent_is("response")) {
      response->description = trimmed(text);
    } else if (is_dav(name, "propstat")) {
      response->propstat_statuses.push_back(propstat_status);
      for (auto& [n, p] : propstat_props) {
        p.status = propstat_status;
        response->properties[n] = std::move(p);
      }
      propstat_props.clear();
    } else if (is_dav(name, "response") && depth == 2) {
      ++count;
      if (on_response) {
        on_response(std::move(*response));
      } else {
        kept.push_back(std::move(*response));
      }
      response.reset();
    }
  }

  static void on_start(void* self, const XML_Char* name, const XML_Char**) {
    static_cast<Impl*>(self)->start(split(name));
  }
  static void on_end(void* self, const XML_Char*) { static_cast<Impl*>(self)->end(); }
  static void on_characters(void* self, const XML_Char* s, int n) {
    static_cast<Impl*>(self)->characters(std::string_view(s, static_cast<std::size_t>(n)));
  }

  bool parse(const char* data, std::size_t n, bool final) {
    if (failed) return false;
    // Expat takes an int length: a huge piece goes in slices.
    constexpr std::size_t kSlice = 1 << 30;
    do {
      const auto len = std::min(n, kSlice);
      const bool last = final && len == n;
      if (XML_Parse(parser, data, static_cast<int>(len), last) != XML_STATUS_OK) {
        failed = true;
        error = std::string(XML_ErrorString(XML_GetErrorCode(parser))) + " at line " +
                std::to_string(XML_GetCurrentLineNumber(parser)) + ", column " +
                std::to_string(XML_GetCurrentColumnNumber(parser));
        return false;
      }
      data += len;
      n -= len;
    } while (n > 0);
    return true;
  }
};

DavReplyParser::DavReplyParser(OnResponse on_response) : impl_(std::make_unique<Impl>()) {
  impl_->on_response = std::move(on_response);
  impl_->parser = XML_ParserCreateNS(nullptr, kSeparator);
  XML_SetUserData(impl_->parser, impl_.get());
  XML_SetElementHandler(impl_->parser, &Impl::on_start, &Impl::on_end);
  XML_SetCharacterDataHandler(impl_->parser, &Impl::on_characters);
}

DavReplyParser::~DavReplyParser() {
  XML_ParserFree(impl_->parser);
}

bool DavReplyParser::feed(std::string_view piece) {
  return impl_->parse(piece.data(), piece.size(), false);
}
bool DavReplyParser::finish() {
  return impl_->parse("", 0, true);
}
const std::string& DavReplyParser::error() const {
  return impl_->error;
}
const XmlName& DavReplyParser::root() const {
  return impl_->root;
}
std::vector<DavResponse>& DavReplyParser::responses() {
  return impl_->kept;
}
const std::vector<XmlName>& DavReplyParser::errors() const {
  return impl_->errors;
}
const std::vector<ActiveLock>& DavReplyParser::locks() const {
  return impl_->locks;
}
std::size_t DavReplyParser::response_count() const {
  return impl_->count;
}

DavReply parse_dav_reply(std::string_view body) {
  DavReplyParser p;
  DavReply r;
  r.ok = p.feed(body) && p.finish();
  r.error = p.error();
  r.root = p.root();
  r.responses = std::move(p.responses());
  r.errors = p.errors();
  r.locks = p.locks();
  return r;
}

std::string decoded_href(std::string_view s) {
  try {
    return bench::percent_decode(s);
  } catch (const bench::Error&) {
    return std::string(s);  // a malformed escape: the href as sent
  }
}

std::string href_path(std::string_view href) {
  const auto scheme = href.find("://");
  if (scheme == std::string_view::npos ||
      href.substr(0, scheme).find('/') != std::string_view::npos)
    return std::string(href);
  const auto path = href.find('/', scheme + 3);
  return path == std::string_view::npos ? "/" : std::string(href.substr(path));
}

int status_of_line(std::string_view line) {
  const auto t = trimmed(line);
  const auto sp = t.find(' ');
  if (!t.starts_with("HTTP/") || sp == std::string::npos || t.size() < sp + 4) return 0;
  int code = 0;
  for (std::size_t i = sp + 1; i < sp + 4; ++i) {
    if (!std::isdigit(static_cast<unsigned char>(t[i]))) return 0;
    code = code * 10 + (t[i] - '0');
  }
  return code;
}

}  // namespace streamcheck::conformance
