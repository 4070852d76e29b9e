// Test helper: the checks every http-copy and http-move row of a streambench run must pass,
// whatever the server (the refserver, nginx, apache2).
#pragma once

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <cstdint>
#include <set>
#include <string>

namespace streamcheck::streambench::testing {

// What the server's COPY is known to do with the bytes, for the copies counter.
enum class CopyPath {
  unknown,     // read+write and copy_file_range count 1.0, splice 0: only "no spool" holds
  read_write,  // through the server's buffers or copy_file_range: about 1.0
};

// The rows TARGET/http/copy/SIZE_TEXT and TARGET/http/move/SIZE_TEXT of `doc` ran, without
// error, and their counters are those of a server that copied (or renamed) the object
// without holding it: byte-exact, no spool, no leak, memory well below `size`.
inline void expect_copy_and_move_rows(const nlohmann::json& doc, const std::string& target,
                                      const std::string& size_text, std::uint64_t size,
                                      CopyPath copy_path) {
  std::set<std::string> seen;
  for (const auto& b : doc.at("benchmarks")) {
    const std::string name = b.at("name");
    SCOPED_TRACE(name);
    const bool copy = name.starts_with(target + "/http/copy/" + size_text);
    const bool move = name.starts_with(target + "/http/move/" + size_text);
    if (!copy && !move) continue;
    seen.insert(copy ? "copy" : "move");
    ASSERT_FALSE(b.value("error_occurred", false)) << b.value("error_message", "");
    for (const char* counter : {"sha256_ok", "copies", "deleted_open", "fd_delta", "rss_peak_kib",
                                "ttfb_us", "cpu_ms_per_gib", "warmup"}) {
      ASSERT_TRUE(b.contains(counter)) << counter;
    }
    EXPECT_EQ(b.at("sha256_ok").get<double>(), 1);
    EXPECT_EQ(b.at("warmup").get<double>(), 1);
    EXPECT_GT(b.at("bytes_per_second").get<double>(), 0);
    // The time to the answer: never zero, as it would be for a first byte never seen.
    EXPECT_GT(b.at("ttfb_us").get<double>(), 0);
    EXPECT_LE(b.at("fd_delta").get<double>(), 0);
    EXPECT_EQ(b.at("deleted_open").get<double>(), 0);
    EXPECT_GE(b.at("rss_peak_kib").get<double>(), 0);
    EXPECT_LT(b.at("rss_peak_kib").get<double>(), static_cast<double>(size) / 1024 / 2);
    const double copies = b.at("copies").get<double>();
    if (move) {
      EXPECT_LT(copies, 0.1) << "a MOVE within one filesystem is a rename";
    } else {
      EXPECT_LE(copies, 1.5) << "a COPY through a temp file writes the object twice";
      if (copy_path == CopyPath::read_write) {
        EXPECT_GE(copies, 0.5);
      }
    }
  }
  EXPECT_EQ(seen, (std::set<std::string>{"copy", "move"}));
}

}  // namespace streamcheck::streambench::testing
