#include "bench/lib/ready_line.hpp"

#include <algorithm>
#include <climits>

#include "bench/lib/error.hpp"

namespace streamcheck::bench {
namespace {

bool is_blank(char c) {
  return c == ' ' || c == '\t';
}

std::string_view strip_line_end(std::string_view line) {
  while (!line.empty() && (line.back() == '\n' || line.back() == '\r')) line.remove_suffix(1);
  return line;
}

// Splits on runs of spaces and tabs.
std::vector<std::string_view> split_words(std::string_view line) {
  std::vector<std::string_view> words;
  std::size_t i = 0;
  while (i < line.size()) {
    while (i < line.size() && is_blank(line[i])) ++i;
    const auto begin = i;
    while (i < line.size() && !is_blank(line[i])) ++i;
    if (i > begin) words.push_back(line.substr(begin, i - begin));
  }
  return words;
}

bool has_control(std::string_view text) {
  return std::any_of(text.begin(), text.end(), [](char c) {
    const auto u = static_cast<unsigned char>(c);
    return u < 0x20 || u == 0x7f;
  });
}

// Ready lines are short; keep messages short too when the input is garbage.
std::string quoted_excerpt(std::string_view text) {
  constexpr std::size_t kMax = 120;
  std::string out = "\"";
  for (const char c : text.substr(0, kMax)) {
    const auto u = static_cast<unsigned char>(c);
    if (u < 0x20 || u >= 0x7f) {
      static constexpr char kHex[] = "0123456789abcdef";
      out += "\\x";
      out += kHex[u >> 4];
      out += kHex[u & 15];
    } else {
      out += c;
    }
  }
  out += text.size() > kMax ? "\"..." : "\"";
  return out;
}

[[noreturn]] void fail(std::string_view why) {
  throw Error("invalid ready line: " + std::string(why));
}

pid_t parse_pid(std::string_view value) {
  if (value.empty() || value.size() > 10 ||
      !std::all_of(value.begin(), value.end(), [](char c) { return c >= '0' && c <= '9'; })) {
    fail("pid=" + quoted_excerpt(value) + " is not a decimal number from 1 to 2147483647");
  }
  long long n = 0;
  for (const char c : value) n = n * 10 + (c - '0');
  if (n < 1 || n > INT_MAX) fail("pid=" + std::string(value) + " is out of range 1..2147483647");
  return static_cast<pid_t>(n);
}

Url parse_field_url(std::string_view key, std::string_view value,
                    std::initializer_list<std::string_view> schemes) {
  Url url;
  try {
    url = parse_url(value);
  } catch (const Error& e) {
    fail("field " + quoted_excerpt(key) + ": " + e.what());
  }
  if (std::find(schemes.begin(), schemes.end(), url.scheme) == schemes.end()) {
    fail(std::string(key) + "= has scheme \"" + url.scheme + "\" in " + url.redacted());
  }
  return url;
}

}  // namespace

bool is_ready_line(std::string_view line) {
  line = strip_line_end(line);
  if (!line.starts_with(kReadyPrefix)) return false;
  return line.size() == kReadyPrefix.size() || is_blank(line[kReadyPrefix.size()]);
}

ReadyLine parse_ready_line(std::string_view line) {
  line = strip_line_end(line);
  if (line.empty()) fail("empty line");
  if (!is_ready_line(line)) {
    fail("expected it to start with \"" + std::string(kReadyPrefix) + "\", got " +
         quoted_excerpt(line));
  }
  const auto words = split_words(line.substr(kReadyPrefix.size()));

  ReadyLine ready;
  bool have_pid = false;
  std::vector<std::string_view> seen;
  for (const auto word : words) {
    const auto eq = word.find('=');
    if (eq == std::string_view::npos) fail("field " + quoted_excerpt(word) + " is not key=value");
    const auto key = word.substr(0, eq);
    const auto value = word.substr(eq + 1);
    if (key.empty()) fail("field " + quoted_excerpt(word) + " has an empty key");
    if (value.empty()) fail("field " + quoted_excerpt(word) + " has an empty value");
    if (std::find(seen.begin(), seen.end(), key) != seen.end()) {
      fail("field " + quoted_excerpt(key) + " is given more than once");
    }
    seen.push_back(key);

    if (key == "pid") {
      ready.pid = parse_pid(value);
      have_pid = true;
    } else if (key == "http") {
      ready.http = parse_field_url(key, value, {"http", "https"});
      ready.http_text = std::string(value);
    } else if (key == "ftp") {
      ready.ftp = parse_field_url(key, value, {"ftp", "ftps"});
      ready.ftp_text = std::string(value);
    } else if (has_control(word)) {
      // A value that is only a line end ("x=\n\t") would come back empty once the line
      // is printed and read again; pid and the URLs refuse control bytes themselves.
      fail("field " + quoted_excerpt(word) + " has a control character");
    } else if (key == "root") {
      if (!value.starts_with('/'))
        fail("root= wants an absolute path, got " + quoted_excerpt(value));
      ready.root = std::filesystem::path(value).lexically_normal();
    } else {
      ready.extra.emplace_back(std::string(key), std::string(value));
    }
  }
  if (!have_pid) fail("no pid= field");
  if (!ready.http && !ready.ftp) fail("neither http= nor ftp= is given");
  return ready;
}

}  // namespace streamcheck::bench
