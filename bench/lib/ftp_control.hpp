// A raw FTP control connection for exact protocol tests: send one command, read one
// reply (multi-line replies per RFC 959 §4.2 joined), open passive data connections by
// hand, so a test can check reply codes and send what no client library would.
#pragma once

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "bench/lib/error.hpp"
#include "bench/lib/ftp_reply.hpp"
#include "bench/lib/raw_client.hpp"

namespace streamcheck::bench {

class FtpControl {
 public:
  FtpControl(const std::string& host, std::uint16_t port,
             std::optional<std::string> from = std::nullopt)
      : host_(host), conn_(host, port, std::move(from)) {}

  // The next reply; for a multi-line reply "123-..." everything up to "123 ...".
  FtpReply read_reply(std::chrono::milliseconds timeout = std::chrono::seconds(10)) {
    FtpReplyAssembler assembler;  // ftp_reply.hpp
    while (auto line = conn_.read_line(timeout))
      if (auto reply = assembler.add_line(*line)) return *reply;
    return assembler.finish().value_or(FtpReply{});
  }

  // Sends "line\r\n" and reads the reply (waiting up to `timeout` for it).
  FtpReply command(const std::string& line,
                   std::chrono::milliseconds timeout = std::chrono::seconds(10)) {
    send_raw(line + "\r\n");
    return read_reply(timeout);
  }
  bool send_raw(std::string_view bytes) { return conn_.send(bytes); }

  // USER and PASS; true on 230.
  bool login(const std::string& user, const std::string& password) {
    if (command("USER " + user).code != 331) return false;
    return command("PASS " + password).code == 230;
  }

  // EPSV, then a data connection to the port it names (from `from`, when given).
  std::unique_ptr<RawConnection> open_passive(std::optional<std::string> from = std::nullopt) {
    auto reply = command("EPSV");
    if (reply.code != 229) throw Error("EPSV answered: " + reply.text);
    auto port = parse_epsv_reply(reply.text);
    if (!port) throw Error("no port in: " + reply.text);
    return std::make_unique<RawConnection>(host_, static_cast<std::uint16_t>(*port),
                                           std::move(from));
  }

  RawConnection& connection() { return conn_; }

 private:
  std::string host_;
  RawConnection conn_;
};

}  // namespace streamcheck::bench
