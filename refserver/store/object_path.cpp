#include "refserver/store/object_path.hpp"

#include <algorithm>
#include <cstdint>
#include <string>
#include <vector>

namespace streamcheck::store {

namespace {

// A client path made safe for an error message: control bytes and non-ASCII bytes as
// \xNN, cut after 200 bytes. The input may be hostile (log injection, huge).
std::string printable(std::string_view text) {
  constexpr size_t kMaxShown = 200;
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  out.reserve(std::min(text.size(), kMaxShown) + 8);
  for (size_t i = 0; i < text.size() && i < kMaxShown; ++i) {
    const auto byte = static_cast<unsigned char>(text[i]);
    if (byte < 0x20 || byte >= 0x7f) {
      out.append("\\x");
      out.push_back(kHex[byte >> 4]);
      out.push_back(kHex[byte & 0xf]);
    } else {
      out.push_back(static_cast<char>(byte));
    }
  }
  if (text.size() > kMaxShown) out.append("...");
  return out;
}

Status path_error(Errc code, std::string_view path, std::string_view why) {
  std::string message = "path \"";
  message.append(printable(path)).append("\": ").append(why);
  return Status(code, std::move(message));
}

bool is_control(unsigned char byte) {
  return byte < 0x20 || byte == 0x7f;
}

// Index of the first byte that is not part of well-formed UTF-8 (RFC 3629: no
// overlong forms, no surrogates, nothing above U+10FFFF), or text.size().
size_t first_invalid_utf8(std::string_view text) {
  const auto* s = reinterpret_cast<const unsigned char*>(text.data());
  const size_t n = text.size();
  size_t i = 0;
  while (i < n) {
    const unsigned char c = s[i];
    if (c < 0x80) {
      ++i;
      continue;
    }
    size_t len = 0;
    unsigned char lo = 0x80, hi = 0xbf;  // allowed range of the second byte
    if (c >= 0xc2 && c <= 0xdf) {
      len = 2;
    } else if (c >= 0xe0 && c <= 0xef) {
      len = 3;
      if (c == 0xe0) lo = 0xa0;  // overlong
      if (c == 0xed) hi = 0x9f;  // surrogates
    } else if (c >= 0xf0 && c <= 0xf4) {
      len = 4;
      if (c == 0xf0) lo = 0x90;  // overlong
      if (c == 0xf4) hi = 0x8f;  // above U+10FFFF
    } else {
      return i;  // 0x80-0xc1 (continuation or overlong lead), 0xf5-0xff
    }
    if (i + len > n) return i;
    if (s[i + 1] < lo || s[i + 1] > hi) return i;
    for (size_t k = 2; k < len; ++k) {
      if (s[i + k] < 0x80 || s[i + k] > 0xbf) return i;
    }
    i += len;
  }
  return n;
}

}  // namespace

Result<ObjectPath> ObjectPath::parse(std::string_view client_path) {
  for (const char ch : client_path) {
    if (is_control(static_cast<unsigned char>(ch))) {
      return path_error(Errc::invalid_path, client_path, "contains a control character");
    }
  }
  if (first_invalid_utf8(client_path) != client_path.size()) {
    return path_error(Errc::invalid_path, client_path, "is not valid UTF-8");
  }

  std::vector<std::string_view> parts;
  size_t start = 0;
  while (start <= client_path.size()) {
    size_t end = client_path.find('/', start);
    if (end == std::string_view::npos) end = client_path.size();
    const std::string_view part = client_path.substr(start, end - start);
    start = end + 1;
    if (part.size() > kMaxComponentBytes) {
      return path_error(Errc::name_too_long, client_path, "has a component over 255 bytes");
    }
    if (part.empty() || part == ".") continue;
    if (part == "..") {
      if (parts.empty()) {
        return path_error(Errc::invalid_path, client_path, "climbs above the root");
      }
      parts.pop_back();
      continue;
    }
    parts.push_back(part);
  }

  std::string rel;
  for (const std::string_view part : parts) {
    if (!rel.empty()) rel.push_back('/');
    rel.append(part);
    if (rel.size() > kMaxPathBytes) {
      return path_error(Errc::name_too_long, client_path, "is over 4096 bytes");
    }
  }
  if (!parts.empty() && parts.front() == kStagingDirName) {
    return path_error(Errc::not_found, client_path, "no such object");
  }
  return ObjectPath(std::move(rel));
}

std::string_view ObjectPath::name() const {
  const size_t slash = rel_.rfind('/');
  if (slash == std::string::npos) return rel_;
  return std::string_view(rel_).substr(slash + 1);
}

ObjectPath ObjectPath::parent() const {
  const size_t slash = rel_.rfind('/');
  if (slash == std::string::npos) return root();
  return ObjectPath(rel_.substr(0, slash));
}

Result<ObjectPath> ObjectPath::child(std::string_view name) const {
  if (name.empty() || name == "." || name == ".." || name.find('/') != std::string_view::npos) {
    return path_error(Errc::invalid_path, name, "is not a single name");
  }
  std::string joined = rel_;
  joined.push_back('/');
  joined.append(name);
  return parse(joined);
}

}  // namespace streamcheck::store
