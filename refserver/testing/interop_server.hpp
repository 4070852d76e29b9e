// The server a real client of an interop test talks to: a fresh refserver, or, when the
// environment names one, any server started by a launcher that prints the ready line
// (bench/lib/ready_line.hpp), so that the same test can be checked against a peer:
//
//   STREAMCHECK_INTEROP_SERVER=scripts/peers/apache2 ctest -L interop
//
// The variable is run by /bin/sh, relative paths from the test's working directory (an
// absolute path is safer under ctest). Either way the server is stopped when the object
// goes. Its URLs carry the user and password that may write.
#pragma once

#include <cstdlib>
#include <memory>
#include <optional>
#include <string>

#include "bench/lib/launcher.hpp"
#include "bench/lib/url.hpp"
#include "refserver/testing/spawned_refserver.hpp"

namespace streamcheck::testing {

class InteropServer {
 public:
  static constexpr const char* kVariable = "STREAMCHECK_INTEROP_SERVER";

  InteropServer() {
    const char* launcher = std::getenv(kVariable);
    if (launcher && *launcher) {
      name_ = launcher;
      peer_ = bench::ServerProcess::launch(bench::Command::shell(launcher));
    } else {
      name_ = "refserver";
      refserver_ = std::make_unique<SpawnedRefserver>();
    }
  }

  // "refserver" or the launcher's command, for messages.
  const std::string& name() const { return name_; }
  const std::optional<bench::Url>& http() const { return ready().http; }
  const std::optional<bench::Url>& ftp() const { return ready().ftp; }

  // "http://127.0.0.1:PORT/": the URL without its user and password, for clients that
  // take those apart.
  static std::string without_userinfo(const bench::Url& url) {
    return url.scheme + "://" + url.authority() + url.path;
  }

 private:
  const bench::ReadyLine& ready() const {
    return peer_ ? peer_->ready() : refserver_->process().ready();
  }

  std::string name_;
  std::unique_ptr<SpawnedRefserver> refserver_;
  std::unique_ptr<bench::ServerProcess> peer_;
};

}  // namespace streamcheck::testing
