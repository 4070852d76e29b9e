#include "bench/lib/ftp_reply.hpp"

#include <cctype>
#include <sstream>
#include <vector>

namespace streamcheck::bench {
namespace {

bool is_digit(char c) {
  return c >= '0' && c <= '9';
}

bool take(std::string_view& text, char c) {
  if (text.empty() || text.front() != c) return false;
  text.remove_prefix(1);
  return true;
}

// 1 to max_digits decimal digits off the front of `text`, and no digit after them.
std::optional<unsigned> take_number(std::string_view& text, size_t max_digits) {
  size_t n = 0;
  unsigned value = 0;
  while (n < text.size() && n < max_digits && is_digit(text[n]))
    value = value * 10 + static_cast<unsigned>(text[n++] - '0');
  if (n == 0 || (n < text.size() && is_digit(text[n]))) return std::nullopt;
  text.remove_prefix(n);
  return value;
}

}  // namespace

std::optional<std::string> pop_line(std::string& buffer) {
  auto nl = buffer.find('\n');
  if (nl == std::string::npos) return std::nullopt;
  std::string line = buffer.substr(0, nl);
  buffer.erase(0, nl + 1);
  if (!line.empty() && line.back() == '\r') line.pop_back();
  return line;
}

std::optional<FtpReply> FtpReplyAssembler::add_line(std::string_view line) {
  if (open_) {
    open_->text += "\n";
    open_->text += line;
    if (!line.starts_with(end_)) return std::nullopt;
    auto reply = std::move(*open_);
    open_.reset();
    return reply;
  }
  FtpReply reply{0, std::string(line)};
  // RFC 959 §4.2: three digits, the first 1 to 5. Anything else is no reply: atoi made
  // "-12" a code -12 and "1a3" a code 1.
  if (line.size() < 3 || line[0] < '1' || line[0] > '5' || !is_digit(line[1]) || !is_digit(line[2]))
    return reply;
  reply.code = (line[0] - '0') * 100 + (line[1] - '0') * 10 + (line[2] - '0');
  if (line.size() > 3 && line[3] == '-') {
    end_ = std::string(line.substr(0, 3)) + " ";
    open_ = std::move(reply);
    return std::nullopt;
  }
  return reply;
}

std::optional<FtpReply> FtpReplyAssembler::finish() {
  auto reply = std::move(open_);
  open_.reset();
  return reply;
}

std::optional<PassiveAddress> parse_pasv_reply(std::string_view text) {
  const auto open = text.find('(');
  if (open == std::string_view::npos) return std::nullopt;
  text.remove_prefix(open + 1);
  // Six numbers 0 to 255 (sscanf's %u took 300 or -1 and the port wrapped), spaces
  // before each as sscanf let through.
  unsigned n[6] = {};
  for (int i = 0; i < 6; ++i) {
    if (i > 0 && !take(text, ',')) return std::nullopt;
    while (take(text, ' ')) {
    }
    auto value = take_number(text, 3);
    if (!value || *value > 255) return std::nullopt;
    n[i] = *value;
  }
  return PassiveAddress{{n[0], n[1], n[2], n[3]}, n[4] * 256 + n[5]};
}

std::optional<unsigned> parse_epsv_reply(std::string_view text) {
  const auto open = text.find("(|||");
  if (open == std::string_view::npos) return std::nullopt;
  text.remove_prefix(open + 4);
  // A port 1 to 65535 and its closing delimiter: no digits gave port 0, and 70000 was
  // connected to as 4464.
  auto port = take_number(text, 5);
  if (!port || *port == 0 || *port > 65535 || !take(text, '|')) return std::nullopt;
  return *port;
}

std::map<std::string, std::string> parse_mlst_facts(std::string_view text) {
  std::map<std::string, std::string> facts;
  const auto lower = [](std::string s) {
    for (auto& ch : s) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
    return s;
  };
  std::istringstream lines{std::string(text)};
  for (std::string line; std::getline(lines, line);) {
    if (!line.starts_with(' ')) continue;
    const auto end = line.find("; ");  // the last fact's ";" and the SP before the path
    if (end == std::string::npos) continue;
    std::istringstream in(line.substr(1, end));
    for (std::string fact; std::getline(in, fact, ';');) {
      const auto eq = fact.find('=');
      if (eq == std::string::npos) continue;
      auto name = lower(fact.substr(0, eq));
      auto value = fact.substr(eq + 1);
      if (name == "type") value = lower(value);
      facts[name] = value;
    }
  }
  return facts;
}

}  // namespace streamcheck::bench
