// The FTP server tests' control connections to a spawned refserver, greeting read.
#pragma once

#include <gtest/gtest.h>

#include <memory>

#include "bench/lib/ftp_control.hpp"
#include "refserver/testing/spawned_refserver.hpp"

namespace streamcheck::testing {

inline std::unique_ptr<bench::FtpControl> ftp_connect(const SpawnedRefserver& server) {
  auto c = std::make_unique<bench::FtpControl>("127.0.0.1", server.ftp().port);
  EXPECT_EQ(c->read_reply().code, 220);
  return c;
}

// Logged in as the test user, in TYPE I (the tests compare bytes as stored).
inline std::unique_ptr<bench::FtpControl> ftp_logged_in(const SpawnedRefserver& server) {
  auto c = ftp_connect(server);
  EXPECT_TRUE(c->login(SpawnedRefserver::kUser, SpawnedRefserver::kPassword));
  EXPECT_EQ(c->command("TYPE I").code, 200);
  return c;
}

}  // namespace streamcheck::testing
