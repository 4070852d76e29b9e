// The interop tests' one shape: a real client program uploads a generated payload read
// from its stdin, another (or the same) downloads it to stdout, hashed as it streams.
#pragma once

#include <gtest/gtest.h>

#include <string>

#include "bench/lib/command_pipe.hpp"
#include "bench/lib/payload.hpp"
#include "bench/lib/transfer.hpp"

namespace streamcheck::testing {

// Runs `upload` with the payload on its stdin, then `download`: both must exit 0 and the
// download's bytes must be the payload's. A failed upload ends the check there.
inline void expect_round_trip(const std::string& upload, const std::string& download,
                              const bench::Payload& p) {
  ASSERT_EQ(bench::run_with_payload(upload, p.seed, p.size, p.kind), 0) << upload;
  const auto [rc, sha] = bench::run_and_hash(download);
  EXPECT_EQ(rc, 0) << download;
  EXPECT_EQ(sha, bench::payload_sha256(p.seed, p.size, p.kind)) << download;
}

}  // namespace streamcheck::testing
