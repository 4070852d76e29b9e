#include "bench/lib/ftp_reply.hpp"

#include <cctype>
#include <charconv>
#include <cstdio>
#include <cstdlib>
#include <sstream>
#include <vector>

namespace streamcheck::bench {

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
  FtpReply reply;
  if (line.size() < 3) return reply;
  reply.text = std::string(line);
  reply.code = std::atoi(std::string(line.substr(0, 3)).c_str());
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
  const std::string rest(text.substr(open));
  unsigned n[6] = {};
  if (std::sscanf(rest.c_str(), "(%u,%u,%u,%u,%u,%u)", &n[0], &n[1], &n[2], &n[3], &n[4], &n[5]) !=
      6)
    return std::nullopt;
  return PassiveAddress{{n[0], n[1], n[2], n[3]}, n[4] * 256 + n[5]};
}

std::optional<unsigned> parse_epsv_reply(std::string_view text) {
  const auto open = text.find("(|||");
  if (open == std::string_view::npos) return std::nullopt;
  unsigned port = 0;
  std::from_chars(text.data() + open + 4, text.data() + text.size(), port);
  return port;
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
