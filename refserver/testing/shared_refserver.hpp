// A GoogleTest fixture whose suite shares one spawned refserver: started before the
// suite's first test, stopped after its last. A suite derives from it with itself as the
// argument and may declare
//   static std::vector<std::string> server_args();   // extra refserver flags
//   static void prepare(SpawnedRefserver& server);   // objects every test expects
#pragma once

#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include "refserver/testing/spawned_refserver.hpp"

namespace streamcheck::testing {

template <class Suite>
class SharedRefserverSuite : public ::testing::Test {
 public:
  static void SetUpTestSuite() {
    server_ = std::make_unique<SpawnedRefserver>(Suite::server_args());
    Suite::prepare(*server_);
  }
  static void TearDownTestSuite() { server_.reset(); }

  static std::vector<std::string> server_args() { return {}; }
  static void prepare(SpawnedRefserver&) {}

 protected:
  static inline std::unique_ptr<SpawnedRefserver> server_;
};

}  // namespace streamcheck::testing
