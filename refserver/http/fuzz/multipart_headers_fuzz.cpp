// What the multipart parser reads around the data: a part's header block
// (parse_part_headers), its sent filename (sanitize_filename) and the request's boundary
// (extract_boundary).
//
// Input: a selector byte, then the text. Checked:
//   - parse_part_headers: what it returns is no longer than the block could decode to
//     (a filename* in ISO-8859-1 may double in UTF-8), and rendered back as a canonical
//     header block (quoted strings escaped, a filename with control characters as
//     filename*) it parses to the same headers;
//   - sanitize_filename: an accepted name is one safe path component (no '/', '\', not
//     "", ".", "..", ".staging", no control characters, at most 255 bytes), the tail of
//     what was sent, and sanitizing it again changes nothing;
//   - extract_boundary: an accepted boundary is 1 to 70 bytes, quoted back into a
//     Content-Type it comes out the same, and a parser made with it accepts an empty form.
#include <string>
#include <string_view>

#include "fuzz/fuzz_check.hpp"
#include "refserver/http/multipart.hpp"

namespace {

using streamcheck::fuzz::printable;
using namespace streamcheck::http;

bool has_control(std::string_view s) {
  for (unsigned char c : s) {
    if (c < 0x20 || c == 0x7f) return true;
  }
  return false;
}

std::string quoted(std::string_view s) {
  std::string out = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\') out.push_back('\\');
    out.push_back(c);
  }
  return out + "\"";
}

std::string percent_encoded(std::string_view s) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : s) {
    out += '%';
    out += kHex[c >> 4];
    out += kHex[c & 15];
  }
  return out;
}

void check_part_headers(std::string_view block) {
  const auto parsed = parse_part_headers(block);
  if (!parsed) {
    FUZZ_CHECK(parsed.error().code() == MultipartErrc::malformed ||
               parsed.error().code() == MultipartErrc::too_large);
    return;
  }
  const PartHeaders& headers = parsed.value();
  FUZZ_CHECK(headers.name.size() <= block.size());
  FUZZ_CHECK(headers.content_type.size() <= block.size());
  if (headers.filename) FUZZ_CHECK(headers.filename->size() <= 2 * block.size());
  if (!headers.has_disposition) FUZZ_CHECK(headers.name.empty() && !headers.filename);
  if (has_control(headers.name)) return;  // no quoted-string carries it back

  std::string rendered;
  if (headers.has_disposition) {
    rendered = "Content-Disposition: form-data; name=" + quoted(headers.name);
    if (headers.filename) {
      rendered += has_control(*headers.filename)
                      ? "; filename*=UTF-8''" + percent_encoded(*headers.filename)
                      : "; filename=" + quoted(*headers.filename);
    }
    rendered += "\r\n";
  }
  if (!headers.content_type.empty()) rendered += "Content-Type: " + headers.content_type + "\r\n";
  const auto again = parse_part_headers(rendered);
  FUZZ_CHECK_MSG(again.ok(), printable(block) + " -> " + printable(rendered) + ": " +
                                 again.error().to_string());
  const PartHeaders& back = again.value();
  FUZZ_CHECK_MSG(back.has_disposition == headers.has_disposition && back.name == headers.name &&
                     back.filename == headers.filename && back.content_type == headers.content_type,
                 printable(block) + " -> " + printable(rendered));
}

void check_filename(std::string_view sent) {
  const auto sanitized = sanitize_filename(sent);
  if (!sanitized) {
    FUZZ_CHECK(sanitized.error().code() == MultipartErrc::bad_filename);
    return;
  }
  const std::string& name = sanitized.value();
  FUZZ_CHECK_MSG(!name.empty() && name != "." && name != ".." && name != ".staging",
                 printable(sent));
  FUZZ_CHECK(name.find('/') == std::string::npos && name.find('\\') == std::string::npos);
  FUZZ_CHECK(!has_control(name));
  FUZZ_CHECK(name.size() <= 255);
  FUZZ_CHECK_MSG(sent.ends_with(name), printable(sent));
  const auto again = sanitize_filename(name);
  FUZZ_CHECK_MSG(again.ok() && again.value() == name, printable(sent));
}

void check_boundary(std::string_view content_type) {
  const auto boundary = extract_boundary(content_type);
  if (!boundary) {
    FUZZ_CHECK(boundary.error().code() == MultipartErrc::bad_content_type);
    return;
  }
  const std::string& b = boundary.value();
  FUZZ_CHECK(!b.empty() && b.size() <= MultipartParser::kMaxBoundary);
  FUZZ_CHECK(!has_control(b));
  const auto again = extract_boundary("multipart/form-data; boundary=" + quoted(b));
  FUZZ_CHECK_MSG(again.ok() && again.value() == b, printable(content_type));

  struct NoParts : MultipartSink {
    MultipartStatus on_part_begin(const PartHeaders&) override { return {}; }
    MultipartStatus on_part_data(std::span<const std::byte>) override { return {}; }
    MultipartStatus on_part_end() override { return {}; }
  } sink;
  MultipartParser parser(b, sink);
  FUZZ_CHECK(parser.feed("--" + b + "--\r\n").is_ok());
  FUZZ_CHECK(parser.finish().is_ok());
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  streamcheck::fuzz::FuzzInput input(data, size);
  const uint8_t selector = input.byte();
  const std::string_view text = input.rest();
  switch (selector % 3) {
    case 0:
      check_part_headers(text);
      break;
    case 1:
      check_filename(text);
      break;
    default:
      check_boundary(text);
  }
  return 0;
}
