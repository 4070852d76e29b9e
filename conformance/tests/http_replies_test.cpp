// The HTTP status table is the RFCs': each outcome accepts every status RFC 9110 or
// RFC 4918 gives for it, and no status that would hide a failure (a 2xx for a refused
// write, a 404 for a PUT).
#include "conformance/http_replies.hpp"

#include <gtest/gtest.h>

#include <algorithm>

namespace streamcheck::conformance {
namespace {

std::vector<int> codes(std::string_view method, HttpOutcome outcome) {
  const auto allowed = allowed_statuses(method, outcome);
  return allowed ? allowed->codes : std::vector<int>{};
}

TEST(HttpReplies, ASuccessfulDeleteMayBe200Or202Or204) {
  EXPECT_EQ(codes("DELETE", HttpOutcome::deleted), (std::vector<int>{200, 202, 204}));
  EXPECT_NE(allowed_statuses("DELETE", HttpOutcome::deleted)->source.find("RFC 9110 §9.3.5"),
            std::string_view::npos);
}

TEST(HttpReplies, PutCreatesWith201AndReplacesWith200Or204) {
  EXPECT_EQ(codes("PUT", HttpOutcome::created), std::vector<int>{201});
  EXPECT_EQ(codes("PUT", HttpOutcome::replaced), (std::vector<int>{200, 204}));
  EXPECT_EQ(codes("PUT", HttpOutcome::stored), (std::vector<int>{200, 201, 204}));
  EXPECT_EQ(allowed_statuses("PUT", HttpOutcome::created)->source, "RFC 9110 §9.3.4");
}

TEST(HttpReplies, MkcolIsRfc4918s) {
  EXPECT_EQ(codes("MKCOL", HttpOutcome::created), std::vector<int>{201});
  EXPECT_EQ(codes("MKCOL", HttpOutcome::exists), std::vector<int>{405});
  EXPECT_EQ(codes("MKCOL", HttpOutcome::parent_missing), std::vector<int>{409});
  EXPECT_EQ(codes("MKCOL", HttpOutcome::unsupported_body), std::vector<int>{415});
  EXPECT_EQ(allowed_statuses("MKCOL", HttpOutcome::created)->source, "RFC 4918 §9.3.1");
}

TEST(HttpReplies, ARefusedWriteIsNeverA2xx) {
  for (const char* method : {"PUT", "POST", "DELETE", "MKCOL", "COPY", "MOVE"}) {
    const auto c = codes(method, HttpOutcome::refused_without_credentials);
    ASSERT_FALSE(c.empty()) << method;
    for (const int code : {401, 403, 405}) EXPECT_NE(std::find(c.begin(), c.end(), code), c.end());
    for (const int code : c) EXPECT_GE(code, 400) << method;
  }
}

TEST(HttpReplies, EveryMethodTheSuiteJudgesIsListed) {
  for (const char* method :
       {"GET", "HEAD", "PUT", "POST", "DELETE", "OPTIONS", "MKCOL", "PROPFIND", "MOVE", "COPY"}) {
    bool any = false;
    for (const auto outcome :
         {HttpOutcome::ok, HttpOutcome::created, HttpOutcome::stored, HttpOutcome::deleted})
      any = any || allowed_statuses(method, outcome).has_value();
    EXPECT_TRUE(any) << method;
  }
  EXPECT_EQ(codes("OPTIONS", HttpOutcome::ok), (std::vector<int>{200, 204}));
  EXPECT_EQ(codes("PROPFIND", HttpOutcome::ok), std::vector<int>{207});
  EXPECT_EQ(codes("COPY", HttpOutcome::replaced), std::vector<int>{204});
  EXPECT_EQ(codes("MOVE", HttpOutcome::created), std::vector<int>{201});
}

TEST(HttpReplies, ReadsAndConditionsHaveOneMeaningEach) {
  EXPECT_EQ(codes("GET", HttpOutcome::ok), std::vector<int>{200});
  EXPECT_EQ(codes("HEAD", HttpOutcome::ok), std::vector<int>{200});
  EXPECT_EQ(codes("GET", HttpOutcome::missing), (std::vector<int>{404, 410}));
  EXPECT_EQ(codes("GET", HttpOutcome::not_modified), std::vector<int>{304});
  EXPECT_EQ(codes("PUT", HttpOutcome::precondition_failed), std::vector<int>{412});
  EXPECT_EQ(codes("GET", HttpOutcome::range_not_satisfiable), std::vector<int>{416});
}

TEST(HttpReplies, AnUnrecognizedMethodGets501Or405WhateverItsName) {
  EXPECT_EQ(codes("FROB", HttpOutcome::unrecognized_method), (std::vector<int>{501, 405}));
  EXPECT_FALSE(allowed_statuses("FROB", HttpOutcome::ok));
  EXPECT_FALSE(allowed_statuses("GET", HttpOutcome::deleted));
}

TEST(HttpReplies, StatusesReadAsAList) {
  EXPECT_EQ(statuses_text({200, 202, 204}), "status 200 or 202 or 204");
  EXPECT_EQ(statuses_text({201}), "status 201");
}

}  // namespace
}  // namespace streamcheck::conformance
