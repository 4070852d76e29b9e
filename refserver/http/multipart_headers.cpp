// The multipart helpers: the boundary from a Content-Type, a part's header block, and a
// safe name from a sent filename. See multipart.hpp for what each accepts.
#include <cstdint>
#include <string>
#include <string_view>

#include "refserver/http/multipart.hpp"

namespace streamcheck::http {

namespace {

constexpr std::string_view kSpace = " \t";

MultipartStatus malformed(std::string message) {
  return MultipartStatus(MultipartErrc::malformed, std::move(message));
}

char lower(char c) {
  return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
}

bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (lower(a[i]) != lower(b[i])) return false;
  }
  return true;
}

std::string_view trim(std::string_view s) {
  size_t first = s.find_first_not_of(kSpace);
  if (first == std::string_view::npos) return {};
  size_t last = s.find_last_not_of(kSpace);
  return s.substr(first, last - first + 1);
}

// RFC 9110 tchar.
bool is_tchar(char c) {
  if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')) return true;
  return std::string_view("!#$%&'*+-.^_`|~").find(c) != std::string_view::npos;
}

bool is_token(std::string_view s) {
  if (s.empty()) return false;
  for (char c : s) {
    if (!is_tchar(c)) return false;
  }
  return true;
}

bool is_control(char c) {
  auto u = static_cast<unsigned char>(c);
  return u < 0x20 || u == 0x7f;
}

// RFC 2046 bcharsnospace; a space is allowed too, but not last.
bool is_bchar(char c) {
  if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')) return true;
  return std::string_view("'()+_,-./:=? ").find(c) != std::string_view::npos;
}

// A parsed "type; name=value; ..." header value. Values are unquoted; the parameters are
// walked with next_param().
class ParamReader {
 public:
  explicit ParamReader(std::string_view s) : s_(s) {}

  // The leading media or disposition type, up to ';' and trimmed.
  std::string_view type() {
    size_t semi = s_.find(';');
    std::string_view t = trim(s_.substr(0, semi));
    s_ = semi == std::string_view::npos ? std::string_view() : s_.substr(semi);
    return t;
  }

  // The next parameter into name/value; false at the end. Sets error_ on bad syntax.
  bool next_param(std::string_view& name, std::string& value) {
    while (true) {
      s_ = trim(s_);
      if (s_.empty()) return false;
      if (s_.front() != ';') return fail("expected ';' before '" + std::string(s_) + "'");
      s_.remove_prefix(1);
      s_ = trim(s_);
      if (!s_.empty() && s_.front() != ';') break;  // tolerate empty parameters ("a;;b", "a;")
    }
    size_t eq = s_.find('=');
    if (eq == std::string_view::npos) return fail("parameter without '='");
    name = trim(s_.substr(0, eq));
    if (!is_token(name)) return fail("bad parameter name '" + std::string(name) + "'");
    s_ = trim(s_.substr(eq + 1));
    value.clear();
    if (!s_.empty() && s_.front() == '"') return quoted(value);
    // A bare value, up to ';'. Tolerant: senders are meant to quote anything not a token.
    size_t semi = s_.find(';');
    value = trim(s_.substr(0, semi));
    s_ = semi == std::string_view::npos ? std::string_view() : s_.substr(semi);
    return true;
  }

  const std::string& error() const { return error_; }

 private:
  // A quoted string. A backslash escapes only '"' and '\' and is kept before anything
  // else, as Go's mime package does: Windows paths arrive with bare backslashes.
  bool quoted(std::string& value) {
    for (size_t i = 1; i < s_.size(); ++i) {
      char c = s_[i];
      if (c == '"') {
        s_.remove_prefix(i + 1);
        return true;
      }
      if (c == '\\' && i + 1 < s_.size() && (s_[i + 1] == '"' || s_[i + 1] == '\\')) c = s_[++i];
      value.push_back(c);
    }
    return fail("unterminated quoted string");
  }

  bool fail(std::string message) {
    error_ = std::move(message);
    s_ = {};
    return false;
  }

  std::string_view s_;
  std::string error_;
};

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  c = lower(c);
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  return -1;
}

// RFC 5987 ext-value: charset'language'pct-encoded. nullopt for a charset we do not know.
MultipartResult<std::optional<std::string>> decode_ext_value(std::string_view v) {
  size_t q1 = v.find('\'');
  size_t q2 = q1 == std::string_view::npos ? q1 : v.find('\'', q1 + 1);
  if (q2 == std::string_view::npos) return malformed("filename* is not charset'lang'value");
  std::string_view charset = v.substr(0, q1);
  bool latin1 = iequals(charset, "ISO-8859-1");
  if (!latin1 && !iequals(charset, "UTF-8")) return std::optional<std::string>();
  std::string out;
  for (size_t i = q2 + 1; i < v.size(); ++i) {
    auto c = static_cast<unsigned char>(v[i]);
    if (c == '%') {
      int hi = i + 2 < v.size() ? hex_value(v[i + 1]) : -1;
      int lo = hi < 0 ? -1 : hex_value(v[i + 2]);
      if (lo < 0) return malformed("bad percent-encoding in filename*");
      c = static_cast<unsigned char>(hi * 16 + lo);
      i += 2;
    }
    if (latin1 && c >= 0x80) {  // to UTF-8: two bytes
      out.push_back(static_cast<char>(0xc0 | (c >> 6)));
      out.push_back(static_cast<char>(0x80 | (c & 0x3f)));
    } else {
      out.push_back(static_cast<char>(c));
    }
  }
  return std::optional<std::string>(std::move(out));
}

MultipartStatus parse_disposition(std::string_view value, PartHeaders& headers) {
  ParamReader reader(value);
  if (!is_token(reader.type())) return malformed("Content-Disposition without a type");
  std::string_view name;
  std::string v;
  std::optional<std::string> ext_filename;
  while (reader.next_param(name, v)) {
    if (iequals(name, "name")) {
      headers.name = v;
    } else if (iequals(name, "filename")) {
      headers.filename = v;
    } else if (iequals(name, "filename*")) {
      auto decoded = decode_ext_value(v);
      if (!decoded) return decoded.error();
      if (decoded.value()) ext_filename = *decoded.value();
    }
  }
  if (!reader.error().empty()) return malformed("Content-Disposition: " + reader.error());
  if (ext_filename) headers.filename = std::move(ext_filename);  // RFC 6266: filename* wins
  return MultipartStatus::ok();
}

bool valid_utf8(std::string_view s) {
  static constexpr uint32_t kMin[] = {0, 0x80, 0x800, 0x10000};  // below: overlong
  size_t i = 0;
  while (i < s.size()) {
    auto c = static_cast<unsigned char>(s[i]);
    size_t more = 0;  // continuation bytes
    if (c < 0x80) {
      ++i;
      continue;
    } else if ((c & 0xe0) == 0xc0) {
      more = 1;
    } else if ((c & 0xf0) == 0xe0) {
      more = 2;
    } else if ((c & 0xf8) == 0xf0) {
      more = 3;
    } else {
      return false;
    }
    if (i + more >= s.size()) return false;
    uint32_t cp = c & (0x3fu >> more);
    for (size_t k = 1; k <= more; ++k) {
      auto cc = static_cast<unsigned char>(s[i + k]);
      if ((cc & 0xc0) != 0x80) return false;
      cp = (cp << 6) | (cc & 0x3fu);
    }
    if (cp < kMin[more] || (cp >= 0xd800 && cp <= 0xdfff) || cp > 0x10ffff) return false;
    i += more + 1;
  }
  return true;
}

}  // namespace

MultipartResult<std::string> extract_boundary(std::string_view content_type) {
  auto bad = [](std::string message) {
    return MultipartStatus(MultipartErrc::bad_content_type, std::move(message));
  };
  ParamReader reader(content_type);
  std::string_view type = reader.type();
  if (!iequals(type, "multipart/form-data")) {
    return bad("Content-Type is '" + std::string(type) + "', not multipart/form-data");
  }
  std::string_view name;
  std::string value;
  std::optional<std::string> boundary;
  while (reader.next_param(name, value)) {
    if (iequals(name, "boundary") && !boundary) boundary = value;
  }
  if (!reader.error().empty()) return bad("Content-Type: " + reader.error());
  if (!boundary) return bad("multipart/form-data without a boundary parameter");
  if (boundary->empty()) return bad("empty multipart boundary");
  if (boundary->size() > MultipartParser::kMaxBoundary) {
    return bad("multipart boundary over 70 characters (RFC 2046)");
  }
  for (char c : *boundary) {
    if (!is_bchar(c)) return bad("multipart boundary holds a character RFC 2046 does not allow");
  }
  if (boundary->back() == ' ') return bad("multipart boundary ends in a space (RFC 2046)");
  return std::move(*boundary);
}

MultipartResult<PartHeaders> parse_part_headers(std::string_view block) {
  PartHeaders headers;
  // Each iteration takes one logical line: a header line and its folded continuations.
  while (!block.empty()) {
    std::string line;
    do {
      size_t eol = block.find("\r\n");
      if (eol == std::string_view::npos) return malformed("part header line without CRLF");
      std::string_view physical = block.substr(0, eol);
      block.remove_prefix(eol + 2);
      if (!line.empty()) line.push_back(' ');
      line.append(line.empty() ? physical : trim(physical));
    } while (!block.empty() && (block.front() == ' ' || block.front() == '\t'));

    for (char c : line) {
      if (is_control(c) && c != '\t') {
        return malformed(c == '\r' || c == '\n' ? "bare CR or LF in part header"
                                                : "control character in part header");
      }
    }
    size_t colon = line.find(':');
    if (colon == std::string::npos) return malformed("part header line without ':'");
    std::string_view name = std::string_view(line).substr(0, colon);
    if (!is_token(name)) return malformed("bad part header name '" + std::string(name) + "'");
    std::string_view value = trim(std::string_view(line).substr(colon + 1));
    if (iequals(name, "Content-Disposition")) {
      if (headers.has_disposition) return malformed("repeated Content-Disposition");
      headers.has_disposition = true;
      if (auto st = parse_disposition(value, headers); !st) return st;
    } else if (iequals(name, "Content-Type")) {
      headers.content_type = std::string(value);
    }
  }
  return headers;
}

MultipartResult<std::string> sanitize_filename(std::string_view filename) {
  auto bad = [](std::string message) {
    return MultipartStatus(MultipartErrc::bad_filename, std::move(message));
  };
  for (char c : filename) {
    if (is_control(c)) return bad("filename holds a control character or NUL");
  }
  size_t slash = filename.find_last_of("/\\");
  if (slash != std::string_view::npos) filename.remove_prefix(slash + 1);
  if (filename.empty()) return bad("empty filename");
  if (filename == "." || filename == "..") return bad("filename '" + std::string(filename) + "'");
  if (filename == ".staging") return bad("filename '.staging' is reserved");
  if (filename.size() > 255) return bad("filename over 255 bytes");
  if (!valid_utf8(filename)) return bad("filename is not valid UTF-8");
  return std::string(filename);
}

}  // namespace streamcheck::http
